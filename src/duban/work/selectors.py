"""Reads of work records, every one scoped to the acting user (DESIGN.md "queries").

Who sees what:
- supervisors and county leaders: every task (leaders' homes show their line);
- liaisons and unit heads: the tasks their unit takes part in (a current or past assignment,
  including ones it returned), never drafts;
- the system and security administrators: no work records (三员分立).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from duban.org.models import UNIT_ROLES, Leader, Portfolio, Role, Unit, User
from duban.work.models import (
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    Directive,
    DirectiveStatus,
    Event,
    EventKind,
    Light,
    Task,
    TaskStatus,
)

# The auditor reads the access log, not the business (三员分立): not here.
SEE_ALL = frozenset({Role.SUPERVISOR, Role.LEADER})


def tasks_visible_to(user: User) -> QuerySet[Task]:
    tasks = Task.objects.all()
    if not user.is_active:
        return tasks.none()
    if user.role in SEE_ALL:
        return tasks
    if user.role in UNIT_ROLES and user.unit_id is not None:
        # A set of task ids, not an EXISTS per task: a unit holds a few hundred of the
        # county's tasks, and SQLite then reads those by id instead of probing every task.
        takes_part = Assignment.objects.filter(unit_id=user.unit_id).values("task_id")
        return tasks.filter(pk__in=takes_part).exclude(status=TaskStatus.DRAFT)
    return tasks.none()


def directives_visible_to(user: User) -> QuerySet[Directive]:
    directives = Directive.objects.all()
    if not user.is_active:
        return directives.none()
    if user.role in SEE_ALL:
        return directives
    if user.role in UNIT_ROLES and user.unit_id is not None:
        mine = Assignment.objects.filter(task__directive=OuterRef("pk"), unit_id=user.unit_id)
        return directives.filter(Exists(mine))
    return directives.none()


def line_q(leader_id: int) -> Q:
    """分线: a leader's line is what they lead as 牵头领导 (Task.leader) plus every task whose
    lead unit sits in their portfolio (分管单位), whoever leads it. The one definition: the
    leader's home, 分线督查, the dashboard and the ledger's `?line=` all count with it. The
    units come as a subquery, not a join, so a task is never counted twice."""
    units = Portfolio.objects.filter(leader_id=leader_id).values("unit_id")
    return Q(leader_id=leader_id) | Q(lead_unit_id__in=units)


def line_tasks(user: User, leader_id: int) -> QuerySet[Task]:
    """The line's tasks the user may see, drafts and withdrawn tasks left out."""
    return (
        tasks_visible_to(user)
        .filter(line_q(leader_id))
        .exclude(status__in=[TaskStatus.DRAFT, TaskStatus.WITHDRAWN])
    )


@dataclass(frozen=True)
class CoInput:
    unit: Unit
    signed: bool
    done: bool  # reported its part done (本单位部分已完成)
    text: str  # its latest done or progress report, "" if it never reported
    at: datetime | None

    @property
    def silent(self) -> bool:
        """Never signed, or signed and never reported anything."""
        return not self.signed or not self.text


def co_inputs(task: Task) -> list[CoInput]:
    """The co-units still on a task and their latest input (the lead consolidates it; the
    office sees who stayed silent). Two queries."""
    shares = (
        task.assignments.filter(role=AssignmentRole.CO)
        .exclude(status__in=[AssignmentStatus.REPLACED, AssignmentStatus.RETURNED])
        .select_related("unit")
        .order_by("position")
    )
    latest: dict[int, Event] = {}
    reports = task.events.filter(kind__in=[EventKind.SUBMITTED, EventKind.PROGRESS]).order_by("seq")
    for e in reports:
        if e.actor_unit_id is not None:
            latest[e.actor_unit_id] = e
    out = []
    for a in shares:
        last = latest.get(a.unit_id)
        out.append(
            CoInput(
                unit=a.unit,
                signed=a.status in (AssignmentStatus.RECEIVED, AssignmentStatus.DONE),
                done=a.status == AssignmentStatus.DONE,
                text=str(last.payload.get("text", "")) if last else "",
                at=last.at if last else None,
            )
        )
    return out


