"""重点督办: a shorter report cycle, marked through an action, on the task's chain."""

from __future__ import annotations

from datetime import date

import pytest

from duban.coordination.tick import tick
from duban.notify.models import Outbox
from duban.supervise import actions as sv
from duban.supervise.models import SupervisionConfig
from duban.work import actions
from duban.work.errors import Invalid, Refused
from duban.work.models import EventKind
from tests.conftest import County, at
from tests.work import flow

NOW = at("2026-03-02 09:00")  # a Monday


def test_a_key_task_gets_the_key_cycle_when_its_own_is_longer(county: County) -> None:
    monthly = flow.task(county, NOW, is_key=True, cycle="monthly", cycle_day=5)
    assert (monthly.cycle, monthly.cycle_day) == ("weekly", 5)  # the county default
    plain = flow.task(county, NOW, cycle="monthly", cycle_day=5)
    assert (plain.cycle, plain.cycle_day) == ("monthly", 5)


def test_the_key_cycle_is_a_county_setting(county: County) -> None:
    SupervisionConfig.objects.filter(pk=1).update(key_cycle="monthly", key_cycle_day=10)
    none = flow.task(county, NOW, is_key=True)
    weekly = flow.task(county, NOW, is_key=True, cycle="weekly", cycle_day=3)
    assert (none.cycle, none.cycle_day) == ("monthly", 10)
    assert (weekly.cycle, weekly.cycle_day) == ("weekly", 3)  # already shorter: kept


def test_marking_a_running_task_key_shortens_its_cycle_from_today(county: County) -> None:
    t = flow.task(county, NOW, due={"date": "2026-09-30"}, cycle="monthly", cycle_day=5)
    actions.receive(task=t, by=county.amy, now=NOW)
    actions.report_progress(task=t, text="三月进展", by=county.amy, now=at("2026-04-03 09:00"))
    actions.report_progress(task=t, text="四月进展", by=county.amy, now=at("2026-05-04 09:00"))
    when = at("2026-05-20 10:00")
    sv.mark_key(task=t, is_key=True, reason="县长批示列为重点", by=county.alice, now=when)
    t.refresh_from_db()
    assert (t.is_key, t.cycle, t.cycle_day, t.cycle_from) == (True, "weekly", 5, date(2026, 5, 20))
    # The weekly slots before 05-20 were never owed: still green, nothing missing.
    tick(now=at("2026-05-21 08:00"))
    t.refresh_from_db()
    assert (t.light, t.missing_reports) == ("green", 0)
    # Friday 05-22 is the first weekly slot; missed, it shows the next week.
    tick(now=at("2026-05-25 08:00"))
    t.refresh_from_db()
    assert (t.light, t.missing_reports) == ("yellow", 1)
    ev = t.events.get(kind=EventKind.KEY_CHANGED)
    assert ev.payload["previous_cycle"] == "monthly" and ev.actor == county.alice
    told = Outbox.objects.filter(kind="key_changed").values_list("recipient__username", flat=True)
    assert sorted(told) == ["adam", "amy", "bob"]


def test_only_the_office_marks_key_items_and_not_twice(county: County) -> None:
    t = flow.task(county, NOW)
    with pytest.raises(Refused):
        sv.mark_key(task=t, is_key=True, reason="重点", by=county.amy, now=NOW)
    with pytest.raises(Refused):
        sv.mark_key(task=t, is_key=True, reason="重点", by=county.lily, now=NOW)
    sv.mark_key(task=t, is_key=True, reason="重点", by=county.alice, now=NOW)
    with pytest.raises(Invalid, match="已是重点督办"):
        sv.mark_key(task=t, is_key=True, reason="重点", by=county.alice, now=NOW)
    sv.mark_key(task=t, is_key=False, reason="已基本完成", by=county.alice, now=NOW)
    t.refresh_from_db()
    assert t.is_key is False and t.cycle == "weekly"  # unmarking keeps the cycle
