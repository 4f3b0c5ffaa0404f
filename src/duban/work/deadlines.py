"""Resolving a task's due spec into a date at assignment (pure, no Django)."""

from __future__ import annotations

import calendar as _calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from duban.workdays.calendar import WorkCalendar


@dataclass(frozen=True)
class ResolvedDue:
    due: date
    provisional: bool


def add_months(d: date, months: int) -> date:
    month0 = d.month - 1 + months
    year, month = d.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(d.day, _calendar.monthrange(year, month)[1]))


def resolve_due(spec: dict[str, Any], assigned_on: date, calendar: WorkCalendar) -> ResolvedDue:
    """spec is {"date": "YYYY-MM-DD"} | {"workdays": n} | {"days": n} | {"months": n}.

    "N个工作日内" counts N working days strictly after the day of assignment.
    """
    if "date" in spec:
        due = date.fromisoformat(spec["date"])
        return ResolvedDue(due, not calendar.is_known_year(due.year))
    if "workdays" in spec:
        r = calendar.add_workdays(assigned_on, int(spec["workdays"]))
        return ResolvedDue(r.day, r.provisional)
    if "days" in spec:
        due = assigned_on + timedelta(days=int(spec["days"]))
    elif "months" in spec:
        due = add_months(assigned_on, int(spec["months"]))
    else:
        raise ValueError(f"bad due spec {spec!r}")
    return ResolvedDue(due, not calendar.is_known_year(due.year))


def describe_due(spec: dict[str, Any]) -> str:
    """The spec in the office's words: 2026年12月31日前 / 5个工作日内 / 30天内 / 3个月内."""
    if "date" in spec:
        d = date.fromisoformat(spec["date"])
        return f"{d.year}年{d.month}月{d.day}日前"
    if "workdays" in spec:
        return f"{spec['workdays']}个工作日内"
    if "days" in spec:
        return f"{spec['days']}天内"
    if "months" in spec:
        return f"{spec['months']}个月内"
    return "按默认时限"
