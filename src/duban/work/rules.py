"""The task projection as a fold over its events, and the table of allowed transitions.

`apply(state, event)` is the only code that turns an event into projection fields. Actions
call it to update the stored Task/Assignment rows; `duban rebuild` calls it over the stored
events; the property test proves both give the same rows. Keep it deterministic: everything
it needs is in the event (kind, time, payload) and the calendar settings in `RuleContext`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils import timezone

from duban.work import lights
from duban.work.models import (
    AssignmentRole,
    AssignmentStatus,
    EventKind,
    Light,
    TaskStatus,
)
from duban.workdays.calendar import WorkCalendar

# Every status a unit has seen the task in: assigned and after, but not withdrawn.
_SEEN_BY_UNITS = frozenset(
    {
        TaskStatus.ASSIGNED,
        TaskStatus.IN_PROGRESS,
        TaskStatus.RETURNED,
        TaskStatus.SUBMITTED,
        TaskStatus.VERIFIED,
        TaskStatus.CLOSED,
    }
)

OPEN = frozenset(
    {
        TaskStatus.ASSIGNED,
        TaskStatus.IN_PROGRESS,
        TaskStatus.RETURNED,
        TaskStatus.SUBMITTED,
        TaskStatus.VERIFIED,
    }
)

# Which task statuses each task-level event may start from. One table, checked by every
# action before anything is written (STYLE.md, "Explicit states").
ALLOWED_FROM: dict[str, frozenset[str]] = {
    EventKind.CREATED: frozenset(),
    EventKind.ASSIGNED: frozenset({TaskStatus.DRAFT}),
    EventKind.REASSIGNED: frozenset(
        {TaskStatus.ASSIGNED, TaskStatus.IN_PROGRESS, TaskStatus.RETURNED}
    ),
    EventKind.RECEIVED: frozenset({TaskStatus.ASSIGNED, TaskStatus.IN_PROGRESS}),
    EventKind.RETURNED: frozenset({TaskStatus.ASSIGNED, TaskStatus.IN_PROGRESS}),
    EventKind.PROGRESS: frozenset({TaskStatus.IN_PROGRESS}),
    EventKind.EXTENSION_REQUESTED: frozenset({TaskStatus.IN_PROGRESS}),
    # A pending extension stays decidable while the task is open (a unit may submit done
    # while it waits: the office still decides whether the submission was in time); the
    # transitions that end the task or the unit's part lapse it first (EXTENSION_LAPSED).
    EventKind.EXTENSION_DECIDED: OPEN,
    EventKind.EXTENSION_LAPSED: OPEN,
    EventKind.URGED: frozenset({TaskStatus.ASSIGNED, TaskStatus.IN_PROGRESS, TaskStatus.RETURNED}),
    EventKind.SUBMITTED: frozenset({TaskStatus.IN_PROGRESS}),
    EventKind.VERIFIED: frozenset({TaskStatus.SUBMITTED}),
    EventKind.SENT_BACK: frozenset({TaskStatus.SUBMITTED}),
    EventKind.CLOSED: frozenset({TaskStatus.VERIFIED}),
    EventKind.WITHDRAWN: frozenset(
        {
            TaskStatus.DRAFT,
            TaskStatus.ASSIGNED,
            TaskStatus.IN_PROGRESS,
            TaskStatus.RETURNED,
            TaskStatus.SUBMITTED,
            TaskStatus.VERIFIED,
        }
    ),
    EventKind.LIGHT_CHANGED: frozenset(
        {TaskStatus.ASSIGNED, TaskStatus.IN_PROGRESS, TaskStatus.RETURNED}
    ),
    EventKind.COMMENTED: frozenset(
        {
            TaskStatus.ASSIGNED,
            TaskStatus.IN_PROGRESS,
            TaskStatus.RETURNED,
            TaskStatus.SUBMITTED,
            TaskStatus.VERIFIED,
            TaskStatus.CLOSED,
        }
    ),
    EventKind.DUE_RECOMPUTED: frozenset(
        {
            TaskStatus.ASSIGNED,
            TaskStatus.IN_PROGRESS,
            TaskStatus.RETURNED,
            TaskStatus.SUBMITTED,
            TaskStatus.VERIFIED,
        }
    ),
    # Supervision (supervise/actions.py and the ladders in `duban tick`).
    EventKind.ESCALATED: frozenset(
        {TaskStatus.ASSIGNED, TaskStatus.IN_PROGRESS, TaskStatus.RETURNED}
    ),
    EventKind.KEY_CHANGED: frozenset(
        {
            TaskStatus.DRAFT,
            TaskStatus.ASSIGNED,
            TaskStatus.IN_PROGRESS,
            TaskStatus.RETURNED,
            TaskStatus.SUBMITTED,
            TaskStatus.VERIFIED,
        }
    ),
    EventKind.SPOT_CHECKED: _SEEN_BY_UNITS,
    EventKind.REOPENED: frozenset({TaskStatus.CLOSED}),
    EventKind.SCORE_APPEALED: _SEEN_BY_UNITS,
    # An appeal is about points already given: it stays decidable even once the task is
    # withdrawn (its points then no longer count, but the unit is owed an answer).
    EventKind.APPEAL_DECIDED: _SEEN_BY_UNITS | {TaskStatus.WITHDRAWN},
    # 单位审核: a liaison sends what only an in-progress task takes (progress, 办结, 延期).
    # The head can decide while the task is open (returning it to the liaison is always
    # possible; approving also needs the forwarded event's own state); 撤销 and 销号 lapse it.
    EventKind.UNIT_REVIEW_REQUESTED: frozenset({TaskStatus.IN_PROGRESS}),
    EventKind.UNIT_REVIEW_DECIDED: OPEN,
    EventKind.UNIT_REVIEW_LAPSED: OPEN,
}

# Every kind of request a task can carry (`TaskState.open_requests` holds "<kind>:<key>"),
# the event that decides it, and the events that open and lapse it. A request is never
# stranded: in every status it can be in, its deciding event is allowed (the state-table
# test in tests/work/test_requests.py checks this for every transition).
REQUESTS: dict[str, dict[str, str | None]] = {
    "extension": {
        "opened_by": EventKind.EXTENSION_REQUESTED,
        "decided_by": EventKind.EXTENSION_DECIDED,
        "lapsed_by": EventKind.EXTENSION_LAPSED,
    },
    "appeal": {
        "opened_by": EventKind.SCORE_APPEALED,
        "decided_by": EventKind.APPEAL_DECIDED,
        "lapsed_by": None,
    },
    "unit_review": {
        "opened_by": EventKind.UNIT_REVIEW_REQUESTED,
        "decided_by": EventKind.UNIT_REVIEW_DECIDED,
        "lapsed_by": EventKind.UNIT_REVIEW_LAPSED,
    },
}
# Statuses in which the unit's clock runs (reports due, deadline counting).
RUNNING = frozenset({TaskStatus.ASSIGNED, TaskStatus.IN_PROGRESS, TaskStatus.RETURNED})


@dataclass(frozen=True)
class RuleContext:
    calendar: WorkCalendar
    yellow_workdays: int = 3


@dataclass
class AssignmentState:
    role: str
    position: int
    status: str
    assigned_at: datetime
    received_at: datetime | None = None
    return_reason: str = ""


@dataclass
class TaskState:
    """Every projected column of a Task and its Assignments."""

    status: str = TaskStatus.DRAFT
    is_open: bool = False
    light: str = Light.NONE
    content: str = ""
    requirement: str = ""
    leader_id: int | None = None
    is_key: bool = False
    due_spec: dict[str, Any] = field(default_factory=dict)
    lead_unit_id: int | None = None
    due: date | None = None
    due_original: date | None = None
    due_provisional: bool = False
    cycle: str = "none"
    cycle_day: int | None = None
    cycle_from: date | None = None
    assigned_at: datetime | None = None
    received_at: datetime | None = None
    submitted_at: datetime | None = None
    verified_at: datetime | None = None
    closed_at: datetime | None = None
    closed_on_time: bool | None = None
    last_report_at: datetime | None = None
    reported_slots: list[str] = field(default_factory=list)
    missing_reports: int = 0
    urge_count: int = 0
    red_since: date | None = None
    yellow_count: int = 0
    red_count: int = 0
    extension_count: int = 0
    sent_back_count: int = 0
    withdrawn_reason: str = ""
    open_requests: list[str] = field(default_factory=list)
    updated_at: datetime | None = None
    assignments: dict[int, AssignmentState] = field(default_factory=dict)

    def copy(self) -> TaskState:
        new = dataclasses.replace(self)
        new.due_spec = dict(self.due_spec)
        new.reported_slots = list(self.reported_slots)
        new.open_requests = list(self.open_requests)
        new.assignments = {k: dataclasses.replace(v) for k, v in self.assignments.items()}
        return new

    # Names of the Task columns this state covers (for save(update_fields=…) and rebuild).
    @staticmethod
    def task_fields() -> list[str]:
        return [f.name for f in dataclasses.fields(TaskState) if f.name != "assignments"]


def _d(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _set_units(state: TaskState, payload: dict[str, Any], at: datetime) -> None:
    """Apply a lead/co list: keep units that stay, add new ones, mark dropped ones replaced."""
    wanted: list[tuple[int, str]] = [(u, AssignmentRole.LEAD) for u in payload["lead"]]
    wanted += [(u, AssignmentRole.CO) for u in payload["co"]]
    keep = {u for u, _ in wanted}
    for unit_id, a in state.assignments.items():
        if unit_id not in keep and a.status != AssignmentStatus.REPLACED:
            a.status = AssignmentStatus.REPLACED
    for position, (unit_id, role) in enumerate(wanted):
        a_old = state.assignments.get(unit_id)
        if a_old is None or a_old.status in (AssignmentStatus.REPLACED, AssignmentStatus.RETURNED):
            state.assignments[unit_id] = AssignmentState(
                role=role, position=position, status=AssignmentStatus.PENDING, assigned_at=at
            )
        else:
            if role == AssignmentRole.LEAD and a_old.status == AssignmentStatus.DONE:
                # A co-unit that finished its part and now leads must be able to act again.
                a_old.status = AssignmentStatus.RECEIVED
            a_old.role, a_old.position = role, position
    state.lead_unit_id = payload["lead"][0]
    lead = state.assignments[state.lead_unit_id]
    state.received_at = lead.received_at
    state.status = (
        TaskStatus.IN_PROGRESS if lead.status == AssignmentStatus.RECEIVED else TaskStatus.ASSIGNED
    )


def apply(
    state: TaskState,
    *,
    kind: str,
    at: datetime,
    payload: dict[str, Any],
    unit_id: int | None,
    ctx: RuleContext,
) -> TaskState:
    """Return the state after one event. Never mutates `state`."""
    s = state.copy()
    p = payload
    if kind == EventKind.CREATED:
        s.content = p["content"]
        s.requirement = p["requirement"]
        s.leader_id = p["leader"]
        s.is_key = p["is_key"]
        s.due_spec = dict(p["due_spec"])
        s.cycle = p["cycle"]
        s.cycle_day = p["cycle_day"]
    elif kind == EventKind.ASSIGNED:
        s.due = s.due_original = _d(p["due"])
        s.due_provisional = p["due_provisional"]
        s.assigned_at = at
        _set_units(s, p, at)
    elif kind == EventKind.REASSIGNED:
        if p.get("due"):
            s.due = _d(p["due"])
            s.due_provisional = p["due_provisional"]
        _set_units(s, p, at)
    elif kind == EventKind.RECEIVED:
        assert unit_id is not None
        a = s.assignments[unit_id]
        a.status, a.received_at = AssignmentStatus.RECEIVED, at
        if unit_id == s.lead_unit_id:
            s.status, s.received_at = TaskStatus.IN_PROGRESS, at
    elif kind == EventKind.RETURNED:
        assert unit_id is not None
        a = s.assignments[unit_id]
        a.status, a.return_reason = AssignmentStatus.RETURNED, p["reason"]
        if unit_id == s.lead_unit_id:
            s.status = TaskStatus.RETURNED
    elif kind == EventKind.PROGRESS:
        if p.get("slot"):
            s.reported_slots = sorted({*s.reported_slots, p["slot"]})
        if unit_id == s.lead_unit_id:
            s.last_report_at = at
    elif kind == EventKind.EXTENSION_REQUESTED:
        _open(s, f"extension:{p['request']}")
    elif kind == EventKind.EXTENSION_LAPSED:
        _settle(s, f"extension:{p['request']}")
    elif kind == EventKind.EXTENSION_DECIDED:
        _settle(s, f"extension:{p['request']}")
        if p["approved"]:
            s.due = _d(p["new_due"])
            s.due_provisional = p["due_provisional"]
            s.extension_count += 1
    elif kind == EventKind.DUE_RECOMPUTED:
        # A provisional deadline re-dated once its year's holidays are known. It corrects
        # the original deadline too, unless an extension already moved the deadline.
        previous = s.due
        s.due, s.due_provisional = _d(p["due"]), p["due_provisional"]
        if s.due_original == previous:
            s.due_original = s.due
    elif kind == EventKind.URGED:
        s.urge_count += 1
    elif kind == EventKind.SUBMITTED:
        assert unit_id is not None
        s.assignments[unit_id].status = AssignmentStatus.DONE
        if unit_id == s.lead_unit_id:
            s.status, s.submitted_at = TaskStatus.SUBMITTED, at
    elif kind == EventKind.VERIFIED:
        s.status, s.verified_at = TaskStatus.VERIFIED, at
    elif kind == EventKind.SENT_BACK:
        s.status, s.submitted_at = TaskStatus.IN_PROGRESS, None
        s.sent_back_count += 1
        assert s.lead_unit_id is not None
        s.assignments[s.lead_unit_id].status = AssignmentStatus.RECEIVED
    elif kind == EventKind.CLOSED:
        assert s.submitted_at is not None and s.due is not None
        s.status, s.closed_at = TaskStatus.CLOSED, at
        s.closed_on_time = local_date(s.submitted_at) <= s.due
    elif kind == EventKind.WITHDRAWN:
        s.status, s.withdrawn_reason = TaskStatus.WITHDRAWN, p["reason"]
    elif kind == EventKind.ESCALATED:
        # A ladder step that urges (自动催办) counts as an urge; others only notify.
        if p.get("urge"):
            s.urge_count += 1
    elif kind == EventKind.KEY_CHANGED:
        s.is_key = p["is_key"]
        if "cycle" in p:
            s.cycle, s.cycle_day = p["cycle"], p["cycle_day"]
            if s.assigned_at is not None:
                # The new cycle counts from today: its earlier slots were never owed.
                s.cycle_from = local_date(at)
    elif kind == EventKind.REOPENED:
        # A spot check found the closure untrue (不属实): the task is open again, with the
        # rectification deadline, and its report cycle counts from the reopening.
        s.status = TaskStatus.IN_PROGRESS
        s.submitted_at = s.verified_at = s.closed_at = None
        s.closed_on_time = None
        s.due, s.due_provisional = _d(p["due"]), p["due_provisional"]
        s.cycle_from = local_date(at)
        assert s.lead_unit_id is not None
        s.assignments[s.lead_unit_id].status = AssignmentStatus.RECEIVED
    elif kind == EventKind.SCORE_APPEALED:
        _open(s, f"appeal:{p['item']}")
    elif kind == EventKind.APPEAL_DECIDED:
        _settle(s, f"appeal:{p['item']}")
    elif kind == EventKind.UNIT_REVIEW_REQUESTED:
        _open(s, f"unit_review:{p['review']}")
    elif kind in (EventKind.UNIT_REVIEW_DECIDED, EventKind.UNIT_REVIEW_LAPSED):
        _settle(s, f"unit_review:{p['review']}")
    elif kind in (
        EventKind.LIGHT_CHANGED,
        EventKind.COMMENTED,
        EventKind.SPOT_CHECKED,
    ):
        pass  # recorded for the timeline; the light below is recomputed for every event
    else:
        raise ValueError(f"unknown task event kind {kind!r}")
    s.is_open = s.status in OPEN
    s.updated_at = at
    refresh_light(s, local_date(at), ctx)
    return s


def _open(s: TaskState, key: str) -> None:
    if key not in s.open_requests:
        s.open_requests = [*s.open_requests, key]


def _settle(s: TaskState, key: str) -> None:
    s.open_requests = [k for k in s.open_requests if k != key]


def local_date(at: datetime) -> date:
    return timezone.localtime(at).date()


def cycle_start(assigned_at: datetime, cycle_from: date | None) -> date:
    """The day a task's report slots count from (slots fall strictly after it)."""
    return cycle_from or local_date(assigned_at)


