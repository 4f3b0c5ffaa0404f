"""Counting back from an event's date in working days (pure: no Django).

A preparation item "due 3 working days before the event" is due on the 3rd working day
strictly before the event's date; the event's date itself never counts, as in
`WorkCalendar.add_workdays` counting forward.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Protocol


class Calendar(Protocol):
    def is_workday(self, d: date) -> bool: ...


# A year of rest days cannot hold more than this many days in a row (the longest Chinese
# holiday with its weekends is 9 days); past it the calendar is wrong, not the count.
_MAX_SCAN = 3660


def workdays_before(calendar: Calendar, day: date, n: int) -> date:
    """The n-th working day strictly before `day` (n >= 0; n = 0 gives `day` itself)."""
    if n < 0:
        raise ValueError(f"n must not be negative, got {n}")
    if n == 0:
        return day
    d, found = day, 0
    for _ in range(_MAX_SCAN):
        d -= timedelta(days=1)
        if calendar.is_workday(d):
            found += 1
            if found == n:
                return d
    raise ValueError(f"no {n} working days within {_MAX_SCAN} days before {day}")


def prep_due(calendar: Calendar, day: date, n: int, today: date) -> tuple[date, bool]:
    """The due date of a preparation item and whether it was pulled in to `today`.

    An event planned at short notice leaves less time than the template asks: the item is
    then due today (it cannot be due in the past: the work loop refuses a deadline before
    the assignment), and the plan says it is urgent.
    """
    due = workdays_before(calendar, day, n)
    if due < today:
        return today, True
    return due, False
