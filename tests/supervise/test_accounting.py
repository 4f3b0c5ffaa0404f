"""日清月结: the month-end settlement per unit and the office's day view."""

from __future__ import annotations

from duban.coordination.tick import tick
from duban.supervise import periods
from duban.supervise.accounting import day_view, month_settlement
from duban.work import actions
from tests.conftest import County, at
from tests.work import flow

START = at("2026-03-02 09:00")
MARCH = periods.parse("2026-03")


def test_a_month_settlement_per_unit(county: County) -> None:
    c = county
    met = flow.task(c, START, co=[], due={"date": "2026-03-13"})
    late = flow.task(c, START, co=[], due={"date": "2026-03-13"})
    open_ = flow.task(c, START, co=[], due={"date": "2026-03-20"}, cycle="weekly", cycle_day=5)
    not_yet = flow.task(c, START, co=[], due={"date": "2026-03-31"})
    other = flow.task(c, START, lead=[c.b], co=[], due={"date": "2026-03-20"})
    for t in (met, late, open_, not_yet):
        actions.receive(task=t, by=c.amy, now=START)
    actions.submit_done(task=met, text="完成", by=c.amy, now=at("2026-03-12 10:00"))
    actions.submit_done(task=late, text="完成", by=c.amy, now=at("2026-03-16 10:00"))
    actions.report_progress(task=open_, text="第一周", by=c.amy, now=at("2026-03-05 10:00"))
    actions.report_progress(task=open_, text="第二周补报", by=c.amy, now=at("2026-03-16 10:00"))
    now = at("2026-03-25 09:00")
    [a] = month_settlement(c.amy, MARCH, now=now)  # a liaison: their own unit only
    assert a.unit == c.a
    # Deadlines: met 1, met late 1, missed and open 1 (03-20), not yet due 1 (03-31).
    assert (a.due, a.met, a.met_late, a.missed_open, a.not_yet_due) == (4, 1, 1, 1, 1)
    # Weekly slots of `open_`: 03-06 on time, 03-13 filled late on 03-16, 03-20 missing.
    assert (a.slots, a.reported, a.reported_late, a.missing) == (3, 1, 1, 1)
    assert sorted(x.what for x in a.late) == [
        "03月13日一期进展补报",
        "03月20日一期进展未报送",
        "时限03月13日，03月16日报送办结",
        "时限03月20日，逾期未办结",
    ]
    everyone = month_settlement(c.alice, MARCH, now=now)
    assert [r.unit.code for r in everyone] == ["fgj", "czj"]
    assert everyone[1].missed_open == 1 and other.lead_unit == c.b
    assert month_settlement(c.sam, MARCH, now=now) == []


def test_the_day_view_lists_what_the_office_must_clear_today(county: County) -> None:
    c = county
    registered = flow.directive(c, at("2026-03-10 09:00"))
    submitted = flow.task(c, START, co=[], due={"date": "2026-03-20"})
    actions.receive(task=submitted, by=c.amy, now=START)
    actions.submit_done(task=submitted, text="完成", by=c.amy, now=at("2026-03-09 15:00"))
    due_today = flow.task(c, START, lead=[c.b], co=[], due={"date": "2026-03-10"})
    returned = flow.task(c, START, lead=[c.c], co=[], due={"date": "2026-03-31"})
    actions.return_(task=returned, reason="不属本镇职责", by=c.carl, now=START)
    red = flow.task(c, START, lead=[c.b], co=[], due={"date": "2026-03-09"})
    now = at("2026-03-10 10:00")
    tick(now=at("2026-03-10 08:00"))
    view = day_view(c.alice, now=now)
    assert view is not None
    assert [i.directive for i in view.unassigned] == [registered]
    assert view.to_verify == [submitted] and view.returned == [returned]
    assert view.due_today == [due_today] and view.turned_red == [red]
    assert view.open_count == 3  # to register/assign 1, to verify 1, returned 1
    assert day_view(c.amy, now=now) is None
