"""The stream's pure rules, with time as a parameter (no database)."""

from __future__ import annotations

from datetime import date

import pytest

from duban.proposals import rules
from duban.workdays.calendar import WorkCalendar

CAL = WorkCalendar()


def w(assigned_on: date, *, urgent: bool = False, **kw: int) -> rules.Windows:
    values = dict(reply_months=3, urgent_days=30, co_opinion_days=30, adjust_workdays=7) | kw
    return rules.windows(assigned_on=assigned_on, urgent=urgent, calendar=CAL, **values)


@pytest.mark.parametrize(
    ("assigned", "adjust_until"),
    [
        (date(2026, 2, 10), date(2026, 2, 26)),  # across the Spring Festival, 02-14 worked
        (date(2026, 3, 2), date(2026, 3, 11)),  # an ordinary week and a half
        (date(2026, 9, 28), date(2026, 10, 13)),  # National Day off; Sat 10-10 is worked
        (date(2026, 3, 15), date(2026, 3, 24)),  # from a Sunday: the Monday is day one
    ],
)
def test_the_adjustment_window_counts_working_days(assigned: date, adjust_until: date) -> None:
    assert w(assigned).adjust_until == adjust_until


def test_the_reply_is_three_months_by_default_and_urgent_sooner() -> None:
    assert w(date(2026, 2, 10)).reply_spec == {"months": 3}
    assert w(date(2026, 2, 10), urgent=True).reply_spec == {"days": 30}
    assert w(date(2026, 2, 10), reply_months=2).reply_spec == {"months": 2}
    assert w(date(2026, 2, 10), urgent=True, urgent_days=15).reply_spec == {"days": 15}


def test_co_units_answer_within_their_days() -> None:
    assert w(date(2026, 2, 10)).co_due == date(2026, 3, 12)
    assert w(date(2026, 2, 10), co_opinion_days=20).co_due == date(2026, 3, 2)


TODAY = date(2026, 4, 1)


@pytest.mark.parametrize(
    ("category", "promise", "due", "problem"),
    [
        ("A", "", None, ""),
        ("D", "", None, ""),
        ("B", "", None, "B类答复须写明承诺解决的事项。"),
        ("B", "列入计划", None, "请填写承诺完成时限。"),
        ("B", "列入计划", date(2027, 6, 30), ""),
        ("B", "列入计划", TODAY, "承诺完成时限须晚于今天。"),
        ("C", "", None, ""),
        ("C", "列入规划", date(2028, 1, 1), ""),
        ("A", "还要做", date(2027, 1, 1), "只有B类、C类答复可以登记承诺事项。"),
        ("E", "", None, "请选择答复类别（A/B/C/D）。"),
        ("", "", None, "请选择答复类别（A/B/C/D）。"),
    ],
)
def test_a_reply_promise_follows_its_category(
    category: str, promise: str, due: date | None, problem: str
) -> None:
    assert rules.promise_problem(category, promise, due, TODAY) == problem


def test_rates_are_rounded_percentages_or_none() -> None:
    assert rules.rate(2, 3) == 66.7
    assert rules.rate(0, 0) is None
