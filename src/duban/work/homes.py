"""What the liaison's home (本单位事项) and the leader's home (我的分管) show.

Every read starts from `selectors.tasks_visible_to(user)`, and every list is one query
(or a fixed few), however many tasks a unit or a line holds: the rows carry what the
templates show through select_related and annotations.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery

from duban.org.models import Unit, User
from duban.work import lights, rules, selectors
from duban.work.models import (
    Assignment,
    AssignmentStatus,
    Cycle,
    Event,
    EventKind,
    ExtensionRequest,
    ExtensionStatus,
    Light,
    ReviewStatus,
    Task,
    TaskStatus,
    UnitReview,
)

# Statuses in which a unit still owes reports: received or waiting to be received.
_REPORTING = (TaskStatus.ASSIGNED, TaskStatus.IN_PROGRESS)


def _unit_id(user: User) -> int:
    return user.unit_id or -1  # a user without a unit matches nothing


def _my_share(user: User) -> Exists:
    """The user's unit holds a current share of the task (not reassigned away)."""
    return Exists(
        Assignment.objects.filter(task=OuterRef("pk"), unit_id=_unit_id(user)).exclude(
            status=AssignmentStatus.REPLACED
        )
    )


def _rows(qs: QuerySet[Task]) -> QuerySet[Task]:
    """What a task table row shows (web/_task_table.html), in one query."""
    return qs.select_related("directive", "lead_unit")


# ---------------------------------------------------------------- the liaison's home


def to_receive(user: User) -> QuerySet[Task]:
    """Tasks on which the user's unit has a share still waiting for 签收."""
    pending = Assignment.objects.filter(
        task=OuterRef("pk"), unit_id=_unit_id(user), status=AssignmentStatus.PENDING
    )
    return _rows(
        selectors.tasks_visible_to(user)
        .filter(Exists(pending), status__in=rules.ALLOWED_FROM[EventKind.RECEIVED])
        .order_by("due", "id")
    )


@dataclass(frozen=True)
class ReportDue:
    task: Task
    slot: date  # the report slot to fill: this week's, or an earlier one that was missed
    late: bool


def reports_due_this_week(user: User, *, today: date) -> list[ReportDue]:
    """Tasks my unit leads whose next unfilled report slot falls by this Sunday.

    Only the primary lead's reports fill slots (docs/decisions.md), so co-units owe none.
    The slot is the one a report made today would fill (`lights.slot_for_report`): a
    missed slot first, so a unit behind on its reports sees it here until it catches up.
    """
    week_end = today + timedelta(days=6 - today.weekday())
    tasks = _rows(
        selectors.tasks_visible_to(user)
        .filter(lead_unit_id=_unit_id(user), status__in=_REPORTING, due__isnull=False)
        .exclude(cycle=Cycle.NONE)
        .order_by("due", "id")
    )
    due: list[ReportDue] = []
    for task in tasks:
        assert task.due is not None
        if task.assigned_at is None:
            continue
        slots = lights.report_slots(
            task.cycle,
            task.cycle_day,
            rules.cycle_start(task.assigned_at, task.cycle_from),
            task.due,
        )
        done = [date.fromisoformat(s) for s in task.reported_slots]
        slot = lights.slot_for_report(slots, done, today)
        if slot is not None and slot <= week_end:
            due.append(ReportDue(task, slot, slot < today))
    due.sort(key=lambda r: (r.slot, r.task.pk))
    return due


def sent_back(user: User) -> QuerySet[Task]:
    """Tasks the office sent back to my unit (退回重办) that it has not resubmitted yet.

    In progress, sent back at least once, and the latest of its done reports and
    verdicts is a `sent_back` (an urge or a light change since then does not count).
    Each row carries `back_reason` and `back_at` from that event.
    """
    verdicts = Event.objects.filter(
        task=OuterRef("pk"), kind__in=[EventKind.SUBMITTED, EventKind.SENT_BACK]
    ).order_by("-seq")
    last_back = Event.objects.filter(task=OuterRef("pk"), kind=EventKind.SENT_BACK).order_by("-seq")
    return _rows(
        selectors.tasks_visible_to(user)
        .filter(
            lead_unit_id=_unit_id(user),
            status=TaskStatus.IN_PROGRESS,
            sent_back_count__gt=0,
        )
        .annotate(
            last_verdict=Subquery(verdicts.values("kind")[:1]),
            back_reason=Subquery(last_back.values("payload__reason")[:1]),
            back_at=Subquery(last_back.values("at")[:1]),
        )
        .filter(last_verdict=EventKind.SENT_BACK)
        .order_by("due", "id")
    )


