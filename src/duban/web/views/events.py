"""重大活动 (issue 19): the year's list, a new event, its page, the day's checklist on a
phone, and the follow-up register form pre-filled from the event's notes.

Thin views: permission, form, the events action, redirect (or the htmx row on the day).
"""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from duban.documents import pdf
from duban.events import actions as ev
from duban.events import plan_doc, selectors
from duban.events.models import Activity, ActivityState, Mark, ScheduleItem, Section
from duban.org.models import Role, Unit
from duban.records import chain
from duban.web.common import acting_user, roles_required
from duban.web.directive_forms import DirectiveForm, TaskForm, TaskFormSet
from duban.web.event_forms import MARKS, ActivityForm, ChangeForm
from duban.web.extract_forms import draft_forms
from duban.web.views.directives import _drafts, _show_error
from duban.web.views.files import _file, _year
from duban.work.errors import ActionError
from duban.work.extraction import extract_for_office
from duban.work.models import DirectiveKind, Task

VIEWERS = (Role.SUPERVISOR, Role.LEADER)
HISTORY = {
    "created": "建立方案",
    "prep_set": "调整准备事项",
    "plan_issued": "印发方案并交办",
    "marked": "现场记录",
    "schedule_changed": "调整日程",
    "notes": "活动记录",
    "follow_up": "登记后续落实事项",
    "closed": "办结",
}
MARK_LABELS = dict(Mark.choices)


def _activity(request: HttpRequest, pk: int) -> Activity:
    found = selectors.activities_visible_to(acting_user(request)).filter(pk=pk).first()
    if found is None:
        raise Http404("活动不存在或无权查看。")
    return found


@roles_required(*VIEWERS)
def year_list(request: HttpRequest) -> HttpResponse:
    year = _year(request.GET.get("year"), timezone.localdate())
    rows = selectors.year_rows(acting_user(request), year)
    return render(
        request,
        "events/list.html",
        {"year": year, "rows": rows, "figures": selectors.year_figures(year=year)},
    )


