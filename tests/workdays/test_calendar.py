from datetime import date, datetime, timedelta

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from duban.workdays.calendar import (
    DayInfo,
    WorkCalendar,
    WorkdayResult,
    library_holidays,
)

# The adjusted working days (调休) of 2026 as chinesecalendar 1.11.0 has them. Not yet checked
# against the State Council's notice itself.
ADJUSTED_2026 = [
    date(2026, 1, 4),
    date(2026, 2, 14),
    date(2026, 2, 28),
    date(2026, 5, 9),
    date(2026, 9, 20),
    date(2026, 10, 10),
]


def test_it_counts_across_national_day_to_an_adjusted_saturday() -> None:
    cal = WorkCalendar()
    result = cal.add_workdays(date(2026, 9, 28), 5)
    # 09-29, 09-30, 10-08, 10-09, then Saturday 10-10.
    assert result == WorkdayResult(day=date(2026, 10, 10), provisional=False)


def test_it_counts_across_a_weekend() -> None:
    cal = WorkCalendar()
    assert cal.add_workdays(date(2026, 1, 30), 3).day == date(2026, 2, 4)


def test_it_counts_strictly_after_the_start() -> None:
    cal = WorkCalendar()
    # Monday 03-16 is the first working day after Sunday 03-15, not day 0 as in
    # chinese_calendar.find_workday (which gives 03-23).
    assert cal.add_workdays(date(2026, 3, 15), 5).day == date(2026, 3, 20)
    assert cal.add_workdays(date(2026, 3, 15), 1).day == date(2026, 3, 16)
    # A working-day start does not count either.
    assert cal.add_workdays(date(2026, 3, 16), 1).day == date(2026, 3, 17)


def test_it_counts_strictly_after_a_holiday_start() -> None:
    cal = WorkCalendar()
    assert cal.add_workdays(date(2026, 10, 1), 1).day == date(2026, 10, 8)
    assert cal.add_workdays(date(2026, 10, 7), 3).day == date(2026, 10, 10)


def test_it_knows_national_day_2026() -> None:
    cal = WorkCalendar()
    for day in range(1, 8):
        info = cal.info(date(2026, 10, day))
        assert info == DayInfo(
            day=date(2026, 10, day), is_workday=False, provisional=False, source="library"
        )
    assert cal.is_workday(date(2026, 9, 20))  # Sunday
    assert cal.is_workday(date(2026, 10, 10))  # Saturday
    assert not cal.is_workday(date(2026, 10, 11))  # an ordinary Sunday
    assert cal.is_workday(date(2026, 10, 12))


def test_it_rejects_a_count_below_one() -> None:
    cal = WorkCalendar()
    with pytest.raises(ValueError, match="at least 1"):
        cal.add_workdays(date(2026, 3, 16), 0)
    with pytest.raises(ValueError):
        cal.add_workdays(date(2026, 3, 16), -2)


def test_it_marks_an_unknown_year_provisional() -> None:
    cal = WorkCalendar()
    assert not cal.is_known_year(2027)
    # 12-29, 12-30, 12-31, then Friday 2027-01-01 counts under the weekday rule because
    # the library has no 2027 data: a guess, hence provisional.
    result = cal.add_workdays(date(2026, 12, 28), 5)
    assert result == WorkdayResult(day=date(2027, 1, 4), provisional=True)
    assert cal.info(date(2027, 1, 1)) == DayInfo(
        day=date(2027, 1, 1), is_workday=True, provisional=True, source="weekday-rule"
    )


def test_it_is_provisional_only_when_it_looks_at_an_unknown_year() -> None:
    cal = WorkCalendar()
    assert cal.add_workdays(date(2026, 12, 30), 1) == WorkdayResult(
        day=date(2026, 12, 31), provisional=False
    )
    assert cal.add_workdays(date(2026, 12, 31), 1) == WorkdayResult(
        day=date(2027, 1, 1), provisional=True
    )


def test_a_confirmed_year_with_overrides_is_not_provisional() -> None:
    cal = WorkCalendar(overrides={date(2027, 1, 1): False}, confirmed_years={2027})
    assert cal.is_known_year(2027)
    result = cal.add_workdays(date(2026, 12, 28), 5)
    assert result == WorkdayResult(day=date(2027, 1, 5), provisional=False)
    assert cal.info(date(2027, 1, 1)) == DayInfo(
        day=date(2027, 1, 1), is_workday=False, provisional=False, source="override"
    )
    assert cal.info(date(2027, 1, 4)).source == "weekday-rule"


