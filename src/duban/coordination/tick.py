"""`duban tick`: lights, reminders, overnight alerts, escalation ladders, line summaries.

Idempotent and safe to start on every node at once (cron on each app server, or the
scheduler inside `duban serve`): one tick runs at a time (coordination/locks.py); a tick
that finds another running skips and says so. Run twice in the same state, it sends
nothing twice:
- lights and reminders: work/refresh.py (a light change is one event; reminders carry a
  dedupe key);
- the escalation ladders (supervise/escalation.py) take each step at most once per task (a
  unique row per task and step), climbed in the same transaction as the task's light;
- each leader's weekly line summary goes out once per week (supervise/lines.py).

It lives above work/ and supervise/ because it drives both (DESIGN.md "Coordination").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import timezone

from duban.coordination.locks import exclusive
from duban.supervise import escalation, lines
from duban.work import rules
from duban.work.models import Task
from duban.work.refresh import refresh


@dataclass
class TickReport:
    running: int = 0
    checked: int = 0
    light_changes: int = 0
    reminders: int = 0
    overnight_alerts: int = 0
    escalations: int = 0
    line_summaries: int = 0
    skipped: bool = False  # another tick held the lock
    changes: dict[str, int] = field(default_factory=dict)


def tick(*, now: datetime | None = None, full: bool = False, batch: int = 500) -> TickReport:
    """One tick as of `now`; `full` visits every running task (for checks and benchmarks)."""
    now = now or timezone.now()
    with exclusive("tick") as got:
        if not got:
            return TickReport(skipped=True)
        ladders = escalation.load_ladders()

        def climb(task: Task, today: date, at: datetime, ctx: rules.RuleContext) -> int:
            # On the light just settled, in the task's own transaction and row lock.
            return escalation.climb(task, today=today, now=at, ctx=ctx, ladders=ladders)

        done, escalations = refresh(now=now, each=climb, full=full, batch=batch)
        return TickReport(
            running=done.running,
            checked=done.checked,
            light_changes=done.light_changes,
            reminders=done.reminders,
            overnight_alerts=done.overnight_alerts,
            escalations=escalations,
            line_summaries=lines.send_weekly_summaries(now=now),
            changes=done.changes,
        )
