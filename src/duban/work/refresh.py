"""Bring the running tasks' lights up to date and write the day's reminders. Idempotent.

This is the work room's part of `duban tick` (coordination/tick.py adds the supervision
ladders and the leaders' summaries on top):
- a light that changed since the last action is recorded as a `light_changed` event (so the
  timeline shows when a task turned yellow or red) — run again, nothing has changed;
- each reminder has a dedupe key (task, step, date or slot, recipient), so a second run in
  the same state writes no second reminder.

Only tasks whose state can change today are visited (`candidates`): a green task without
report cycle whose deadline is beyond the yellow window stays green until an action touches
it, and an action refreshes its light itself. At 100,000 tasks that is a small share.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from duban.notify.models import Outbox
from duban.notify.outbox import enqueue_for_units, enqueue_for_users
from duban.org.models import UNIT_ROLES, Role, Unit, User
from duban.work import lights, rules, tally
from duban.work.actions import record, state_of
from duban.work.context import rule_context
from duban.work.models import Cycle, EventKind, Light, Task, writing
from duban.work.selectors import overnight_directives


@dataclass
class RefreshReport:
    running: int = 0  # running tasks in all
    checked: int = 0  # of which visited
    light_changes: int = 0
    reminders: int = 0
    overnight_alerts: int = 0
    changes: dict[str, int] = field(default_factory=dict)


def yellow_horizon(today: date, ctx: rules.RuleContext) -> date:
    """A day such that every deadline after it is beyond the yellow window today.

    lights.compute_light turns a task yellow when workdays_between(today, due) is at most
    the window; that count only grows with `due`, so the first day past the window bounds
    every deadline that can be yellow (or red) today.
    """
    d = today
    for _ in range(120):  # the longest holiday run is 8 days; 120 is far past any window
        d += timedelta(days=1)
        if ctx.calendar.workdays_between(today, d) > ctx.yellow_workdays:
            return d
    return d


def candidates(today: date, ctx: rules.RuleContext, *, full: bool = False) -> QuerySet[Task]:
    """The running tasks whose light, reminders or ladder step can change today.

    - a deadline inside the yellow window or past (turns yellow or red, due-soon and
      overdue reminders, the `overdue` ladder basis);
    - a report cycle (a slot falls due or goes missing: reminders, yellow/red);
    - not green (a red task climbs its ladder day by day);
    - a light history (the `yellow_times`/`red_times` ladder bases, if the office switches
      such a ladder on later).
    Everything else is green, has no report due and stays so until an action changes it.
    """
    running = Task.objects.filter(status__in=[str(s) for s in rules.RUNNING])
    if full:
        return running
    return running.filter(
        Q(due__lte=yellow_horizon(today, ctx))
        | Q(due__isnull=True)
        | ~Q(cycle=Cycle.NONE)
        | ~Q(light=Light.GREEN)
        | Q(yellow_count__gt=0)
        | Q(red_count__gt=0)
    )


def refresh(
    *,
    now: datetime | None = None,
    each: Callable[[Task, date, datetime, rules.RuleContext], int] | None = None,
    full: bool = False,
    batch: int = 500,
) -> tuple[RefreshReport, int]:
    """Refresh the candidate tasks, in batches of `batch`, each under a row lock.

    `each` runs for every visited task in the same transaction, after its light is settled
    (the escalation ladders); the sum of what it returns comes back beside the report.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    ctx = rule_context()
    report = RefreshReport()
    extra = 0
    running = [str(s) for s in rules.RUNNING]
    report.running = Task.objects.filter(status__in=running).count()
    ids = list(candidates(today, ctx, full=full).order_by("id").values_list("id", flat=True))
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        with transaction.atomic(), writing():
            tasks = (
                # of=self: PostgreSQL cannot lock the nullable side of the lead_unit join.
                Task.objects.select_for_update(of=("self",), no_key=True)
                .select_related("directive", "lead_unit")
                .prefetch_related("assignments", "escalations")
                .filter(id__in=chunk, status__in=running)
                .order_by("id")
            )
            pending: list[Reminder] = []
            for task in tasks:
                report.checked += 1
                refresh_task(task, today, now, ctx, report, pending)
                if each is not None:
                    extra += each(task, today, now, ctx)
            report.reminders += write_reminders(pending, now)
    report.overnight_alerts = overnight_alerts(now)
    tally.compact()  # fold the day's +1/-1 rows of the dashboard's counts (work/tally.py)
    return report, extra


