"""考评: scores equal a hand calculation; each point names its events; appeals; who sees what."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest

from duban.coordination.tick import tick
from duban.supervise import actions as sv
from duban.supervise import periods, scores
from duban.supervise.models import LadderStep, RuleKind, ScoreRule
from duban.supervise.spotchecks import Filters
from duban.work import actions
from duban.work.errors import Invalid, Refused
from duban.work.models import EventKind, Task
from tests.conftest import County, at
from tests.work import flow

MARCH = periods.parse("2026-03")
EVAL = at("2026-04-01 09:00")
D = Decimal


@dataclass
class History:
    t1: Task  # A, key: reported on time, done early, closed on time
    t2: Task  # A: one report late, one missing, done late, sent back once
    t3: Task  # A: due 03-31, not done
    t4: Task  # B: closed on time
    t6: Task  # B: closed on time, then found 不属实 and reopened
    t7: Task  # C: never received; red, escalated three steps


def rules_for_the_test() -> None:
    """The county's rules for this test (points; key weight)."""
    ScoreRule.objects.all().delete()
    step2 = LadderStep.objects.get(ladder__name="红灯升级", order=2)
    for order, (name, kind, points, weight, threshold, step) in enumerate(
        [
            ("按期办结", RuleKind.ON_TIME, "1", "2", 0, None),
            ("提前办结", RuleKind.EARLY, "0.5", "2", 5, None),
            ("逾期", RuleKind.OVERDUE, "-2", "2", 0, None),
            ("缺报", RuleKind.MISSING_REPORT, "-1", "1", 0, None),
            ("退回重办", RuleKind.SENT_BACK, "-1", "1", 0, None),
            ("抽查不属实", RuleKind.FALSE_FINDING, "-3", "1", 0, None),
            ("告知单位负责人", RuleKind.ESCALATED, "-1", "1", 0, step2),
        ]
    ):
        ScoreRule.objects.create(
            order=order,
            name=name,
            kind=kind,
            points=D(points),
            key_weight=D(weight),
            threshold=threshold,
            step=step,
            text=f"{name}规则原文",
        )


def tick_mornings(first: str, last: str) -> None:
    day, end = date.fromisoformat(first), date.fromisoformat(last)
    while day <= end:
        tick(now=at(f"{day} 08:00"))
        day += timedelta(days=1)


@pytest.fixture
def march(county: County) -> History:
    rules_for_the_test()
    c, start = county, at("2026-03-02 09:00")
    t1 = flow.task(c, start, co=[], due={"date": "2026-03-20"}, is_key=True)  # weekly (key)
    t2 = flow.task(c, start, co=[], due={"date": "2026-03-13"}, cycle="weekly", cycle_day=5)
    t3 = flow.task(c, start, co=[], due={"date": "2026-03-31"})
    t4 = flow.task(c, start, lead=[c.b], co=[], due={"date": "2026-03-20"})
    t6 = flow.task(c, start, lead=[c.b], co=[], due={"date": "2026-03-20"})
    t7 = flow.task(c, start, lead=[c.c], co=[], due={"date": "2026-03-06"})
    for t, who in ((t1, c.amy), (t2, c.amy), (t3, c.amy), (t4, c.bob), (t6, c.bob)):
        actions.receive(task=t, by=who, now=start)

    def done(t: Task, who, submit: str, close: str) -> None:  # type: ignore[no-untyped-def]
        actions.submit_done(task=t, text="已完成", by=who, now=at(submit))
        actions.verify(confirm_silent_co=True, task=t, accept=True, by=c.alice, now=at(close))
        actions.close(task=t, by=c.alice, now=at(close))

    tick_mornings("2026-03-02", "2026-03-04")
    done(t6, c.bob, "2026-03-04 10:00", "2026-03-05 10:00")
    actions.report_progress(task=t1, text="进展", by=c.amy, now=at("2026-03-05 10:00"))
    tick_mornings("2026-03-05", "2026-03-09")
    actions.report_progress(task=t2, text="补报", by=c.amy, now=at("2026-03-09 10:00"))
    tick_mornings("2026-03-10", "2026-03-10")
    done(t1, c.amy, "2026-03-10 10:00", "2026-03-11 10:00")
    tick_mornings("2026-03-11", "2026-03-16")
    actions.submit_done(task=t2, text="已完成", by=c.amy, now=at("2026-03-16 10:00"))
    actions.verify(
        confirm_silent_co=True,
        task=t2,
        accept=False,
        reason="材料不全",
        by=c.alice,
        now=at("2026-03-17 09:00"),
    )
    done(t2, c.amy, "2026-03-17 15:00", "2026-03-18 10:00")
    tick_mornings("2026-03-17", "2026-03-19")
    done(t4, c.bob, "2026-03-19 10:00", "2026-03-20 10:00")
    tick_mornings("2026-03-20", "2026-03-25")
    check = sv.draw_spot_check(
        title="三月抽查", filters=Filters(), size=10, seed=1, by=c.alice, now=at("2026-03-25 09:00")
    )
    item = check.items.get(task=t6)
    sv.record_finding(
        item=item, verdict="false", notes="未落实", by=c.alice, now=at("2026-03-25 10:00")
    )
    tick_mornings("2026-03-26", "2026-04-01")
    return History(*(Task.objects.get(pk=t.pk) for t in (t1, t2, t3, t4, t6, t7)))


