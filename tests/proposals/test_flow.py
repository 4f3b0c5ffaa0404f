"""A year's item through the actions: intake → 交办 → 调整 → 沟通 → 协办意见 → 答复 →
满意度 → 再次办理 → B类承诺. Each step asserts the state, the item's chained event and the
work record of its task."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from duban.notify.models import Outbox
from duban.proposals import actions
from duban.proposals.models import (
    Adjustment,
    FollowUp,
    Proposal,
    Proposer,
    ReplyStatus,
    State,
)
from duban.records import chain
from duban.records.models import RecordEvent
from duban.work.errors import Invalid, Refused
from duban.work.models import DirectiveKind, Event, EventKind, Light, TaskStatus
from tests.conftest import at
from tests.proposals.conftest import Year


def kinds(p: Proposal) -> list[str]:
    return [e.kind for e in chain.events_of(p)]


def task_kinds(p: Proposal) -> list[str]:
    assert p.task is not None
    return list(Event.objects.filter(task=p.task).order_by("seq").values_list("kind", flat=True))


def test_intake_stores_the_item_its_proposers_and_an_event(year: Year) -> None:
    p = year.register()
    assert p.code == "第2号建议"
    assert p.state == State.REGISTERED
    people = list(p.proposers.values_list("name", "role"))
    assert people == [("张伟", "lead"), ("李娜", "joined")]
    (ev,) = chain.events_of(p)
    assert ev.kind == "registered"
    assert ev.payload["proposers"][0] == {
        "name": "张伟",
        "role": "lead",
        "delegation": "城关镇代表团",
    }
    # The phone is personal data: encrypted at rest, absent from the chain.
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT phone FROM proposals_proposer WHERE role = 'lead'")
        (stored,) = cur.fetchone()
    assert stored.startswith("sm4gcm1:") and "13800001111" not in stored
    assert Proposer.objects.get(name="张伟").phone == "13800001111"
    assert "13800001111" not in str(ev.payload)


def test_a_number_twice_is_refused_naming_it(year: Year) -> None:
    year.register()
    with pytest.raises(Invalid) as e:
        year.register()
    assert e.value.message == "第2号建议已登记，编号不能重复。"
    assert e.value.field == "number"


def test_assignment_makes_a_proposal_directive_and_an_assigned_task(year: Year) -> None:
    p = year.assign(year.register())
    assert p.state == State.HANDLING
    assert p.directive is not None and p.directive.kind == DirectiveKind.PROPOSAL
    assert p.directive.doc_no == "第2号建议"
    task = p.task
    assert task is not None and task.status == TaskStatus.ASSIGNED
    assert task.lead_unit_id == year.c.a.pk
    assert {a.unit_id: a.role for a in task.assignments.all()} == {
        year.c.a.pk: "lead",
        year.c.b.pk: "co",
    }
    # Three months from 交办 (2026-02-10), the co-units within 30 days, and 7 working days
    # to ask for a change (Sat 02-14 is an adjusted workday; the Spring Festival holiday
    # 02-15..23 does not count).
    assert task.due == date(2026, 5, 10)
    assert p.co_due == date(2026, 3, 12)
    assert p.adjust_until == date(2026, 2, 26)
    assert kinds(p) == ["registered", "assigned"]
    assert task_kinds(p) == [EventKind.CREATED, EventKind.ASSIGNED]
    assert Outbox.objects.filter(kind="assigned", task=task).exists()


def test_an_urgent_item_is_due_sooner(year: Year) -> None:
    p = year.assign(year.register(urgent=True))
    assert p.task is not None and p.task.due == date(2026, 3, 12)


def test_a_unit_may_ask_to_change_within_the_window_and_the_office_reassigns(
    year: Year,
) -> None:
    c = year.c
    p = year.assign(year.register())
    req = actions.request_adjustment(
        proposal=p,
        reason="管网建设属住建部门职责",
        suggestion="城关镇",
        by=c.bob,
        now=at("2026-02-25 10:00"),
    )
    actions.decide_adjustment(
        adjustment=req,
        approve=True,
        lead=[c.a],
        co=[c.c],
        by=c.alice,
        now=at("2026-02-26 09:00"),
    )
    p.refresh_from_db()
    req.refresh_from_db()
    assert req.status == "approved"
    assert [(u.unit_id, u.role, u.active) for u in p.units.order_by("unit_id")] == [
        (c.a.pk, "lead", True),
        (c.b.pk, "co", False),
        (c.c.pk, "co", True),
    ]
    assert kinds(p)[-2:] == ["adjustment_requested", "adjustment_decided"]
    assert task_kinds(p)[-1] == EventKind.REASSIGNED
    assert {a.unit_id: a.status for a in p.task.assignments.all()}[c.b.pk] == "replaced"  # type: ignore[union-attr]


def test_an_adjustment_after_the_window_is_refused(year: Year) -> None:
    p = year.assign(year.register())
    with pytest.raises(Invalid) as e:
        actions.request_adjustment(
            proposal=p, reason="不属本单位职责", by=year.c.bob, now=at("2026-03-02 10:00")
        )
    assert "申请调整期限至2026年02月26日" in e.value.message
    assert not Adjustment.objects.exists()


def test_contact_is_recorded_by_the_lead_unit_and_signs_the_task_for_it(year: Year) -> None:
    p = year.assign(year.register())
    year.contact(p)
    p.refresh_from_db()
    (c,) = p.contacts.all()
    assert (c.way, c.with_whom, c.by_whom, c.round) == ("visit", "张伟代表", "安梅", 1)
    assert kinds(p)[-1] == "contacted"
    assert task_kinds(p)[-1] == EventKind.RECEIVED
    assert p.task is not None and p.task.status == TaskStatus.IN_PROGRESS


def test_a_co_unit_may_not_record_the_contact(year: Year) -> None:
    p = year.assign(year.register())
    with pytest.raises(Refused):
        actions.record_contact(
            proposal=p,
            on=date(2026, 3, 2),
            way="phone",
            with_whom="张伟",
            by_whom="鲍勃",
            by=year.c.bob,
            now=at("2026-03-02 16:00"),
        )


def test_the_co_unit_opinion_is_its_share_done_in_the_work_record(year: Year) -> None:
    p = year.assign(year.register())
    year.contact(p)
    year.opinion(p)
    p.refresh_from_db()
    (op,) = p.opinions.all()
    assert op.unit_id == year.c.b.pk and not op.late
    assert kinds(p)[-1] == "opinion_sent"
    assert task_kinds(p)[-2:] == [EventKind.RECEIVED, EventKind.SUBMITTED]
    share = p.task.assignments.get(unit=year.c.b)  # type: ignore[union-attr]
    assert share.status == "done"
    assert Outbox.objects.filter(kind="proposal_opinion", recipient=year.c.amy).exists()


def test_a_reply_before_any_contact_is_refused(year: Year) -> None:
    p = year.assign(year.register())
    with pytest.raises(Invalid) as e:
        actions.draft_reply(
            proposal=p, category="A", text="已解决。", by=year.c.amy, now=at("2026-03-03 09:00")
        )
    assert e.value.message == "答复前须与代表委员沟通，请先登记沟通情况。"


def test_a_b_reply_needs_a_promise(year: Year) -> None:
    p = year.assign(year.register())
    year.contact(p)
    with pytest.raises(Invalid) as e:
        actions.draft_reply(
            proposal=p, category="B", text="正在解决。", by=year.c.amy, now=at("2026-03-03 09:00")
        )
    assert e.value.message == "B类答复须写明承诺解决的事项。"


def test_reply_signed_reviewed_sent_closes_the_task_on_time_and_tracks_the_promise(
    year: Year,
) -> None:
    p = year.assign(year.register())
    year.contact(p)
    year.opinion(p)
    reply = year.reply(p, "B")
    p.refresh_from_db()
    assert reply.status == ReplyStatus.SENT
    assert p.state == State.REPLIED and p.category == "B" and p.replied_on_time is True
    assert kinds(p)[-4:] == ["reply_drafted", "reply_signed", "reply_reviewed", "reply_sent"]
    assert task_kinds(p)[-3:] == [EventKind.SUBMITTED, EventKind.VERIFIED, EventKind.CLOSED]
    task = p.task
    assert task is not None
    task.refresh_from_db()
    assert task.status == TaskStatus.CLOSED and task.light == Light.ON_TIME
    (fu,) = FollowUp.objects.all()
    assert fu.due == date(2027, 6, 30) and fu.task.directive_id == p.directive_id
    assert fu.task.status == TaskStatus.ASSIGNED and fu.task.lead_unit_id == year.c.a.pk
    assert chain.events_of(p)[-1].payload["follow_up"]["task"] == fu.task.pk


def test_the_office_may_change_the_category_and_return_a_reply(year: Year) -> None:
    c = year.c
    p = year.assign(year.register())
    year.contact(p)
    r = actions.draft_reply(
        proposal=p, category="A", text="已解决。", by=c.amy, now=at("2026-04-01 09:00")
    )
    r = actions.sign_reply(reply=r, by=c.adam, now=at("2026-04-01 10:00"))
    r = actions.review_reply(
        reply=r, approve=False, note="未说明资金来源", by=c.alice, now=at("2026-04-02 10:00")
    )
    assert r.status == ReplyStatus.RETURNED
    assert task_kinds(p)[-1] == EventKind.SENT_BACK
    r2 = actions.draft_reply(
        proposal=p,
        category="A",
        text="已解决，资金由县财政安排。",
        by=c.amy,
        now=at("2026-04-03 09:00"),
    )
    assert r2.pk != r.pk
    r2 = actions.sign_reply(reply=r2, by=c.adam, now=at("2026-04-03 10:00"))
    r2 = actions.review_reply(
        reply=r2, approve=True, category="D", by=c.alice, now=at("2026-04-03 11:00")
    )
    assert r2.category == "D"
    assert chain.events_of(p)[-1].payload["category"] == {"from": "A", "to": "D"}


def test_a_liaison_may_not_sign_the_reply(year: Year) -> None:
    p = year.assign(year.register())
    year.contact(p)
    r = actions.draft_reply(
        proposal=p, category="A", text="已解决。", by=year.c.amy, now=at("2026-04-01 09:00")
    )
    with pytest.raises(Refused):
        actions.sign_reply(reply=r, by=year.c.amy, now=at("2026-04-01 10:00"))


def test_satisfied_closes_the_item(year: Year) -> None:
    p = year.assign(year.register())
    year.contact(p)
    year.reply(p, "A")
    actions.record_satisfaction(
        proposal=p, level="satisfied", by=year.c.alice, now=at("2026-05-01 10:00")
    )
    p.refresh_from_db()
    assert (p.state, p.satisfaction, p.first_satisfaction) == (State.DONE, "satisfied", "satisfied")
    assert kinds(p)[-1] == "satisfaction"


def test_dissatisfied_reopens_the_task_for_a_second_round(year: Year) -> None:
    c = year.c
    p = year.assign(year.register())
    year.contact(p)
    year.reply(p, "D")
    actions.record_satisfaction(
        proposal=p,
        level="dissatisfied",
        comment="答复未提出具体措施",
        by=c.alice,
        now=at("2026-05-06 10:00"),
    )
    p.refresh_from_db()
    assert (p.state, p.round, p.first_satisfaction) == (State.HANDLING, 2, "dissatisfied")
    assert p.co_due == date(2026, 6, 5)  # the co-units' window opens again
    task = p.task
    assert task is not None
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS and task.due == date(2026, 6, 6)
    assert task_kinds(p)[-1] == EventKind.REOPENED
    assert chain.events_of(p)[-1].payload["reopened"] == {"round": 2, "due": "2026-06-06"}
    assert Outbox.objects.filter(kind="reopened", recipient=c.amy).exists()
    # The second round needs a contact of its own before its reply.
    with pytest.raises(Invalid):
        actions.draft_reply(
            proposal=p, category="A", text="已解决。", by=c.amy, now=at("2026-05-20 09:00")
        )
    actions.record_contact(
        proposal=p,
        on=date(2026, 5, 20),
        way="meeting",
        with_whom="张伟代表",
        by_whom="安梅",
        by=c.amy,
        now=at("2026-05-20 10:00"),
    )
    year.reply(p, "A", when="2026-05-28")
    actions.record_satisfaction(proposal=p, level="basic", by=c.alice, now=at("2026-06-02 10:00"))
    p.refresh_from_db()
    assert (p.state, p.satisfaction, p.first_satisfaction) == (State.DONE, "basic", "dissatisfied")
    task.refresh_from_db()
    assert task.status == TaskStatus.CLOSED and task.closed_on_time is True


def test_the_b_promise_is_followed_through_the_loop(year: Year) -> None:
    c = year.c
    p = year.assign(year.register())
    year.contact(p)
    year.reply(p, "B")
    fu = FollowUp.objects.get()
    from duban.work import actions as work

    work.receive(task=fu.task, by=c.amy, now=at("2027-03-01 09:00"))
    work.submit_done(task=fu.task, text="已开工", by=c.adam, now=at("2027-05-01 09:00"))
    work.verify(task=fu.task, accept=True, by=c.alice, now=at("2027-05-02 09:00"))
    work.close(task=fu.task, by=c.alice, now=at("2027-05-02 10:00"))
    fu.task.refresh_from_db()
    assert fu.task.status == TaskStatus.CLOSED and fu.task.closed_on_time is True


def test_audit_verify_passes_after_a_year(year: Year, capsys: pytest.CaptureFixture[str]) -> None:
    c = year.c
    p = year.assign(year.register())
    year.contact(p)
    year.opinion(p)
    year.reply(p, "B")
    actions.record_satisfaction(
        proposal=p,
        level="dissatisfied",
        comment="进度太慢",
        by=c.alice,
        now=at("2026-05-06 10:00"),
    )
    call_command("audit", "verify")
    assert "流转记录校验通过" in capsys.readouterr().out
    assert chain.verify().events == 9  # the item's own chain: nine steps
    # A changed reply category in the item's chain is found and named.
    RecordEvent.objects.filter(stream=p.stream, kind="reply_sent").update(payload={"category": "A"})
    with pytest.raises(CommandError):
        call_command("audit", "verify")
    assert "建议提案“第2号建议" in capsys.readouterr().err


def test_nothing_is_stored_when_the_chain_write_fails(
    year: Year, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = year.register()

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("chain write failed")

    monkeypatch.setattr(chain, "append", boom)
    with pytest.raises(RuntimeError):
        year.assign(p)
    p.refresh_from_db()
    assert p.state == State.REGISTERED and p.task is None
    from duban.work.models import Directive

    assert not Directive.objects.exists()
    assert Proposal.objects.count() == 1


def test_the_county_setting_changes_the_deadlines(year: Year) -> None:
    from duban.proposals.models import ProposalConfig
    from duban.work.models import writing

    with writing():
        ProposalConfig(pk=1, reply_months=2, co_opinion_days=20, adjust_workdays=5).save()
    p = year.assign(year.register())
    assert p.task is not None and p.task.due == date(2026, 4, 10)
    assert p.co_due == date(2026, 3, 2) and p.adjust_until == date(2026, 2, 24)


def test_the_office_list_filters_overdue_items(year: Year) -> None:
    from duban.proposals import selectors

    late = year.assign(year.register(1))
    year.register(2)
    f = selectors.Filters(session=year.session.pk, overdue=True)
    assert selectors.item_list(year.c.alice, f, today=date(2026, 5, 11)) == [late]
    assert selectors.item_list(year.c.alice, f, today=date(2026, 5, 10)) == []
    f = selectors.Filters(session=year.session.pk, state=State.REGISTERED)
    assert [p.number for p in selectors.item_list(year.c.alice, f, today=date(2026, 5, 1))] == [2]
    f = selectors.Filters(unit=year.c.b.pk)
    assert selectors.item_list(year.c.alice, f, today=date(2026, 5, 1)) == [late]


def test_a_dissatisfied_deputy_costs_the_unit_points(year: Year) -> None:
    """Issue 14 point 8: counties deduct for a 不满意; the rule counts the reopening a
    deputy's 不满意 caused (a spot check's reopening is FALSE_FINDING's)."""
    from decimal import Decimal

    from duban.supervise import periods, scores
    from duban.supervise.models import RuleKind, ScoreRule

    ScoreRule.objects.all().delete()
    rule = ScoreRule.objects.create(
        name="代表不满意", kind=RuleKind.DISSATISFIED, points=Decimal("-2"), text="不满意扣2分"
    )
    p = year.assign(year.register())
    year.contact(p)
    year.reply(p, "D")
    actions.record_satisfaction(
        proposal=p, level="dissatisfied", comment="答复敷衍", by=year.c.alice,
        now=at("2026-05-06 10:00"),
    )  # fmt: skip
    items = scores.items_for(periods.year(2026), now=at("2026-12-01 09:00"))
    (item,) = [i for i in items if i.rule.pk == rule.pk]
    assert (item.unit_id, item.points) == (year.c.a.pk, Decimal("-2.00"))
    assert item.why == "05月06日代表委员对答复不满意，再次办理：答复敷衍"
