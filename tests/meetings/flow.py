"""Meeting types and a meeting driven to its issued 纪要, for tests here and in tests/web."""

from __future__ import annotations

from duban.meetings import actions
from duban.meetings.models import (
    AttendanceRole,
    DecisionKind,
    Meeting,
    MeetingKind,
    MeetingType,
    Presence,
)
from tests.conftest import County, at


def standing_type(county: County) -> MeetingType:
    return actions.define_type(
        name="县政府常务会议",
        kind=MeetingKind.STANDING,
        numbering="县政府第{n}次常务会议",
        organ="云溪县人民政府",
        convener=county.leader_lily,
        attendees=[county.leader_lily, county.leader_wang],
        sitting_in=[county.b],
        law_study=True,
        prior_steps=True,
        by=county.alice,
        now=at("2026-01-05 09:00"),
    )


def party_type(county: County) -> MeetingType:
    return actions.define_type(
        name="县政府党组会议",
        kind=MeetingKind.PARTY_GROUP,
        numbering="县政府党组第{cn}次会议",
        organ="中共云溪县人民政府党组",
        convener=county.leader_lily,
        attendees=[county.leader_lily, county.leader_wang],
        makes_directives=False,
        collective=True,
        by=county.alice,
        now=at("2026-01-05 09:00"),
    )


DECISION_ONE = (
    "会议原则同意《云溪县城区老旧小区改造实施方案》。请县发改局牵头，县财政局配合，"
    "于2026年6月30日前完成项目申报和资金测算。"
)
DECISION_TWO = "会议要求，请城关镇于2026年4月30日前完成集贸市场周边占道经营整治。"


def drive_to_issue(county: County, t: MeetingType, *, start: str = "2026-03-05 09:00") -> Meeting:
    """A standing meeting from planning to its issued 纪要, as the office runs one."""
    meeting = actions.plan_meeting(
        type=t,
        starts_at=at(start),
        place="县政府第一会议室",
        by=county.alice,
        now=at("2026-02-20 09:00"),
    )
    one = actions.submit_topic(
        meeting=meeting,
        title="关于城区老旧小区改造实施方案的议题",
        presenter="县发改局局长",
        is_normative=True,
        steps={"legality": "县司法局合法性审查意见", "consultation": "已征求各乡镇意见"},
        sitting_in=[county.c],
        by=county.amy,
        now=at("2026-02-25 10:00"),
    )
    two = actions.submit_topic(
        meeting=meeting,
        title="关于城关镇集贸市场整治的议题",
        unit=county.c,
        steps={"consultation": "已征求市场经营户意见"},
        by=county.alice,
        now=at("2026-02-26 10:00"),
    )
    actions.propose_agenda(
        meeting=meeting, topics=[one, two], by=county.alice, now=at("2026-03-02 09:00")
    )
    actions.approve_agenda(meeting=meeting, by=county.lily, now=at("2026-03-02 15:00"))
    actions.send_notice(meeting=meeting, by=county.alice, now=at("2026-03-03 09:00"))
    rows = {a.name: a for a in meeting.attendance.all()}
    actions.sign_in(
        meeting=meeting,
        entries=[
            actions.SignIn(rows["李丽"], Presence.PRESENT),
            actions.SignIn(rows["王刚"], Presence.LEAVE, "在省里参加会议"),
            *[
                actions.SignIn(a, Presence.PRESENT)
                for a in rows.values()
                if a.role == AttendanceRole.SIT_IN
            ],
        ],
        by=county.alice,
        now=at(start),
    )
    actions.record_law_study(
        meeting=meeting,
        law="中华人民共和国行政复议法",
        articles="第一条至第十条",
        presenter="县司法局局长",
        by=county.alice,
        now=at(start),
    )
    actions.save_minutes(
        meeting=meeting,
        opening="2026年3月5日，李丽副县长主持召开县政府第1次常务会议，研究了城区老旧小区改造等事项。现纪要如下：",
        items=[
            actions.MinutesItem(one, DecisionKind.AGREED, DECISION_ONE),
            actions.MinutesItem(two, DecisionKind.REQUIRED, DECISION_TWO),
        ],
        by=county.alice,
        now=at("2026-03-06 09:00"),
    )
    actions.send_minutes_for_review(meeting=meeting, by=county.alice, now=at("2026-03-06 10:00"))
    actions.review_minutes(
        meeting=meeting, approve=True, by=county.lily, now=at("2026-03-06 16:00")
    )
    actions.issue_minutes(
        meeting=meeting, doc_no="云政纪〔2026〕1号", by=county.alice, now=at("2026-03-07 09:00")
    )
    meeting.refresh_from_db()
    return meeting
