"""Extraction with the office's data: the registry's names and the holiday calendar.

`duban.extract` is pure; this is where it meets the database, for `duban extract` and the
register form. Reads only: the drafts are created, after a person has corrected them,
through the usual actions (register, decompose, assign).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import DatabaseError

from duban.extract.tasks import DraftTask, extract
from duban.org.registry import Registry
from duban.workdays.calendar import WorkCalendar


@dataclass(frozen=True)
class Extraction:
    tasks: list[DraftTask]
    registry: Registry


def office_calendar() -> WorkCalendar:
    """The office's calendar with its overrides; the statutory one without a database."""
    from duban.work.context import load_calendar

    try:
        return load_calendar()
    except DatabaseError:
        return WorkCalendar()


def extract_for_office(text: str, *, base: date | None) -> Extraction:
    registry = Registry.load()
    tasks = extract(text, base=base, calendar=office_calendar(), known_names=registry.known_names())
    return Extraction(tasks, registry)


def task_json(task: DraftTask, registry: Registry) -> dict[str, Any]:
    """One task in the public shape of `duban extract --json` (keep it stable)."""
    return {
        "text": task.text,
        "lead": task.lead,
        "co": task.co,
        "deadline_raw": task.deadline_raw,
        "deadline": task.deadline.isoformat() if task.deadline else None,
        "cycle_raw": task.cycle_raw,
        "cycle": task.cycle,
        "lead_units": registry.resolve_names(task.lead),
        "co_units": registry.resolve_names(task.co),
    }
