"""Meeting numbers come from a locked counter row per type and year: no race, no gap."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from duban.meetings import actions
from duban.meetings.models import Meeting, MeetingCounter, MeetingType
from duban.work.errors import Invalid
from tests.conftest import County, at
from tests.meetings.flow import standing_type


def _plan(county: County, t: MeetingType, start: str = "2026-03-05 09:00") -> Meeting:
    return actions.plan_meeting(
        type=t, starts_at=at(start), place="第一会议室", by=county.alice, now=at("2026-03-01 09:00")
    )


def test_numbers_restart_each_year_and_a_refusal_leaves_no_gap(
    county: County, standing: MeetingType
) -> None:
    assert _plan(county, standing).number == 1
    with pytest.raises(Invalid, match="请填写会议地点"):
        actions.plan_meeting(
            type=standing, starts_at=at("2026-03-09 09:00"), place=" ", by=county.alice,
            now=at("2026-03-01 09:00"),
        )  # fmt: skip
    assert _plan(county, standing).number == 2
    assert _plan(county, standing, "2027-01-08 09:00").title == "县政府第1次常务会议"
    assert MeetingCounter.objects.get(type=standing, year=2026).last == 2


@pytest.mark.django_db(transaction=True)
def test_eight_offices_planning_at_once_get_distinct_gapless_numbers() -> None:
    """Eight threads with their own connections plan five meetings each (PostgreSQL: the
    SQLite test database is an in-memory shared cache that refuses a second writer)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")
    from duban.org.loader import load
    from tests.conftest import SMALL_COUNTY

    load(SMALL_COUNTY)
    county = County()
    t = standing_type(county)
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def planner() -> None:
        try:
            start.wait()
            for _ in range(5):
                _plan(county, t)
        except BaseException as e:  # reported below; a thread's exception is otherwise lost
            errors.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=planner) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    got = sorted(Meeting.objects.filter(type=t, year=2026).values_list("number", flat=True))
    assert got == list(range(1, 41))
