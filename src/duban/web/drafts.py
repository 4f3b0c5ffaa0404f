"""What a task waiting to be sent (待交办) will get when it is sent today.

The office reviews the drafts before 全部交办 (issue 12, point 11): the lead and co-units
written down at decomposition, and the deadline `actions.assign` would resolve today from
the task's own rule, or the office default for its kind. Read only; the resolving is the
same calendar arithmetic as `assign`, so what is shown is what will be sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from duban.org.models import Unit
from duban.work.context import rule_context
from duban.work.deadlines import describe_due, resolve_due
from duban.work.models import DeadlineDefault, Event, EventKind, Task, TaskStatus


@dataclass(frozen=True)
class Plan:
    lead: list[Unit]
    co: list[Unit]
    due: date
    provisional: bool
    due_text: str  # the rule in the office's words: 5个工作日内, 2026年12月31日前
    late: bool  # the rule's date is already past: assigning today would be refused


def plans(tasks: Iterable[Task], *, today: date) -> dict[int, Plan]:
    """The plan of each draft among `tasks`, by task id (others are left out).

    A fixed number of queries for any number of drafts (the workbench lists them): the
    plans from the `created` events, the units, and the office defaults, each read once.
    The reading is that of `actions.planned_units` and `actions.default_due_spec`.
    """
    todo = [t for t in tasks if t.status == TaskStatus.DRAFT]
    if not todo:
        return {}
    ctx = rule_context()
    created = {
        ev.task_id: (ev.payload.get("plan") or {"lead": [], "co": []})
        for ev in Event.objects.filter(task__in=todo, kind=EventKind.CREATED)
    }
    unit_ids = {i for plan in created.values() for i in (*plan["lead"], *plan["co"])}
    units = Unit.objects.in_bulk(unit_ids)
    defaults = {(d.kind, d.urgency): {d.unit: d.amount} for d in DeadlineDefault.objects.all()}
    out: dict[int, Plan] = {}
    for task in todo:
        plan = created.get(task.pk, {"lead": [], "co": []})
        directive = task.directive
        spec = task.due_spec or defaults.get((directive.kind, directive.urgency), {"days": 30})
        resolved = resolve_due(spec, today, ctx.calendar)
        out[task.pk] = Plan(
            lead=[units[i] for i in plan["lead"] if i in units],
            co=[units[i] for i in plan["co"] if i in units],
            due=resolved.due,
            provisional=resolved.provisional,
            due_text=describe_due(spec),
            late=resolved.due < today,
        )
    return out