def test_an_override_alone_does_not_confirm_the_year() -> None:
    cal = WorkCalendar(overrides={date(2027, 1, 1): False})
    info = cal.info(date(2027, 1, 1))
    assert not info.is_workday
    assert info.source == "override"
    assert info.provisional
    assert cal.add_workdays(date(2026, 12, 28), 5) == WorkdayResult(
        day=date(2027, 1, 5), provisional=True
    )


def test_an_override_beats_the_library() -> None:
    # A local holiday on a Tuesday, and an ordinary Sunday made a working day.
    cal = WorkCalendar(overrides={date(2026, 3, 17): False, date(2026, 3, 22): True})
    assert cal.info(date(2026, 3, 17)) == DayInfo(
        day=date(2026, 3, 17), is_workday=False, provisional=False, source="override"
    )
    assert cal.is_workday(date(2026, 3, 22))
    assert cal.add_workdays(date(2026, 3, 15), 5).day == date(2026, 3, 22)


def test_it_rejects_datetime_override_keys() -> None:
    with pytest.raises(TypeError):
        WorkCalendar(overrides={datetime(2026, 3, 17): False})  # noqa: DTZ001


def test_it_knows_the_library_years() -> None:
    cal = WorkCalendar()
    assert cal.is_known_year(2004)
    assert cal.is_known_year(2026)
    assert not cal.is_known_year(2003)
    assert not cal.is_known_year(2027)
    assert not cal.is_known_year(0)
    assert cal.info(date(2003, 12, 31)).provisional


def test_it_counts_workdays_between() -> None:
    cal = WorkCalendar()
    assert cal.workdays_between(date(2026, 9, 28), date(2026, 10, 10)) == 5
    assert cal.workdays_between(date(2026, 3, 15), date(2026, 3, 20)) == 5
    # The start never counts, the end does.
    assert cal.workdays_between(date(2026, 3, 16), date(2026, 3, 17)) == 1
    assert cal.workdays_between(date(2026, 3, 16), date(2026, 3, 16)) == 0
    assert cal.workdays_between(date(2026, 3, 20), date(2026, 3, 16)) == 0
    assert cal.workdays_between(date(2026, 10, 1), date(2026, 10, 7)) == 0


def test_it_counts_workdays_between_across_years() -> None:
    cal = WorkCalendar()
    assert cal.workdays_between(date(2026, 12, 28), date(2027, 1, 4)) == 5
    # Two whole year boundaries, checked against a plain day-by-day count.
    start, end = date(2024, 6, 1), date(2026, 6, 1)
    expected = sum(
        chinese_calendar.is_workday(start + timedelta(days=i))
        for i in range(1, (end - start).days + 1)
    )
    assert cal.workdays_between(start, end) == expected


def test_it_agrees_with_the_library_on_every_supported_day() -> None:
    cal = WorkCalendar()
    day = date(2004, 1, 1)
    while day.year <= 2026:
        assert cal.is_workday(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


def test_library_holidays_lists_the_deviations_from_the_weekday_rule() -> None:
    deviations = library_holidays(2026)
    assert sorted(d for d, works in deviations.items() if works) == ADJUSTED_2026
    # Weekday holidays only: 10-03 and 10-04 fall on a weekend and are no deviation.
    national_day = [d for d in deviations if d.month == 10 and not deviations[d]]
    assert national_day == [date(2026, 10, d) for d in (1, 2, 5, 6, 7)]
    assert all(d.year == 2026 for d in deviations)


def test_library_holidays_refuses_an_unknown_year() -> None:
    with pytest.raises(ValueError, match="2027"):
        library_holidays(2027)


@given(
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2026, 12, 31)),
    n=st.integers(min_value=1, max_value=60),
)
def test_add_workdays_and_workdays_between_agree(start: date, n: int) -> None:
    cal = CALENDAR
    result = cal.add_workdays(start, n)
    assert result.day > start
    assert cal.is_workday(result.day)
    assert cal.workdays_between(start, result.day) == n
    # Not one day earlier: the n-th working day is the first day the count reaches n.
    assert cal.workdays_between(start, result.day - timedelta(days=1)) == n - 1


# Shared by the property test so that hypothesis examples reuse the per-year tables.
CALENDAR = WorkCalendar()
