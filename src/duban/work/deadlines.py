"""Resolving a task's due spec into a date at assignment (pure, no Django)."""

from __future__ import annotations

import calendar as _calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from duban.extract.deadline import Kind, parse_deadline
from duban.extract.folding import fold
from duban.extract.numerals import cn_int
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


# The working years a deadline may fall in; outside them date arithmetic overflows.
FIRST_YEAR, LAST_YEAR = 2000, 2100


def parse_due_input(raw: str, *, today: date | None = None) -> dict[str, Any]:
    """What a supervisor types in the 完成时限 box → a due spec.

    Accepts a date (2026-12-31, 2026/12/31, 2026年12月31日, optionally …前), or
    N个工作日(内), N天(内)/N日内, N个月(内), N周(内)/一周内; empty → {} (the office default).
    Calendar phrases go to the deadline-phrase parser (duban.extract.deadline), the one
    reader of Chinese deadlines: 2026年6月底前, 2026年三季度末, and with `today` also the
    year-less 6月底前 or 年底前, become a date.
    Raises ValueError with a Chinese message naming what was typed.
    """
    text = raw.strip().replace(" ", "")
    if not text:
        return {}
    text = re.sub(r"(之内|以内|之前|以前|内|前)$", "", text)
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text)
    if m:
        try:
            typed = date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            raise ValueError(f"“{raw}”不是有效日期。") from None
        if not FIRST_YEAR <= typed.year <= LAST_YEAR:
            # 9999-12-31 overflowed `due + timedelta(1)` on the task page (issue 17).
            raise ValueError(f"完成时限“{raw}”须在{FIRST_YEAR}年至{LAST_YEAR}年之间。")
        return {"date": typed.isoformat()}
    m = re.fullmatch(r"(\w+?)(个工作日|工作日|天|日|个月|月|周|个星期|星期)", text)
    if m:
        n = cn_int(m[1])
        if n is not None and 1 <= n <= 3650:
            unit = m[2]
            if "工作日" in unit:
                return {"workdays": n}
            if unit in ("天", "日"):
                return {"days": n}
            if "月" in unit:
                return {"months": n}
            return {"days": 7 * n}
    found = parse_deadline(raw, today)
    if (
        found is not None
        and found.kind == Kind.DATE
        and found.due is not None
        and re.sub(r"(?:之内|以内|内|之前|以前|前)$", "", fold(found.raw).replace(" ", "")) == text
    ):
        if not FIRST_YEAR <= found.due.year <= LAST_YEAR:
            raise ValueError(f"完成时限“{raw}”须在{FIRST_YEAR}年至{LAST_YEAR}年之间。")
        return {"date": found.due.isoformat()}
    raise ValueError(
        f"无法识别完成时限“{raw}”，请填写日期（如2026-12-31）或“5个工作日”“30天”“3个月”。"
    )


def parse_due_typed(raw: str, *, today: date) -> dict[str, Any]:
    """The 完成时限 box of the register and reassign forms: `parse_due_input` from today.

    A typed date without a year (6月底前, 三季度末) that has already passed this year means
    next year's: a supervisor sending out work today does not set a deadline in the past.
    (Documents keep the extractor's rule, which reads a date against the document's date.)
    """
    spec = parse_due_input(raw, today=today)
    if "date" in spec and not re.search(r"\d{4}|[〇零一二三四五六七八九]{4}年", raw):
        due = date.fromisoformat(spec["date"])
        if due < today:
            try:
                due = due.replace(year=due.year + 1)
            except ValueError:  # 2月29日 of a leap year
                due = due.replace(year=due.year + 1, day=28)
            spec = {"date": due.isoformat()}
    return spec
