"""Lights and report slots: pure functions over dates (no Django).

Rules (DESIGN.md "Time"; numbers are office settings):
- green: on track;
- yellow: the deadline is within `yellow_workdays` working days (counting the working days
  after today up to and including the due date), or one periodic report is missing;
- red: overdue (today is after the due date) or two or more reports missing;
- a task submitted as done is judged by its submission date; a closed task keeps
  "on_time" or "late" for good.
"""

from __future__ import annotations

import calendar as _calendar
from collections.abc import Iterable
from datetime import date, timedelta

from duban.workdays.calendar import WorkCalendar

GREEN, YELLOW, RED, ON_TIME, LATE, NONE = "green", "yellow", "red", "on_time", "late", "none"


def compute_light(
    *,
    active: bool,
    closed_on_time: bool | None,
    due: date | None,
    today: date,
    submitted_on: date | None,
    missing_reports: int,
    yellow_workdays: int,
    calendar: WorkCalendar,
) -> str:
    if closed_on_time is not None:
        return ON_TIME if closed_on_time else LATE
    if not active or due is None:
        return NONE
    if submitted_on is not None:
        # The clock stops at the done report; verification time is the office's, not the unit's.
        return GREEN if submitted_on <= due else RED
    if today > due or missing_reports >= 2:
        return RED
    if missing_reports == 1 or calendar.workdays_between(today, due) <= yellow_workdays:
        return YELLOW
    return GREEN


def _month_day(year: int, month: int, day: int) -> date:
    """Day `day` of the month, clamped to its last day (每月31日 in February is the 28th/29th)."""
    return date(year, month, min(day, _calendar.monthrange(year, month)[1]))


def report_slots(cycle: str, cycle_day: int | None, start: date, end: date) -> list[date]:
    """The dates by which a report is due, for start < slot <= end.

    weekly: cycle_day is the weekday (1 = Monday … 7 = Sunday);
    monthly: cycle_day is the day of the month (每月5日前 → 5);
    quarterly: the last day of each quarter (每季度末).
    """
    if end <= start or cycle == "none":
        return []
    slots: list[date] = []
    if cycle == "weekly":
        weekday = (cycle_day or 5) - 1
        d = start + timedelta(days=(weekday - start.weekday()) % 7 or 7)
        while d <= end:
            slots.append(d)
            d += timedelta(days=7)
    elif cycle == "monthly":
        year, month = start.year, start.month
        while True:
            d = _month_day(year, month, cycle_day or 5)
            if d > end:
                break
            if d > start:
                slots.append(d)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    elif cycle == "quarterly":
        year, quarter_end_month = start.year, ((start.month - 1) // 3 + 1) * 3
        while True:
            d = _month_day(year, quarter_end_month, 31)
            if d > end:
                break
            if d > start:
                slots.append(d)
            year, quarter_end_month = (
                (year + 1, 3) if quarter_end_month == 12 else (year, quarter_end_month + 3)
            )
    else:
        raise ValueError(f"unknown cycle {cycle!r}")
    return slots


def missing_slots(slots: Iterable[date], reported: Iterable[date], today: date) -> list[date]:
    """Slots whose date has passed with no report attributed to them."""
    done = set(reported)
    return [s for s in slots if s < today and s not in done]


def slot_for_report(slots: list[date], reported: Iterable[date], today: date) -> date | None:
    """The slot a report made today fills: the earliest unfilled slot up to the next one due.

    A report fills a missed slot first (marked late by the caller when slot < today), so a
    unit that catches up turns its light back; an extra report beyond the next slot fills none.
    """
    done = set(reported)
    upcoming = next((s for s in slots if s >= today), None)
    for s in slots:
        if upcoming is not None and s > upcoming:
            break
        if s not in done:
            return s
    return None
