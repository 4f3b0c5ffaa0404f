"""定期交账 / 日清月结: the month-end settlement per unit, and the office's day view.

Month-end settlement (月结), per lead unit, for one month, as of `now`:
- deadlines in the month: met (done report by the deadline), met late, missed and still
  open, not yet due;
- report slots in the month that have passed: reported on time, reported late, missing
  (slots after the done report are not owed);
- the list of what is late, each with its task.
Day view (日清), for the office: everything still waiting on the office or falling due
today, so that today's inbox is emptied today.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import QuerySet
from django.utils import timezone

from duban.org.models import UNIT_ROLES, Role, Unit, User
from duban.supervise import periods
from duban.supervise.models import (
    AppealStatus,
    Escalation,
    ScoreAppeal,
    SpotCheckItem,
    SpotCheckStatus,
)
from duban.work import lights, rules, selectors, workbench
from duban.work.models import (
    Directive,
    ExtensionRequest,
    ProgressReport,
    Task,
    TaskStatus,
)


@dataclass
class Late:
    task: Task
    what: str


@dataclass
class UnitMonth:
    unit: Unit
    due: int = 0
    met: int = 0
    met_late: int = 0
    missed_open: int = 0
    not_yet_due: int = 0
    slots: int = 0
    reported: int = 0
    reported_late: int = 0
    missing: int = 0
    late: list[Late] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.met_late or self.missed_open or self.reported_late or self.missing)


def _settled_units(user: User) -> QuerySet[Unit] | None:
    """The units whose settlement the user may see; None: every unit."""
    if not user.is_active:
        return Unit.objects.none()
    if user.role in selectors.SEE_ALL:
        return None
    if user.role in UNIT_ROLES and user.unit_id is not None:
        return Unit.objects.filter(pk=user.unit_id)
    return Unit.objects.none()


def month_settlement(user: User, month: periods.Period, *, now: datetime) -> list[UnitMonth]:
    """Each lead unit's month, for the units the user may see (units with nothing: left out)."""
    today = timezone.localdate(now)
    allowed = _settled_units(user)
    tasks = (
        selectors.tasks_visible_to(user)
        .exclude(status__in=[TaskStatus.DRAFT, TaskStatus.WITHDRAWN])
        .filter(lead_unit__isnull=False, assigned_at__isnull=False)
        .select_related("directive", "lead_unit")
    )
    if allowed is not None:
        tasks = tasks.filter(lead_unit__in=allowed)
    rows: dict[int, UnitMonth] = {}

    def row(t: Task) -> UnitMonth:
        assert t.lead_unit is not None
        return rows.setdefault(t.lead_unit.pk, UnitMonth(unit=t.lead_unit))

    for t in tasks.filter(due__gte=month.start, due__lt=month.end).order_by("due", "id"):
        assert t.due is not None
        r = row(t)
        r.due += 1
        done_on = timezone.localdate(t.submitted_at) if t.submitted_at else None
        if done_on is not None and done_on <= t.due:
            r.met += 1
        elif done_on is not None:
            r.met_late += 1
            r.late.append(Late(t, f"时限{t.due:%m月%d日}，{done_on:%m月%d日}报送办结"))
        elif t.due < today:
            r.missed_open += 1
            r.late.append(Late(t, f"时限{t.due:%m月%d日}，逾期未办结"))
        else:
            r.not_yet_due += 1

    start = datetime(
        month.end.year, month.end.month, month.end.day, tzinfo=timezone.get_current_timezone()
    )
    cyclic = list(tasks.exclude(cycle="none").filter(assigned_at__lt=start, due__gte=month.start))
    late_slots = set(
        ProgressReport.objects.filter(
            task__in=[t.pk for t in cyclic], late=True, slot__gte=month.start, slot__lt=month.end
        ).values_list("task_id", "slot")
    )
    for t in cyclic:
        assert t.assigned_at is not None and t.due is not None
        done_on = timezone.localdate(t.submitted_at) if t.submitted_at else None
        filled = set(t.reported_slots)
        for slot in lights.report_slots(
            t.cycle, t.cycle_day, rules.cycle_start(t.assigned_at, t.cycle_from), t.due
        ):
            if slot not in month or slot >= today or (done_on is not None and slot >= done_on):
                continue
            r = row(t)
            r.slots += 1
            if (t.pk, slot) in late_slots:
                r.reported_late += 1
                r.late.append(Late(t, f"{slot:%m月%d日}一期进展补报"))
            elif slot.isoformat() in filled:
                r.reported += 1
            else:
                r.missing += 1
                r.late.append(Late(t, f"{slot:%m月%d日}一期进展未报送"))
    return sorted(rows.values(), key=lambda r: (r.unit.order, r.unit.pk))


# ---------------------------------------------------------------- 日清: the day view


@dataclass
class DayView:
    today: date
    unassigned: list[workbench.InboxDirective]
    overnight: list[Directive]
    to_verify: list[Task]
    extensions: list[ExtensionRequest]
    returned: list[Task]
    due_today: list[Task]
    reports_due_today: list[Task]
    turned_red: list[Task]
    escalated: list[Escalation]
    findings_waiting: list[SpotCheckItem]
    appeals: list[ScoreAppeal]

    @property
    def open_count(self) -> int:
        """What the office itself must still clear today."""
        return (
            len(self.unassigned)
            + len(self.to_verify)
            + len(self.extensions)
            + len(self.returned)
            + len(self.appeals)
        )


def day_view(user: User, *, now: datetime, limit: int = 100) -> DayView | None:
    """The supervisor's 日清 view of today; None for anyone else."""
    if not (user.is_active and user.role == Role.SUPERVISOR):
        return None
    today = timezone.localdate(now)
    visible = selectors.tasks_visible_to(user).select_related("directive", "lead_unit")
    running = visible.filter(status__in=list(rules.RUNNING))
    reports_today = [
        t
        for t in running.exclude(cycle="none").filter(due__gte=today).order_by("id")
        if t.assigned_at is not None
        and t.due is not None
        and today
        in lights.report_slots(
            t.cycle, t.cycle_day, rules.cycle_start(t.assigned_at, t.cycle_from), t.due
        )
        and today.isoformat() not in t.reported_slots
    ]
    since = datetime(today.year, today.month, today.day, tzinfo=timezone.get_current_timezone())
    return DayView(
        today=today,
        unassigned=workbench.inbox(user, now=now)[:limit],
        overnight=list(
            selectors.overnight_directives(user, now=now).filter(first_assigned_at__isnull=True)[
                :limit
            ]
        ),
        to_verify=list(workbench.awaiting_verification(user)[:limit]),
        extensions=list(workbench.pending_extensions(user)[:limit]),
        returned=list(visible.filter(status=TaskStatus.RETURNED).order_by("id")[:limit]),
        due_today=list(running.filter(due=today).order_by("id")[:limit]),
        reports_due_today=reports_today[:limit],
        turned_red=list(running.filter(red_since=today).order_by("due", "id")[:limit]),
        escalated=list(
            Escalation.objects.filter(at__gte=since, task__in=visible)
            .select_related("task__directive", "task__lead_unit", "step")
            .order_by("-at")[:limit]
        ),
        findings_waiting=list(
            SpotCheckItem.objects.filter(spot_check__status=SpotCheckStatus.OPEN, verdict="")
            .select_related("spot_check", "task__directive", "task__lead_unit")
            .order_by("spot_check_id", "position")[:limit]
        ),
        appeals=list(
            ScoreAppeal.objects.filter(status=AppealStatus.PENDING)
            .select_related("unit", "task__directive", "rule")
            .order_by("filed_at")[:limit]
        ),
    )