def directive_tasks(user: User, directive: Directive) -> QuerySet[Task]:
    """The tasks of a directive the user may see: all of them for the office and leaders,
    only the ones their unit takes part in for a unit (the 来文 page shows what concerns it)."""
    return (
        tasks_visible_to(user)
        .filter(directive=directive)
        .select_related("lead_unit", "leader")
        .order_by("number")
    )


def task_for(user: User, pk: int) -> Task | None:
    """One task if the user may see it, else None (the web answers 404/403)."""
    return (
        tasks_visible_to(user)
        .select_related("directive__issuer_leader", "lead_unit", "leader")
        .filter(pk=pk)
        .first()
    )


def timeline(user: User, task: Task) -> QuerySet[Event]:
    """A task's events in order, if the user may see the task."""
    if not tasks_visible_to(user).filter(pk=task.pk).exists():
        return Event.objects.none()
    return task.events.select_related("actor", "actor_unit").order_by("seq")


def overdue_tasks(
    user: User, *, today: date, unit: Unit | None = None, limit: int = 50
) -> list[Task]:
    """Tasks past their due date and not yet reported done, oldest first; of one lead unit.

    A task already submitted awaits the office's verification: its clock stopped at the
    submission (lights.py), so it is not overdue even if verification runs past the date.
    """
    qs = tasks_visible_to(user).filter(is_open=True, due__lt=today, submitted_at__isnull=True)
    if unit is not None:
        qs = qs.filter(lead_unit=unit)
    return list(qs.select_related("lead_unit", "directive").order_by("due", "id")[:limit])


def red_tasks_of_line(user: User, leader: Leader) -> QuerySet[Task]:
    """The red tasks a leader is in charge of (牵头领导)."""
    return (
        tasks_visible_to(user)
        .filter(leader=leader, light=Light.RED)
        .select_related("lead_unit", "directive")
        .order_by("due", "id")
    )


def light_counts(user: User) -> dict[str, int]:
    """Number of tasks per light, over all the user may see (drafts and withdrawn excluded)."""
    rows = (
        tasks_visible_to(user)
        .exclude(status__in=[TaskStatus.DRAFT, TaskStatus.WITHDRAWN])
        .values("light")
        # COUNT(*), not COUNT(id): PostgreSQL then answers from the (light, status) index alone.
        .annotate(n=Count("*"))
    )
    counts = {light: 0 for light in Light.values if light != Light.NONE}
    for row in rows:
        counts[row["light"]] = row["n"]
    return counts


def status_counts(user: User) -> dict[str, int]:
    rows = tasks_visible_to(user).values("status").annotate(n=Count("*"))
    counts = dict.fromkeys(TaskStatus.values, 0)
    for row in rows:
        counts[row["status"]] = row["n"]
    return counts


def overnight_directives(
    user: User, *, now: datetime, since: date | None = None
) -> QuerySet[Directive]:
    """不隔夜: directives not assigned by the end of the day they were registered.

    A directive counts when its first assignment fell on a later (local) day, or when it is
    still unassigned after its registration day ended. A directive withdrawn before it was
    ever assigned does not count; one assigned late still does after it is withdrawn.
    """
    today = timezone.localdate(now)
    qs = directives_visible_to(user).annotate(
        registered_on=TruncDate("registered_at"),  # in TIME_ZONE (Asia/Shanghai)
        assigned_on=TruncDate("first_assigned_at"),
    )
    if since is not None:
        # The registered_at bound lets the database use its index; the date is the rule.
        start = timezone.make_aware(datetime.combine(since, time.min))
        qs = qs.filter(registered_at__gte=start, registered_on__gte=since)
    late = Q(first_assigned_at__isnull=False, assigned_on__gt=F("registered_on"))
    waiting = Q(first_assigned_at__isnull=True, registered_on__lt=today) & ~Q(
        status=DirectiveStatus.WITHDRAWN
    )
    return qs.filter(late | waiting).order_by("registered_at")


def unassigned_directives(user: User) -> QuerySet[Directive]:
    """Directives with tasks still to be sent out, or not yet decomposed (supervisor's inbox)."""
    drafts = Task.objects.filter(directive=OuterRef("pk"), status=TaskStatus.DRAFT)
    return (
        directives_visible_to(user)
        .filter(Q(status=DirectiveStatus.REGISTERED) | Q(Exists(drafts)))
        .order_by("registered_at")
    )
