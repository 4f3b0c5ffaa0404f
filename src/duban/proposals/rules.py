"""The stream's deadline and state rules, pure (no Django): tested with time as a parameter.

Defaults are the county's settings (models.ProposalConfig); the rules themselves are in
reference/office-rules.md "Deputies' suggestions and CPPCC proposals".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from duban.workdays.calendar import WorkCalendar

CATEGORIES = ("A", "B", "C", "D")
# The reply's category decides whether a promise must be written and tracked: B promises
# what is being done or planned (a date is owed); C may name a plan (then it is tracked).
PROMISE_REQUIRED = frozenset({"B"})
PROMISE_ALLOWED = frozenset({"B", "C"})


@dataclass(frozen=True)
class Windows:
    reply_spec: dict[str, Any]  # the work due spec of the handling task
    co_due: date  # co-units' opinions to the 主办 unit
    adjust_until: date  # last day a unit may ask to change the assignment
    adjust_provisional: bool


def reply_spec(*, urgent: bool, reply_months: int, urgent_days: int) -> dict[str, Any]:
    """Three months from 交办 by default (代表法 practice); an urgent item sooner."""
    return {"days": urgent_days} if urgent else {"months": reply_months}


def windows(
    *,
    assigned_on: date,
    urgent: bool,
    reply_months: int,
    urgent_days: int,
    co_opinion_days: int,
    adjust_workdays: int,
    calendar: WorkCalendar,
) -> Windows:
    adjust = calendar.add_workdays(assigned_on, adjust_workdays)
    return Windows(
        reply_spec=reply_spec(urgent=urgent, reply_months=reply_months, urgent_days=urgent_days),
        co_due=assigned_on + timedelta(days=co_opinion_days),
        adjust_until=adjust.day,
        adjust_provisional=adjust.provisional,
    )


def promise_problem(category: str, promise: str, promise_due: date | None, today: date) -> str:
    """What is wrong with a reply's promise, in Chinese, or "" when nothing is."""
    if category not in CATEGORIES:
        return "请选择答复类别（A/B/C/D）。"
    if category in PROMISE_REQUIRED and not promise.strip():
        return "B类答复须写明承诺解决的事项。"
    if promise.strip() and category not in PROMISE_ALLOWED:
        return "只有B类、C类答复可以登记承诺事项。"
    if promise.strip() and promise_due is None:
        return "请填写承诺完成时限。"
    if promise_due is not None and promise_due <= today:
        return "承诺完成时限须晚于今天。"
    return ""


def rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None
