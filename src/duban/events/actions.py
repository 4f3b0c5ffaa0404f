"""The only way to change a major event (重大活动): each change one transaction, one link in
the event's chain (records.chain.append), and work through the work actions.

States: 方案策划 planning → 方案已印发 plan_issued → 活动进行中 on_the_day → 后续落实
follow_up → 已办结 closed (ALLOWED below). Preparation items and follow-ups are Directives of
kind 重点工作 with their Tasks, so lights, urging, escalation and scores apply unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.utils import timezone

from duban.events.models import (
    Activity,
    ActivityState,
    EventType,
    FollowUp,
    Mark,
    Participant,
    PrepItem,
    ScheduleItem,
    Site,
)
from duban.events.timing import prep_due
from duban.notify.outbox import enqueue_for_users, unit_recipients
from duban.org.models import Leader, Role, Unit, UnitKind, User
from duban.records import chain
from duban.work import actions as work
from duban.work.actions.core import _now, _require_supervisor, action, require_text
from duban.work.context import rule_context
from duban.work.errors import Invalid
from duban.work.models import Directive, DirectiveKind, TaskStatus, Urgency

S = ActivityState
# Which states each change may start from (STYLE.md rule 4: one table of transitions).
ALLOWED: dict[str, frozenset[str]] = {
    "edit": frozenset({S.PLANNING}),
    "issue_plan": frozenset({S.PLANNING}),
    "change_schedule": frozenset({S.PLANNING, S.PLAN_ISSUED, S.ON_THE_DAY}),
    "mark": frozenset({S.PLAN_ISSUED, S.ON_THE_DAY}),
    "notes": frozenset({S.PLAN_ISSUED, S.ON_THE_DAY, S.FOLLOW_UP}),
    "follow_up": frozenset({S.ON_THE_DAY, S.FOLLOW_UP}),
    "close": frozenset({S.FOLLOW_UP}),
}


@dataclass
class SiteDraft:
    name: str
    host_unit: Unit | None = None
    contact: str = ""


@dataclass
class ItemDraft:
    start: time
    what: str
    site: str = ""  # the name of one of the event's sites, or ""
    who: str = ""
    end: time | None = None


@dataclass
class ParticipantDraft:
    leader: Leader | None = None
    unit: Unit | None = None
    note: str = ""


@dataclass
class PrepDraft:
    section: str
    what: str
    unit: Unit | None
    lead_workdays: int
    logistics: str = ""
    unit_kind: str = ""


def _lock(activity: Activity) -> Activity:
    return Activity.objects.select_for_update().select_related("event_type").get(pk=activity.pk)


def _require(activity: Activity, change: str, what: str) -> None:
    if activity.state not in ALLOWED[change]:
        raise Invalid(
            f"活动“{activity.title}”当前为“{activity.get_state_display()}”，不能{what}。",
            log=f"activity {activity.pk} in {activity.state} cannot {change}",
        )


def _default_unit(kind: str, units: Sequence[Unit], by: User) -> Unit | None:
    """Who answers for a template item: the office's own section for 办内科室 items, else
    the first site host, then the first accompanying unit, of the kind asked for; else
    nobody, and the office chooses before the plan goes out."""
    if kind == UnitKind.SECTION:
        return by.unit
    return next((u for u in units if u.kind == kind), None)


@action
def create(
    *,
    event_type: EventType,
    title: str,
    day: date,
    by: User,
    purpose: str = "",
    leader: Leader | None = None,
    sites: Sequence[SiteDraft] = (),
    schedule: Sequence[ItemDraft] = (),
    participants: Sequence[ParticipantDraft] = (),
    now: datetime | None = None,
) -> Activity:
    """Plan an event from its type's template: purpose, weather fallback and the default
    preparation items come from the type; sites, schedule and participants as given."""
    now = _now(now)
    _require_supervisor(by, "策划重大活动")
    title = require_text(title, "title", "活动名称")
    if len(title) > 100:
        raise Invalid("活动名称不能超过100字。", log="title too long", field="title")
    if day < timezone.localdate(now):
        raise Invalid("活动日期不能早于今天。", log=f"day {day} in the past", field="day")
    activity = Activity(
        event_type=event_type,
        title=title,
        day=day,
        purpose=purpose.strip() or event_type.purpose,
        weather_fallback=event_type.weather_fallback,
        leader=leader,
        created_at=now,
        created_by=by,
    )
    activity.save()
    made_sites = _add_sites(activity, sites)
    _add_schedule(activity, schedule, made_sites)
    for i, p in enumerate(participants, start=1):
        if p.leader is None and p.unit is None:
            raise Invalid(f"第{i}位参加人员：请选择领导或单位。", field="participants")
        Participant(activity=activity, order=i, leader=p.leader, unit=p.unit, note=p.note).save()
    candidates = [s.host_unit for s in made_sites if s.host_unit is not None]
    candidates += [p.unit for p in participants if p.unit is not None]
    for i, t in enumerate(event_type.prep.all(), start=1):
        PrepItem(
            activity=activity,
            order=i,
            section=t.section,
            logistics=t.logistics,
            what=t.what,
            unit_kind=t.unit_kind,
            unit=_default_unit(t.unit_kind, candidates, by),
            lead_workdays=t.lead_workdays,
        ).save()
    chain.append(
        activity,
        kind="created",
        at=now,
        by=by,
        payload={
            "type": event_type.code,
            "title": title,
            "day": day.isoformat(),
            "leader": leader.pk if leader else None,
            "sites": [s.name for s in made_sites],
            "schedule": len(schedule),
            "participants": len(participants),
        },
    )
    return activity


def _add_sites(activity: Activity, sites: Sequence[SiteDraft]) -> list[Site]:
    made = []
    names: set[str] = set()
    for i, s in enumerate(sites, start=1):
        name = require_text(s.name, "sites", f"第{i}个点位的名称")
        if name in names:
            raise Invalid(f"点位“{name}”重复。", log="duplicate site", field="sites")
        names.add(name)
        site = Site(activity=activity, order=i, name=name, host_unit=s.host_unit, contact=s.contact)
        site.save()
        made.append(site)
    return made


def _add_schedule(activity: Activity, items: Sequence[ItemDraft], sites: Sequence[Site]) -> None:
    by_name = {s.name: s for s in sites}
    for i, item in enumerate(items, start=1):
        what = require_text(item.what, "schedule", f"日程第{i}项的内容")
        site = None
        if item.site:
            site = by_name.get(item.site)
            if site is None:
                raise Invalid(
                    f"日程第{i}项的点位“{item.site}”不在点位清单中。",
                    log="unknown site",
                    field="schedule",
                )
        if item.end is not None and item.end <= item.start:
            raise Invalid(f"日程第{i}项的结束时间须晚于开始时间。", field="schedule")
        ScheduleItem(
            activity=activity, start=item.start, end=item.end, what=what, site=site, who=item.who
        ).save()


@action
def set_prep(
    *, activity: Activity, items: Sequence[PrepDraft], by: User, now: datetime | None = None
) -> Activity:
    """Replace the preparation items while the plan is being drafted."""
    now = _now(now)
    _require_supervisor(by, "修改准备事项")
    activity = _lock(activity)
    _require(activity, "edit", "修改准备事项")
    rows = []
    for i, d in enumerate(items, start=1):
        what = require_text(d.what, "prep", f"第{i}项准备事项的内容")
        if not 0 <= d.lead_workdays <= 60:
            raise Invalid(f"第{i}项准备事项的提前工作日须为0至60。", field="prep")
        rows.append(
            PrepItem(
                activity=activity,
                order=i,
                section=d.section,
                logistics=d.logistics,
                what=what,
                unit_kind=d.unit_kind or (d.unit.kind if d.unit else ""),
                unit=d.unit,
                lead_workdays=d.lead_workdays,
            )
        )
    PrepItem.objects.filter(activity=activity).delete()  # drafts only: no task exists yet
    for row in rows:
        row.save()
    chain.append(
        activity,
        kind="prep_set",
        at=now,
        by=by,
        payload={
            "items": [
                {"what": r.what, "unit": r.unit_id, "lead_workdays": r.lead_workdays} for r in rows
            ]
        },
    )
    return activity


@action
def issue_plan(
    *, activity: Activity, by: User, doc_no: str = "", now: datetime | None = None
) -> Activity:
    """印发活动方案: every preparation item becomes a task for its unit, due the given number
    of working days before the event, on one 重点工作 directive registered for the event."""
    now = _now(now)
    _require_supervisor(by, "印发活动方案")
    activity = _lock(activity)
    _require(activity, "issue_plan", "印发方案")
    items = list(activity.prep.select_related("unit"))
    if not activity.schedule.exists():
        raise Invalid("方案还没有日程，请先填写活动日程。", field="schedule")
    missing = [f"第{i}项“{p.what}”" for i, p in enumerate(items, start=1) if p.unit is None]
    if missing:
        raise Invalid(
            f"准备事项未指定责任单位：{'、'.join(missing)}。", log="prep without unit", field="prep"
        )
    today = timezone.localdate(now)
    calendar = rule_context().calendar
    directive = work.register(
        kind=DirectiveKind.KEY_WORK,
        title=f"{activity.title}筹备工作",
        urgency=Urgency.URGENT if (activity.day - today).days <= 7 else Urgency.NORMAL,
        received_at=now,
        issuer=f"{activity.event_type.name}活动方案",
        text=activity.purpose,
        by=by,
        now=now,
    )
    dues = [prep_due(calendar, activity.day, p.lead_workdays, today) for p in items]
    drafts = [
        work.TaskDraft(
            content=p.what,
            lead=[p.unit] if p.unit else [],
            leader=activity.leader,
            due={"date": due.isoformat()},
            requirement=f"{activity.title}（{activity.day:%m月%d日}）前完成"
            + ("；时间紧，请即办" if urgent else ""),
            is_key=True,
        )
        for p, (due, urgent) in zip(items, dues, strict=True)
    ]
    tasks = work.decompose(directive=directive, tasks=drafts, by=by, now=now) if drafts else []
    for p, task, (due, _) in zip(items, tasks, dues, strict=True):
        work.assign(task=task, by=by, now=now)
        p.task, p.due = task, due
        p.save(update_fields=["task", "due"])
    activity.state = S.PLAN_ISSUED
    activity.directive = directive
    activity.doc_no = doc_no.strip()
    activity.plan_issued_at = now
    activity.save(update_fields=["state", "directive", "doc_no", "plan_issued_at"])
    chain.append(
        activity,
        kind="plan_issued",
        at=now,
        by=by,
        payload={
            "directive": directive.pk,
            "doc_no": activity.doc_no,
            "tasks": [
                {"task": p.task_id, "unit": p.unit_id, "due": p.due.isoformat() if p.due else None}
                for p in items
            ],
        },
    )
    return activity


@action
def mark(
    *, item: ScheduleItem, state: str, by: User, note: str = "", now: datetime | None = None
) -> ScheduleItem:
    """The day's checklist: arrived / started / done / problem (with a note), one tap each."""
    now = _now(now)
    _require_supervisor(by, "记录现场情况")
    activity = _lock(item.activity)
    _require(activity, "mark", "记录现场情况")
    if state not in Mark.values or state == Mark.PENDING:
        raise Invalid(f"现场情况“{state}”无效。", log=f"bad mark {state}", field="state")
    note = note.strip()
    if state == Mark.PROBLEM and not note:
        raise Invalid("请说明出现的问题。", log="problem without note", field="note")
    if len(note) > 200:
        raise Invalid("情况说明不能超过200字。", field="note")
    item = ScheduleItem.objects.select_for_update().get(pk=item.pk)
    item.mark, item.note, item.marked_at = state, note, now
    item.save(update_fields=["mark", "note", "marked_at"])
    if activity.state == S.PLAN_ISSUED:
        activity.state = S.ON_THE_DAY  # the first mark opens the day
        activity.save(update_fields=["state"])
    chain.append(
        activity,
        kind="marked",
        at=now,
        by=by,
        payload={"item": item.pk, "what": item.what, "mark": state, "note": note},
    )
    return item


