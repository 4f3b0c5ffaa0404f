"""The loop, action by action: the state it leaves, the event, the outbox, and every refusal."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import models

from duban.audit.models import AccessKind, AccessLog
from duban.notify.models import Outbox
from duban.work import actions
from duban.work.errors import Invalid, Refused
from duban.work.models import (
    Assignment,
    Directive,
    DirectiveStatus,
    Event,
    EventKind,
    ExtensionRequest,
    ProgressReport,
    Task,
    TaskStatus,
)
from tests.conftest import County, at
from tests.work import flow

NOW = at("2026-03-02 09:00")  # a Monday


def snapshot() -> dict[str, Any]:
    """Everything an action could write, to prove a refusal wrote nothing."""

    def rows(model: type[models.Model]) -> list[dict[str, Any]]:
        return list(model.objects.order_by("pk").values())

    return {
        m.__name__: rows(m)
        for m in (Directive, Task, Assignment, Event, Outbox, ProgressReport, ExtensionRequest)
    }


def refused(exc: type[Exception], fn: Any, **kwargs: Any) -> str:
    """Call an action that must be refused; assert the database did not change."""
    before = snapshot()
    with pytest.raises(exc) as info:
        fn(**kwargs)
    assert snapshot() == before
    return str(info.value)


def kinds(task: Task) -> list[str]:
    return list(task.events.order_by("seq").values_list("kind", flat=True))


def recipients(kind: str) -> set[str]:
    return set(Outbox.objects.filter(kind=kind).values_list("recipient__username", flat=True))


# ---------------------------------------------------------------- register and decompose


def test_register_records_the_directive_and_its_first_event(county: County) -> None:
    d = flow.directive(county, NOW, urgency="extra")
    assert d.code == "2026-0001"
    assert d.status == DirectiveStatus.REGISTERED
    ev = d.events.get()
    assert ev.kind == EventKind.REGISTERED and ev.seq == 1 and ev.actor == county.alice
    assert ev.payload["doc_no"] == "云政阅〔2026〕3号"
    assert flow.directive(county, NOW).code == "2026-0002"


def test_only_a_supervisor_may_register_and_a_refusal_is_access_logged(county: County) -> None:
    msg = refused(
        Refused,
        actions.register,
        kind="instruction",
        title="批示",
        urgency="normal",
        received_at=NOW,
        by=county.amy,
        now=NOW,
    )
    assert "联络员" in msg and "无权登记来文" in msg
    log = AccessLog.objects.get(kind=AccessKind.REFUSED)
    assert log.user == county.amy and "register" in log.detail


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("kind", "memo", "事项来源“memo”无效"),
        ("urgency", "asap", "紧急程度“asap”无效"),
        ("title", "  ", "请填写标题"),
        ("issuer_leader", None, "领导批示须选择批示领导"),
    ],
)
def test_register_names_the_bad_field(
    county: County, field: str, value: str | None, message: str
) -> None:
    kwargs: dict[str, Any] = {
        "kind": "instruction",
        "title": "批示",
        "urgency": "normal",
        "received_at": NOW,
        "by": county.alice,
        "issuer_leader": county.leader_lily,
        "now": NOW,
    }
    kwargs[field] = value
    before = snapshot()
    with pytest.raises(Invalid) as info:
        actions.register(**kwargs)
    assert message in info.value.message and info.value.field == field
    assert snapshot() == before


def test_decompose_keeps_the_link_to_the_source_paragraph(county: County) -> None:
    d = flow.directive(county, NOW)
    tasks = actions.decompose(
        directive=d,
        by=county.alice,
        now=NOW,
        tasks=[
            actions.TaskDraft(
                content="完成可研批复",
                lead=[county.a],
                source_paragraph=2,
                source_excerpt="由县发改局牵头，3月底前完成可研批复",
            ),
            actions.TaskDraft(content="落实建设资金", lead=[county.b], co=[county.a], is_key=True),
        ],
    )
    assert [t.number for t in tasks] == [1, 2]
    t1 = Task.objects.get(pk=tasks[0].pk)
    assert t1.status == TaskStatus.DRAFT and t1.source_paragraph == 2
    assert "3月底前" in t1.source_excerpt
    assert kinds(t1) == [EventKind.CREATED]
    assert Task.objects.get(pk=tasks[1].pk).is_key


def test_a_bad_task_in_a_decomposition_stores_none_of_them(county: County) -> None:
    d = flow.directive(county, NOW)
    msg = refused(
        Invalid,
        actions.decompose,
        directive=d,
        by=county.alice,
        now=NOW,
        tasks=[
            actions.TaskDraft(content="第一项", lead=[county.a]),
            actions.TaskDraft(content="第二项", lead=[]),
        ],
    )
    assert msg == "第2项任务：请指定牵头单位。"


def test_a_unit_cannot_be_both_lead_and_co(county: County) -> None:
    d = flow.directive(county, NOW)
    msg = refused(
        Invalid,
        actions.decompose,
        directive=d,
        by=county.alice,
        now=NOW,
        tasks=[actions.TaskDraft(content="事项", lead=[county.a], co=[county.a])],
    )
    assert "重复" in msg


# ---------------------------------------------------------------- assign


def test_assign_sends_the_task_to_the_lead_and_co_units_the_same_day(county: County) -> None:
    t = flow.task(county, NOW)
    assert t.status == TaskStatus.ASSIGNED and t.is_open
    assert t.due == date(2026, 6, 30) and t.due_original == date(2026, 6, 30)
    assert t.lead_unit == county.a and t.light == "green"
    roles = {a.unit.code: (a.role, a.status) for a in t.assignments.all()}
    assert roles == {"fgj": ("lead", "pending"), "czj": ("co", "pending")}
    assert recipients("assigned") == {"amy", "adam", "bob"}
    assert t.directive.first_assigned_at == NOW
    assert t.directive.status == DirectiveStatus.ACTIVE


def test_working_days_are_counted_after_the_day_of_assignment(county: County) -> None:
    # Assigned Monday 2026-09-28: 5 working days skip National Day and land on the
    # adjusted working Saturday 2026-10-10.
    t = flow.task(county, at("2026-09-28 10:00"), due={"workdays": 5})
    assert t.due == date(2026, 10, 10) and not t.due_provisional


def test_a_deadline_in_a_year_the_calendar_does_not_know_is_provisional(county: County) -> None:
    t = flow.task(county, at("2026-12-28 10:00"), due={"workdays": 5})
    assert t.due == date(2027, 1, 4)
    assert t.due_provisional
    assert "（暂定）" in Outbox.objects.filter(task=t).first().body  # type: ignore[union-attr]


def test_without_a_deadline_the_offices_default_for_kind_and_urgency_applies(
    county: County,
) -> None:
    d = flow.directive(county, NOW, urgency="extra")
    [t] = actions.decompose(
        directive=d,
        by=county.alice,
        now=NOW,
        tasks=[actions.TaskDraft(content="立即核查", lead=[county.a])],
    )
    actions.assign(task=t, by=county.alice, now=NOW)
    t.refresh_from_db()
    assert t.due == date(2026, 3, 5)  # 特急 instruction: 3 working days after Monday
    assert t.events.get(kind=EventKind.ASSIGNED).payload["due_text"] == "3个工作日内"

    d2 = flow.directive(county, NOW, urgency="normal")
    [t2] = actions.decompose(
        directive=d2,
        by=county.alice,
        now=NOW,
        tasks=[actions.TaskDraft(content="研究办理", lead=[county.a])],
    )
    actions.assign(task=t2, by=county.alice, now=NOW)
    t2.refresh_from_db()
    assert t2.due == date(2026, 3, 17)  # 平件 instruction: 15 days


def test_a_due_date_before_the_assignment_is_refused(county: County) -> None:
    t = flow.task(county, NOW, due={"date": "2026-02-27"}, assign=False)
    msg = refused(Invalid, actions.assign, task=t, by=county.alice, now=NOW)
    assert "2026年02月27日早于交办日期2026年03月02日" in msg


def test_a_task_is_assigned_once(county: County) -> None:
    t = flow.task(county, NOW)
    msg = refused(Invalid, actions.assign, task=t, by=county.alice, now=NOW)
    assert "待签收" in msg and "不能交办" in msg


# ---------------------------------------------------------------- the units' side


def test_receive_by_the_lead_starts_the_work_and_a_co_unit_only_its_share(
    county: County,
) -> None:
    t = flow.task(county, NOW)
    actions.receive(task=t, by=county.bob, now=NOW)
    t.refresh_from_db()
    assert t.status == TaskStatus.ASSIGNED
    actions.receive(task=t, by=county.amy, now=at("2026-03-02 10:00"))
    t.refresh_from_db()
    assert t.status == TaskStatus.IN_PROGRESS and t.received_at == at("2026-03-02 10:00")
    ev = t.events.get(kind=EventKind.RECEIVED, actor=county.amy)
    assert ev.actor_unit == county.a


def test_a_unit_not_on_the_task_cannot_act_on_it(county: County) -> None:
    t = flow.task(county, NOW)
    msg = refused(Refused, actions.receive, task=t, by=county.carl, now=NOW)
    assert msg == "城关镇不是该事项的承办单位，无权签收。"
    refused(Refused, actions.report_progress, task=t, text="x", by=county.carl, now=NOW)
    refused(Refused, actions.receive, task=t, by=county.alice, now=NOW)


def test_receiving_twice_is_refused(county: County) -> None:
    t = flow.task(county, NOW)
    actions.receive(task=t, by=county.amy, now=NOW)
    assert "无需再签收" in refused(Invalid, actions.receive, task=t, by=county.adam, now=NOW)


def test_a_returned_task_goes_back_to_the_office_and_is_reassigned(county: County) -> None:
    t = flow.task(county, NOW)
    assert "请填写退回理由" in refused(
        Invalid, actions.return_, task=t, reason=" ", by=county.amy, now=NOW
    )
    actions.return_(task=t, reason="该事项属城关镇职责", by=county.amy, now=NOW)
    t.refresh_from_db()
    assert t.status == TaskStatus.RETURNED
    assert recipients("returned") == {"alice"}
    assert t.assignments.get(unit=county.a).return_reason == "该事项属城关镇职责"

    actions.reassign(
        task=t, lead=[county.c], co=[county.b], reason="按职责改派", by=county.alice, now=NOW
    )
    t.refresh_from_db()
    assert t.status == TaskStatus.ASSIGNED and t.lead_unit == county.c
    states = {a.unit.code: a.status for a in t.assignments.all()}
    assert states == {"fgj": "replaced", "czj": "pending", "cgz": "pending"}
    assert "carl" in recipients("assigned")
    actions.receive(task=t, by=county.carl, now=NOW)
    t.refresh_from_db()
    assert t.status == TaskStatus.IN_PROGRESS
    # The unit that returned it keeps seeing its history, but can no longer act on it.
    msg = refused(Refused, actions.receive, task=t, by=county.amy, now=NOW)
    assert msg == "县发改局不是该事项的承办单位，无权签收。"


def in_progress(county: County, **kw: Any) -> Task:
    t = flow.task(county, NOW, **kw)
    actions.receive(task=t, by=county.amy, now=NOW)
    actions.receive(task=t, by=county.bob, now=NOW)
    t.refresh_from_db()
    return t


def test_progress_needs_a_receipt_first(county: County) -> None:
    t = flow.task(county, NOW)
    actions.receive(task=t, by=county.amy, now=NOW)
    msg = refused(Invalid, actions.report_progress, task=t, text="已开展", by=county.bob, now=NOW)
    assert msg == "县财政局尚未签收该事项，请先签收再报送进展。"


def test_reports_fill_the_weekly_slots_and_a_late_one_is_marked(county: County) -> None:
    # Weekly on Friday; assigned Monday 03-02: slots 03-06, 03-13, 03-20 …
    t = in_progress(county, cycle="weekly", cycle_day=5)
    r1 = actions.report_progress(task=t, text="完成选址", by=county.amy, now=at("2026-03-05 16:00"))
    assert r1.slot == date(2026, 3, 6) and not r1.late
    # Nothing for 03-13; on 03-16 the light is yellow (one report missing) after a tick.
    from duban.coordination.tick import tick

    tick(now=at("2026-03-16 08:00"))
    t.refresh_from_db()
    assert t.missing_reports == 1 and t.light == "yellow"
    r2 = actions.report_progress(task=t, text="补报", by=county.amy, now=at("2026-03-16 09:00"))
    assert r2.slot == date(2026, 3, 13) and r2.late
    t.refresh_from_db()
    assert t.missing_reports == 0 and t.light == "green"
    # A co-unit's report is its input, not the task's report for a slot.
    r3 = actions.report_progress(
        task=t, text="资金已落实", by=county.bob, now=at("2026-03-17 09:00")
    )
    assert r3.slot is None


def test_an_extension_is_asked_before_the_deadline_and_keeps_the_original(
    county: County,
) -> None:
    t = in_progress(county)
    req = actions.request_extension(
        task=t, new_due=date(2026, 7, 31), reason="汛期影响施工", by=county.amy, now=NOW
    )
    assert recipients("extension_requested") == {"alice"}
    assert "已有待审批" in refused(
        Invalid,
        actions.request_extension,
        task=t,
        new_due=date(2026, 8, 31),
        reason="再延",
        by=county.amy,
        now=NOW,
    )
    actions.decide_extension(request=req, approve=True, by=county.alice, now=NOW)
    t.refresh_from_db()
    assert t.due == date(2026, 7, 31) and t.due_original == date(2026, 6, 30)
    assert t.extension_count == 1
    req.refresh_from_db()
    assert req.status == "approved" and req.current_due == date(2026, 6, 30)
    assert "该延期申请已审批" in refused(
        Invalid,
        actions.decide_extension,
        request=req,
        approve=False,
        reason="x",
        by=county.alice,
        now=NOW,
    )


def test_extension_refusals(county: County) -> None:
    t = in_progress(county)
    assert "只有牵头单位可以申请延期" in refused(
        Refused,
        actions.request_extension,
        task=t,
        new_due=date(2026, 7, 31),
        reason="x",
        by=county.bob,
        now=NOW,
    )
    assert "须晚于现时限2026年06月30日" in refused(
        Invalid,
        actions.request_extension,
        task=t,
        new_due=date(2026, 6, 1),
        reason="x",
        by=county.amy,
        now=NOW,
    )
    assert "已超过完成时限" in refused(
        Invalid,
        actions.request_extension,
        task=t,
        new_due=date(2026, 8, 31),
        reason="x",
        by=county.amy,
        now=at("2026-07-01 09:00"),
    )
    req = actions.request_extension(
        task=t, new_due=date(2026, 7, 31), reason="x", by=county.amy, now=NOW
    )
    assert "请填写不同意的理由" in refused(
        Invalid, actions.decide_extension, request=req, approve=False, by=county.alice, now=NOW
    )
    refused(Refused, actions.decide_extension, request=req, approve=True, by=county.amy, now=NOW)
    actions.decide_extension(
        request=req, approve=False, reason="无正当理由", by=county.alice, now=NOW
    )
    t.refresh_from_db()
    assert t.due == date(2026, 6, 30) and t.extension_count == 0


def test_urge_by_the_office_or_the_leader_in_charge(county: County) -> None:
    t = in_progress(county)
    actions.urge(task=t, message="请加快进度", by=county.alice, now=NOW)
    actions.urge(task=t, message="务必按期完成", by=county.lily, now=NOW)
    t.refresh_from_db()
    assert t.urge_count == 2
    assert recipients("urged") == {"amy", "adam", "bob"}
    assert "只能催办本人牵头" in refused(
        Refused, actions.urge, task=t, message="x", by=county.wang, now=NOW
    )
    refused(Refused, actions.urge, task=t, message="x", by=county.amy, now=NOW)


def test_the_lead_unit_consolidates_the_co_units_input(county: County) -> None:
    t = in_progress(county)
    actions.submit_done(task=t, text="资金2000万元已拨付", by=county.bob, now=NOW)
    t.refresh_from_db()
    assert t.status == TaskStatus.IN_PROGRESS
    assert "已报送过" in refused(
        Invalid, actions.submit_done, task=t, text="再报", by=county.bob, now=NOW
    )
    actions.submit_done(task=t, text="主体工程完工", by=county.amy, now=at("2026-06-29 10:00"))
    t.refresh_from_db()
    assert t.status == TaskStatus.SUBMITTED and t.light == "green"
    ev = t.events.filter(kind=EventKind.SUBMITTED).order_by("-seq").first()
    assert ev is not None
    assert ev.payload["co_inputs"] == [
        {"unit": county.b.pk, "done": True, "text": "资金2000万元已拨付"}
    ]
    assert recipients("submitted") == {"alice"}


def test_verify_sends_back_with_a_reason_then_closes_late(county: County) -> None:
    t = in_progress(county)
    actions.submit_done(task=t, text="已完成", by=county.amy, now=at("2026-06-20 10:00"))
    assert "请填写退回重办的理由" in refused(
        Invalid, actions.verify, task=t, accept=False, by=county.alice, now=NOW
    )
    refused(Refused, actions.verify, task=t, accept=True, by=county.lily, now=NOW)
    assert "不能销号" in refused(Invalid, actions.close, task=t, by=county.alice, now=NOW)
    actions.verify(
        confirm_silent_co=True,
        task=t,
        accept=False,
        reason="缺少验收材料",
        by=county.alice,
        now=at("2026-06-22 10:00"),
    )
    t.refresh_from_db()
    assert t.status == TaskStatus.IN_PROGRESS and t.sent_back_count == 1
    assert recipients("sent_back") == {"amy", "adam"}
    actions.submit_done(task=t, text="补充验收材料", by=county.amy, now=at("2026-07-02 10:00"))
    actions.verify(
        confirm_silent_co=True, task=t, accept=True, by=county.alice, now=at("2026-07-03 10:00")
    )
    actions.close(task=t, by=county.alice, now=at("2026-07-03 11:00"))
    t.refresh_from_db()
    assert t.status == TaskStatus.CLOSED and not t.is_open
    assert t.closed_on_time is False and t.light == "late"
    assert kinds(t)[-4:] == ["sent_back", "submitted", "verified", "closed"]


def test_withdraw_keeps_the_task_and_refuses_further_work(county: County) -> None:
    t = in_progress(county)
    assert "请填写撤销原因" in refused(
        Invalid, actions.withdraw, task=t, reason="", by=county.alice, now=NOW
    )
    actions.withdraw(task=t, reason="上级已明确由市级统筹", by=county.alice, now=NOW)
    t.refresh_from_db()
    assert t.status == TaskStatus.WITHDRAWN and t.withdrawn_reason == "上级已明确由市级统筹"
    assert Task.objects.filter(pk=t.pk).exists()
    assert "已撤销" in refused(
        Invalid, actions.report_progress, task=t, text="x", by=county.amy, now=NOW
    )
    assert recipients("withdrawn") == {"amy", "adam", "bob"}


def test_withdrawing_a_directive_withdraws_its_open_tasks_only(county: County) -> None:
    d = flow.directive(county, NOW)
    actions.decompose(
        directive=d,
        by=county.alice,
        now=NOW,
        tasks=[
            actions.TaskDraft(content="一", lead=[county.a]),
            actions.TaskDraft(content="二", lead=[county.b]),
        ],
    )
    actions.withdraw_directive(directive=d, reason="会议决定取消", by=county.alice, now=NOW)
    d.refresh_from_db()
    assert d.status == DirectiveStatus.WITHDRAWN
    assert set(Task.objects.filter(directive=d).values_list("status", flat=True)) == {"withdrawn"}
    assert "不能撤销" in refused(
        Invalid, actions.withdraw_directive, directive=d, reason="x", by=county.alice, now=NOW
    )


def test_report_back_only_when_every_task_is_settled(county: County) -> None:
    t = in_progress(county)
    assert "尚有事项未办结" in refused(
        Invalid, actions.report_back, directive=t.directive, text="x", by=county.alice, now=NOW
    )
    actions.submit_done(task=t, text="已完成", by=county.amy, now=NOW)
    actions.verify(confirm_silent_co=True, task=t, accept=True, by=county.alice, now=NOW)
    actions.close(task=t, by=county.alice, now=NOW)
    actions.report_back(directive=t.directive, text="已按批示办结", by=county.alice, now=NOW)
    d = Directive.objects.get(pk=t.directive_id)
    assert d.status == DirectiveStatus.REPORTED_BACK and d.report_back_text == "已按批示办结"
    own = d.events.filter(task__isnull=True).order_by("seq")
    assert list(own.values_list("kind", flat=True)) == ["registered", "reported_back"]


def test_work_records_refuse_a_raw_save_or_delete(county: County) -> None:
    t = flow.task(county, NOW)
    t.content = "改写"
    with pytest.raises(RuntimeError, match="only be written by duban actions"):
        t.save()
    with pytest.raises(RuntimeError, match="never deleted"):
        t.delete()
    ev = t.events.first()
    assert ev is not None
    with pytest.raises(RuntimeError, match="append-only"):
        ev.save()


def test_a_leader_comments_on_a_task_and_its_units_are_told(county: County) -> None:
    t = in_progress(county)
    actions.comment(task=t, text="请务必在汛期前完工", by=county.wang, now=NOW)
    ev = t.events.get(kind=EventKind.COMMENTED)
    assert ev.payload == {"text": "请务必在汛期前完工"} and ev.actor == county.wang
    assert recipients("commented") == {"amy", "adam", "bob"}
    refused(Refused, actions.comment, task=t, text="x", by=county.amy, now=NOW)
    assert "请填写批示内容" in refused(
        Invalid, actions.comment, task=t, text=" ", by=county.lily, now=NOW
    )


def test_a_co_unit_that_finished_its_part_can_lead_after_reassignment(county: County) -> None:
    t = in_progress(county)
    actions.submit_done(task=t, text="配合部分完成", by=county.bob, now=NOW)
    actions.reassign(
        task=t, lead=[county.b], co=[], reason="改由财政局牵头", by=county.alice, now=NOW
    )
    t.refresh_from_db()
    assert t.status == TaskStatus.IN_PROGRESS  # B had already received the task
    actions.submit_done(task=t, text="牵头办结", by=county.bob, now=NOW)
    t.refresh_from_db()
    assert t.status == TaskStatus.SUBMITTED
