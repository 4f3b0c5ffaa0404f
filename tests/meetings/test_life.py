"""A meeting through its whole life: topics → agenda → notice → sign-in → minutes → issue
→ decisions → tasks → follow-up (issue 15)."""

from __future__ import annotations

from io import BytesIO

import pytest
from docx import Document

from duban.meetings import actions, documents, selectors
from duban.meetings.models import (
    AgendaState,
    DecisionKind,
    MeetingState,
    MeetingType,
    Presence,
    ReviewState,
    TopicState,
)
from duban.notify.models import Outbox
from duban.records.chain import events_of, verify
from duban.work import actions as work
from duban.work.errors import Invalid, Refused
from duban.work.models import DirectiveKind
from tests.conftest import County, at
from tests.meetings.flow import drive_to_issue

pytestmark = pytest.mark.django_db


def _planned(county: County, t: MeetingType):  # type: ignore[no-untyped-def]
    return actions.plan_meeting(
        type=t,
        starts_at=at("2026-03-05 09:00"),
        place="县政府第一会议室",
        by=county.alice,
        now=at("2026-02-20 09:00"),
    )


def test_meetings_are_numbered_per_type_and_year(county: County, standing: MeetingType) -> None:
    first = _planned(county, standing)
    second = _planned(county, standing)
    assert (first.number, first.title) == (1, "县政府第1次常务会议")
    assert second.title == "县政府第2次常务会议"
    assert first.topic_cutoff == at("2026-03-02 09:00")  # 3 days before, the type's default
    assert [e.kind for e in events_of(first)] == ["planned"]


def test_a_unit_submits_a_topic_before_the_cutoff_and_not_after(
    county: County, standing: MeetingType
) -> None:
    meeting = _planned(county, standing)
    topic = actions.submit_topic(
        meeting=meeting, title="关于某某的议题", by=county.amy, now=at("2026-03-01 09:00")
    )
    assert topic.unit == county.a and topic.state == TopicState.SUBMITTED
    with pytest.raises(Invalid, match="议题已于2026年03月02日 09:00截止报送"):
        actions.submit_topic(
            meeting=meeting, title="迟到的议题", by=county.bob, now=at("2026-03-02 09:01")
        )
    with pytest.raises(Refused, match="只能以本单位名义报送议题"):
        actions.submit_topic(
            meeting=meeting, title="代报", unit=county.b, by=county.amy, now=at("2026-03-01 09:00")
        )


def test_a_standing_meeting_refuses_a_topic_without_its_prior_steps(
    county: County, standing: MeetingType
) -> None:
    meeting = _planned(county, standing)
    normative = actions.submit_topic(
        meeting=meeting,
        title="关于出台规范性文件的议题",
        is_normative=True,
        affects_market=True,
        steps={"consultation": "已征求意见"},
        by=county.amy,
        now=at("2026-03-01 09:00"),
    )
    with pytest.raises(Invalid, match="缺少合法性审查、公平竞争审查，不能列入县政府常务会议议程"):
        actions.propose_agenda(
            meeting=meeting, topics=[normative], by=county.alice, now=at("2026-03-02 10:00")
        )
    actions.record_steps(
        topic=normative,
        steps={"legality": "县司法局审查", "fair_competition": "县市场监管局审查"},
        by=county.amy,
        now=at("2026-03-02 11:00"),
    )
    actions.propose_agenda(
        meeting=meeting, topics=[normative], by=county.alice, now=at("2026-03-02 12:00")
    )
    meeting.refresh_from_db()
    assert meeting.agenda_state == AgendaState.PROPOSED
    # The convener is asked to approve it, through the outbox.
    assert Outbox.objects.filter(recipient=county.lily, kind="meeting_agenda").exists()
    with pytest.raises(Refused, match="只有会议召集人副县长李丽可以审定议程"):
        actions.approve_agenda(meeting=meeting, by=county.wang, now=at("2026-03-02 13:00"))


def test_the_notice_waits_for_the_approved_agenda(county: County, standing: MeetingType) -> None:
    meeting = _planned(county, standing)
    with pytest.raises(Invalid, match="议程须经召集人审定后才能发送会议通知"):
        actions.send_notice(meeting=meeting, by=county.alice, now=at("2026-03-03 09:00"))


def test_a_leave_needs_its_reason(county: County, standing: MeetingType) -> None:
    meeting = _planned(county, standing)
    topic = actions.submit_topic(
        meeting=meeting,
        title="议题",
        steps={"consultation": "已征求意见"},
        by=county.amy,
        now=at("2026-03-01 09:00"),
    )
    actions.propose_agenda(
        meeting=meeting, topics=[topic], by=county.alice, now=at("2026-03-02 09:00")
    )
    actions.approve_agenda(meeting=meeting, by=county.lily, now=at("2026-03-02 10:00"))
    actions.send_notice(meeting=meeting, by=county.alice, now=at("2026-03-03 09:00"))
    wang = meeting.attendance.get(name="王刚")
    with pytest.raises(Invalid, match="王刚请假须填写事由"):
        actions.sign_in(
            meeting=meeting,
            entries=[actions.SignIn(wang, Presence.LEAVE, " ")],
            by=county.alice,
            now=at("2026-03-05 09:00"),
        )


