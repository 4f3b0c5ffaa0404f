"""督查: the office's supervision pages, one area of the workspace.

日清 (today), 分线督查 (lines), 重点督办 (key items), 随机抽查 (spot checks), 专项督查
(campaigns), 考评 (scores, appeals) and 月结 (month-end settlement). Reads go through
`duban.supervise` selectors scoped to the acting user; every change is a POST to a
supervision action. As on the task page: a refused actor gets 403 with the action's
message; a refused input comes back on the page, next to its field.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from duban.org.models import Leader, Role, Unit
from duban.supervise import accounting, lines, periods, scores, selectors
from duban.supervise import actions as sv
from duban.supervise.actions import _scope_units
from duban.supervise.models import (
    AppealStatus,
    Campaign,
    CampaignStatus,
    ScoreRule,
    SpotCheck,
    SpotCheckItem,
    SpotCheckStatus,
    SupervisionEvent,
)
from duban.supervise.spotchecks import Filters, items_of, spot_checks_visible_to, verify
from duban.web import supervision_forms as sf
from duban.web.common import acting_user, roles_required
from duban.work.errors import ActionError, Refused

OVERSEERS = (Role.SUPERVISOR, Role.LEADER)
READERS = (*OVERSEERS, Role.LIAISON, Role.UNIT_HEAD)


def _refused(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "web/refused.html", {"message": message}, status=403)


def _attempt(form: forms.Form, call: Callable[[], object]) -> str | None:
    """Run the action; an `Invalid` goes next to its field, or back as the top message.

    A `Refused` propagates: the view answers 403.
    """
    try:
        call()
    except Refused:
        raise
    except ActionError as e:
        if e.field and e.field in form.fields:
            form.add_error(e.field, e.message)
            return None
        return e.message
    return None


def _act(
    request: HttpRequest,
    form: forms.Form,
    call: Callable[[], object],
    *,
    done: str,
    back: str,
    again: Callable[[str | None], HttpResponse],
) -> HttpResponse:
    """The POST pattern: a valid form runs the action; success redirects to `back`,
    a refused input re-renders the page (`again`) with status 400."""
    problem: str | None = None
    if form.is_valid():
        try:
            problem = _attempt(form, call)
        except Refused as e:
            return _refused(request, e.message)
        if problem is None and not form.errors:
            messages.success(request, done)
            return redirect(back)
    response = again(problem)
    response.status_code = 400
    return response


def _period(request: HttpRequest, *, default: periods.Period) -> periods.Period:
    raw = request.GET.get("period") or request.GET.get("month") or ""
    try:
        return periods.parse(raw) if raw else default
    except ValueError:
        messages.error(request, f"期间“{raw[:20]}”无效，应为 2026-03、2026-Q1 或 2026。")
        return default


# ---------------------------------------------------------------- home and 日清


@roles_required(*READERS)
def home(request: HttpRequest) -> HttpResponseBase:
    """督查: each role's way in."""
    user = acting_user(request)
    if user.role == Role.SUPERVISOR:
        return redirect("supervise_today")
    if user.role == Role.LEADER and user.leader_id is not None:
        return redirect("supervise_line", user.leader_id)
    return redirect("supervise_scores")


@roles_required(Role.SUPERVISOR)
def today(request: HttpRequest) -> HttpResponse:
    view = accounting.day_view(acting_user(request), now=timezone.now())
    return render(request, "supervise/today.html", {"view": view, "tab": "today"})


# ---------------------------------------------------------------- 分线督查


@roles_required(*OVERSEERS)
def line_list(request: HttpRequest) -> HttpResponse:
    rows = [
        (leader, row, lines.ledger_link(leader, status="open"))
        for leader, row in lines.lines_overview(acting_user(request))
    ]
    return render(request, "supervise/lines.html", {"rows": rows, "tab": "lines"})


