"""Due specs: resolving them at assignment, and reading what a supervisor types."""

from __future__ import annotations

from datetime import date

import pytest

from duban.work.deadlines import (
    add_months,
    describe_due,
    parse_due_input,
    parse_due_typed,
    resolve_due,
)
from duban.workdays.calendar import WorkCalendar


@pytest.mark.parametrize(
    ("typed", "spec"),
    [
        ("", {}),
        ("2026-12-31", {"date": "2026-12-31"}),
        ("2026/6/30", {"date": "2026-06-30"}),
        ("2026年6月30日前", {"date": "2026-06-30"}),
        ("5个工作日", {"workdays": 5}),
        ("5个工作日内", {"workdays": 5}),
        ("五个工作日内", {"workdays": 5}),
        ("十五天", {"days": 15}),
        ("30日内", {"days": 30}),
        ("3个月", {"months": 3}),
        ("一周内", {"days": 7}),
        ("两周", {"days": 14}),
        ("二十一天", {"days": 21}),
    ],
)
def test_it_reads_what_the_office_types(typed: str, spec: dict[str, object]) -> None:
    assert parse_due_input(typed) == spec


@pytest.mark.parametrize("typed", ["下周", "2026-02-30", "0天", "尽快", "6月底"])
def test_it_refuses_what_it_cannot_read_naming_it(typed: str) -> None:
    with pytest.raises(ValueError, match=typed):
        parse_due_input(typed)


def test_months_clamp_to_the_end_of_the_month() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)


def test_resolving_marks_unknown_years_provisional() -> None:
    cal = WorkCalendar()
    assert resolve_due({"days": 30}, date(2026, 3, 2), cal).due == date(2026, 4, 1)
    r = resolve_due({"months": 3}, date(2026, 11, 26), cal)
    assert (r.due, r.provisional) == (date(2027, 2, 26), True)
    assert describe_due({"workdays": 5}) == "5个工作日内"


@pytest.mark.parametrize(
    ("typed", "today", "expected"),
    [
        ("6月底前", "2026-11-27", {"date": "2027-06-30"}),  # passed this year: next year's
        ("6月底前", "2026-03-02", {"date": "2026-06-30"}),
        ("年底前", "2026-11-27", {"date": "2026-12-31"}),
        ("三季度末", "2026-10-08", {"date": "2027-09-30"}),
        ("2026年6月底前", "2026-11-27", {"date": "2026-06-30"}),  # a year given is kept
        ("5个工作日", "2026-11-27", {"workdays": 5}),
    ],
)
def test_typed_deadlines_without_a_year_never_lie_in_the_past(
    typed: str, today: str, expected: dict[str, object]
) -> None:
    assert parse_due_typed(typed, today=date.fromisoformat(today)) == expected