def test_a_meeting_through_its_whole_life(county: County, standing: MeetingType) -> None:
    meeting = drive_to_issue(county, standing)
    # Notice: every leader attending and every unit sitting in got it through the outbox.
    notices = Outbox.objects.filter(kind="meeting_notice")
    assert set(notices.values_list("recipient__username", flat=True)) == {
        "lily", "wang", "amy", "adam", "bob", "carl",
    }  # fmt: skip
    assert "议题一：关于城区老旧小区改造实施方案的议题（县发改局汇报）" in notices.first().body  # type: ignore[union-attr]
    # Sign-in: 王刚 on leave with the reason.
    wang = meeting.attendance.get(name="王刚")
    assert (wang.presence, wang.reason) == (Presence.LEAVE, "在省里参加会议")
    # Minutes: one version, reviewed by the convener, issued.
    assert meeting.state == MeetingState.MINUTES_ISSUED
    assert meeting.review_state == ReviewState.APPROVED
    assert meeting.minutes.count() == 1
    # Decisions: one 会议议定事项 per topic, traced back to the meeting and topic.
    one, two = meeting.topics.order_by("position")
    assert one.directive is not None and two.directive is not None
    assert one.directive.kind == DirectiveKind.MEETING
    assert one.directive.doc_no == "云政纪〔2026〕1号"
    assert one.directive.title == "县政府第1次常务会议议题一：关于城区老旧小区改造实施方案的议题"
    assert selectors.source_of(two.directive.pk) == ("县政府第1次常务会议 · 议题二", meeting.pk)
    assert sorted(selectors.directive_ids_of(meeting.pk)) == sorted(
        [one.directive.pk, two.directive.pk]
    )
    kinds = [e.kind for e in events_of(meeting)]
    assert kinds == [
        "planned", "topic_submitted", "topic_submitted", "agenda_proposed", "agenda_approved",
        "notice_sent", "signed_in", "law_study", "minutes_saved", "minutes_sent",
        "minutes_reviewed", "minutes_issued",
    ]  # fmt: skip
    assert verify().problems == []
    # Decisions → tasks: the extractor over the decision paragraph gives the drafts that
    # the decomposition form is pre-filled with.
    drafts = selectors.decision_drafts(one).tasks
    assert len(drafts) == 1
    assert drafts[0].lead == ["县发改局"] and drafts[0].co == ["县财政局"]
    lead = drafts[0].lead
    task = work.decompose(
        directive=one.directive,
        tasks=[
            work.TaskDraft(
                content=drafts[0].text,
                lead=[county.a] if lead else [],
                co=[county.b],
                due={"date": drafts[0].deadline.isoformat()} if drafts[0].deadline else {},
            )
        ],
        by=county.alice,
        now=at("2026-03-07 10:00"),
    )[0]
    work.assign(task=task, by=county.alice, now=at("2026-03-07 10:05"))
    # Follow-up at the next meeting: both decisions open, each traced to meeting and topic.
    rows = selectors.open_decisions(county.alice)
    assert [r.label for r in rows] == [
        "县政府第1次常务会议 · 议题一",
        "县政府第1次常务会议 · 议题二",
    ]
    assert rows[0].open_tasks == 1 and rows[1].tasks == []
    text = "\n".join(
        p.text for p in Document(BytesIO(documents.followup_docx(user=county.alice))).paragraphs
    )
    assert "县政府第1次常务会议（2026年3月5日）" in text
    assert "牵头单位：县发改局" in text
    assert "尚未分解交办" in text
    figures = selectors.year_figures(year=2026)
    assert figures["meetings_held"] == 1
    assert figures["meetings_held:县政府常务会议"] == 1
    assert (figures["topics"], figures["decisions"], figures["directives"]) == (2, 2, 2)
    assert figures["law_studies"] == 1


def test_minutes_are_versioned_and_a_change_after_review_needs_a_new_review(
    county: County, standing: MeetingType
) -> None:
    meeting = drive_to_issue(county, standing)
    assert meeting.minutes.get().items[0]["kind"] == DecisionKind.AGREED
    # (the issued meeting can no longer be edited)
    topic = meeting.topics.order_by("position").first()
    assert topic is not None
    with pytest.raises(Invalid, match="不能起草纪要"):
        actions.save_minutes(
            meeting=meeting,
            opening="改",
            items=[actions.MinutesItem(topic, DecisionKind.DECIDED, "改")],
            by=county.alice,
            now=at("2026-03-08 09:00"),
        )


