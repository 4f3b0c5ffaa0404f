"""Builds the rule context (calendar with the office's overrides, yellow window) from the DB."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import connection

from duban.work.models import CalendarDay, CalendarYear
from duban.work.rules import RuleContext
from duban.workdays.calendar import WorkCalendar

# The last calendar built, by the rows it was built from. The rows are read on every call
# (an edit shows at once), but the per-year tables, which cost a few milliseconds each, are
# built again only when the rows changed. A WorkCalendar is never changed after it is made.
_last: tuple[tuple[frozenset[tuple[date, bool]], frozenset[int]], WorkCalendar] | None = None


def load_calendar() -> WorkCalendar:
    global _last
    # Both tables in one plain query: every action reads them (rule_context), and the
    # ORM's compiling of two querysets cost more than the reading.
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT day, is_workday, NULL FROM {CalendarDay._meta.db_table} "
            f"UNION ALL SELECT NULL, NULL, year FROM {CalendarYear._meta.db_table}"
        )
        rows = cur.fetchall()
    overrides = {_date(d): bool(w) for d, w, y in rows if y is None}
    confirmed = [int(y) for _d, _w, y in rows if y is not None]
    key = (frozenset(overrides.items()), frozenset(confirmed))
    last = _last
    if last is not None and last[0] == key:
        return last[1]
    calendar = WorkCalendar(overrides=overrides, confirmed_years=confirmed)
    _last = (key, calendar)
    return calendar


def _date(value: object) -> date:
    # SQLite returns a DATE column as text
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def rule_context() -> RuleContext:
    # Read fresh per action: the table is tiny, and an office editing the 2027 notice
    # must see its change at once, on every app server.
    return RuleContext(calendar=load_calendar(), yellow_workdays=settings.DUBAN_YELLOW_WORKDAYS)