@roles_required(*VIEWERS)
def export(request: HttpRequest) -> HttpResponse:
    year = _year(request.GET.get("year"), timezone.localdate())
    buf = io.StringIO()
    selectors.write_year_csv(buf, user=acting_user(request), year=year)
    response = HttpResponse(buf.getvalue().encode("utf-8-sig"), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="events-{year}.csv"'
    return response


@roles_required(Role.SUPERVISOR)
def new(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = ActivityForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                activity = ev.create(
                    event_type=d["event_type"],
                    title=d["title"],
                    day=d["day"],
                    purpose=d["purpose"],
                    leader=d["leader"],
                    sites=d["sites"],
                    schedule=d["schedule"],
                    participants=d["participants"],
                    by=acting_user(request),
                    now=timezone.now(),
                )
            except ActionError as e:
                form.add_error(e.field if e.field in form.fields else None, e.message)
            else:
                messages.success(
                    request, f"活动“{activity.title}”已建立，请核对准备事项后印发方案。"
                )
                return redirect("event_detail", activity.pk)
        status = 400
    else:
        form = ActivityForm()
        status = 200
    return render(request, "events/new.html", {"form": form}, status=status)


@roles_required(*VIEWERS)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _activity(request, pk)
    prep = list(activity.prep.select_related("unit", "task", "task__directive"))
    follow_ups = list(activity.follow_ups.select_related("directive"))
    tasks_by_directive: dict[int, list[Task]] = {}
    for t in Task.objects.filter(directive_id__in=[f.directive_id for f in follow_ups]):
        tasks_by_directive.setdefault(t.directive_id, []).append(t)
    progress = selectors.follow_up_progress([activity.pk]).get(activity.pk, (0, 0))
    return render(
        request,
        "events/detail.html",
        {
            "activity": activity,
            "sites": activity.sites.select_related("host_unit"),
            "participants": activity.participants.select_related("leader", "unit"),
            "schedule": activity.schedule.select_related("site"),
            "prep": prep,
            "materials": [p for p in prep if p.section != Section.LOGISTICS],
            "logistics": [p for p in prep if p.section == Section.LOGISTICS],
            "follow_ups": [(f, tasks_by_directive.get(f.directive_id, [])) for f in follow_ups],
            "progress": progress,
            "units": Unit.objects.filter(is_active=True),
            "history": [
                (HISTORY.get(e.kind, e.kind), MARK_LABELS.get(e.payload.get("mark", ""), ""), e)
                for e in chain.events_of(activity)
            ],
            "can_act": acting_user(request).role == Role.SUPERVISOR,
            "S": ActivityState,
            "pdf_available": pdf.available(),
        },
    )


def _run(request: HttpRequest, call: Any, done: str) -> None:
    try:
        call()
    except ActionError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, done)


@require_POST
@roles_required(Role.SUPERVISOR)
def set_units(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose who answers for each preparation item before the plan goes out."""
    activity = _activity(request, pk)
    prep = list(activity.prep.all())
    raw = {p.pk: request.POST.get(f"unit-{p.pk}", "") for p in prep}
    units = Unit.objects.filter(is_active=True).in_bulk(
        [int(v) for v in raw.values() if v.isdigit() and len(v) < 18]
    )
    drafts = []
    for p in prep:
        value = raw[p.pk]
        unit = units.get(int(value)) if value.isdigit() and len(value) < 18 else None
        drafts.append(
            ev.PrepDraft(
                section=p.section,
                what=p.what,
                unit=unit,
                lead_workdays=p.lead_workdays,
                logistics=p.logistics,
                unit_kind=p.unit_kind,
            )
        )
    _run(
        request,
        lambda: ev.set_prep(
            activity=activity, items=drafts, by=acting_user(request), now=timezone.now()
        ),
        "责任单位已保存。",
    )
    return redirect("event_detail", pk)


@require_POST
@roles_required(Role.SUPERVISOR)
def issue(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _activity(request, pk)
    _run(
        request,
        lambda: ev.issue_plan(
            activity=activity,
            doc_no=request.POST.get("doc_no", ""),
            by=acting_user(request),
            now=timezone.now(),
        ),
        "方案已印发，各项准备工作已交办到责任单位。",
    )
    return redirect("event_detail", pk)


@roles_required(*VIEWERS)
def plan(request: HttpRequest, pk: int, output: str) -> HttpResponseBase:
    if output not in ("docx", "pdf"):
        raise Http404("无此格式。")
    activity = _activity(request, pk)
    try:
        content = plan_doc.generate(activity=activity)
        return _file(content, plan_doc.plan_title(activity), output)
    except (plan_doc.PlanError, pdf.PdfUnavailable) as e:
        messages.error(request, str(e))
        return redirect("event_detail", pk)


@roles_required(Role.SUPERVISOR)
def day(request: HttpRequest, pk: int) -> HttpResponse:
    """The office's checklist on the day, sized for a phone."""
    activity = _activity(request, pk)
    items = list(activity.schedule.select_related("site"))
    return render(
        request,
        "events/day.html",
        {
            "activity": activity,
            "items": [(i, ChangeForm(activity_id=activity.pk, prefix=f"c{i.pk}")) for i in items],
            "marks": MARKS,
            "open": activity.state in ev.ALLOWED["mark"],
        },
    )


def _item(request: HttpRequest, item_pk: int) -> ScheduleItem:
    item = ScheduleItem.objects.select_related("activity", "site").filter(pk=item_pk).first()
    if item is None:
        raise Http404("日程不存在。")
    _activity(request, item.activity_id)  # visible to the acting user
    return item


@require_POST
@roles_required(Role.SUPERVISOR)
def mark(request: HttpRequest, item_pk: int) -> HttpResponse:
    item = _item(request, item_pk)
    error = ""
    try:
        item = ev.mark(
            item=item,
            state=request.POST.get("state", ""),
            note=request.POST.get("note", ""),
            by=acting_user(request),
            now=timezone.now(),
        )
    except ActionError as e:
        error = e.message
    if request.htmx:  # type: ignore[attr-defined]
        item.refresh_from_db()
        return render(
            request,
            "events/_day_item.htmx.html",
            {
                "item": item,
                "form": ChangeForm(activity_id=item.activity_id, prefix=f"c{item.pk}"),
                "marks": MARKS,
                "open": True,
                "error": error,
            },
        )
    if error:
        messages.error(request, error)
    return redirect("event_day", item.activity_id)


@require_POST
@roles_required(Role.SUPERVISOR)
def change(request: HttpRequest, item_pk: int) -> HttpResponse:
    item = _item(request, item_pk)
    form = ChangeForm(request.POST, activity_id=item.activity_id, prefix=f"c{item.pk}")
    if not form.is_valid():
        first = next(iter(form.errors.values()))[0]
        messages.error(request, f"日程调整：{first}")
    else:
        d = form.cleaned_data
        _run(
            request,
            lambda: ev.change_schedule(
                item=item,
                start=d["start"],
                site=d["site"],
                reason=d["reason"],
                by=acting_user(request),
                now=timezone.now(),
            ),
            "日程已调整，已通知相关领导、陪同单位和点位承办单位。",
        )
    return redirect("event_day", item.activity_id)


@require_POST
@roles_required(Role.SUPERVISOR)
def notes(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _activity(request, pk)
    _run(
        request,
        lambda: ev.record_notes(
            activity=activity,
            notes=request.POST.get("notes", ""),
            by=acting_user(request),
            now=timezone.now(),
        ),
        "活动记录已保存，可据此登记后续落实事项。",
    )
    return redirect("event_detail", pk)


@require_POST
@roles_required(Role.SUPERVISOR)
def close(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _activity(request, pk)
    _run(
        request,
        lambda: ev.close(activity=activity, by=acting_user(request), now=timezone.now()),
        "活动已办结。",
    )
    return redirect("event_detail", pk)


@roles_required(Role.SUPERVISOR)
def follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    """The register/decompose form, pre-filled by the extractor over the event's notes."""
    activity = _activity(request, pk)
    if activity.state not in ev.ALLOWED["follow_up"]:
        messages.error(request, "请先保存活动记录，再登记后续落实事项。")
        return redirect("event_detail", pk)
    if request.method == "POST":
        form = DirectiveForm(request.POST)
        formset = TaskFormSet(request.POST, prefix="tasks")
        if form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    directive = ev.register_follow_up(
                        activity=activity,
                        kind=data["kind"],
                        title=data["title"],
                        urgency=data["urgency"],
                        issuer_leader=data["issuer_leader"],
                        text=data["text"],
                        tasks=_drafts(formset),
                        assign_now=data["assign_now"],
                        by=acting_user(request),
                        now=timezone.now(),
                    )
            except ActionError as e:
                _show_error(e, form, formset)
            else:
                messages.success(request, f"后续落实事项已登记为来文{directive.code}。")
                return redirect("event_detail", pk)
        status = 400
    else:
        found = extract_for_office(activity.notes, base=activity.day)
        drafts = draft_forms(found.tasks, found.registry)
        formset = TaskFormSet(prefix="tasks", initial=[f.initial for f in drafts] or None)
        if drafts:
            formset.forms = list[TaskForm](drafts)  # same prefixes (tasks-N), pre-filled
        form = DirectiveForm(
            initial={
                "kind": DirectiveKind.KEY_WORK,
                "title": f"{activity.title}后续落实事项",
                "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
                "issuer_leader": activity.leader_id
                if activity.event_type.code == "research"
                else None,
                "text": activity.notes,
            }
        )
        if not drafts:
            messages.info(request, "活动记录中没有识别出任务，请手工分解。")
        status = 200
    return render(
        request,
        "events/follow_up.html",
        {"activity": activity, "form": form, "formset": formset, "marks": Mark},
        status=status,
    )
