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
from duban.org.models import Role, User
from duban.supervise import actions as sv
from duban.supervise import periods, scores
from duban.supervise.models import RuleKind, ScoreAppeal
from duban.work import actions, homes, rules, workbench
from duban.work.errors import Invalid, Refused
from duban.work.models import (
    Event,
    EventKind,
    ExtensionRequest,
    ExtensionStatus,
    LoopConfig,
    ReviewStatus,
    Task,
    TaskStatus,
    UnitReview,
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


# ---------------------------------------------------------------- 单位审核 (unit-head sign-off)


def _unit_review_on(progress: bool = True) -> None:
    LoopConfig.objects.update_or_create(
        pk=1, defaults={"unit_review": True, "unit_review_progress": progress}
    )


def _held(county: County, what: str) -> tuple[Task, UnitReview]:
    """2026-0001-1 at 县发改局 (lead) with 县财政局 (co); the county requires the unit head's
    sign-off; amy (liaison) sends a 办结报告 / 延期申请 / 进展报告, which waits for adam."""
    _unit_review_on()
    t = flow.task(county, T0, lead=[county.a], co=[county.b])
    actions.receive(task=t, by=county.amy, now=T0)
    actions.receive(task=t, by=county.bob, now=T0)
    review = actions.send_for_unit_review(
        task=t,
        what=what,
        text="征地未完成" if what == "extension" else "主体工程已完工",
        new_due=date(2026, 7, 31) if what == "extension" else None,
        by=county.amy,
        now=T1,
    )
    t.refresh_from_db()
    assert t.open_requests == [f"unit_review:{review.pk}"]
    assert t.status == TaskStatus.IN_PROGRESS  # not yet at the office
    assert list(homes.unit_reviews_pending(county.adam)) == [review]
    return t, review


WHATS = ["submit", "extension", "progress"]
FORWARDED = {
    "submit": EventKind.SUBMITTED,
    "extension": EventKind.EXTENSION_REQUESTED,
    "progress": EventKind.PROGRESS,
}


def _co_reports(c: County, t: Task) -> None:
    actions.report_progress(task=t, text="配合部分已完成八成", by=c.bob, now=T2)


def _office_moves(c: County, t: Task) -> None:
    actions.urge(task=t, message="请加快进度", by=c.alice, now=T2)
    actions.comment(task=t, text="务必按期完成", by=c.lily, now=T2)


REVIEW_STAYS: dict[str, Callable[[County, Task], None]] = {
    "co_unit_reports": _co_reports,
    "co_unit_returns": _co_returns,
    "reassign_keeping_the_lead": _reassign_co,
    "urge_comment": _office_moves,
}


@pytest.mark.parametrize("approve", [True, False])
@pytest.mark.parametrize("transition", sorted(REVIEW_STAYS))
@pytest.mark.parametrize("what", WHATS)
def test_a_unit_review_stays_decidable_after(
    county: County, what: str, transition: str, approve: bool
) -> None:
    t, review = _held(county, what)
    REVIEW_STAYS[transition](county, t)
    t.refresh_from_db()
    assert t.status in rules.ALLOWED_FROM[EventKind.UNIT_REVIEW_DECIDED]
    actions.decide_unit_review(
        review=review, approve=approve, reason="" if approve else "材料不全", by=county.adam, now=T3
    )
    review.refresh_from_db()
    t.refresh_from_db()
    assert review.status == (ReviewStatus.APPROVED if approve else ReviewStatus.RETURNED)
    forwarded = Event.objects.filter(task=t, kind=FORWARDED[what], payload__unit_review=review.pk)
    if approve:
        # It left the unit as the liaison wrote it, in the liaison's name, after the head's
        # decision in the same chain.
        e = forwarded.get()
        assert e.actor == county.amy and e.payload.get("approved_by") == county.adam.pk
        decided = Event.objects.get(task=t, kind=EventKind.UNIT_REVIEW_DECIDED)
        assert decided.actor == county.adam and decided.seq < e.seq
        if what == "submit":
            assert t.status == TaskStatus.SUBMITTED
            assert t in workbench.awaiting_verification(county.alice)
        if what == "extension":
            assert t.open_requests == [f"extension:{ExtensionRequest.objects.get(task=t).pk}"]
        else:
            assert t.open_requests == []
    else:
        assert not forwarded.exists()
        assert t.open_requests == []
        told = Outbox.objects.filter(kind="unit_review_returned", recipient=county.amy)
        assert told.count() == 1 and "材料不全" in told.get().body
        assert list(homes.unit_reviews_returned(county.amy)) == [review]
    assert list(homes.unit_reviews_pending(county.adam)) == []
    assert rebuild().differing == []


def _lead_head_submits(c: County, t: Task) -> None:
    # The head sends the 办结报告 himself: what his liaison prepared no longer goes out.
    actions.submit_done(task=t, text="已办结（单位负责人报送）", by=c.adam, now=T3)


REVIEW_LAPSES: dict[str, tuple[Callable[[County, Task], None], str]] = {
    "withdraw": (_withdraw, "撤销"),
    "withdraw_directive": (_withdraw_directive, "撤销"),
    "lead_returns": (
        lambda c, t: actions.return_(task=t, reason="非本局职责", by=c.adam, now=T3),
        "退回",
    ),
    "reassign_to_another_lead": (_reassign_lead, "改派"),
    "the_lead_submits": (_lead_head_submits, "报送办结"),
}


@pytest.mark.parametrize("transition", sorted(REVIEW_LAPSES))
@pytest.mark.parametrize("what", WHATS)
def test_a_unit_review_lapses_with_an_event_when(
    county: County, what: str, transition: str
) -> None:
    t, review = _held(county, what)
    move, word = REVIEW_LAPSES[transition]
    move(county, t)
    review.refresh_from_db()
    t.refresh_from_db()
    assert review.status == ReviewStatus.LAPSED and word in review.decision_reason
    lapse = Event.objects.get(task=t, kind=EventKind.UNIT_REVIEW_LAPSED)
    assert lapse.payload["review"] == review.pk and word in lapse.payload["reason"]
    assert Event.objects.filter(task=t, seq=lapse.seq + 1).exclude(kind="light_changed").exists()
    assert not any(k.startswith("unit_review:") for k in t.open_requests)
    assert list(homes.unit_reviews_pending(county.adam)) == []
    told = Outbox.objects.filter(kind="unit_review_lapsed", recipient=county.amy)
    assert told.count() == 1 and word in told.get().body
    assert rebuild().differing == []
    with pytest.raises(Invalid, match="已失效"):
        actions.decide_unit_review(review=review, approve=True, by=county.adam, now=T3)


def test_approval_is_checked_as_if_sent_now_and_returning_always_works(county: County) -> None:
    """A 延期申请 the head approves only after the deadline is refused like a late request;
    the head can still send it back, so it never waits for ever."""
    t, review = _held(county, "extension")
    late = at("2026-07-01 09:00")  # the deadline was 2026-06-30
    with pytest.raises(Invalid, match="已超过完成时限"):
        actions.decide_unit_review(review=review, approve=True, by=county.adam, now=late)
    review.refresh_from_db()
    assert review.status == ReviewStatus.PENDING  # the refusal undid the approval too
    actions.decide_unit_review(
        review=review, approve=False, reason="已超期，请直接报送办结", by=county.adam, now=late
    )
    t.refresh_from_db()
    assert t.open_requests == [] and not ExtensionRequest.objects.filter(task=t).exists()
    assert rebuild().differing == []


def test_who_is_held_and_who_decides(county: County) -> None:
    t = flow.task(county, T0, lead=[county.a], co=[county.b])
    actions.receive(task=t, by=county.amy, now=T0)
    actions.receive(task=t, by=county.bob, now=T0)
    # Off (the default): the liaison reports straight to the office.
    assert not actions.needs_unit_review(county.amy, "submit")
    with pytest.raises(Invalid, match="无需单位审核"):
        actions.send_for_unit_review(task=t, what="submit", text="x", by=county.amy, now=T1)
    _unit_review_on(progress=False)
    # On: the liaison's 办结 and 延期 wait for the head; progress only with the second setting.
    with pytest.raises(Invalid, match="单位负责人审核"):
        actions.submit_done(task=t, text="已办结", by=county.amy, now=T1)
    actions.report_progress(task=t, text="进展", by=county.amy, now=T1)
    # A unit with no head account (县财政局 here) is not held: nobody could approve.
    assert not actions.needs_unit_review(county.bob, "submit")
    review = actions.send_for_unit_review(
        task=t, what="submit", text="已办结", by=county.amy, now=T1
    )
    with pytest.raises(Invalid, match="已有一份办结报告"):
        actions.send_for_unit_review(task=t, what="submit", text="再报", by=county.amy, now=T1)
    # Only a head of the same unit decides.
    bea = User.objects.create(username="bea", role=Role.UNIT_HEAD, unit=county.b)
    with pytest.raises(Refused):
        actions.decide_unit_review(review=review, approve=True, by=bea, now=T2)
    with pytest.raises(Refused):
        actions.decide_unit_review(review=review, approve=True, by=county.amy, now=T2)
    with pytest.raises(Invalid, match="退回理由"):
        actions.decide_unit_review(review=review, approve=False, by=county.adam, now=T2)
    actions.decide_unit_review(review=review, approve=True, by=county.adam, now=T2)
    t.refresh_from_db()
    assert t.status == TaskStatus.SUBMITTED and t.submitted_at == T2
