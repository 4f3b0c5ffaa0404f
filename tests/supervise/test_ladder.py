"""The ladder rules (supervise/ladder.py): pure, over dates and counts."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from duban.supervise.ladder import Facts, Step, due_steps, holds
from duban.workdays.calendar import WorkCalendar

CAL = WorkCalendar()
RED_LADDER = [
    Step(id=1, order=1, basis="red", threshold=3, key_threshold=1),
    Step(id=2, order=2, basis="red", threshold=5, key_threshold=3),
    Step(id=3, order=3, basis="red", threshold=10, key_threshold=5),
]
RED = Facts(
    is_key=False,
    light="red",
    due=date(2026, 3, 4),
    submitted=False,
    red_since=date(2026, 3, 5),  # a Thursday
    yellow_count=1,
    red_count=1,
    missing_reports=0,
)


def fire(facts: Facts, today: date, fired: set[int] = frozenset(), steps=RED_LADDER) -> list[int]:  # type: ignore[assignment]
    return [s.id for s in due_steps(steps, facts, fired=fired, today=today, calendar=CAL)]


def test_red_days_are_working_days_counted_after_the_day_it_turned_red() -> None:
    # Red since Thu 03-05: Fri 06, Mon 09, Tue 10 are the first three working days.
    assert fire(RED, date(2026, 3, 9)) == []
    assert fire(RED, date(2026, 3, 10)) == [1]
    assert fire(RED, date(2026, 3, 12), fired={1}) == [2]
    assert fire(RED, date(2026, 3, 19), fired={1, 2}) == [3]


def test_a_key_task_escalates_sooner() -> None:
    key = replace(RED, is_key=True)
    assert fire(key, date(2026, 3, 6)) == [1]
    assert fire(key, date(2026, 3, 10), fired={1}) == [2]


def test_steps_fire_in_order_and_never_twice() -> None:
    # Found 12 working days red at once (a ladder switched on late): all three, in order.
    assert fire(RED, date(2026, 3, 23)) == [1, 2, 3]
    assert fire(RED, date(2026, 3, 23), fired={1, 2, 3}) == []
    # A later step never fires before an earlier one that is due.
    assert fire(RED, date(2026, 3, 23), fired={2}) == [1, 3]


def test_a_task_no_longer_red_climbs_no_further() -> None:
    green = replace(RED, light="green", red_since=None)
    assert fire(green, date(2026, 3, 23)) == []


def test_sanming_key_items_skip_blue_and_start_at_orange() -> None:
    sanming = [
        Step(id=1, order=1, basis="overdue", threshold=1, key_skip=True),  # blue
        Step(id=2, order=2, basis="overdue", threshold=3, key_threshold=1),  # orange
        Step(id=3, order=3, basis="overdue", threshold=5, key_threshold=3),  # red
    ]
    first_day = date(2026, 3, 5)  # the first working day after the deadline 03-04
    assert fire(RED, first_day, steps=sanming) == [1]
    assert fire(replace(RED, is_key=True), first_day, steps=sanming) == [2]


def test_overdue_stops_counting_once_the_done_report_is_in() -> None:
    step = Step(id=1, order=1, basis="overdue", threshold=1)
    assert holds(step, RED, date(2026, 3, 5), CAL)
    assert not holds(step, replace(RED, submitted=True), date(2026, 3, 5), CAL)


def test_counts_of_yellows_reds_and_missing_reports() -> None:
    two_yellows = Step(id=1, order=1, basis="yellow_times", threshold=2)
    assert not holds(two_yellows, RED, date(2026, 3, 5), CAL)
    assert holds(two_yellows, replace(RED, yellow_count=2), date(2026, 3, 5), CAL)
    three_reds = Step(id=1, order=1, basis="red_times", threshold=3)
    assert holds(three_reds, replace(RED, red_count=3), date(2026, 3, 5), CAL)
    missing = Step(id=1, order=1, basis="missing_reports", threshold=2)
    assert holds(missing, replace(RED, missing_reports=2), date(2026, 3, 5), CAL)


@given(
    st.integers(min_value=0, max_value=60),
    st.booleans(),
    st.sets(st.sampled_from([1, 2, 3])),
)
def test_due_steps_respect_order_and_the_fired_set(
    days: int, is_key: bool, fired: set[int]
) -> None:
    facts = replace(RED, is_key=is_key)
    today = RED.red_since + timedelta(days=days)  # type: ignore[operator]
    out = fire(facts, today, fired=fired)
    assert not set(out) & fired
    assert out == sorted(out)
    # Every step returned has its condition met, and so has every earlier step.
    for step in RED_LADDER:
        if step.id in out:
            assert all(holds(s, facts, today, CAL) for s in RED_LADDER if s.order <= step.order)
