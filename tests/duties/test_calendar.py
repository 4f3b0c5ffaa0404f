"""三会一课 and 主题党日 calendar rules, with the day as a parameter across a year."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest

from duban.duties import calendar as cal
from duban.duties.calendar import Light, SessionKind

YEAR = 2026
DAYS = [date(YEAR, 1, 1) + timedelta(days=n) for n in range(365)]


def test_a_year_owes_the_customary_sessions() -> None:
    slots = cal.slots(YEAR)
    count = {k: sum(s.kind == k for s in slots) for k in SessionKind}
    assert count == {
        SessionKind.CONGRESS: 4,
        SessionKind.COMMITTEE: 12,
        SessionKind.GROUP: 12,
        SessionKind.LECTURE: 4,
        SessionKind.THEME_DAY: 12,
    }
    quarters = [(s.start, s.due) for s in slots if s.kind == SessionKind.CONGRESS]
    assert quarters == [
        (date(2026, 1, 1), date(2026, 3, 31)),
        (date(2026, 4, 1), date(2026, 6, 30)),
        (date(2026, 7, 1), date(2026, 9, 30)),
        (date(2026, 10, 1), date(2026, 12, 31)),
    ]
    feb = [s for s in slots if s.kind == SessionKind.COMMITTEE][1]
    assert (feb.start, feb.due, feb.label) == (
        date(2026, 2, 1),
        date(2026, 2, 28),
        "2026年2月支委会",
    )
    assert [s for s in slots if s.kind == SessionKind.LECTURE][2].label == "2026年第3季度党课"


def test_a_leap_february_ends_on_the_29th() -> None:
    feb = [s for s in cal.slots(2028, kinds=[SessionKind.GROUP])][1]
    assert feb.due == date(2028, 2, 29)


@pytest.mark.parametrize("kind", list(SessionKind))
@pytest.mark.parametrize("today", [*DAYS[::7], date(2026, 3, 31), date(2026, 4, 1)])
def test_the_light_of_every_slot_on_any_day(kind: SessionKind, today: date) -> None:
    """Nothing held: future before the period, green in it, yellow in its last days, red
    the day after its last day. Held inside the period: done, whenever asked."""
    for slot in cal.slots(YEAR, kinds=[kind]):
        expected = (
            Light.FUTURE
            if today < slot.start
            else Light.RED
            if today > slot.due
            else Light.YELLOW
            if (slot.due - today).days < cal.WARN_DAYS
            else Light.GREEN
        )
        assert cal.light(slot, [], today) == expected
        assert cal.light(slot, [slot.due], today) == Light.DONE
        # a session held outside the period does not count for it
        assert cal.light(slot, [slot.due + timedelta(days=1)], today) == expected


def test_a_missed_month_turns_red_the_day_after() -> None:
    june = cal.slots(YEAR, kinds=[SessionKind.COMMITTEE])[5]
    assert cal.light(june, [date(2026, 5, 31)], date(2026, 6, 30)) == Light.YELLOW
    assert cal.light(june, [date(2026, 5, 31)], date(2026, 7, 1)) == Light.RED
    assert cal.light(june, [date(2026, 7, 1)], date(2026, 7, 1)) == Light.RED  # not made up


def test_the_rotation_is_reproducible_and_continues_over_years() -> None:
    branches = [11, 12, 13]
    a, b = cal.rotation(branches, 2026), cal.rotation(branches, 2026)
    assert a == b
    assert sorted(set(a.values())) == branches
    assert all(list(a.values()).count(x) == 4 for x in branches)
    # consecutive months never repeat a branch, across the new year too
    months = [*a.values(), *cal.rotation(branches, 2027).values()]
    assert all(x != y for x, y in itertools.pairwise(months))
    assert cal.rotation([], 2026) == {}


@pytest.mark.parametrize("today", DAYS[::5])
def test_a_talk_quarter_is_flagged_once_over(today: date) -> None:
    for q in (1, 2, 3, 4):
        _, end = cal.quarter_bounds(YEAR, q)
        light = cal.talk_light(YEAR, q, False, today)
        assert (light == Light.RED) == (today > end)
        assert cal.talk_light(YEAR, q, True, today) == Light.DONE
