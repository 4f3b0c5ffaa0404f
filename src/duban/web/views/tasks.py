"""The task page: everything about one task, its timeline, and the viewer's actions.

Each action is a POST-only URL with a small form (web/forms.py). The view turns the form
into the action's arguments and calls the action; it never writes a record itself.
- success: a message and a redirect to the task page (or back to the unit's home for a
  quick 签收 from its list);
- the action refuses the actor (`Refused`: wrong role, or a unit not on the task): 403
  with the action's Chinese message;
- the action refuses the input or the state (`Invalid`): the task page again, with the
  message next to the field it names, or at the top when it names none. What was typed
  stays in the form.
Who sees the page is `selectors.task_for`; which forms it shows is `available_actions`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.db.models import Prefetch, prefetch_related_objects
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from duban.audit.access import record
from duban.audit.models import AccessKind
from duban.notify import selectors as notify_selectors
from duban.org.models import Role, Unit, User
from duban.web import forms as f
from duban.web.common import acting_user, roles_required
from duban.work import actions, selectors, uploads
from duban.work.available import available_actions, extension_named, permitted, task_named
from duban.work.errors import ActionError, Refused
from duban.work.models import (
    Assignment,
    Attachment,
    Cycle,
    Event,
    EventKind,
    ExtensionRequest,
    ExtensionStatus,
    Light,
    ProgressReport,
    ReviewStatus,
    ReviewWhat,
    Task,
    UnitReview,
)

# Everyone who may open a task page; who may act is the actions' business.
VIEWERS = (Role.SUPERVISOR, Role.LEADER, Role.LIAISON, Role.UNIT_HEAD)
HOMES = {
    Role.SUPERVISOR: ("workbench", "工作台"),
    Role.LEADER: ("leader_home", "我的分管"),
    Role.LIAISON: ("unit_home", "本单位事项"),
    Role.UNIT_HEAD: ("unit_home", "本单位事项"),
}
WEEKDAYS = "一二三四五六日"

logger = logging.getLogger("duban.web")


# ---------------------------------------------------------------- the actions

Run = Callable[[HttpRequest, User, Task, dict[str, Any]], object]


@dataclass(frozen=True)
class Step:
    """One action of the task page: its form, the call, and what the user is told."""

    name: str
    title: str
    form: type[f.ActionForm]
    run: Run
    done: Callable[[dict[str, Any]], str]


def _said(text: str) -> Callable[[dict[str, Any]], str]:
    return lambda data: text


def _files(request: HttpRequest) -> list[Any]:
    return request.FILES.getlist("attachments")


STEPS: dict[str, Step] = {
    s.name: s
    for s in [
        Step(
            "receive",
            "签收",
            f.ReceiveForm,
            lambda r, by, t, d: actions.receive(task=t, by=by, now=timezone.now()),
            _said("已签收。"),
        ),
        Step(
            "report",
            "报送进展",
            f.ReportForm,
            lambda r, by, t, d: (
                actions.send_for_unit_review(
                    task=t,
                    what="progress",
                    text=d["text"],
                    attachments=_files(r),
                    by=by,
                    now=timezone.now(),
                )
                if actions.needs_unit_review(by, "progress")
                else actions.report_progress(
                    task=t, text=d["text"], attachments=_files(r), by=by, now=timezone.now()
                )
            ),
            _said("进展已报送。"),
        ),
        Step(
            "submit",
            "报送办结",
            f.SubmitForm,
            lambda r, by, t, d: (
                actions.send_for_unit_review(
                    task=t,
                    what="submit",
                    text=d["text"],
                    attachments=_files(r),
                    by=by,
                    now=timezone.now(),
                )
                if actions.needs_unit_review(by, "submit")
                else actions.submit_done(
                    task=t, text=d["text"], attachments=_files(r), by=by, now=timezone.now()
                )
            ),
            _said("办结情况已报送。"),
        ),
        Step(
            "extend",
            "申请延期",
            f.ExtendForm,
            lambda r, by, t, d: (
                actions.send_for_unit_review(
                    task=t,
                    what="extension",
                    text=d["reason"],
                    new_due=d["new_due"],
                    by=by,
                    now=timezone.now(),
                )
                if actions.needs_unit_review(by, "extension")
                else actions.request_extension(
                    task=t, new_due=d["new_due"], reason=d["reason"], by=by, now=timezone.now()
                )
            ),
            _said("延期申请已提交，请等待督查室审批。"),
        ),
        Step(
            "return",
            "退回",
            f.ReturnForm,
            lambda r, by, t, d: actions.return_(
                task=t, reason=d["reason"], by=by, now=timezone.now()
            ),
            _said("已退回督查室。"),
        ),
        Step(
            "verify",
            "审核办结",
            f.VerifyForm,
            lambda r, by, t, d: actions.verify(
                task=t,
                accept=d["accept"],
                reason=d["reason"],
                confirm_silent_co=bool(d.get("confirm_co")),
                by=by,
                now=timezone.now(),
            ),
            lambda d: "审核通过。" if d["accept"] else "已退回重办。",
        ),
        Step(
            "close",
            "办结销号",
            f.CloseForm,
            lambda r, by, t, d: actions.close(task=t, note=d["note"], by=by, now=timezone.now()),
            _said("已办结销号。"),
        ),
        Step(
            "comment",
            "批示",
            f.CommentForm,
            lambda r, by, t, d: actions.comment(task=t, text=d["text"], by=by, now=timezone.now()),
            _said("批示已发送。"),
        ),
        Step(
            "urge",
            "催办",
            f.UrgeForm,
            lambda r, by, t, d: actions.urge(
                task=t, message=d["message"], by=by, now=timezone.now()
            ),
            _said("已催办。"),
        ),
        Step(
            "reassign",
            "改派",
            f.ReassignForm,
            lambda r, by, t, d: actions.reassign(
                task=t,
                lead=[d["lead"]],
                co=list(d["co"]),
                due=d["due"] or None,
                reason=d["reason"],
                by=by,
                now=timezone.now(),
            ),
            _said("已改派。"),
        ),
        Step(
            "withdraw",
            "撤销",
            f.WithdrawForm,
            lambda r, by, t, d: actions.withdraw(
                task=t, reason=d["reason"], by=by, now=timezone.now()
            ),
            _said("事项已撤销。"),
        ),
    ]
}
DECIDE = "decide_extension"
# The forms the page opens at once: the step the viewer is most likely here for.
OPEN_FIRST = {"receive", "verify", "close", DECIDE}


def _new_form(name: str, task: Task, ext: ExtensionRequest | None = None) -> f.ActionForm:
    if name == DECIDE:
        assert ext is not None
        return f.DecideExtensionForm(
            auto_id=f"ext{ext.pk}_%s", initial={"new_due": ext.requested_due}
        )
    form = STEPS[name].form(auto_id=f"{name}_%s")
    # A due date stored before the forms bounded it (9999-12-31) must not break the page.
    if name == "extend" and task.due is not None and task.due < date.max:
        form.fields["new_due"].widget.attrs["min"] = (task.due + timedelta(days=1)).isoformat()
    if name == "reassign":
        form.initial = {"lead": task.lead_unit_id}
    return form


def _refused(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "web/refused.html", {"message": message}, status=403)


def _attempt(form: f.ActionForm, call: Callable[[], object]) -> str | None:
    """Run the action; on an `Invalid`, put its message on the form field it names.

    Returns the message for the top of the page when the refusal names no field of the
    form (a state refusal), else None. A `Refused` propagates: the caller answers 403.
    """
    try:
        call()
    except Refused:
        raise  # not a matter of input: the caller answers 403
    except ActionError as e:
        if e.field and e.field in form.fields:
            form.add_error(e.field, e.message)
            return None
        return e.message
    return None


def _act(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    user = acting_user(request)
    task = task_named(pk)
    if task is None:
        raise Http404("事项不存在。")
    step = STEPS[name]
    form = step.form(request.POST, request.FILES, auto_id=f"{name}_%s")
    problem: str | None = None
    if form.is_valid():
        result: list[object] = []
        try:
            problem = _attempt(
                form, lambda: result.append(step.run(request, user, task, form.cleaned_data))
            )
        except Refused as e:
            return _refused(request, e.message)
        if problem is None and not form.errors:
            said = step.done(form.cleaned_data)
            if result and isinstance(result[0], UnitReview):
                said = f"{result[0].get_what_display()}已送单位负责人审核，审核同意后报送督查室。"
            messages.success(request, f"{task.code}：{said}")
            return _next(request, task.pk)
    elif name not in permitted(user, task):
        # An incomplete form from someone the action would refuse anyway: refuse it here.
        return _refused(request, f"您无权对该事项{step.title}。")
    if name == "receive" and request.POST.get("next") == "unit_home":
        messages.error(request, problem or "签收未成功。")
        return redirect("unit_home")
    return _page_again(request, user, task.pk, name, step.title, form, problem)


# Lists that act on a task in one click and want the user back on the list afterwards.
BACK_TO = {"unit_home", "workbench"}


def _next(request: HttpRequest, task_pk: int) -> HttpResponse:
    """After a successful action: back to the list it was taken from, else the task page."""
    back = request.POST.get("next", "")
    if back in BACK_TO:
        return redirect(back)
    return redirect("task_detail", task_pk)


def _page_again(
    request: HttpRequest,
    user: User,
    pk: int,
    name: str,
    title: str,
    form: f.ActionForm,
    problem: str | None,
) -> HttpResponse:
    """The task page with the failed form as it was sent, and the reason why."""
    task = selectors.task_for(user, pk)
    if task is None:  # only those who may act get this far, and they see the task
        return _refused(request, "您无权查看该事项。")
    return _render(request, user, task, failed=(name, title, form, problem))


# ---------------------------------------------------------------- the page


@dataclass
class Panel:
    name: str
    title: str
    url: str
    form: f.ActionForm
    open: bool
    multipart: bool
    note: str = ""
    co: list[selectors.CoInput] = field(default_factory=list)


def _panels(
    user: User,
    task: Task,
    offered: set[str],
    failed: tuple[str, str, f.ActionForm, str | None] | None,
    wanted: str = "",
) -> list[Panel]:
    panels = []
    # The co-units' input: the lead consolidates it when it submits; the verifier sees who
    # stayed silent and must confirm (or, by the county's setting, cannot accept).
    co = selectors.co_inputs(task) if {"submit", "verify"} & offered else []
    silent = [c for c in co if c.silent]
    for name, step in STEPS.items():
        if name not in offered:
            continue
        form = failed[2] if failed and failed[0] == name else _new_form(name, task)
        title = "领导批示" if name == "comment" and user.role == Role.LEADER else step.title
        note, shown_co = "", []
        if name == "verify" and silent:
            note = (
                "配合单位" + "、".join(c.unit.label for c in silent) + "尚未签收或未报送办理情况。"
            )
        elif name == "verify" and "confirm_co" in form.fields:
            del form.fields["confirm_co"]
        if name == "submit" and task.lead_unit_id == user.unit_id:
            shown_co = co
        what = {"submit": "submit", "extend": "extension", "report": "progress"}.get(name)
        if what and user.role == Role.LIAISON and actions.needs_unit_review(user, what):
            note = "按本县设置，提交后先送本单位负责人审核，审核同意后报送督查室。"
        panels.append(
            Panel(
                name=name,
                title=title,
                url=reverse(f"task_{name}", args=[task.pk]),
                form=form,
                open=bool(form.errors)
                or name == wanted
                or name in OPEN_FIRST
                or (name == "comment" and user.role == Role.LEADER),
                multipart=form.is_multipart(),
                note=note,
                co=shown_co,
            )
        )
    if DECIDE in offered:
        for ext in task.extensions.all():
            if ext.status != ExtensionStatus.PENDING:
                continue
            form = failed[2] if failed and failed[0] == DECIDE else _new_form(DECIDE, task, ext)
            panels.insert(
                0,
                Panel(
                    name=DECIDE,
                    title="延期审批",
                    url=reverse("extension_decide", args=[ext.pk]),
                    form=form,
                    open=True,
                    multipart=False,
                    note=f"{ext.unit.label}申请由{_d(ext.current_due)}延至"
                    f"{_d(ext.requested_due)}。理由：{ext.reason}",
                ),
            )
    return panels


def _cycle_text(task: Task) -> str:
    if task.cycle == Cycle.WEEKLY:
        return f"每周（周{WEEKDAYS[(task.cycle_day or 5) - 1]}前）"
    if task.cycle == Cycle.MONTHLY:
        return f"每月（{task.cycle_day or 5}日前）"
    if task.cycle == Cycle.QUARTERLY:
        return "每季度（季末前）"
    return task.get_cycle_display()


def _d(day: Any) -> str:
    """A date (or an ISO date from a payload) the way the page writes dates: 2026年6月30日."""
    if not day:
        return ""
    y, m, d = str(day)[:10].split("-")
    return f"{int(y)}年{int(m)}月{int(d)}日"


def _details(ev: Event, units: dict[int, Unit]) -> list[tuple[str, str]]:
    """The key payload of an event as (label, text) lines for the timeline."""
    p, kind = ev.payload, ev.kind

    def names(ids: list[int]) -> str:
        return "、".join(units[i].label for i in ids if i in units)

    lines: list[tuple[str, str]] = []
    if kind in (EventKind.ASSIGNED, EventKind.REASSIGNED):
        if p.get("lead"):
            lines.append(("牵头单位", names(p["lead"])))
        if p.get("co"):
            lines.append(("配合单位", names(p["co"])))
        if p.get("due"):
            # "10个工作日" says how the date was reached; a fixed date needs no gloss.
            rule = p.get("due_rule") or {}
            gloss = p.get("due_text") if rule and "date" not in rule else ""
            due = _d(p["due"]) + (f"（{gloss}）" if gloss else "")
            lines.append(("完成时限", due + ("，暂定" if p.get("due_provisional") else "")))
    elif kind == EventKind.PROGRESS and p.get("slot"):
        lines.append(("计入", f"{_d(p['slot'])}一期" + ("（补报）" if p.get("late") else "")))
    elif kind == EventKind.EXTENSION_REQUESTED:
        lines.append(("申请延至", _d(p.get("requested_due"))))
    elif kind == EventKind.EXTENSION_DECIDED:
        verdict = f"同意，新时限{_d(p.get('new_due'))}" if p.get("approved") else "不同意"
        lines.append(("审批结果", verdict))
    elif kind == EventKind.UNIT_REVIEW_REQUESTED:
        what = dict(ReviewWhat.choices).get(p.get("what", ""), "")
        lines.append(("送审", f"{what}，待单位负责人审核"))
        if p.get("requested_due"):
            lines.append(("申请延至", _d(p.get("requested_due"))))
    elif kind == EventKind.UNIT_REVIEW_DECIDED:
        lines.append(("审核结果", "同意报送" if p.get("approved") else "退回经办人"))
    elif kind == EventKind.LIGHT_CHANGED:
        before, after = p.get("from", ""), p.get("light", "")
        shown = dict(Light.choices)
        lines.append(("亮灯", f"{shown.get(before, before)} → {shown.get(after, after)}"))
        if p.get("missing_reports"):
            lines.append(("缺报", f"{p['missing_reports']}次"))
    elif kind == EventKind.DUE_RECOMPUTED:
        lines.append(("完成时限", f"由{_d(p.get('previous_due'))}校正为{_d(p.get('due'))}"))
    for key, name in (("text", "内容"), ("message", "催办内容"), ("note", "说明")):
        if p.get(key):
            lines.append((name, str(p[key])))
    if p.get("reason"):
        lines.append(("理由", str(p["reason"])))
    for co in p.get("co_inputs") or []:
        unit = units.get(co.get("unit"))
        if unit is not None and co.get("text"):
            lines.append((f"{unit.label}{'（已报结）' if co.get('done') else ''}", str(co["text"])))
    return lines


def _render(
    request: HttpRequest,
    user: User,
    task: Task,
    *,
    failed: tuple[str, str, f.ActionForm, str | None] | None = None,
    wanted: str = "",
) -> HttpResponse:
    """The page; `wanted` names a form to show open (a home's "报送进展" link asks for it)."""
    # One query each, however long the task's history (tests/web/test_task_views.py).
    prefetch_related_objects(
        [task],
        Prefetch(
            "assignments",
            queryset=Assignment.objects.select_related("unit").order_by("position", "id"),
        ),
        Prefetch(
            "extensions",
            queryset=ExtensionRequest.objects.select_related("unit").order_by("-requested_at"),
        ),
    )
    events = list(selectors.timeline(user, task))
    files: dict[int, list[Attachment]] = {}
    for att in Attachment.objects.filter(task=task).order_by("id"):
        files.setdefault(att.event_id or 0, []).append(att)
    unit_ids: set[int] = set()
    for ev in events:
        unit_ids.update(ev.payload.get("lead") or [])
        unit_ids.update(ev.payload.get("co") or [])
        unit_ids.update(c.get("unit") for c in ev.payload.get("co_inputs") or [])
    units = Unit.objects.in_bulk([i for i in unit_ids if isinstance(i, int)])
    timeline = [(ev, _details(ev, units), files.get(ev.pk, [])) for ev in events]
    directive_files = list(
        Attachment.objects.filter(directive_id=task.directive_id, task__isnull=True).order_by("id")
    )
    reports = [
        (r, files.get(r.event_id, []))
        for r in ProgressReport.objects.filter(task=task)
        .select_related("unit", "author")
        .order_by("at", "id")
    ]
    offered = available_actions(user, task, today=timezone.localdate())
    top_error = ""
    if failed is not None:
        name, title, form, problem = failed
        shown = name in offered
        if problem:
            top_error = problem
        elif shown:
            top_error = f"“{title}”未能提交，请按下方提示修改。"
        else:  # its form is not on the page: say what was wrong here
            errors = [str(e) for errs in form.errors.values() for e in errs]
            top_error = "；".join(errors) or f"“{title}”未能提交。"
    home = HOMES.get(Role(user.role))
    # 单位审核: what a unit has prepared and its head has not yet let out. The office sees
    # it waiting there, so nothing looks lost (no query when nothing waits).
    at_unit = (
        list(
            task.unit_reviews.filter(status=ReviewStatus.PENDING)
            .select_related("unit", "prepared_by")
            .order_by("prepared_at", "id")
        )
        if any(k.startswith("unit_review:") for k in task.open_requests)
        else []
    )
    context = {
        "task": task,
        "at_unit": at_unit,
        "assignments": list(task.assignments.all()),
        "extensions": list(task.extensions.all()),
        "timeline": timeline,
        "reports": reports,
        "directive_files": directive_files,
        "panels": _panels(user, task, offered, failed, wanted),
        "failed_name": failed[0] if failed else "",
        "top_error": top_error,
        "cycle_text": _cycle_text(task),
        "home": home,
        "sent_notes": notify_selectors.task_deliveries(user, task),
    }
    return render(request, "web/task.html", context)


@roles_required(*VIEWERS)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    task = selectors.task_for(user, pk)
    if task is None:
        raise Http404("事项不存在或无权查看。")
    if request.method == "GET" and "HX-Request" not in request.headers:
        # Who read which task (等保 8.1.4.3a; the auditor's "who read what").
        record(
            AccessKind.VIEW, user=user, target=f"task:{task.pk}", detail=task.code, request=request
        )
    return _render(request, user, task, wanted=request.GET.get("open", ""))


# ---------------------------------------------------------------- the action URLs


@require_POST
@roles_required(*VIEWERS)
def receive(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "receive")


@require_POST
@roles_required(*VIEWERS)
def return_(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "return")


@require_POST
@roles_required(*VIEWERS)
def report(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "report")


@require_POST
@roles_required(*VIEWERS)
def extend(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "extend")


@require_POST
@roles_required(*VIEWERS)
def urge(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "urge")


@require_POST
@roles_required(*VIEWERS)
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "submit")