def refresh_light(s: TaskState, today: date, ctx: RuleContext) -> None:
    """Recompute missing reports and the light of `s` as of `today` (in place).

    Also keeps the light history the escalation ladders read: `red_since` is the day the
    task last turned red (None when it is not red), and each turn to yellow or to red is
    counted. Only turns seen at an event count, which is every action and every tick.
    """
    if s.status in RUNNING and s.assigned_at is not None and s.due is not None:
        start = cycle_start(s.assigned_at, s.cycle_from)
        slots = lights.report_slots(s.cycle, s.cycle_day, start, s.due)
        reported = [date.fromisoformat(x) for x in s.reported_slots]
        s.missing_reports = len(lights.missing_slots(slots, reported, today))
    before = s.light
    s.light = lights.compute_light(
        active=s.is_open,
        closed_on_time=s.closed_on_time,
        due=s.due,
        today=today,
        submitted_on=local_date(s.submitted_at) if s.submitted_at else None,
        missing_reports=s.missing_reports,
        yellow_workdays=ctx.yellow_workdays,
        calendar=ctx.calendar,
    )
    if s.light == Light.RED:
        if before != Light.RED:
            s.red_since = today
            s.red_count += 1
    else:
        s.red_since = None
        if s.light == Light.YELLOW and before != Light.YELLOW:
            s.yellow_count += 1
