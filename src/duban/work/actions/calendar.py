"""The office calendar: confirming a year's holidays re-dates provisional deadlines."""

from __future__ import annotations

from datetime import date, datetime

from duban.notify.outbox import enqueue_for_units
from duban.org.models import User
from duban.work import rules
from duban.work.actions.core import (
    _now,
    _require_supervisor,
    _units_on,
    action,
    record,
)
from duban.work.context import rule_context
from duban.work.deadlines import resolve_due
from duban.work.errors import Invalid
from duban.work.models import (
    CalendarYear,
    EventKind,
    Task,
)

# ---------------------------------------------------------------- the calendar


@action
def confirm_calendar_year(
    *, year: int, by: User, note: str = "", now: datetime | None = None
) -> list[Task]:
    """The office has entered `year`'s State Council holiday notice into the override table.

    The year becomes known, and every open task whose deadline was provisional is re-dated
    from the rule it was set by (N个工作日 counted again on the real calendar) with a
    `due_recomputed` event; units whose deadline moved are told.
    """
    now = _now(now)
    _require_supervisor(by, "确认节假日安排")
    if not 2000 <= year <= 2100:
        raise Invalid(f"年份{year}无效。", log=f"bad year {year}", field="year")
    CalendarYear.objects.update_or_create(
        year=year, defaults={"confirmed_at": now, "note": note.strip()}
    )
    ctx = rule_context()
    redated: list[Task] = []
    open_provisional = Task.objects.select_for_update(of=("self",), no_key=True).select_related(
        "directive"
    )
    for task in open_provisional.filter(due_provisional=True, is_open=True).order_by("id"):
        assert task.due is not None
        new_due, provisional = _redate(task, ctx)
        if (new_due, provisional) == (task.due, task.due_provisional):
            continue
        previous = task.due
        record(
            task,
            kind=EventKind.DUE_RECOMPUTED,
            at=now,
            by=by,
            unit=by.unit,
            ctx=ctx,
            payload={
                "due": new_due.isoformat(),
                "due_provisional": provisional,
                "previous_due": previous.isoformat(),
                "year": year,
            },
        )
        if new_due != previous:
            units = _units_on(task)
            enqueue_for_units(
                units,
                kind="due_recomputed",
                title=f"完成时限校正：{task.content[:40]}",
                body=f"按{year}年节假日安排，完成时限由{previous:%Y年%m月%d日}"
                f"校正为{new_due:%Y年%m月%d日}。",
                task=task,
                now=now,
            )
        redated.append(task)
    return redated


def _redate(task: Task, ctx: rules.RuleContext) -> tuple[date, bool]:
    """The deadline a task's own rule gives on today's calendar, and whether it is still
    provisional. A fixed date or an approved extension keeps its date."""
    assert task.due is not None
    setters = task.events.filter(
        kind__in=[
            EventKind.ASSIGNED,
            EventKind.REASSIGNED,
            EventKind.EXTENSION_DECIDED,
            EventKind.REOPENED,
        ]
    ).order_by("-seq")
    for ev in setters:
        if ev.kind == EventKind.EXTENSION_DECIDED and not ev.payload.get("approved"):
            continue
        if ev.kind == EventKind.REASSIGNED and "due" not in ev.payload:
            continue
        rule = ev.payload.get("due_rule") or {}
        if rule and "date" not in rule:
            resolved = resolve_due(rule, rules.local_date(ev.at), ctx.calendar)
            return resolved.due, resolved.provisional
        break
    return task.due, not ctx.calendar.is_known_year(task.due.year)
