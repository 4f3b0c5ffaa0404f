"""三会一课 and 主题党日: the sessions a party branch owes in a year, and their lights.

Pure rules, no Django (STYLE.md rule 6), tested across a year with the day as a parameter.

The rules (《中国共产党支部工作条例（试行）》 art. 19, as the office keeps them; an office can
change the periods in settings, DUBAN_PARTY_CALENDAR):
- 支部党员大会 once a quarter;  支委会 once a month;  党小组会 once a month;
- 党课 once a quarter;  主题党日 once a month, led in turn by one branch ("轮流牵头").

A period is owed by its last day: a session held on any day inside the period meets it (a
session in July does not make up for a missed June). The light is the task light's: green
while the period runs, yellow in its last `warn_days` days without a record, red once the
last day has passed without one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class SessionKind(StrEnum):
    CONGRESS = "congress"  # 支部党员大会
    COMMITTEE = "committee"  # 支委会
    GROUP = "group"  # 党小组会
    LECTURE = "lecture"  # 党课
    THEME_DAY = "theme_day"  # 主题党日


LABELS = {
    SessionKind.CONGRESS: "支部党员大会",
    SessionKind.COMMITTEE: "支委会",
    SessionKind.GROUP: "党小组会",
    SessionKind.LECTURE: "党课",
    SessionKind.THEME_DAY: "主题党日",
}

MONTHLY, QUARTERLY = "month", "quarter"
DEFAULT_PERIODS: dict[str, str] = {
    SessionKind.CONGRESS: QUARTERLY,
    SessionKind.COMMITTEE: MONTHLY,
    SessionKind.GROUP: MONTHLY,
    SessionKind.LECTURE: QUARTERLY,
    SessionKind.THEME_DAY: MONTHLY,
}
WARN_DAYS = 5


class Light(StrEnum):
    DONE = "done"  # held
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"  # the period is over without a session
    FUTURE = "future"  # the period has not begun


@dataclass(frozen=True)
class Slot:
    """One session owed: a kind in a period [start, due]."""

    kind: str
    start: date
    due: date

    @property
    def label(self) -> str:
        name = LABELS[SessionKind(self.kind)]
        if self.due.month - self.start.month == 2:
            return f"{self.start.year}年第{(self.start.month - 1) // 3 + 1}季度{name}"
        return f"{self.start.year}年{self.start.month}月{name}"

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.due


def _month_end(year: int, month: int) -> date:
    first_next = date(year + (month == 12), month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def periods(year: int, every: str) -> list[tuple[date, date]]:
    if every == MONTHLY:
        return [(date(year, m, 1), _month_end(year, m)) for m in range(1, 13)]
    if every == QUARTERLY:
        return [(date(year, m, 1), _month_end(year, m + 2)) for m in (1, 4, 7, 10)]
    raise ValueError(f"unknown period {every!r}")


def slots(
    year: int,
    *,
    kinds: Iterable[str] | None = None,
    rules: dict[str, str] | None = None,
) -> list[Slot]:
    """Every session a branch owes in `year`, in calendar order, kinds in rule order."""
    rules = rules or DEFAULT_PERIODS
    wanted = list(kinds) if kinds is not None else list(rules)
    found = [Slot(k, s, d) for k in wanted for s, d in periods(year, rules[k])]
    return sorted(found, key=lambda s: (s.due, s.start, wanted.index(s.kind)))


def light(slot: Slot, held: Sequence[date], today: date, warn_days: int = WARN_DAYS) -> Light:
    """The slot's light at `today`, given the days sessions of its kind were held."""
    if any(slot.contains(d) for d in held):
        return Light.DONE
    if today < slot.start:
        return Light.FUTURE
    if today > slot.due:
        return Light.RED
    if (slot.due - today).days < warn_days:
        return Light.YELLOW
    return Light.GREEN


def rotation(branches: Sequence[int], year: int) -> dict[int, int]:
    """主题党日 lead branch per month of `year`: round robin over `branches` (in their order),
    continuing from the previous year (month index year*12 + m), so the turn never restarts
    at the first branch each January and a year's rotation is the same whenever asked."""
    if not branches:
        return {}
    n = len(branches)
    return {m: branches[(year * 12 + m - 1) % n] for m in range(1, 13)}


def quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    start = date(year, 3 * quarter - 2, 1)
    return start, _month_end(year, 3 * quarter)


def talk_light(year: int, quarter: int, held: bool, today: date) -> Light:
    """廉政约谈: each post once a quarter; a quarter over without a talk is red (flagged)."""
    start, due = quarter_bounds(year, quarter)
    return light(Slot("talk", start, due), [start] if held else [], today)