def refresh_task(
    task: Task,
    today: date,
    now: datetime,
    ctx: rules.RuleContext,
    report: RefreshReport,
    pending: list[Reminder] | None = None,
) -> None:
    """Record the task's light if it changed and queue its reminders: into `pending`
    (written by the caller, `write_reminders`, before its transaction ends) or now."""
    remind = _Remind(pending, now)
    state = state_of(task)
    rules.refresh_light(state, today, ctx)
    if state.light != task.light or state.missing_reports != task.missing_reports:
        record(
            task,
            kind=EventKind.LIGHT_CHANGED,
            at=now,
            by=None,
            unit=None,
            ctx=ctx,
            payload={
                "from": task.light,
                "light": state.light,
                "missing_reports": state.missing_reports,
            },
        )
        report.light_changes += 1
        report.changes[state.light] = report.changes.get(state.light, 0) + 1
    lead = task.lead_unit
    if lead is None or task.due is None:
        return
    if task.due < today:
        report.reminders += remind(
            task,
            lead,
            now,
            f"overdue:{task.pk}:{task.due}",
            "overdue",
            f"已逾期：{task.content[:40]}",
            f"完成时限{task.due:%Y年%m月%d日}已过，请尽快办结并报送办结报告。",
        )
    elif task.light == "yellow" and ctx.calendar.workdays_between(today, task.due) <= (
        ctx.yellow_workdays
    ):
        report.reminders += remind(
            task,
            lead,
            now,
            f"due-soon:{task.pk}:{task.due}",
            "due_soon",
            f"即将到期：{task.content[:40]}",
            f"完成时限为{task.due:%Y年%m月%d日}，请按时办结。",
        )
    if task.cycle != "none" and task.assigned_at is not None:
        slots = lights.report_slots(
            task.cycle,
            task.cycle_day,
            rules.cycle_start(task.assigned_at, task.cycle_from),
            task.due,
        )
        reported = {date.fromisoformat(s) for s in task.reported_slots}
        for slot in lights.missing_slots(slots, reported, today):
            report.reminders += remind(
                task,
                lead,
                now,
                f"report-missing:{task.pk}:{slot}",
                "report_missing",
                f"进展未报送：{task.content[:40]}",
                f"应于{slot:%Y年%m月%d日}前报送的进展情况尚未报送，请尽快补报。",
            )
        upcoming = next((s for s in slots if s >= today and s not in reported), None)
        if upcoming is not None and ctx.calendar.workdays_between(today, upcoming) <= 1:
            report.reminders += remind(
                task,
                lead,
                now,
                f"report-due:{task.pk}:{upcoming}",
                "report_due",
                f"请报送进展：{task.content[:40]}",
                f"请于{upcoming:%Y年%m月%d日}前报送本期进展情况。",
            )


@dataclass
class Reminder:
    """One reminder to a unit's accounts, as `enqueue_for_units(..., dedupe=key)` writes it."""

    task: Task
    unit_id: int
    key: str
    kind: str
    title: str
    body: str


class _Remind:
    def __init__(self, pending: list[Reminder] | None, now: datetime) -> None:
        self.pending, self.now = pending, now

    def __call__(
        self, task: Task, unit: Unit, now: datetime, key: str, kind: str, title: str, body: str
    ) -> int:
        if self.pending is None:
            return enqueue_for_units(
                [unit], kind=kind, title=title, body=body, now=now, task=task, dedupe=key
            )
        self.pending.append(Reminder(task, unit.pk, key, kind, title, body))
        return 0  # counted when written


def write_reminders(pending: list[Reminder], now: datetime) -> int:
    """Write a batch's reminders at once: one query for the recipients, one for the keys
    already sent, one insert. The same rows, each once (the key's unique constraint backs
    the check), as one `enqueue_for_units` per reminder would write: at 10,000 imported
    tasks those calls were a third of the import's time."""
    if not pending:
        return 0
    recipients: dict[int, list[User]] = {}
    users = User.objects.filter(
        unit_id__in={r.unit_id for r in pending}, role__in=UNIT_ROLES, is_active=True
    )
    for user in users:
        assert user.unit_id is not None
        recipients.setdefault(user.unit_id, []).append(user)
    wanted = [(r, u, f"{r.key}:{u.pk}") for r in pending for u in recipients.get(r.unit_id, [])]
    keys = [key for _, _, key in wanted]
    sent: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        found = Outbox.objects.filter(dedupe_key__in=chunk).values_list("dedupe_key", flat=True)
        sent |= {key for key in found if key}
    rows = []
    for r, user, key in wanted:
        if key in sent:
            continue
        sent.add(key)
        rows.append(
            Outbox(
                created_at=now,
                recipient=user,
                kind=r.kind,
                title=r.title[:200],
                body=r.body,
                task=r.task,
                directive=r.task.directive,
                dedupe_key=key,
            )
        )
    Outbox.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def overnight_alerts(now: datetime) -> int:
    """Tell the supervisors once about each directive left overnight without assignment."""
    supervisors = list(User.objects.filter(role=Role.SUPERVISOR, is_active=True))
    if not supervisors:
        return 0
    system = supervisors[0]  # the selector needs a viewer who sees everything
    sent = 0
    waiting = overnight_directives(system, now=now).filter(first_assigned_at__isnull=True)
    with transaction.atomic():
        for d in waiting:
            sent += enqueue_for_users(
                supervisors,
                kind="overnight",
                title=f"隔夜未交办：{d.title[:40]}",
                body=f"来文{d.code}于{timezone.localtime(d.registered_at):%m月%d日}登记，至今未交办。",
                now=now,
                directive=d,
                dedupe=f"overnight:{d.pk}",
            )
    return sent
