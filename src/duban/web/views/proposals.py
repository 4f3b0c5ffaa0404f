"""建议提案 pages: the office's list of a session's items, an item with its whole history
and the forms of whoever acts on it now, intake and import, and the year's files.

Thin views (STYLE.md rule 5): read through `proposals.selectors`, turn the POST into an
action's arguments, call the action, redirect. A refused actor is a 403 with the action's
Chinese message; refused input comes back as a message naming the field.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from duban.org.models import Role, Unit
from duban.proposals import actions, importer, report, selectors
from duban.proposals.models import (
    Adjustment,
    Body,
    Category,
    ContactWay,
    Proposal,
    ProposalSession,
    Reply,
    ReplyStatus,
    RequestStatus,
    Satisfaction,
    State,
    UnitRole,
)
from duban.web.common import acting_user, roles_required
from duban.work.errors import ActionError, Invalid, Refused

VIEWERS = (Role.SUPERVISOR, Role.LEADER, Role.LIAISON, Role.UNIT_HEAD)
MAX_IMPORT_BYTES = 10 * 1024 * 1024


class BadInput(Exception):
    """A form value that cannot become an action's argument (the message names the field)."""


def _date(request: HttpRequest, name: str, label: str, *, required: bool = True) -> date | None:
    raw = request.POST.get(name, "").strip()
    if not raw:
        if required:
            raise BadInput(f"请填写{label}。")
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise BadInput(f"{label}“{raw[:20]}”不是有效日期。") from None
    if not 2000 <= day.year <= 2100:
        raise BadInput(f"{label}须在2000年至2100年之间。")
    return day


def _units(request: HttpRequest, name: str, label: str) -> list[Unit]:
    ids = []
    for raw in request.POST.getlist(name):
        if not raw.strip():
            continue
        if not raw.isdigit() or len(raw) > 18:
            raise BadInput(f"{label}无效。")
        ids.append(int(raw))
    found = Unit.objects.in_bulk(ids)
    if len(found) != len(set(ids)) or any(not u.is_active for u in found.values()):
        raise BadInput(f"{label}中有不存在或已停用的单位。")
    return [found[i] for i in dict.fromkeys(ids)]


def _int(raw: str, label: str) -> int:
    raw = raw.strip()
    if not raw.isdigit() or len(raw) > 9:
        raise BadInput(f"{label}须为正整数。")
    return int(raw)


def _act(request: HttpRequest, back: str, fn: Callable[..., Any], done: str) -> HttpResponse:
    """Run `fn(by)`; a refusal of the actor is 403, of the input a message on the page."""
    try:
        fn(acting_user(request))
    except BadInput as e:
        messages.error(request, str(e))
    except Refused as e:
        raise PermissionDenied(e.message) from None
    except ActionError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, done)
    return redirect(back)


def _visible(request: HttpRequest, pk: int) -> Proposal:
    p = selectors.item_for(acting_user(request), pk)
    if p is None:
        raise Http404
    return p


# ---------------------------------------------------------------- list and item


