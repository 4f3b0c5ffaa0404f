"""Builds the rule context (calendar with the office's overrides, yellow window) from the DB."""

from __future__ import annotations

from datetime import date

from django.conf import settings

from duban.work.models import CalendarDay, CalendarYear
from duban.work.rules import RuleContext
from duban.workdays.calendar import WorkCalendar

# The last calendar built, by the rows it was built from. The rows are read on every call
# (an edit shows at once), but the per-year tables, which cost a few milliseconds each, are
# built again only when the rows changed. A WorkCalendar is never changed after it is made.
_last: tuple[tuple[frozenset[tuple[date, bool]], frozenset[int]], WorkCalendar] | None = None


def load_calendar() -> WorkCalendar:
    global _last
    overrides = dict(CalendarDay.objects.values_list("day", "is_workday"))
    confirmed = list(CalendarYear.objects.values_list("year", flat=True))
    key = (frozenset(overrides.items()), frozenset(confirmed))
    last = _last
    if last is not None and last[0] == key:
        return last[1]
    calendar = WorkCalendar(overrides=overrides, confirmed_years=confirmed)
    _last = (key, calendar)
    return calendar


def rule_context() -> RuleContext:
    # Read fresh per action: the table is tiny, and an office editing the 2027 notice
    # must see its change at once, on every app server.
    return RuleContext(calendar=load_calendar(), yellow_workdays=settings.DUBAN_YELLOW_WORKDAYS)
