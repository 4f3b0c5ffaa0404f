"""Entering next year's holiday notice re-dates the provisional deadlines, once."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from duban.audit.verify import rebuild
from duban.notify.models import Outbox
from duban.work import actions
from duban.work.errors import Refused
from duban.work.models import CalendarDay, EventKind
from tests.conftest import County, at
from tests.work import flow

ASSIGNED = at("2026-12-28 10:00")
CONFIRMED = at("2026-12-29 09:00")


def test_confirming_a_year_redates_provisional_deadlines(county: County) -> None:
    by_rule = flow.task(county, ASSIGNED, due={"workdays": 5})
    by_date = flow.task(county, ASSIGNED, due={"date": "2027-03-31"}, content="一季度末完成")
    assert (by_rule.due, by_rule.due_provisional) == (date(2027, 1, 4), True)
    assert by_date.due_provisional

    call_command("calendar", "set", "2027-01-01", "holiday", "--note", "元旦")
    redated = actions.confirm_calendar_year(year=2027, by=county.alice, now=CONFIRMED)
    assert {t.pk for t in redated} == {by_rule.pk, by_date.pk}

    by_rule.refresh_from_db()
    # New Year's Day 2027 (a Friday) is a holiday: the 5th working day is Tuesday 01-05.
    assert (by_rule.due, by_rule.due_provisional) == (date(2027, 1, 5), False)
    assert by_rule.due_original == date(2027, 1, 5)
    ev = by_rule.events.get(kind=EventKind.DUE_RECOMPUTED)
    assert ev.payload["previous_due"] == "2027-01-04" and ev.actor == county.alice
    by_date.refresh_from_db()
    assert (by_date.due, by_date.due_provisional) == (date(2027, 3, 31), False)

    # Only the unit whose deadline moved is told.
    told = Outbox.objects.filter(kind="due_recomputed")
    assert {o.task_id for o in told} == {by_rule.pk}
    assert "校正为2027年01月05日" in told.first().body  # type: ignore[union-attr]

    assert actions.confirm_calendar_year(year=2027, by=county.alice, now=CONFIRMED) == []
    assert rebuild().differing == []


def test_an_extended_deadline_keeps_its_date(county: County) -> None:
    t = flow.task(county, ASSIGNED, due={"workdays": 5})
    actions.receive(task=t, by=county.amy, now=ASSIGNED)
    req = actions.request_extension(
        task=t, new_due=date(2027, 1, 20), reason="节日影响", by=county.amy, now=ASSIGNED
    )
    actions.decide_extension(request=req, approve=True, by=county.alice, now=ASSIGNED)
    CalendarDay.objects.create(day=date(2027, 1, 1), is_workday=False)
    actions.confirm_calendar_year(year=2027, by=county.alice, now=CONFIRMED)
    t.refresh_from_db()
    assert (t.due, t.due_provisional, t.due_original) == (
        date(2027, 1, 20),
        False,
        date(2027, 1, 4),
    )


def test_only_the_office_confirms_a_year(county: County) -> None:
    with pytest.raises(Refused):
        actions.confirm_calendar_year(year=2027, by=county.amy, now=CONFIRMED)
    with pytest.raises(CommandError, match="无权确认节假日安排"):
        call_command("calendar", "confirm", "2027", "--by", "amy")


def test_show_says_when_a_year_is_not_known(county: County, capsys) -> None:  # type: ignore[no-untyped-def]
    call_command("calendar", "show", "2027")
    assert "尚未录入国务院节假日安排" in capsys.readouterr().out
    call_command("calendar", "show", "2026")
    out = capsys.readouterr().out
    assert "已内置" in out and "2026-10-01 放假" in out and "2026-10-10 调休上班" in out