@roles_required(*VIEWERS)
def item_list(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    sessions = selectors.sessions()
    q = request.GET
    f = selectors.Filters()
    session_raw = q.get("session", "")
    if session_raw.isdigit() and len(session_raw) < 18:
        f.session = int(session_raw)
    elif sessions and "session" not in q:
        f.session = sessions[0].pk
    unit_raw = q.get("unit", "")
    if unit_raw.isdigit() and len(unit_raw) < 18:
        f.unit = int(unit_raw)
    f.category = q.get("category", "") if q.get("category") in Category.values else ""
    f.state = q.get("state", "") if q.get("state") in State.values else ""
    f.overdue = q.get("overdue") == "1"
    today = timezone.localdate()
    items = selectors.item_list(user, f, today=today)
    return render(
        request,
        "proposals/list.html",
        {
            "items": items,
            "sessions": sessions,
            "f": f,
            "units": selectors.units_for_filter()
            if user.role in (Role.SUPERVISOR, Role.LEADER)
            else [],
            "categories": Category.choices,
            "states": State.choices,
            "counts": selectors.counts_by_state(items),
            "today": today,
            "year": next((s.year for s in sessions if s.pk == f.session), today.year),
        },
    )


@roles_required(*VIEWERS)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    p = _visible(request, pk)
    units = list(p.units.select_related("unit").order_by("-active", "position"))
    mine = next((u for u in units if u.active and u.unit_id == user.unit_id), None)
    first_lead = next((u for u in units if u.active and u.role == UnitRole.LEAD), None)
    answering = mine is not None and first_lead is not None and mine.pk == first_lead.pk
    reply = selectors.current_reply(p)
    today = timezone.localdate()
    sup = user.role == Role.SUPERVISOR
    handling = p.state == State.HANDLING
    ctx: dict[str, Any] = {
        "p": p,
        "units": units,
        "proposers": list(p.proposers.all()),
        # Contact details for those who contact the deputy: the office and the units on it.
        "show_contact": sup or mine is not None,
        "history": selectors.history(p),
        "contacts": list(p.contacts.select_related("unit")),
        "opinions": list(p.opinions.select_related("unit")),
        "replies": list(p.replies.select_related("unit", "signed_by", "reviewed_by")),
        "feedback": list(p.feedback.all()),
        "adjustments": list(p.adjustments.select_related("unit")),
        "follow_ups": list(p.follow_ups.select_related("task")),
        "reply": reply,
        "task": p.task,
        "ways": ContactWay.choices,
        "categories": Category.choices,
        "levels": Satisfaction.choices,
        "all_units": Unit.objects.filter(is_active=True).order_by("name") if sup else [],
        "today": today,
        # Which forms this viewer gets now.
        "can_assign": sup and p.state == State.REGISTERED,
        "can_decide": sup and p.adjustments.filter(status=RequestStatus.PENDING).exists(),
        "can_review": sup and reply is not None and reply.status == ReplyStatus.SIGNED,
        "can_send": sup and reply is not None and reply.status == ReplyStatus.APPROVED,
        "can_feedback": sup and p.state == State.REPLIED,
        "can_adjust": mine is not None
        and handling
        and p.round == 1
        and p.adjust_until is not None
        and today <= p.adjust_until
        and not p.adjustments.filter(status=RequestStatus.PENDING).exists(),
        "can_contact": answering and handling,
        "can_draft": answering
        and handling
        and (reply is None or reply.status in (ReplyStatus.DRAFT, ReplyStatus.RETURNED)),
        "can_sign": answering
        and user.role == Role.UNIT_HEAD
        and reply is not None
        and reply.status == ReplyStatus.DRAFT,
        "can_opine": mine is not None
        and not answering
        and handling
        and not p.opinions.filter(unit_id=user.unit_id or 0, round=p.round).exists(),
        "draft": reply if reply is not None and reply.status == ReplyStatus.DRAFT else None,
    }
    return render(request, "proposals/detail.html", ctx)


# ---------------------------------------------------------------- intake


@roles_required(Role.SUPERVISOR)
def intake(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "proposals/intake.html",
        {
            "sessions": selectors.sessions(),
            "bodies": Body.choices,
            "year": timezone.localdate().year,
        },
    )


def _session(request: HttpRequest) -> ProposalSession:
    raw = request.POST.get("session", "")
    if not raw.isdigit() or len(raw) > 18:
        raise BadInput("请选择批次。")
    s = ProposalSession.objects.filter(pk=int(raw)).first()
    if s is None:
        raise BadInput("请选择批次。")
    return s


@require_POST
@roles_required(Role.SUPERVISOR)
def session_new(request: HttpRequest) -> HttpResponse:
    def go(by: Any) -> None:
        actions.create_session(
            year=_int(request.POST.get("year", ""), "年度"),
            body=request.POST.get("body", ""),
            name=request.POST.get("name", ""),
            by=by,
        )

    return _act(request, reverse("proposal_intake"), go, "已登记批次。")


@require_POST
@roles_required(Role.SUPERVISOR)
def register(request: HttpRequest) -> HttpResponse:
    created: list[Proposal] = []

    def go(by: Any) -> None:
        post = request.POST
        joined = [
            actions.ProposerDraft(name=n)
            for n in post.get("joined", "").replace("，", "、").replace(",", "、").split("、")
            if n.strip()
        ]
        created.append(
            actions.register(
                session=_session(request),
                item=actions.ItemDraft(
                    number=_int(post.get("number", ""), "编号"),
                    title=post.get("title", ""),
                    text=post.get("text", ""),
                    lead=actions.ProposerDraft(
                        name=post.get("lead", ""),
                        delegation=post.get("delegation", ""),
                        phone=post.get("phone", ""),
                        address=post.get("address", ""),
                    ),
                    joined=joined,
                    urgent=post.get("urgent") == "1",
                ),
                by=by,
            )
        )

    response = _act(request, reverse("proposal_intake"), go, "已登记。")
    if created:
        return redirect("proposal_detail", created[0].pk)
    return response


@require_POST
@roles_required(Role.SUPERVISOR)
def import_list(request: HttpRequest) -> HttpResponse:
    n: list[int] = []

    def go(by: Any) -> None:
        session = _session(request)
        upload = request.FILES.get("file")
        if upload is None:
            raise BadInput("请选择要导入的Excel文件。")
        if upload.size is not None and upload.size > MAX_IMPORT_BYTES:
            raise BadInput("导入文件不能超过10MB。")
        try:
            drafts = importer.read_items(upload.read())
        except importer.ImportProblem as e:
            raise BadInput("导入失败，未导入任何一件：" + "；".join(e.problems)) from None
        try:
            n.append(len(actions.import_items(session=session, items=drafts, by=by)))
        except Invalid as e:
            raise BadInput("导入失败，未导入任何一件：" + e.message.replace("\n", "；")) from None

    response = _act(request, reverse("proposal_intake"), go, "导入完成。")
    if n:
        messages.info(request, f"已导入{n[0]}件。")
    return response


# ---------------------------------------------------------------- actions on an item


def _back(p: Proposal) -> str:
    return reverse("proposal_detail", args=[p.pk])


@require_POST
@roles_required(Role.SUPERVISOR)
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    p = _visible(request, pk)

    def go(by: Any) -> None:
        actions.assign(
            proposal=p,
            lead=_units(request, "lead", "主办单位"),
            co=_units(request, "co", "协办单位"),
            due=_date(request, "due", "答复时限", required=False),
            by=by,
        )

    return _act(request, _back(p), go, "已交办。")


@require_POST
@roles_required(Role.LIAISON, Role.UNIT_HEAD)
def adjust(request: HttpRequest, pk: int) -> HttpResponse:
    p = _visible(request, pk)

    def go(by: Any) -> None:
        actions.request_adjustment(
            proposal=p,
            reason=request.POST.get("reason", ""),
            suggestion=request.POST.get("suggestion", ""),
            by=by,
        )

    return _act(request, _back(p), go, "已提交调整申请，等待督查室审核。")


@require_POST
@roles_required(Role.SUPERVISOR)
def decide_adjustment(request: HttpRequest, pk: int) -> HttpResponse:
    req = get_object_or_404(Adjustment, pk=pk)

    def go(by: Any) -> None:
        approve = request.POST.get("approve") == "1"
        actions.decide_adjustment(
            adjustment=req,
            approve=approve,
            decision=request.POST.get("decision", ""),
            lead=_units(request, "lead", "主办单位") if approve else [],
            co=_units(request, "co", "协办单位") if approve else [],
            by=by,
        )

    return _act(request, _back(req.proposal), go, "已审核调整申请。")


@require_POST
@roles_required(Role.LIAISON, Role.UNIT_HEAD)
def contact(request: HttpRequest, pk: int) -> HttpResponse:
    p = _visible(request, pk)

    def go(by: Any) -> None:
        on = _date(request, "on", "沟通日期")
        assert on is not None
        actions.record_contact(
            proposal=p,
            on=on,
            way=request.POST.get("way", ""),
            with_whom=request.POST.get("with_whom", ""),
            by_whom=request.POST.get("by_whom", ""),
            note=request.POST.get("note", ""),
            by=by,
        )

    return _act(request, _back(p), go, "已登记沟通情况。")


@require_POST
@roles_required(Role.LIAISON, Role.UNIT_HEAD)
def opinion(request: HttpRequest, pk: int) -> HttpResponse:
    p = _visible(request, pk)

    def go(by: Any) -> None:
        actions.send_opinion(proposal=p, text=request.POST.get("text", ""), by=by)

    return _act(request, _back(p), go, "已向主办单位提出协办意见。")


@require_POST
@roles_required(Role.LIAISON, Role.UNIT_HEAD)
def draft(request: HttpRequest, pk: int) -> HttpResponse:
    p = _visible(request, pk)

    def go(by: Any) -> None:
        actions.draft_reply(
            proposal=p,
            category=request.POST.get("category", ""),
            text=request.POST.get("text", ""),
            promise=request.POST.get("promise", ""),
            promise_due=_date(request, "promise_due", "承诺完成时限", required=False),
            is_public=request.POST.get("is_public") == "1",
            by=by,
        )

    return _act(request, _back(p), go, "已保存答复函，请单位负责人签发。")


def _reply(pk: int) -> Reply:
    return get_object_or_404(Reply.objects.select_related("proposal"), pk=pk)


@require_POST
@roles_required(Role.UNIT_HEAD)
def sign(request: HttpRequest, pk: int) -> HttpResponse:
    r = _reply(pk)
    _visible(request, r.proposal_id)
    return _act(
        request,
        _back(r.proposal),
        lambda by: actions.sign_reply(reply=r, by=by),
        "已签发，答复函报送督查室审核。",
    )


@require_POST
@roles_required(Role.SUPERVISOR)
def review(request: HttpRequest, pk: int) -> HttpResponse:
    r = _reply(pk)

    def go(by: Any) -> None:
        actions.review_reply(
            reply=r,
            approve=request.POST.get("approve") == "1",
            category=request.POST.get("category", ""),
            is_public=request.POST.get("is_public") == "1",
            note=request.POST.get("note", ""),
            by=by,
        )

    return _act(request, _back(r.proposal), go, "已审核答复函。")


@require_POST
@roles_required(Role.SUPERVISOR)
def send(request: HttpRequest, pk: int) -> HttpResponse:
    r = _reply(pk)
    return _act(
        request,
        _back(r.proposal),
        lambda by: actions.send_reply(reply=r, by=by),
        "答复函已发出，办理事项已办结销号。",
    )


@require_POST
@roles_required(Role.SUPERVISOR)
def satisfaction(request: HttpRequest, pk: int) -> HttpResponse:
    p = _visible(request, pk)

    def go(by: Any) -> None:
        actions.record_satisfaction(
            proposal=p,
            level=request.POST.get("level", ""),
            comment=request.POST.get("comment", ""),
            by=by,
        )

    return _act(request, _back(p), go, "已登记满意度。")


# ---------------------------------------------------------------- the year's files


def _year(request: HttpRequest) -> int:
    raw = request.GET.get("year", "")
    if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
        raise Http404
    return int(raw)


def _file(content: bytes, name: str, kind: str) -> HttpResponse:
    from urllib.parse import quote

    response = HttpResponse(content, content_type=kind)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@roles_required(Role.SUPERVISOR)
def report_download(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    figures = report.generate(user=acting_user(request), year=year)
    return _file(report.build(figures).to_bytes(), f"{year}年建议提案办理工作情况报告.docx", DOCX)


@roles_required(Role.SUPERVISOR)
def ledger_download(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    user = acting_user(request)
    rows = selectors.ledger_rows(user, year, today=timezone.localdate())
    report.log_export(user, timezone.now(), f"proposals ledger {year}")
    return _file(report.ledger_xlsx(rows), f"{year}年建议提案台账.xlsx", XLSX)


@roles_required(Role.SUPERVISOR)
def public_download(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    user = acting_user(request)
    replies = selectors.public_replies(year)
    report.log_export(user, timezone.now(), f"proposals public replies {year}")
    return _file(report.public_replies_xlsx(replies), f"{year}年建议提案公开答复.xlsx", XLSX)
