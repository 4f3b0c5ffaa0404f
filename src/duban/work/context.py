"""Builds the rule context (calendar with the office's overrides, yellow window) from the DB."""

from __future__ import annotations

from django.conf import settings

from duban.work.models import CalendarDay, CalendarYear
from duban.work.rules import RuleContext
from duban.workdays.calendar import WorkCalendar


def load_calendar() -> WorkCalendar:
    overrides = dict(CalendarDay.objects.values_list("day", "is_workday"))
    confirmed = CalendarYear.objects.values_list("year", flat=True)
    return WorkCalendar(overrides=overrides, confirmed_years=list(confirmed))


def rule_context() -> RuleContext:
    # Read fresh per action: the table is tiny, and an office editing the 2027 notice
    # must see its change at once, on every app server.
    return RuleContext(calendar=load_calendar(), yellow_workdays=settings.DUBAN_YELLOW_WORKDAYS)
