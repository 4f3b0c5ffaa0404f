"""No stranded requests (issue 12, point 1).

Every request a task can carry (an extension request, a score appeal) is, after every
transition, either still decidable — its deciding action succeeds — or closed by that
transition with an event that says why. One test per request type and transition.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from duban.audit.verify import rebuild
from duban.notify.models import Outbox
from duban.supervise import actions as sv
from duban.supervise import periods, scores
from duban.supervise.models import RuleKind, ScoreAppeal
from duban.work import actions, rules, workbench
from duban.work.errors import Invalid
from duban.work.models import (
    Event,
    EventKind,
    ExtensionRequest,
    ExtensionStatus,
    Task,
    TaskStatus,
)
from tests.conftest import County, at
from tests.work import flow

T0 = at("2026-03-02 09:00")
T1 = at("2026-03-10 09:00")
T2 = at("2026-03-12 09:00")
T3 = at("2026-03-13 09:00")


def _asked(county: County) -> tuple[Task, ExtensionRequest]:
    """2026-0001-1 in progress at 县发改局 (lead) with 县财政局 (co); amy asks to extend."""
    t = flow.task(county, T0, lead=[county.a], co=[county.b])
    actions.receive(task=t, by=county.amy, now=T0)
    actions.receive(task=t, by=county.bob, now=T0)
    req = actions.request_extension(
        task=t, new_due=date(2026, 7, 31), reason="征地未完成", by=county.amy, now=T1
    )
    t.refresh_from_db()
    assert t.open_requests == [f"extension:{req.pk}"]
    return t, req


def _submit(c: County, t: Task) -> None:
    actions.submit_done(task=t, text="主体工程已完工", by=c.amy, now=T2)


def _verify(c: County, t: Task) -> None:
    _submit(c, t)
    actions.verify(confirm_silent_co=True, task=t, accept=True, by=c.alice, now=T2)


def _sent_back(c: County, t: Task) -> None:
    _submit(c, t)
    actions.verify(
        confirm_silent_co=True, task=t, accept=False, reason="缺验收材料", by=c.alice, now=T2
    )


def _co_returns(c: County, t: Task) -> None:
    actions.return_(task=t, reason="不属本局职责", by=c.bob, now=T2)


def _reassign_co(c: County, t: Task) -> None:
    actions.reassign(task=t, lead=[c.a], co=[c.c], reason="调整配合单位", by=c.alice, now=T2)


def _others(c: County, t: Task) -> None:
    actions.urge(task=t, message="请加快进度", by=c.alice, now=T2)
    actions.comment(task=t, text="务必按期完成", by=c.lily, now=T2)
    actions.report_progress(task=t, text="已完成八成", by=c.amy, now=T2)


# Transitions after which the request stays pending and the office can still decide it.
STAYS_DECIDABLE: dict[str, Callable[[County, Task], None]] = {
    "submit_done": _submit,
    "verify": _verify,
    "sent_back": _sent_back,
    "co_unit_returns": _co_returns,
    "reassign_keeping_the_lead": _reassign_co,
    "urge_comment_progress": _others,
}


@pytest.mark.parametrize("approve", [True, False])
@pytest.mark.parametrize("transition", sorted(STAYS_DECIDABLE))
def test_an_extension_stays_decidable_after(county: County, transition: str, approve: bool) -> None:
    t, req = _asked(county)
    STAYS_DECIDABLE[transition](county, t)
    t.refresh_from_db()
    assert t.status in rules.ALLOWED_FROM[EventKind.EXTENSION_DECIDED]
    assert req in workbench.pending_extensions(county.alice)
    actions.decide_extension(
        request=req,
        approve=approve,
        reason="" if approve else "理由不充分",
        by=county.alice,
        now=T3,
    )
    req.refresh_from_db()
    t.refresh_from_db()
    assert req.status == (ExtensionStatus.APPROVED if approve else ExtensionStatus.REJECTED)
    assert t.open_requests == []
    assert t.due == (date(2026, 7, 31) if approve else date(2026, 6, 30))
    assert list(workbench.pending_extensions(county.alice)) == []
    assert rebuild().differing == []


def test_the_reproduction_extend_then_submit_then_approve_then_close_on_time(
    county: County,
) -> None:
    """lly_zjj asks to extend, fzr_zjj submits 办结: 同意延期 still works, the task closes."""
    t, req = _asked(county)
    late = at("2026-07-02 10:00")  # after the old deadline, before the asked-for one
    actions.submit_done(task=t, text="已办结", by=county.amy, now=late)
    actions.decide_extension(request=req, approve=True, by=county.alice, now=late)
    actions.verify(confirm_silent_co=True, task=t, accept=True, by=county.alice, now=late)
    actions.close(task=t, by=county.alice, now=late)
    t.refresh_from_db()
    assert t.status == TaskStatus.CLOSED and t.closed_on_time is True


def _close(c: County, t: Task) -> None:
    _verify(c, t)
    actions.close(task=t, by=c.alice, now=T3)


def _withdraw(c: County, t: Task) -> None:
    actions.withdraw(task=t, reason="工作调整", by=c.alice, now=T3)


def _withdraw_directive(c: County, t: Task) -> None:
    actions.withdraw_directive(directive=t.directive, reason="上级文件废止", by=c.alice, now=T3)


def _lead_returns(c: County, t: Task) -> None:
    actions.return_(task=t, reason="不属本局职责", by=c.amy, now=T3)


def _reassign_lead(c: County, t: Task) -> None:
    actions.reassign(task=t, lead=[c.c], co=[c.b], reason="改由城关镇牵头", by=c.alice, now=T3)


# Transitions that make the request moot: it lapses, with an event saying why.
LAPSES: dict[str, tuple[Callable[[County, Task], None], str]] = {
    "close": (_close, "销号"),
    "withdraw": (_withdraw, "撤销"),
    "withdraw_directive": (_withdraw_directive, "撤销"),
    "lead_returns": (_lead_returns, "退回"),
    "reassign_to_another_lead": (_reassign_lead, "改派"),
}


@pytest.mark.parametrize("transition", sorted(LAPSES))
def test_an_extension_lapses_with_an_event_when(county: County, transition: str) -> None:
    t, req = _asked(county)
    move, word = LAPSES[transition]
    move(county, t)
    req.refresh_from_db()
    t.refresh_from_db()
    assert req.status == ExtensionStatus.LAPSED and word in req.decision_reason
    # Closed by whoever made it moot: the office, or the lead unit's liaison returning it.
    assert req.decided_by == (county.amy if transition == "lead_returns" else county.alice)
    lapse = Event.objects.get(task=t, kind=EventKind.EXTENSION_LAPSED)
    assert lapse.payload["request"] == req.pk and word in lapse.payload["reason"]
    # The lapse comes before the transition that caused it, in the same chain.
    assert Event.objects.filter(task=t, seq=lapse.seq + 1).exclude(kind="light_changed").exists()
    assert t.open_requests == []
    assert list(workbench.pending_extensions(county.alice)) == []
    told = Outbox.objects.filter(kind="extension_lapsed", recipient=county.amy)
    assert told.count() == 1 and word in told.get().body
    assert rebuild().differing == []
    with pytest.raises(Invalid, match="已审批"):
        actions.decide_extension(request=req, approve=True, by=county.alice, now=T3)


def test_the_workbench_never_lists_a_request_it_cannot_decide(county: County) -> None:
    """Whatever happened, each pending request on the workbench is decidable right there."""
    for move, _ in LAPSES.values():
        t, _req = _asked(county)
        move(county, t)
    for move in STAYS_DECIDABLE.values():
        t, _req = _asked(county)
        move(county, t)
    pending = list(workbench.pending_extensions(county.alice))
    assert len(pending) == len(STAYS_DECIDABLE)
    for req in pending:
        assert req.task.status in rules.ALLOWED_FROM[EventKind.EXTENSION_DECIDED]


# ---------------------------------------------------------------- score appeals


def _appealed(county: County) -> tuple[Task, ScoreAppeal]:
    """The office sent 县发改局's report back once (a seeded −2); the unit head appeals."""
    t = flow.task(county, T0, lead=[county.a], co=[])
    actions.receive(task=t, by=county.amy, now=T0)
    actions.submit_done(task=t, text="已办结", by=county.amy, now=T1)
    actions.verify(
        confirm_silent_co=True, task=t, accept=False, reason="缺验收材料", by=county.alice, now=T1
    )
    row = next(
        r for r in scores.compute(periods.parse("2026-03"), now=T2).rows if r.unit == county.a
    )
    item = next(i for i in row.items if i.rule.kind == RuleKind.SENT_BACK)
    appeal = sv.appeal_score(item_key=item.key, reason="材料清单系事后变更", by=county.adam, now=T2)
    t.refresh_from_db()
    assert t.open_requests == [f"appeal:{item.key}"]
    return t, appeal


@pytest.mark.parametrize("transition", ["close", "withdraw", "withdraw_directive"])
def test_a_score_appeal_stays_decidable_after(county: County, transition: str) -> None:
    t, appeal = _appealed(county)
    if transition == "close":
        actions.submit_done(task=t, text="已办结", by=county.amy, now=T2)
        actions.verify(confirm_silent_co=True, task=t, accept=True, by=county.alice, now=T2)
        actions.close(task=t, by=county.alice, now=T2)
    else:
        LAPSES[transition][0](county, t)
    sv.decide_appeal(appeal=appeal, uphold=True, reason="属实", by=county.alice, now=T3)
    t.refresh_from_db()
    assert t.open_requests == []
    assert rebuild().differing == []
