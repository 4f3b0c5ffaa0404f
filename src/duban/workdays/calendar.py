"""Working-day arithmetic on the statutory holiday and adjusted-workday (调休) calendar.

Three sources decide whether a day is a working day, in this order:

1. the office's override table (a local holiday, or a year the library does not know yet,
   entered from the State Council's notice);
2. `chinese_calendar`, for the years it has data for (2004-2026 in 1.11.0);
3. the Monday-Friday rule.

A year that is neither in the library nor confirmed by the office is *unknown*: every answer
that looks at one of its days carries ``provisional=True`` so that callers can show it as a
warning instead of silently guessing.

This module must not import Django: it is pure domain code, tested fast and exhaustively.
"""

import bisect
import functools
import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, date, datetime, timedelta
from typing import Literal

import chinese_calendar

Source = Literal["override", "library", "weekday-rule"]


@dataclass(frozen=True)
class DayInfo:
    day: date
    is_workday: bool
    provisional: bool
    source: Source


@dataclass(frozen=True)
class WorkdayResult:
    day: date
    provisional: bool


@functools.cache
def _library_knows(year: int) -> bool:
    # Ask the library instead of hard-coding its range, so that upgrading chinesecalendar
    # to a release with 2027 data is all it takes. It raises NotImplementedError for a year
    # without data.
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def _library_is_workday(d: date) -> bool:
    # Same rule as chinese_calendar.is_workday, read from its public tables directly:
    # is_workday() recomputes min()/max() over every holiday on each call, which costs
    # about a millisecond per year of lookups. Only call this for a year the library knows.
    return bool(
        d in chinese_calendar.workdays or (d.weekday() < 5 and d not in chinese_calendar.holidays)
    )


def _days_of(year: int) -> list[date]:
    first = date(year, 1, 1)
    length = (date(year + 1, 1, 1) - first).days if year < MAXYEAR else 365
    return [first + timedelta(days=i) for i in range(length)]


def library_holidays(year: int) -> dict[date, bool]:
    """The library's deviations from the Monday-Friday rule in `year`.

    A weekday holiday maps to False, an adjusted working Saturday or Sunday to True. Used to
    seed and show the override table.
    """
    if not (MINYEAR <= year <= MAXYEAR and _library_knows(year)):
        raise ValueError(f"chinese_calendar has no holiday data for {year}")
    deviations: dict[date, bool] = {}
    for d in _days_of(year):
        works = _library_is_workday(d)
        if works != (d.weekday() < 5):
            deviations[d] = works
    return deviations


@dataclass(frozen=True)
class _Year:
    year: int
    first: int  # ordinal of 1 January
    days: tuple[DayInfo, ...]
    # cumulative[i] is the number of working days from 1 January through days[i] inclusive.
    # It turns workdays_between into two lookups and add_workdays into a bisection.
    cumulative: tuple[int, ...]
    provisional: bool

    def index(self, d: date) -> int:
        return d.toordinal() - self.first


class WorkCalendar:
    """The office's working-day calendar: overrides on top of the library.

    Answers are precomputed per year on first use and kept for the life of the instance,
    so build a new instance when the override table changes.
    """

    def __init__(
        self,
        *,
        overrides: Mapping[date, bool] | None = None,
        confirmed_years: Iterable[int] = (),
    ) -> None:
        self._overrides: dict[date, bool] = dict(overrides or {})
        for key in self._overrides:
            # A datetime key never equals the date it is looked up with, so the override
            # would be silently ignored.
            if isinstance(key, datetime) or not isinstance(key, date):
                raise TypeError(f"override keys must be dates, got {key!r}")
        self._confirmed = frozenset(confirmed_years)
        # Filled lazily. Two threads building the same year at once both produce the same
        # table, so the race is harmless and needs no lock.
        self._years: dict[int, _Year] = {}

    def is_known_year(self, year: int) -> bool:
        if year in self._confirmed:
            return True
        return MINYEAR <= year <= MAXYEAR and _library_knows(year)

    def info(self, d: date) -> DayInfo:
        table = self._year(d.year)
        return table.days[table.index(d)]

    def is_workday(self, d: date) -> bool:
        return self.info(d).is_workday

    def add_workdays(self, start: date, n: int) -> WorkdayResult:
        """The n-th working day strictly after `start`; `start` itself never counts.

        "5个工作日内" from a Sunday means the fifth working day after that Sunday, unlike
        chinese_calendar.find_workday, which counts the next working day as day 0.
        """
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        first = start + timedelta(days=1)
        table = self._year(first.year)
        offset = table.index(first)
        need = n + (table.cumulative[offset - 1] if offset else 0)
        provisional = False
        while True:
            provisional = provisional or table.provisional
            if table.cumulative[-1] >= need:
                # The first day whose running count reaches `need` is the answer; it is a
                # working day because the count steps up there.
                found = bisect.bisect_left(table.cumulative, need)
                return WorkdayResult(day=table.days[found].day, provisional=provisional)
            need -= table.cumulative[-1]
            table = self._year(table.year + 1)

    def workdays_between(self, start: date, end: date) -> int:
        """The number of working days d with start < d <= end (0 if end <= start)."""
        if end <= start:
            return 0
        a = self._year(start.year)
        b = self._year(end.year)
        count = b.cumulative[b.index(end)] - a.cumulative[a.index(start)]
        for year in range(start.year, end.year):
            count += self._year(year).cumulative[-1]
        return count

    def _year(self, year: int) -> _Year:
        table = self._years.get(year)
        if table is None:
            table = self._build_year(year)
            self._years[year] = table
        return table

    def _build_year(self, year: int) -> _Year:
        provisional = not self.is_known_year(year)
        library = _library_knows(year)
        days: list[DayInfo] = []
        for d in _days_of(year):
            source: Source
            if d in self._overrides:
                works, source = self._overrides[d], "override"
            elif library:
                works, source = _library_is_workday(d), "library"
            else:
                works, source = d.weekday() < 5, "weekday-rule"
            days.append(DayInfo(day=d, is_workday=works, provisional=provisional, source=source))
        return _Year(
            year=year,
            first=date(year, 1, 1).toordinal(),
            days=tuple(days),
            cumulative=tuple(itertools.accumulate(int(info.is_workday) for info in days)),
            provisional=provisional,
        )