def test_the_minutes_need_the_convener_and_the_law_study(
    county: County, standing: MeetingType
) -> None:
    meeting = _planned(county, standing)
    topic = actions.submit_topic(
        meeting=meeting,
        title="议题",
        steps={"consultation": "已征求意见"},
        by=county.amy,
        now=at("2026-03-01 09:00"),
    )
    actions.propose_agenda(
        meeting=meeting, topics=[topic], by=county.alice, now=at("2026-03-02 09:00")
    )
    actions.approve_agenda(meeting=meeting, by=county.lily, now=at("2026-03-02 10:00"))
    actions.send_notice(meeting=meeting, by=county.alice, now=at("2026-03-03 09:00"))
    actions.sign_in(meeting=meeting, entries=[], by=county.alice, now=at("2026-03-05 09:00"))
    v1 = actions.save_minutes(
        meeting=meeting,
        opening="导语",
        items=[actions.MinutesItem(topic, DecisionKind.DECIDED, "第一稿")],
        by=county.alice,
        now=at("2026-03-06 09:00"),
    )
    actions.send_minutes_for_review(meeting=meeting, by=county.alice, now=at("2026-03-06 10:00"))
    assert Outbox.objects.filter(recipient=county.lily, kind="meeting_minutes").exists()
    with pytest.raises(Invalid, match="请填写修改意见"):
        actions.review_minutes(
            meeting=meeting, approve=False, by=county.lily, now=at("2026-03-06 11:00")
        )
    actions.review_minutes(
        meeting=meeting,
        approve=False,
        comment="第二段再具体些",
        by=county.lily,
        now=at("2026-03-06 11:00"),
    )
    with pytest.raises(Invalid, match="须经召集人审核同意后印发"):
        actions.issue_minutes(
            meeting=meeting, doc_no="云政纪〔2026〕2号", by=county.alice, now=at("2026-03-06 12:00")
        )
    v2 = actions.save_minutes(
        meeting=meeting,
        opening="导语",
        items=[actions.MinutesItem(topic, DecisionKind.DECIDED, "第二稿\n请县财政局牵头办理。")],
        by=county.alice,
        now=at("2026-03-06 14:00"),
    )
    assert (v1.number, v2.number) == (1, 2)
    diff = selectors.version_diff(meeting, 1, 2)
    assert (
        ("-", "第一稿") in diff
        and ("+", "第二稿") in diff
        and ("+", "请县财政局牵头办理。") in diff
    )
    actions.send_minutes_for_review(meeting=meeting, by=county.alice, now=at("2026-03-06 15:00"))
    actions.review_minutes(
        meeting=meeting, approve=True, by=county.lily, now=at("2026-03-06 16:00")
    )
    with pytest.raises(Invalid, match="须记录会前学法内容后再印发纪要"):
        actions.issue_minutes(
            meeting=meeting, doc_no="云政纪〔2026〕2号", by=county.alice, now=at("2026-03-07 09:00")
        )
    actions.record_law_study(
        meeting=meeting,
        law="民法典",
        presenter="县司法局",
        by=county.alice,
        now=at("2026-03-07 09:00"),
    )
    with pytest.raises(Invalid, match="纪要编号“第2期”格式应为"):
        actions.issue_minutes(
            meeting=meeting, doc_no="第2期", by=county.alice, now=at("2026-03-07 09:00")
        )
    made = actions.issue_minutes(
        meeting=meeting, doc_no="云政纪〔2026〕2号", by=county.alice, now=at("2026-03-07 09:00")
    )
    assert [d.text for d in made] == ["第二稿\n请县财政局牵头办理。"]


def test_the_minutes_document_has_its_head_and_the_attendance_lines(
    county: County, standing: MeetingType
) -> None:
    meeting = drive_to_issue(county, standing)
    doc = Document(BytesIO(documents.minutes_docx(user=county.alice, meeting=meeting)))
    texts = [p.text for p in doc.paragraphs if p.text.strip()]
    assert texts[0] == "云溪县人民政府常务会议纪要"
    assert texts[1] == "云政纪〔2026〕1号"
    assert "一、关于城区老旧小区改造实施方案的议题" in texts
    assert texts[texts.index("一、关于城区老旧小区改造实施方案的议题") + 1].startswith(
        "会议原则同意《云溪县城区老旧小区改造实施方案》"
    )
    assert "出席：李丽" in texts
    assert "请假：王刚（在省里参加会议）" in texts
    assert "列席：县财政局，县发改局，城关镇" in texts
    with pytest.raises(documents.DocumentError):
        documents.minutes_docx(user=county.amy, meeting=meeting)
