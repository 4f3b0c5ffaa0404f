"""Issue 19: a major event through its life — plan, preparation tasks with deadlines
counted back in working days, the plan document, the day's checklist, a schedule change
told to the people concerned, follow-up directives from the notes, and closure."""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest
from django.core.management import call_command

from duban.events import actions, plan_doc, selectors
from duban.events.models import Activity, ActivityState, EventType, Mark
from duban.notify.models import Outbox
from duban.records import chain
from duban.work import actions as work
from duban.work.errors import ActionError, Invalid, Refused
from duban.work.models import DirectiveKind, TaskStatus
from tests.conftest import County, at

pytestmark = pytest.mark.django_db

PLANNED = at("2026-09-24 09:00")  # a Thursday; 09-25..27 中秋, 10-01..07 国庆
DAY = date(2026, 10, 9)  # the Friday after National Day


def refused(kind: type[ActionError], fn: Any, **kwargs: Any) -> str:
    with pytest.raises(kind) as e:
        fn(**kwargs)
    return e.value.message


def plan(county: County, *, day: date = DAY, now: Any = PLANNED) -> Activity:
    return actions.create(
        event_type=EventType.objects.get(code="research"),
        title="李丽副县长到城关镇调研产业园建设",
        day=day,
        leader=county.leader_lily,
        sites=[
            actions.SiteDraft("城关镇产业园", county.c, "陈卡 13800000001"),
            actions.SiteDraft("县发改局重点项目现场", county.a, "安梅"),
        ],
        schedule=[
            actions.ItemDraft(time(8, 30), "县政府大院集合出发", "", "全体参加人员"),
            actions.ItemDraft(time(9, 0), "察看产业园标准厂房", "城关镇产业园", "城关镇"),
            actions.ItemDraft(time(10, 0), "察看重点项目建设", "县发改局重点项目现场", "县发改局"),
            actions.ItemDraft(time(11, 0), "召开座谈会", "城关镇产业园", "各单位", time(12, 0)),
        ],
        participants=[
            actions.ParticipantDraft(leader=county.leader_lily),
            actions.ParticipantDraft(unit=county.b, note="陪同"),
        ],
        by=county.alice,
        now=now,
    )


def test_plan_from_the_template_with_back_counted_deadlines(county: County) -> None:
    ev = plan(county)
    items = {p.what: p for p in ev.prep.select_related("unit")}
    # The type's template: township items to the site's township host, the department item
    # to the department host, the office's own items to the office.
    assert items["调研点位汇报材料"].unit == county.c
    assert items["沿途交通和现场安保"].unit == county.a
    assert items["调研用车安排"].unit == county.alice.unit
    assert refused(Refused, actions.issue_plan, activity=ev, by=county.amy, now=PLANNED)
    actions.issue_plan(activity=ev, by=county.alice, now=PLANNED)
    ev.refresh_from_db()
    assert ev.state == ActivityState.PLAN_ISSUED
    assert ev.directive is not None and ev.directive.kind == DirectiveKind.KEY_WORK
    dues = {p.what: (p.due, p.task.due, p.task.status) for p in ev.prep.select_related("task")}
    # 3 working days before Fri 10-09: 10-08, then the National Day week, 09-30, 09-29.
    assert dues["调研点位汇报材料"] == (date(2026, 9, 29), date(2026, 9, 29), TaskStatus.ASSIGNED)
    assert dues["点位现场准备与路线踏勘"][0] == date(2026, 9, 30)  # 2 working days
    assert dues["调研用车安排"][0] == date(2026, 10, 8)  # 1 working day
    task = ev.prep.get(what="调研点位汇报材料").task
    # On the normal loop: due in 2 working days, its light is already yellow.
    assert task.lead_unit == county.c and task.is_key and task.light == "yellow"
    assert {o.recipient.username for o in Outbox.objects.filter(task=task)} == {"carl"}
    assert [e.kind for e in chain.events_of(ev)] == ["created", "plan_issued"]
    assert "不能印发方案" in refused(Invalid, actions.issue_plan, activity=ev, by=county.alice)


def test_short_notice_pulls_deadlines_in_to_today(county: County) -> None:
    ev = plan(county, day=date(2026, 10, 9), now=at("2026-10-08 09:00"))
    actions.issue_plan(activity=ev, by=county.alice, now=at("2026-10-08 09:00"))
    due = ev.prep.get(what="调研点位汇报材料")
    assert due.due == date(2026, 10, 8)
    assert "时间紧" in due.task.events.get(kind="created").payload["requirement"]


def test_a_plan_needs_a_unit_for_every_item(county: County) -> None:
    ev = actions.create(
        event_type=EventType.objects.get(code="investor"),
        title="客商考察",
        day=DAY,
        schedule=[actions.ItemDraft(time(9, 0), "座谈")],
        by=county.alice,
        now=PLANNED,
    )
    message = refused(Invalid, actions.issue_plan, activity=ev, by=county.alice, now=PLANNED)
    assert message.startswith("准备事项未指定责任单位：第1项“招商推介材料和项目册”")