def test_march_scores_equal_the_hand_calculation(county: County, march: History) -> None:
    board = scores.compute(MARCH, now=EVAL)
    got = {r.unit.code: (r.total, r.rank) for r in board.rows}
    # A: T1 on time +1×2, early (8 working days ahead) +0.5×2; T2 overdue −2, report of
    #    03-06 late −1, report of 03-13 missing −1, sent back −1; T3 overdue −2.
    #    100 + 2 + 1 − 2 − 1 − 1 − 1 − 2 = 96
    # B: T4 on time +1; T6 reopened (its closure earns nothing), 不属实 −3.  100 + 1 − 3 = 98
    # C: T7 overdue −2; the second step (告知单位负责人) on 03-13 −1.         100 − 2 − 1 = 97
    # 新华乡: nothing.                                                           100
    assert got == {
        "xhx": (D(100), 1),
        "czj": (D(98), 2),
        "cgz": (D(97), 3),
        "fgj": (D(96), 4),
    }
    assert "dcs" not in got  # the office's own section is not ranked


def test_each_point_names_its_rule_task_and_events(county: County, march: History) -> None:
    a = next(r for r in scores.compute(MARCH, now=EVAL).rows if r.unit.code == "fgj")
    lines = sorted((i.rule.name, i.task.pk, i.points, i.on.isoformat()) for i in a.items)
    h = march
    assert lines == sorted(
        [
            ("按期办结", h.t1.pk, D("2.00"), "2026-03-11"),
            ("提前办结", h.t1.pk, D("1.00"), "2026-03-11"),
            ("逾期", h.t2.pk, D("-2.00"), "2026-03-13"),
            ("缺报", h.t2.pk, D("-1.00"), "2026-03-06"),
            ("缺报", h.t2.pk, D("-1.00"), "2026-03-13"),
            ("退回重办", h.t2.pk, D("-1.00"), "2026-03-17"),
            ("逾期", h.t3.pk, D("-2.00"), "2026-03-31"),
        ]
    )
    for item in a.items:
        assert item.evidence, item.why  # every point rests on events of its task
        for ev in item.evidence:
            assert item.task.events.filter(pk=ev.event_id, seq=ev.seq, kind=ev.kind).exists()
    late = next(i for i in a.items if i.rule.name == "缺报" and i.on == date(2026, 3, 6))
    assert [e.kind for e in late.evidence] == [EventKind.PROGRESS]
    assert "03月09日补报" in late.why
    overdue = next(i for i in a.items if i.task.pk == h.t2.pk and i.rule.name == "逾期")
    assert [e.kind for e in overdue.evidence] == [EventKind.ASSIGNED, EventKind.SUBMITTED]
    c = next(r for r in scores.compute(MARCH, now=EVAL).rows if r.unit.code == "cgz")
    esc = next(i for i in c.items if i.rule.kind == RuleKind.ESCALATED)
    assert esc.evidence[0].kind == EventKind.ESCALATED and esc.on == date(2026, 3, 13)


def test_quarter_and_year_add_up_the_months(county: County, march: History) -> None:
    q1 = {r.unit.code: r.total for r in scores.compute(periods.parse("2026-Q1"), now=EVAL).rows}
    year = {r.unit.code: r.total for r in scores.compute(periods.parse("2026"), now=EVAL).rows}
    assert q1["fgj"] == year["fgj"] == D(96)  # nothing before March; April not yet due
    feb = {r.unit.code: r.total for r in scores.compute(periods.parse("2026-02"), now=EVAL).rows}
    assert set(feb.values()) == {D(100)}


def test_a_liaison_sees_only_their_own_units_score_details(county: County, march: History) -> None:
    mine = scores.scoreboard(county.carl, MARCH, now=EVAL)
    assert [(r.unit.code, r.total, r.rank) for r in mine.rows] == [("cgz", D(97), 3)]
    assert mine.units_ranked == 4
    assert scores.unit_score(county.carl, county.c, MARCH, now=EVAL) is not None
    assert scores.unit_score(county.carl, county.a, MARCH, now=EVAL) is None
    assert scores.unit_score(county.amy, county.b, MARCH, now=EVAL) is None
    assert len(scores.scoreboard(county.lily, MARCH, now=EVAL).rows) == 4
    assert scores.scoreboard(county.sam, MARCH, now=EVAL).rows == []  # 三员分立


