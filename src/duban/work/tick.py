"""`duban tick`: bring lights up to date and send the day's reminders. Idempotent.

Safe to run every minute from cron or a systemd timer:
- a light that changed since the last action is recorded as a `light_changed` event (so the
  timeline shows when a task turned yellow or red) — run again, nothing has changed;
- each reminder has a dedupe key (task, step, date or slot, recipient), so a second run in
  the same state writes no second reminder;
- the escalation ladders (supervise/escalation.py) take each step at most once per task
  (a unique row per task and step), and each leader's weekly line summary goes out once
  per week (supervise/lines.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from duban.notify.outbox import enqueue_for_units, enqueue_for_users
from duban.org.models import Role, Unit, User
from duban.supervise import escalation, lines
from duban.work import lights, rules
from duban.work.actions import record, state_of
from duban.work.context import rule_context
from duban.work.models import EventKind, Task, writing
from duban.work.selectors import overnight_directives


@dataclass
class TickReport:
    checked: int = 0
    light_changes: int = 0
    reminders: int = 0
    overnight_alerts: int = 0
    escalations: int = 0
    line_summaries: int = 0
    changes: dict[str, int] = field(default_factory=dict)


def tick(*, now: datetime | None = None, batch: int = 500) -> TickReport:
    now = now or timezone.now()
    today = timezone.localdate(now)
    ctx = rule_context()
    report = TickReport()
    ladders = escalation.load_ladders()
    running = [str(s) for s in rules.RUNNING]
    ids = list(Task.objects.filter(status__in=running).order_by("id").values_list("id", flat=True))
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        with transaction.atomic(), writing():
            tasks = (
                # of=self: PostgreSQL cannot lock the nullable side of the lead_unit join.
                Task.objects.select_for_update(of=("self",))
                .select_related("directive", "lead_unit")
                .prefetch_related("assignments", "escalations")
                .filter(id__in=chunk, status__in=running)
            )
            for task in tasks:
                report.checked += 1
                _tick_task(task, today, now, ctx, report)
                # Escalation ladders (supervise/escalation.py), on the light just settled.
                report.escalations += escalation.climb(
                    task, today=today, now=now, ctx=ctx, ladders=ladders
                )
    report.overnight_alerts = _overnight_alerts(now)
    report.line_summaries = lines.send_weekly_summaries(now=now)
    return report


def _tick_task(
    task: Task, today: date, now: datetime, ctx: rules.RuleContext, report: TickReport
) -> None:
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
        report.reminders += _remind(
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
        report.reminders += _remind(
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
            report.reminders += _remind(
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
            report.reminders += _remind(
                task,
                lead,
                now,
                f"report-due:{task.pk}:{upcoming}",
                "report_due",
                f"请报送进展：{task.content[:40]}",
                f"请于{upcoming:%Y年%m月%d日}前报送本期进展情况。",
            )


def _remind(
    task: Task, unit: Unit, now: datetime, key: str, kind: str, title: str, body: str
) -> int:
    return enqueue_for_units(
        [unit], kind=kind, title=title, body=body, now=now, task=task, dedupe=key
    )


def _overnight_alerts(now: datetime) -> int:
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
