"""Major events (重大活动, issue 19) in the demo county: three of each type — one long
closed, one whose follow-up is still open, one coming up with its plan issued.

Called once from build_demo after the simulated year; every change goes through the
actions with its own time, so the chains and the work loop read as if lived.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from duban.events import actions as ev
from duban.events import selectors
from duban.events.models import Activity, EventType, Mark
from duban.org.models import Leader, Role, Unit, User
from duban.work import actions as work
from duban.work.errors import ActionError
from duban.work.models import Task, TaskStatus


@dataclass(frozen=True)
class Plan:
    type_code: str
    title: str
    leader: str  # Leader.code
    sites: list[tuple[str, str]]  # (site, host unit code)
    stops: list[tuple[str, str]]  # (what, site)
    with_units: list[str]
    notes: str  # "{d1}" "{d2}": follow-up deadlines after the event


PLANS = [
    Plan("research", "县长调研城关镇产业园建设", "xz",
         [("城关镇产业园", "cgz"), ("青石镇农产品加工园", "qsz")],
         [("县政府大院集合出发", ""), ("察看产业园标准厂房", "城关镇产业园"),
          ("察看农产品加工园", "青石镇农产品加工园"), ("召开座谈会", "城关镇产业园")],
         ["fgj", "czj"],
         "县长在城关镇产业园要求：请城关镇牵头，县财政局配合，于{d1}前完成产业园道路硬化。"
         "请县发展和改革局于{d2}前完成产业园项目入库。"),
    Plan("inspection", "县政府督查组督查重点项目推进情况", "cw",
         [("白鹤镇污水处理厂", "bhz"), ("县发改局项目现场", "fgj")],
         [("集合出发", ""), ("察看污水处理厂提标改造", "白鹤镇污水处理厂"),
          ("察看项目现场", "县发改局项目现场"), ("反馈督查意见", "县发改局项目现场")],
         ["fgj"],
         "督查发现：请白鹤镇牵头，于{d1}前完成污水管网接驳。请县发展和改革局于{d2}前完成项目竣工验收。"),
    Plan("investor", "深圳客商考察县经济开发区", "xz",
         [("县投资促进中心", "tczx"), ("城关镇标准厂房", "cgz")],
         [("迎接客商", "县投资促进中心"), ("观看招商推介片", "县投资促进中心"),
          ("察看标准厂房", "城关镇标准厂房"), ("投资洽谈座谈会", "县投资促进中心")],
         ["tczx", "fgj"],
         "客商提出：请县投资促进中心牵头，县自然资源局配合，于{d1}前提供拟选地块规划条件。"
         "请城关镇于{d2}前完成厂房水电配套。"),
    Plan("groundbreaking", "第四季度重点项目集中开工活动", "cw",
         [("城关镇产业园主会场", "cgz"), ("龙泉镇分会场", "lqz")],
         [("参会人员入场", "城关镇产业园主会场"), ("介绍开工项目", "城关镇产业园主会场"),
          ("县领导宣布开工", "城关镇产业园主会场"), ("察看分会场", "龙泉镇分会场")],
         ["fgj", "gaj"],
         "开工活动承诺：请县发展和改革局牵头，于{d1}前协调解决开工项目用电接入。"
         "请龙泉镇于{d2}前完成分会场项目征地收尾。"),
]  # fmt: skip


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


def _liaison(unit: Unit) -> User | None:
    return User.objects.filter(unit=unit, role=Role.LIAISON, is_active=True).order_by("id").first()


def _finish(task: Task, office: User, start: datetime, done: datetime) -> None:
    """The units receive and report done (co-units first, to the lead unit); the office
    verifies and closes (all in the past)."""
    assert task.lead_unit is not None
    lead = _liaison(task.lead_unit)
    if lead is None:
        return
    co = [_liaison(a.unit) for a in task.assignments.exclude(unit=task.lead_unit)]
    for user in [lead, *co]:
        if user is not None:
            work.receive(task=task, by=user, now=start)
    for user in co:
        if user is not None:
            work.submit_done(
                task=task, text="配合工作已完成。", by=user, now=done - timedelta(hours=2)
            )
    work.submit_done(task=task, text="已按要求完成。", by=lead, now=done)
    work.verify(task=task, accept=True, confirm_silent_co=True, by=office, now=done)
    work.close(task=task, by=office, now=done + timedelta(hours=1))


def _one(plan: Plan, office: User, day: date, planned: datetime, title: str) -> Activity:
    units = {
        u.code: u
        for u in Unit.objects.filter(code__in=[c for _, c in plan.sites] + plan.with_units)
    }
    leader = Leader.objects.filter(code=plan.leader).first()
    return ev.create(
        event_type=EventType.objects.get(code=plan.type_code),
        title=title,
        day=day,
        leader=leader,
        sites=[ev.SiteDraft(name, units.get(code), "") for name, code in plan.sites],
        schedule=[
            ev.ItemDraft(time(8 + i // 2, 30 * (i % 2)), what, site)
            for i, (what, site) in enumerate(plan.stops)
        ],
        participants=([ev.ParticipantDraft(leader=leader)] if leader else [])
        + [ev.ParticipantDraft(unit=units[c]) for c in plan.with_units if c in units],
        by=office,
        now=planned,
    )


def _live_through(activity: Activity, plan: Plan, office: User, *, settle: bool) -> None:
    day = activity.day
    planned = activity.created_at
    ev.issue_plan(activity=activity, by=office, now=planned)
    for p in activity.prep.select_related("task"):
        if p.task is not None:
            _finish(
                p.task,
                office,
                planned + timedelta(hours=2),
                _at(p.due or day, 9) - timedelta(days=1),
            )
    items = list(activity.schedule.order_by("start"))
    for i, item in enumerate(items):
        moment = _at(day, item.start.hour, item.start.minute)
        ev.mark(item=item, state=Mark.ARRIVED, by=office, now=moment)
        if i == 1:
            ev.mark(
                item=item,
                state=Mark.PROBLEM,
                note="现场音响故障，已更换",
                by=office,
                now=moment + timedelta(minutes=5),
            )
        ev.mark(item=item, state=Mark.DONE, by=office, now=moment + timedelta(minutes=25))
    notes = plan.notes.format(
        d1=f"{(day + timedelta(days=20)):%-m月%-d日}", d2=f"{(day + timedelta(days=30)):%-m月%-d日}"
    )
    ev.record_notes(activity=activity, notes=notes, by=office, now=_at(day, 17))
    activity.refresh_from_db()
    drafts = selectors.follow_up_drafts(activity)
    if not drafts:
        return
    directive = ev.register_follow_up(
        activity=activity,
        title=f"{activity.title}后续落实事项",
        tasks=drafts,
        by=office,
        now=_at(day, 17, 30),
    )
    if not settle:
        return
    for task in directive.tasks.all():
        if task.status == TaskStatus.ASSIGNED:
            _finish(
                task, office, _at(day + timedelta(days=1), 9), _at(day + timedelta(days=12), 10)
            )
    # A unit without a liaison left its follow-up open: the event stays in 后续落实.
    with contextlib.suppress(ActionError):
        ev.close(activity=activity, by=office, now=_at(day + timedelta(days=14), 9))


def build_events(*, now: datetime) -> int:
    """Twelve events around `now`; returns how many were made."""
    office = User.objects.filter(role=Role.SUPERVISOR, is_active=True).order_by("id").first()
    if office is None or not EventType.objects.exists():
        return 0
    today = timezone.localdate(now)
    made = 0
    for n, plan in enumerate(PLANS):
        for when, settle in (
            (today - timedelta(days=120 + 30 * n), True),
            (today - timedelta(days=24 + 3 * n), False),
        ):
            title = f"{plan.title}（{when.month}月）"
            activity = _one(plan, office, when, _at(when - timedelta(days=15), 9), title)
            _live_through(activity, plan, office, settle=settle)
            made += 1
        upcoming = today + timedelta(days=12 + 4 * n)
        title = f"{plan.title}（{upcoming.month}月）"
        activity = _one(plan, office, upcoming, now - timedelta(hours=3), title)
        ev.issue_plan(activity=activity, by=office, now=now - timedelta(hours=2))
        made += 1
    return made