@require_POST
@roles_required(*VIEWERS)
def verify(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "verify")


@require_POST
@roles_required(*VIEWERS)
def close(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "close")


@require_POST
@roles_required(*VIEWERS)
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "withdraw")


@require_POST
@roles_required(*VIEWERS)
def reassign(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "reassign")


@require_POST
@roles_required(*VIEWERS)
def comment(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "comment")


@require_POST
@roles_required(Role.UNIT_HEAD)
def decide_unit_review(request: HttpRequest, pk: int) -> HttpResponse:
    """单位审核 from the head's home: approve (it goes to the office) or return it."""
    user = acting_user(request)
    review = UnitReview.objects.select_related("task").filter(pk=pk).first()
    if review is None or review.unit_id != user.unit_id:
        raise Http404("待审核的报送不存在。")
    form = f.DecideUnitReviewForm(request.POST, auto_id=f"rv{review.pk}_%s")
    if form.is_valid():
        data = form.cleaned_data

        def call() -> object:
            return actions.decide_unit_review(
                review=review,
                approve=data["approve"],
                reason=data["reason"],
                by=user,
                now=timezone.now(),
            )

        try:
            problem = _attempt(form, call)
        except Refused as e:
            return _refused(request, e.message)
        if problem is None and not form.errors:
            what = review.get_what_display()
            verdict = (
                f"已同意，{what}已报送督查室。" if data["approve"] else f"{what}已退回经办人。"
            )
            messages.success(request, f"{review.task.code}：{verdict}")
            return redirect("unit_home")
        messages.error(
            request, f"{review.task.code}：{problem or form.errors.get('reason', [''])[0]}"
        )
    else:
        messages.error(request, f"{review.task.code}：请选择同意报送或退回经办人。")
    return redirect("unit_home")


