"""Score and settlement periods: a month, a quarter or a year. Pure, no Django.

Written as 2026-03 (a month), 2026-Q1 (a quarter) or 2026 (a year). A period runs from
its first day up to, not including, the first day of the next one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


@dataclass(frozen=True)
class Period:
    kind: str  # "month" | "quarter" | "year"
    start: date
    end: date  # exclusive
    code: str

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{self.start.year}年{self.start.month}月"
        if self.kind == "quarter":
            return f"{self.start.year}年第{(self.start.month - 1) // 3 + 1}季度"
        return f"{self.start.year}年"

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day < self.end


def _add_months(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month(year: int, m: int) -> Period:
    start = date(year, m, 1)
    return Period("month", start, _add_months(start, 1), f"{year}-{m:02d}")


def quarter(year: int, q: int) -> Period:
    start = date(year, 3 * q - 2, 1)
    return Period("quarter", start, _add_months(start, 3), f"{year}-Q{q}")


def year(y: int) -> Period:
    return Period("year", date(y, 1, 1), date(y + 1, 1, 1), f"{y}")


def parse(text: str) -> Period:
    """2026-03, 2026-Q1 or 2026 (years 2000-2100); ValueError otherwise."""
    text = text.strip()
    found = re.match(r"\d{4}", text)
    if found and not 2000 <= int(found.group()) <= 2100:
        raise ValueError(f"year out of range: {text!r}")
    if m := _MONTH.match(text):
        y, mo = int(m.group(1)), int(m.group(2))
        if not 1 <= mo <= 12:
            raise ValueError(f"no month {mo}")
        return month(y, mo)
    if m := _QUARTER.match(text):
        return quarter(int(m.group(1)), int(m.group(2)))
    if m := _YEAR.match(text):
        return year(int(m.group(1)))
    raise ValueError(f"not a period: {text!r} (2026-03, 2026-Q1 or 2026)")


def current_month(today: date) -> Period:
    return month(today.year, today.month)


def previous_month(today: date) -> Period:
    first = _add_months(date(today.year, today.month, 1), -1)
    return month(first.year, first.month)