def rejected_extensions(user: User) -> QuerySet[ExtensionRequest]:
    """My unit's extension requests the office turned down, on tasks still running.

    A rejection that a later request has superseded (approved, pending or rejected again)
    is not shown twice: only each task's latest request counts.
    """
    later = ExtensionRequest.objects.filter(task=OuterRef("task"), pk__gt=OuterRef("pk"))
    return (
        ExtensionRequest.objects.filter(
            task__in=selectors.tasks_visible_to(user),
            unit_id=_unit_id(user),
            status=ExtensionStatus.REJECTED,
            task__status__in=rules.RUNNING,
        )
        .exclude(Exists(later))
        .select_related("task__directive", "task__lead_unit")
        .order_by("-decided_at", "-id")
    )


def unit_reviews_pending(user: User) -> QuerySet[UnitReview]:
    """单位审核: my unit's submissions waiting for its head, oldest first. The head's
    approval queue; a liaison sees the same list as "waiting at the head"."""
    return (
        UnitReview.objects.filter(unit_id=_unit_id(user), status=ReviewStatus.PENDING)
        .select_related("task__directive", "task__lead_unit", "prepared_by", "event")
        .prefetch_related("event__attachments")
        .order_by("prepared_at", "id")
    )


def unit_reviews_returned(user: User) -> QuerySet[UnitReview]:
    """My unit's submissions its head returned, not yet sent again, on tasks still open."""
    later = UnitReview.objects.filter(
        task=OuterRef("task"), unit=OuterRef("unit"), what=OuterRef("what"), pk__gt=OuterRef("pk")
    )
    return (
        UnitReview.objects.filter(
            unit_id=_unit_id(user),
            status=ReviewStatus.RETURNED,
            task__status__in=rules.OPEN,
        )
        .exclude(Exists(later))
        .select_related("task__directive", "decided_by")
        .order_by("-decided_at", "-id")
    )


def my_open_tasks(user: User) -> QuerySet[Task]:
    """Every open task my unit has a current share in, as lead or co-unit."""
    return _rows(
        selectors.tasks_visible_to(user).filter(_my_share(user), is_open=True).order_by("due", "id")
    )


# ---------------------------------------------------------------- the leader's home


@dataclass
class UnitLights:
    """One row of a line's figures: a unit's tasks as lead unit, counted by light."""

    unit: Unit | None  # None: tasks the leader leads whose lead unit is outside the line
    red: int = 0
    yellow: int = 0
    green: int = 0
    on_time: int = 0
    late: int = 0
    key_open: int = 0

    @property
    def open(self) -> int:
        return self.red + self.yellow + self.green

    @property
    def label(self) -> str:
        return self.unit.label if self.unit else "线外单位（本人牵头）"


@dataclass
class LineLights:
    rows: list[UnitLights]
    totals: UnitLights


def line_lights(user: User, leader_id: int | None = None) -> LineLights:
    """A leader's line (`selectors.line_tasks`) by lead unit and light, and its totals.

    The one source of the line's figures: the leader's home cards and table, 分线督查 and
    the ledger's `?line=` count the same tasks. Units of the portfolio are listed even with
    no task; tasks the leader leads at units outside it form one more row. Two queries.
    """
    leader_id = leader_id if leader_id is not None else user.leader_id
    if leader_id is None:
        return LineLights([], UnitLights(None))
    units = list(Unit.objects.filter(portfolio__leader_id=leader_id).order_by("order", "id"))
    rows = {u.pk: UnitLights(u) for u in units}
    outside, totals = UnitLights(None), UnitLights(None)
    grouped = (
        selectors.line_tasks(user, leader_id)
        .values_list("lead_unit_id", "light", "is_key", "is_open")
        .annotate(n=Count("*"))
        .order_by()
    )
    for unit_id, light, is_key, is_open, n in grouped:
        for row in (rows.get(unit_id, outside), totals):
            if light in (Light.RED, Light.YELLOW, Light.GREEN, Light.ON_TIME, Light.LATE):
                setattr(row, light, getattr(row, light) + n)
            if is_key and is_open:
                row.key_open += n
    listed = list(rows.values()) + ([outside] if outside.open or outside.on_time else [])
    return LineLights(listed, totals)


def line_warning_tasks(user: User) -> QuerySet[Task]:
    """The red and yellow tasks of the leader's line, key items first, red before yellow."""
    return _rows(
        selectors.line_tasks(user, user.leader_id or -1)
        .filter(light__in=[Light.RED, Light.YELLOW], is_open=True)
        .order_by("-is_key", "light", "due", "id")
    )


def my_key_tasks(user: User) -> QuerySet[Task]:
    """The open key tasks (重点督办) the leader leads."""
    return _rows(
        selectors.tasks_visible_to(user)
        .filter(leader_id=user.leader_id or -1, is_key=True, is_open=True)
        .order_by("due", "id")
    )