@roles_required(*OVERSEERS)
def line_detail(request: HttpRequest, pk: int) -> HttpResponse:
    leader = get_object_or_404(Leader, pk=pk)
    board = lines.line_board(acting_user(request), leader, today=timezone.localdate())
    return render(request, "supervise/line.html", {"board": board, "tab": "lines"})


# ---------------------------------------------------------------- 重点督办


def _key_page(
    request: HttpRequest, *, form: sf.KeyForm | None = None, problem: str | None = None
) -> HttpResponse:
    user = acting_user(request)
    context = {
        "tasks": list(selectors.key_tasks(user)[:200]),
        "form": form or sf.KeyForm(),
        "unkey": sf.UnkeyForm(),
        "problem": problem,
        "tab": "key",
    }
    return render(request, "supervise/key.html", context)


@roles_required(*OVERSEERS)
def key_items(request: HttpRequest) -> HttpResponse:
    return _key_page(request)


@require_POST
@roles_required(*READERS)
def key_mark(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    form = sf.KeyForm(request.POST)

    def call() -> object:
        task = selectors.task_by_code(user, form.cleaned_data["code"])
        if task is None:
            form.add_error("code", "没有这个编号的事项。")
            return None
        return sv.mark_key(task=task, is_key=True, reason=form.cleaned_data["reason"], by=user)

    return _act(
        request,
        form,
        call,
        done="已列为重点督办。",
        back=reverse("supervise_key"),
        again=lambda p: _key_page(request, form=form, problem=p),
    )


@require_POST
@roles_required(*READERS)
def key_unmark(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    task = selectors.key_tasks(user).filter(pk=pk).first()
    if task is None:
        raise Http404
    form = sf.UnkeyForm(request.POST)
    return _act(
        request,
        form,
        lambda: sv.mark_key(task=task, is_key=False, reason=form.cleaned_data["reason"], by=user),
        done="已取消重点督办。",
        back=reverse("supervise_key"),
        again=lambda p: _key_page(request, problem=p or "请填写取消的理由。"),
    )


# ---------------------------------------------------------------- 随机抽查


def _spot_list(
    request: HttpRequest, *, form: sf.SpotCheckForm | None = None, problem: str | None = None
) -> HttpResponse:
    user = acting_user(request)
    context = {
        "checks": list(spot_checks_visible_to(user).select_related("created_by")[:100]),
        "form": form or sf.SpotCheckForm(),
        "problem": problem,
        "tab": "spot",
    }
    return render(request, "supervise/spotchecks.html", context)


@roles_required(*OVERSEERS)
def spot_checks(request: HttpRequest) -> HttpResponse:
    return _spot_list(request)


@require_POST
@roles_required(*READERS)
def spot_check_new(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    form = sf.SpotCheckForm(request.POST)
    made: list[SpotCheck] = []

    def call() -> object:
        d = form.cleaned_data
        made.append(
            sv.draw_spot_check(
                title=d["title"],
                filters=Filters(
                    closed_from=d["closed_from"],
                    closed_to=d["closed_to"],
                    units=tuple(u.pk for u in d["units"]),
                    kinds=tuple(d["kinds"]),
                    is_key=d["is_key"],
                ),
                size=d["size"],
                rate=d["rate"],
                stratify=d["stratify"],
                seed=d["seed"],
                by=user,
            )
        )
        return made[0]

    response = _act(
        request,
        form,
        call,
        done="已抽取样本。",
        back=reverse("supervise_spot_checks"),
        again=lambda p: _spot_list(request, form=form, problem=p),
    )
    if made and response.status_code == 302:
        return redirect("supervise_spot_check", made[0].pk)
    return response


def _spot_detail(
    request: HttpRequest,
    check: SpotCheck,
    *,
    failed: tuple[int, sf.FindingForm] | None = None,
    summary: sf.SummaryForm | None = None,
    problem: str | None = None,
) -> HttpResponse:
    user = acting_user(request)
    items = list(items_of(check))
    may_act = user.role == Role.SUPERVISOR and check.status == SpotCheckStatus.OPEN
    rows = [
        (
            item,
            (failed[1] if failed and failed[0] == item.pk else sf.FindingForm(prefix=f"i{item.pk}"))
            if may_act and not item.verdict
            else None,
        )
        for item in items
    ]
    context = {
        "check": check,
        "rows": rows,
        "may_act": may_act,
        "waiting": sum(1 for i in items if not i.verdict),
        "summary_form": summary or sf.SummaryForm(),
        "events": list(SupervisionEvent.objects.filter(stream=check.stream).order_by("seq")),
        "problem": problem,
        # 可复核: the office sees a button that draws again and compares (issue 12, point 10).
        # The seed and digests stay in the chained `drawn` event; under 三员 the auditor is
        # refused this page (it shows task content) and checks chains with `audit verify`.
        "verification": verify(check) if request.GET.get("verify") == "1" else None,
        "tab": "spot",
    }
    return render(request, "supervise/spotcheck.html", context)


def _visible_check(request: HttpRequest, pk: int) -> SpotCheck:
    return get_object_or_404(spot_checks_visible_to(acting_user(request)), pk=pk)


@roles_required(*OVERSEERS)
def spot_check(request: HttpRequest, pk: int) -> HttpResponse:
    return _spot_detail(request, _visible_check(request, pk))


@require_POST
@roles_required(*READERS)
def spot_check_finding(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    item = get_object_or_404(SpotCheckItem.objects.select_related("spot_check"), pk=pk)
    if not spot_checks_visible_to(user).filter(pk=item.spot_check_id).exists():
        return _refused(request, "您无权录入抽查核实结果。")
    form = sf.FindingForm(request.POST, request.FILES, prefix=f"i{item.pk}")
    return _act(
        request,
        form,
        lambda: sv.record_finding(
            item=item,
            verdict=form.cleaned_data["verdict"],
            notes=form.cleaned_data["notes"],
            rectify=form.cleaned_data["rectify"],
            attachments=request.FILES.getlist(f"i{item.pk}-attachments"),
            by=user,
        ),
        done="已录入核实结果。",
        back=reverse("supervise_spot_check", args=[item.spot_check_id]),
        again=lambda p: _spot_detail(request, item.spot_check, failed=(item.pk, form), problem=p),
    )


@require_POST
@roles_required(*READERS)
def spot_check_close(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    check = _visible_check(request, pk)
    form = sf.SummaryForm(request.POST)
    return _act(
        request,
        form,
        lambda: sv.close_spot_check(
            spot_check=check, summary=form.cleaned_data["summary"], by=user
        ),
        done="抽查已完成。",
        back=reverse("supervise_spot_check", args=[check.pk]),
        again=lambda p: _spot_detail(request, check, summary=form, problem=p),
    )


# ---------------------------------------------------------------- 考评


def _default_period() -> periods.Period:
    return periods.previous_month(timezone.localdate())


@roles_required(*READERS)
def score_board(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    period = _period(request, default=_default_period())
    board = scores.scoreboard(user, period, now=timezone.now())
    context = {
        "board": board,
        "period": period,
        "own_unit": user.unit if user.role in (Role.LIAISON, Role.UNIT_HEAD) else None,
        "tab": "scores",
    }
    return render(request, "supervise/scores.html", context)


def _unit_page(
    request: HttpRequest,
    unit: Unit,
    period: periods.Period,
    *,
    appeal: tuple[str, sf.AppealForm] | None = None,
    decide: tuple[int, sf.DecideAppealForm] | None = None,
    problem: str | None = None,
) -> HttpResponse:
    user = acting_user(request)
    row = scores.unit_score(user, unit, period, now=timezone.now())
    if row is None:
        return _refused(request, "您只能查看本单位的考评情况。")
    may_appeal = user.role == Role.UNIT_HEAD and user.unit_id == unit.pk
    may_decide = user.role == Role.SUPERVISOR
    items = []
    for item in row.items:
        form: forms.Form | None = None
        if may_appeal and item.appeal is None and item.points < 0:
            form = (
                appeal[1]
                if appeal and appeal[0] == item.key
                else sf.AppealForm(initial={"item_key": item.key}, prefix="a")
            )
        elif may_decide and item.appeal and item.appeal.status == AppealStatus.PENDING:
            form = (
                decide[1]
                if decide and decide[0] == item.appeal.pk
                else sf.DecideAppealForm(prefix=f"d{item.appeal.pk}")
            )
        items.append((item, form))
    context = {
        "row": row,
        "unit": unit,
        "period": period,
        "items": items,
        # The rule text in force, what the unit is scored by (考评细则).
        "rules": list(ScoreRule.objects.filter(is_active=True).order_by("order", "id")),
        "may_appeal": may_appeal,
        "problem": problem,
        "tab": "scores",
    }
    return render(request, "supervise/score_unit.html", context)


@roles_required(*READERS)
def score_unit(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_object_or_404(Unit, pk=pk)
    return _unit_page(request, unit, _period(request, default=_default_period()))


@require_POST
@roles_required(*READERS)
def score_appeal(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    unit = get_object_or_404(Unit, pk=pk)
    period = _period(request, default=_default_period())
    form = sf.AppealForm(request.POST, prefix="a")
    key = request.POST.get("a-item_key", "")
    return _act(
        request,
        form,
        lambda: sv.appeal_score(
            item_key=form.cleaned_data["item_key"], reason=form.cleaned_data["reason"], by=user
        ),
        done="申诉已提交，请等待督查室裁定。",
        back=f"{reverse('supervise_score_unit', args=[unit.pk])}?period={period.code}",
        again=lambda p: _unit_page(request, unit, period, appeal=(key, form), problem=p),
    )


@require_POST
@roles_required(*READERS)
def appeal_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    appeal = get_object_or_404(selectors.appeals_visible_to(user), pk=pk)
    form = sf.DecideAppealForm(request.POST, prefix=f"d{appeal.pk}")
    period = _period(request, default=_default_period())
    back = request.POST.get("back") or ""
    return _act(
        request,
        form,
        lambda: sv.decide_appeal(
            appeal=appeal,
            uphold=form.cleaned_data["uphold"],
            reason=form.cleaned_data["reason"],
            by=user,
        ),
        done="已裁定。",
        back=back if back.startswith("/supervise/") else reverse("supervise_appeals"),
        again=lambda p: _unit_page(
            request, appeal.unit, period, decide=(appeal.pk, form), problem=p
        ),
    )


@roles_required(*READERS)
def appeal_list(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    rows = list(selectors.appeals_visible_to(user).order_by("status", "-filed_at")[:200])
    return render(request, "supervise/appeals.html", {"appeals": rows, "tab": "appeals"})


# ---------------------------------------------------------------- 月结


@roles_required(*READERS)
def settlement(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    month = _period(request, default=_default_period())
    if month.kind != "month":
        messages.error(request, "月结按月查看，请填写月份，如 2026-03。")
        month = _default_period()
    rows = accounting.month_settlement(user, month, now=timezone.now())
    return render(
        request, "supervise/settlement.html", {"rows": rows, "month": month, "tab": "settlement"}
    )


# ---------------------------------------------------------------- 专项督查


def _campaign_list(
    request: HttpRequest, *, form: sf.CampaignForm | None = None, problem: str | None = None
) -> HttpResponse:
    user = acting_user(request)
    context = {
        "campaigns": list(selectors.campaigns_visible_to(user)[:100]),
        "form": form or sf.CampaignForm(),
        "problem": problem,
        "tab": "campaigns",
    }
    return render(request, "supervise/campaigns.html", context)


@roles_required(*OVERSEERS)
def campaigns(request: HttpRequest) -> HttpResponse:
    return _campaign_list(request)


@require_POST
@roles_required(*READERS)
def campaign_new(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    form = sf.CampaignForm(request.POST)
    made: list[Campaign] = []

    def call() -> object:
        d = form.cleaned_data
        tasks = []
        for code in form.codes():
            task = selectors.task_by_code(user, code)
            if task is None:
                form.add_error("task_codes", f"没有编号为“{code}”的事项。")
                return None
            tasks.append(task)
        made.append(
            sv.create_campaign(
                title=d["title"],
                theme=d["theme"],
                checklist=form.checklist_lines(),
                starts_on=d["starts_on"],
                ends_on=d["ends_on"],
                units=list(d["units"]),
                tasks=tasks,
                by=user,
            )
        )
        return made[0]

    response = _act(
        request,
        form,
        call,
        done="已发起专项督查，督查单位已收到通知。",
        back=reverse("supervise_campaigns"),
        again=lambda p: _campaign_list(request, form=form, problem=p),
    )
    if made and response.status_code == 302:
        return redirect("supervise_campaign", made[0].pk)
    return response


def _campaign_page(
    request: HttpRequest,
    campaign: Campaign,
    *,
    visit: sf.VisitForm | None = None,
    report: sf.ReportForm | None = None,
    problem: str | None = None,
) -> HttpResponse:
    user = acting_user(request)
    scope = _scope_units(campaign)
    visits = list(campaign.visits.select_related("unit", "recorded_by", "rectification__directive"))
    may_act = user.role == Role.SUPERVISOR and campaign.status == CampaignStatus.OPEN
    context = {
        "campaign": campaign,
        "scope": scope,
        "tasks": list(campaign.tasks.select_related("directive", "lead_unit")),
        "visits": visits,
        "visited": {v.unit_id for v in visits},
        "may_act": may_act,
        "visit_form": visit or sf.VisitForm(units=scope, checklist=campaign.checklist),
        "report_form": report or sf.ReportForm(),
        "problem": problem,
        "tab": "campaigns",
    }
    return render(request, "supervise/campaign.html", context)


def _visible_campaign(request: HttpRequest, pk: int) -> Campaign:
    return get_object_or_404(selectors.campaigns_visible_to(acting_user(request)), pk=pk)


@roles_required(*OVERSEERS)
def campaign(request: HttpRequest, pk: int) -> HttpResponse:
    return _campaign_page(request, _visible_campaign(request, pk))


@require_POST
@roles_required(*READERS)
def campaign_visit(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    c = get_object_or_404(Campaign, pk=pk)
    if not selectors.oversees(user):
        return _refused(request, "您无权录入督查情况。")
    form = sf.VisitForm(request.POST, units=_scope_units(c), checklist=c.checklist)
    return _act(
        request,
        form,
        lambda: sv.record_visit(
            campaign=c,
            unit=form.cleaned_data["unit"],
            visited_on=form.cleaned_data["visited_on"],
            inspectors=form.cleaned_data["inspectors"],
            results=form.results(),
            notes=form.cleaned_data["notes"],
            rectify=form.cleaned_data["rectify"],
            by=user,
        ),
        done="已录入督查情况。",
        back=reverse("supervise_campaign", args=[c.pk]),
        again=lambda p: _campaign_page(request, c, visit=form, problem=p),
    )


@require_POST
@roles_required(*READERS)
def campaign_close(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    c = get_object_or_404(Campaign, pk=pk)
    if not selectors.oversees(user):
        return _refused(request, "您无权结束专项督查。")
    form = sf.ReportForm(request.POST)
    return _act(
        request,
        form,
        lambda: sv.close_campaign(campaign=c, report=form.cleaned_data["report"], by=user),
        done="专项督查已结束。",
        back=reverse("supervise_campaign", args=[c.pk]),
        again=lambda p: _campaign_page(request, c, report=form, problem=p),
    )