def test_the_unit_head_appeals_a_deduction_and_the_office_decides(
    county: County, march: History
) -> None:
    a = next(r for r in scores.compute(MARCH, now=EVAL).rows if r.unit.code == "fgj")
    sent_back = next(i for i in a.items if i.rule.name == "退回重办")
    on_time = next(i for i in a.items if i.rule.name == "按期办结")
    c_item = next(
        i for r in scores.compute(MARCH, now=EVAL).rows if r.unit.code == "cgz" for i in r.items
    )
    with pytest.raises(Refused):  # a liaison does not sign appeals
        sv.appeal_score(item_key=sent_back.key, reason="理由", by=county.amy, now=EVAL)
    with pytest.raises(Refused):  # another unit's deduction
        sv.appeal_score(item_key=c_item.key, reason="理由", by=county.adam, now=EVAL)
    with pytest.raises(Invalid, match="加分项"):
        sv.appeal_score(item_key=on_time.key, reason="理由", by=county.adam, now=EVAL)
    appeal = sv.appeal_score(
        item_key=sent_back.key, reason="退回系督查室材料清单变更所致", by=county.adam, now=EVAL
    )
    with pytest.raises(Invalid, match="已提出过"):
        sv.appeal_score(item_key=sent_back.key, reason="再次", by=county.adam, now=EVAL)
    filed = march.t2.events.get(kind=EventKind.SCORE_APPEALED)
    assert filed.actor == county.adam and filed.payload["item"] == sent_back.key
    with pytest.raises(Refused):
        sv.decide_appeal(appeal=appeal, uphold=True, reason="成立", by=county.adam, now=EVAL)
    sv.decide_appeal(
        appeal=appeal, uphold=True, reason="情况属实，不予扣分", by=county.alice, now=EVAL
    )
    decided = march.t2.events.get(kind=EventKind.APPEAL_DECIDED)
    assert decided.payload["upheld"] is True and decided.actor == county.alice
    after = next(r for r in scores.compute(MARCH, now=EVAL).rows if r.unit.code == "fgj")
    struck = next(i for i in after.items if i.key == sent_back.key)
    assert not struck.counted and struck.effective == 0
    assert after.total == D(97)
    with pytest.raises(Invalid, match="已裁定"):
        sv.decide_appeal(appeal=appeal, uphold=False, reason="x", by=county.alice, now=EVAL)


def test_scores_count_results_never_activity() -> None:
    # The rule kinds are the whole vocabulary; none of them counts logins, clicks, views or
    # the number of reports (2024 burden-reduction rules).
    activity = ("login", "click", "view", "report_count", "visit", "online")
    assert not [k for k in RuleKind.values if any(a in k for a in activity)]


def test_changing_a_rule_leaves_past_months_alone(county: County, march: History) -> None:
    """Issue 17: a rule changed in April rewrote March (县住建局 80.00 → 44.00)."""
    from duban.audit.models import AccessLog
    from duban.supervise import rule_history
    from duban.supervise.rule_history import change_rule

    before = {r.unit.code: r.total for r in scores.compute(MARCH, now=EVAL).rows}
    overdue = ScoreRule.objects.get(kind=RuleKind.OVERDUE)
    on_time = ScoreRule.objects.get(kind=RuleKind.ON_TIME)
    change_rule(overdue, by=county.sam, now=at("2026-04-10 10:00"), points=D("-20"))
    change_rule(on_time, by=county.sam, now=at("2026-04-10 10:05"), is_active=False)
    later = at("2026-05-02 09:00")
    assert {r.unit.code: r.total for r in scores.compute(MARCH, now=later).rows} == before
    # March has items of both rules, so rewriting them would have shown in the totals.
    march_items = [i for r in scores.compute(MARCH, now=later).rows for i in r.items]
    assert {RuleKind.OVERDUE, RuleKind.ON_TIME} <= {i.rule.kind for i in march_items}
    # From the day of the change on, the new values.
    history = rule_history.history_of([overdue])[overdue.pk]
    overdue.refresh_from_db()
    assert rule_history.values_on(overdue, date(2026, 4, 9), history).points == D("-2")
    assert rule_history.values_on(overdue, date(2026, 4, 10), history).points == D("-20")
    log = AccessLog.objects.filter(kind="admin", user=county.sam).order_by("at")
    assert [row.detail.split(": ", 1)[1] for row in log] == [
        "points: -2.00 -> -20",
        "is_active: True -> False",
    ]
    # The switched-off rule still shows in March's items, not in the rules in force.
    board = scores.compute(MARCH, now=later)
    assert on_time not in board.rules
    assert any(i.rule == on_time for row in board.rows for i in row.items)