def test_the_event_through_its_life(county: County) -> None:
    ev = plan(county)
    actions.issue_plan(activity=ev, by=county.alice, doc_no="云政办〔2026〕30号", now=PLANNED)
    ev.refresh_from_db()
    docx = plan_doc.generate(activity=ev, now=PLANNED)
    assert docx[:2] == b"PK"

    # The day: one tap per mark; a problem needs a note.
    first, second, third, _ = ev.schedule.order_by("start")
    on_the_day = at("2026-10-09 08:35")
    actions.mark(item=first, state=Mark.ARRIVED, by=county.alice, now=on_the_day)
    ev.refresh_from_db()
    assert ev.state == ActivityState.ON_THE_DAY
    actions.mark(item=first, state=Mark.DONE, by=county.alice, now=on_the_day)
    assert "请说明出现的问题" in refused(
        Invalid, actions.mark, item=second, state=Mark.PROBLEM, by=county.alice
    )
    actions.mark(
        item=second, state=Mark.PROBLEM, note="厂房门禁未开", by=county.alice, now=on_the_day
    )
    second.refresh_from_db()
    assert (second.mark, second.note) == (Mark.PROBLEM, "厂房门禁未开")

    # A change of time and place: the participants and both sites' hosts are told.
    Outbox.objects.all().delete()
    park = ev.sites.get(name="城关镇产业园")
    actions.change_schedule(
        item=third, start=time(10, 30), site=park, reason="项目现场下雨", by=county.alice,
        now=at("2026-10-09 09:40"),
    )  # fmt: skip
    rows = Outbox.objects.filter(kind="event_changed")
    assert {o.recipient.username for o in rows} == {"lily", "bob", "carl", "amy", "adam"}
    body = rows.first().body  # type: ignore[union-attr]
    assert "由10:00 县发改局重点项目现场调整为10:30 城关镇产业园" in body
    assert "项目现场下雨" in body

    # Follow-up: the notes through the extractor, registered as directives of their own.
    actions.record_notes(
        activity=ev,
        notes="李丽副县长在城关镇产业园要求：请城关镇牵头，县财政局配合，"
        "于10月30日前完成产业园道路硬化。请县发改局于11月15日前完成项目入库。",
        by=county.alice,
        now=at("2026-10-09 16:00"),
    )
    ev.refresh_from_db()
    drafts = selectors.follow_up_drafts(ev)
    assert [(d.lead, d.co, d.due) for d in drafts] == [
        ([county.c], [county.b], {"date": "2026-10-30"}),
        ([county.a], [], {"date": "2026-11-15"}),
    ]
    directive = actions.register_follow_up(
        activity=ev,
        title="李丽副县长调研城关镇产业园时提出的要求",
        tasks=drafts,
        by=county.alice,
        now=at("2026-10-09 16:10"),
    )
    assert ev.follow_ups.get().directive == directive
    assert directive.issuer == "领导调研：李丽副县长到城关镇调研产业园建设"
    assert "尚未全部办结" in refused(
        Invalid, actions.close, activity=ev, by=county.alice, now=at("2026-10-10 09:00")
    )
    assert selectors.follow_up_progress([ev.pk]) == {ev.pk: (1, 0)}

    tasks = directive.tasks.order_by("number")
    for task, user in zip(tasks, (county.carl, county.amy), strict=True):
        work.receive(task=task, by=user, now=at("2026-10-10 09:00"))
        work.submit_done(task=task, text="已完成", by=user, now=at("2026-10-20 10:00"))
        work.verify(
            task=task, accept=True, confirm_silent_co=True, by=county.alice,
            now=at("2026-10-21 10:00"),
        )  # fmt: skip
        work.close(task=task, by=county.alice, now=at("2026-10-21 11:00"))
    actions.close(activity=ev, by=county.alice, now=at("2026-10-22 09:00"))
    ev.refresh_from_db()
    assert ev.state == ActivityState.CLOSED
    assert [e.kind for e in chain.events_of(ev)] == [
        "created", "plan_issued", "marked", "marked", "marked", "schedule_changed", "notes",
        "follow_up", "closed",
    ]  # fmt: skip
    assert chain.verify().problems == []
    call_command("audit", "verify")

    figures = selectors.year_figures(year=2026)
    assert figures["events"] == 1 and figures["events:领导调研"] == 1
    assert figures["events:客商考察"] == 0 and figures["closed"] == 1
    assert (figures["follow_ups"], figures["follow_ups_closed"]) == (1, 1)
    assert figures["follow_up_rate_permille"] == 1000


def test_marks_before_the_plan_and_changes_that_change_nothing_are_refused(
    county: County,
) -> None:
    ev = plan(county)
    item = ev.schedule.order_by("start").first()
    assert item is not None
    assert "不能记录现场情况" in refused(
        Invalid, actions.mark, item=item, state=Mark.ARRIVED, by=county.alice
    )
    assert "没有变化" in refused(
        Invalid, actions.change_schedule, item=item, start=item.start, by=county.alice
    )
    # Before the plan is out, a change tells nobody.
    actions.change_schedule(item=item, start=time(8, 0), by=county.alice, now=PLANNED)
    assert not Outbox.objects.filter(kind="event_changed").exists()
