"""Counting back from an event's date in working days (events/timing.py, pure)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from duban.events.timing import prep_due, workdays_before
from duban.workdays.calendar import WorkCalendar

CAL = WorkCalendar()


@pytest.mark.parametrize(
    ("day", "n", "expected"),
    [
        (date(2026, 3, 16), 1, date(2026, 3, 13)),  # Monday → the Friday before
        (date(2026, 3, 16), 0, date(2026, 3, 16)),
        (date(2026, 3, 18), 2, date(2026, 3, 16)),  # inside one week
        (date(2026, 10, 9), 3, date(2026, 9, 29)),  # over 国庆 (10-01..07)
        (date(2026, 10, 12), 1, date(2026, 10, 10)),  # Saturday 10-10 is a 调休 workday
        (date(2026, 2, 24), 1, date(2026, 2, 14)),  # 春节: back to Saturday 02-14 (调休)
    ],
)
def test_counting_back_skips_rest_days_and_counts_adjusted_workdays(
    day: date, n: int, expected: date
) -> None:
    assert workdays_before(CAL, day, n) == expected


def test_every_answer_is_a_workday_with_n_workdays_up_to_the_event() -> None:
    start = date(2026, 1, 5)
    for offset in range(0, 360, 7):
        day = start + timedelta(days=offset)
        for n in (1, 3, 5):
            got = workdays_before(CAL, day, n)
            assert CAL.is_workday(got)
            assert CAL.workdays_between(got, day - timedelta(days=1)) == n - 1


def test_a_negative_count_is_an_error() -> None:
    with pytest.raises(ValueError):
        workdays_before(CAL, date(2026, 3, 16), -1)


def test_short_notice_is_due_today_and_says_so() -> None:
    assert prep_due(CAL, date(2026, 10, 9), 3, date(2026, 10, 8)) == (date(2026, 10, 8), True)
    assert prep_due(CAL, date(2026, 10, 9), 3, date(2026, 9, 1)) == (date(2026, 9, 29), False)