def concerned(activity: Activity, sites: Sequence[Site]) -> list[User]:
    """Who a schedule change goes to: the participants (the leaders' own accounts and the
    accompanying units' contacts) and the hosts of the sites affected."""
    participants = list(activity.participants.select_related("leader", "unit"))
    units = [p.unit for p in participants if p.unit is not None]
    units += [s.host_unit for s in sites if s.host_unit is not None]
    users = {u.pk: u for u in unit_recipients(units)}
    leader_ids = [p.leader_id for p in participants if p.leader_id is not None]
    if activity.leader_id:
        leader_ids.append(activity.leader_id)
    for u in User.objects.filter(leader_id__in=leader_ids, role=Role.LEADER, is_active=True):
        users[u.pk] = u
    return sorted(users.values(), key=lambda u: u.pk)


@action
def change_schedule(
    *,
    item: ScheduleItem,
    by: User,
    start: time | None = None,
    site: Site | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> ScheduleItem:
    """调整日程 (time or place). Once the plan is out, the people concerned are told
    through the outbox (notify), in this transaction."""
    now = _now(now)
    _require_supervisor(by, "调整日程")
    activity = _lock(item.activity)
    _require(activity, "change_schedule", "调整日程")
    # (No select_related: PostgreSQL refuses FOR UPDATE on the nullable side of a join.)
    item = ScheduleItem.objects.select_for_update().get(pk=item.pk)
    if site is not None and site.activity_id != activity.pk:
        raise Invalid("所选点位不属于本活动。", field="site")
    old_start, old_site = item.start, item.site
    new_start = start or old_start
    new_site = site if site is not None else old_site
    if new_start == old_start and new_site == old_site:
        raise Invalid("时间和点位都没有变化。", log="no change", field="start")
    if item.end is not None and item.end <= new_start:
        item.end = None  # the old end no longer holds; the office says it on the day
    item.start, item.site = new_start, new_site
    item.save(update_fields=["start", "site", "end"])
    before = f"{old_start:%H:%M}" + (f" {old_site.name}" if old_site else "")
    after = f"{new_start:%H:%M}" + (f" {new_site.name}" if new_site else "")
    sent = 0
    if activity.state != S.PLANNING:
        affected = [s for s in {old_site, new_site} if s is not None]
        body = f"{activity.day:%m月%d日}“{item.what}”由{before}调整为{after}。"
        if reason.strip():
            body += f"原因：{reason.strip()}"
        sent = enqueue_for_users(
            concerned(activity, affected),
            kind="event_changed",
            title=f"日程调整：{activity.title}",
            body=body,
            now=now,
        )
    chain.append(
        activity,
        kind="schedule_changed",
        at=now,
        by=by,
        payload={
            "item": item.pk,
            "from": before,
            "to": after,
            "reason": reason.strip(),
            "notified": sent,
        },
    )
    return item


@action
def record_notes(
    *, activity: Activity, notes: str, by: User, now: datetime | None = None
) -> Activity:
    """活动记录: what the leader asked for at each site, what the investor asked for, what the
    groundbreaking promised. Recording them moves the event to 后续落实."""
    now = _now(now)
    _require_supervisor(by, "记录活动情况")
    activity = _lock(activity)
    _require(activity, "notes", "记录活动情况")
    notes = require_text(notes, "notes", "活动记录")
    activity.notes = notes
    activity.state = S.FOLLOW_UP
    activity.save(update_fields=["notes", "state"])
    chain.append(
        activity, kind="notes", at=now, by=by, payload={"length": len(notes), "text": notes}
    )
    return activity


@action
def register_follow_up(
    *,
    activity: Activity,
    title: str,
    tasks: Sequence[work.TaskDraft],
    by: User,
    kind: str = DirectiveKind.KEY_WORK,
    urgency: str = Urgency.NORMAL,
    text: str = "",
    issuer_leader: Leader | None = None,
    assign_now: bool = True,
    now: datetime | None = None,
) -> Directive:
    """后续落实: a directive of its own (with its tasks) whose source is this event."""
    now = _now(now)
    _require_supervisor(by, "登记后续落实事项")
    activity = _lock(activity)
    _require(activity, "follow_up", "登记后续落实事项")
    directive = work.register(
        kind=kind,
        title=title,
        urgency=urgency,
        received_at=now,
        issuer=f"{activity.event_type.name}：{activity.title}"[:100],
        issuer_leader=issuer_leader,
        text=text or activity.notes,
        by=by,
        now=now,
    )
    made = work.decompose(directive=directive, tasks=tasks, by=by, now=now)
    if assign_now:
        for i, task in enumerate(made, start=1):
            try:
                work.assign(task=task, by=by, now=now)
            except Invalid as e:
                if e.message.startswith("第"):
                    raise
                raise Invalid(f"第{i}项任务：{e.message}", log=e.log, field=e.field) from None
    FollowUp(activity=activity, directive=directive, registered_at=now).save()
    if activity.state == S.ON_THE_DAY:
        activity.state = S.FOLLOW_UP
        activity.save(update_fields=["state"])
    chain.append(
        activity,
        kind="follow_up",
        at=now,
        by=by,
        payload={"directive": directive.pk, "title": directive.title, "tasks": len(made)},
    )
    return directive


def open_follow_ups(activity: Activity) -> list[Directive]:
    """The follow-up directives with a task not yet closed (withdrawn ones do not count)."""
    from duban.work.models import Task

    ids = activity.follow_ups.values("directive_id")
    still = (
        Task.objects.filter(directive_id__in=ids)
        .exclude(status__in=[TaskStatus.CLOSED, TaskStatus.WITHDRAWN])
        .values("directive_id")
    )
    return list(Directive.objects.filter(pk__in=still))


@action
def close(*, activity: Activity, by: User, now: datetime | None = None) -> Activity:
    """办结: once every follow-up is closed (an event with none closes when its notes ask for
    nothing: the office says so by closing it)."""
    now = _now(now)
    _require_supervisor(by, "办结活动")
    activity = _lock(activity)
    _require(activity, "close", "办结")
    still = open_follow_ups(activity)
    if still:
        names = "、".join(d.code for d in still[:5])
        raise Invalid(f"后续落实事项尚未全部办结（{names}），活动不能办结。", log="follow-ups open")
    activity.state = S.CLOSED
    activity.closed_at = now
    activity.save(update_fields=["state", "closed_at"])
    payload: dict[str, Any] = {"follow_ups": activity.follow_ups.count()}
    chain.append(activity, kind="closed", at=now, by=by, payload=payload)
    return activity