@require_POST
@roles_required(*VIEWERS)
def decide_extension(request: HttpRequest, pk: int) -> HttpResponse:
    """延期审批 from the task page; `pk` is the extension request."""
    user = acting_user(request)
    ext = extension_named(pk)
    if ext is None:
        raise Http404("延期申请不存在。")
    form = f.DecideExtensionForm(request.POST, auto_id=f"ext{ext.pk}_%s")
    problem: str | None = None
    if form.is_valid():
        data = form.cleaned_data

        def call() -> object:
            return actions.decide_extension(
                request=ext,
                approve=data["approve"],
                new_due=data["new_due"],
                reason=data["reason"],
                by=user,
                now=timezone.now(),
            )

        try:
            problem = _attempt(form, call)
        except Refused as e:
            return _refused(request, e.message)
        if problem is None and not form.errors:
            verdict = "已同意延期。" if data["approve"] else "已不同意延期。"
            messages.success(request, f"{ext.task.code}：{verdict}")
            return _next(request, ext.task_id)
    elif DECIDE not in permitted(user, ext.task):
        return _refused(request, "您无权审批延期。")
    return _page_again(request, user, ext.task_id, DECIDE, "延期审批", form, problem)


@roles_required(*VIEWERS)
def attachment(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A file of a report or a directive, for those who may see what it belongs to."""
    user = acting_user(request)
    att = get_object_or_404(Attachment, pk=pk)
    if att.task_id is not None:
        visible = selectors.tasks_visible_to(user).filter(pk=att.task_id).exists()
    elif att.directive_id is not None:
        visible = selectors.directives_visible_to(user).filter(pk=att.directive_id).exists()
    else:
        visible = False
    if not visible:
        raise Http404("附件不存在或无权查看。")
    handle = uploads.open_verified(att.file, att.digest, att.algorithm)
    if handle is None:
        # Changed or removed on disk since it was uploaded: refuse, and leave a trace for
        # the auditor (issue 17 point 5).
        logger.error("attachment %s (%s) fails its %s check", att.pk, att.file.name, att.algorithm)
        record(
            AccessKind.REFUSED,
            user=user,
            target=f"attachment:{att.pk}",
            detail=f"attachment {att.pk} {att.file.name}: integrity check failed, not served",
            request=request,
        )
        return render(
            request,
            "web/refused.html",
            {
                "message": f"附件“{att.name}”完整性校验失败（文件内容与上传时登记的不一致），"
                "已拒绝下载并记入日志。请联系系统管理员。"
            },
            status=409,
        )
    record(
        AccessKind.DOWNLOAD,
        user=user,
        target=f"attachment:{att.pk}",
        detail=f"{att.name} (task {att.task_id}, directive {att.directive_id})",
        request=request,
    )
    return FileResponse(handle, as_attachment=True, filename=att.name)
