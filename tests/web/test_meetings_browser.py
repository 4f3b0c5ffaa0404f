"""Browser journeys for 办会 (issue 15): a unit submits a topic; the office runs the meeting
from agenda to issued 纪要 and the decisions' tasks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from playwright.sync_api import expect

from duban.meetings import actions
from duban.meetings.models import Meeting, MeetingState, MeetingType, Topic
from duban.work.models import Task, TaskStatus
from tests.conftest import County
from tests.meetings.flow import standing_type
from tests.web.conftest import screenshot, sign_in


def _planned(c: County) -> tuple[MeetingType, Meeting]:
    t = standing_type(c)
    now = timezone.now()
    meeting = actions.plan_meeting(
        type=t, starts_at=now + timedelta(days=7), place="县政府第一会议室", by=c.alice, now=now
    )
    return t, meeting


def test_a_unit_submits_a_topic_with_its_materials(
    web_county: County, page: Any, tmp_path: Any
) -> None:
    c = web_county
    _, meeting = _planned(c)
    material = tmp_path / "汇报稿.txt"
    material.write_text("关于城区老旧小区改造工作的汇报", encoding="utf-8")
    sign_in(page, "amy")
    page.get_by_role("link", name="会议议题").click()
    expect(page.get_by_role("heading", name="可报送议题的会议")).to_be_visible()
    page.get_by_role("link", name="报送议题").first.click()
    page.get_by_label("议题名称").fill("关于城区老旧小区改造实施方案的议题")
    page.get_by_label("汇报人").fill("县发改局局长")
    page.get_by_label("涉及规范性文件（须经合法性审查）").check()
    page.get_by_label("征求意见情况").fill("已征求各乡镇意见")
    page.get_by_label("合法性审查", exact=True).fill("县司法局审查意见")
    page.get_by_label("议题材料").set_input_files(str(material))
    screenshot(page, "meetings_unit_topic_form")
    page.get_by_role("button", name="报送").click()
    expect(page.get_by_text(f"议题已报送{meeting.title}")).to_be_visible()
    topic = Topic.objects.get()
    assert topic.unit == c.a and topic.materials.get().name == "汇报稿.txt"
    assert topic.steps == {"consultation": "已征求各乡镇意见", "legality": "县司法局审查意见"}
    screenshot(page, "meetings_unit_topic_submitted")


def test_the_office_runs_a_meeting_from_agenda_to_tasks(web_county: County, page: Any) -> None:
    c = web_county
    _, meeting = _planned(c)
    now = timezone.now()
    actions.submit_topic(
        meeting=meeting,
        title="关于城区老旧小区改造实施方案的议题",
        steps={"consultation": "已征求意见"},
        by=c.amy,
        now=now,
    )
    actions.submit_topic(
        meeting=meeting,
        title="关于出台规范性文件的议题",
        is_normative=True,
        steps={"consultation": "已征求意见"},
        by=c.bob,
        now=now,
    )
    sign_in(page, "alice")
    page.wait_for_url("**/workbench/")
    page.get_by_role("link", name="办会").click()
    page.get_by_role("link", name=meeting.title).click()
    # The topic without its legality review is not ticked; ticking it is refused.
    expect(page.get_by_text("缺少：合法性审查")).to_be_visible()
    screenshot(page, "meetings_office_topics")
    page.get_by_label("列入议程：关于出台规范性文件的议题").check()
    page.get_by_role("button", name="提交召集人审定议程").click()
    expect(page.get_by_text("缺少合法性审查，不能列入县政府常务会议议程")).to_be_visible()
    page.get_by_label("列入议程：关于出台规范性文件的议题").uncheck()
    page.get_by_role("button", name="提交召集人审定议程").click()
    expect(page.get_by_text("议程已提交召集人审定")).to_be_visible()
    actions.approve_agenda(meeting=meeting, by=c.lily, now=timezone.now())
    page.reload()
    page.get_by_role("button", name="发送会议通知").click()
    expect(page.get_by_text("会议通知已发出")).to_be_visible()
    page.get_by_label("签到：王刚").select_option("leave")
    page.get_by_label("请假事由：王刚").fill("在省里参加会议")
    page.get_by_role("button", name="登记签到").click()
    expect(page.get_by_text("签到已登记")).to_be_visible()
    page.get_by_label("法律法规名称").fill("中华人民共和国行政复议法")
    page.get_by_label("讲解人", exact=True).fill("县司法局局长")
    page.get_by_role("button", name="记录学法").click()
    expect(page.get_by_text("会前学法已记录")).to_be_visible()
    page.get_by_label("议定事项", exact=True).fill(
        "《城区老旧小区改造实施方案》。请县发改局牵头，县财政局配合，于12月31日前完成项目申报。"
    )
    page.get_by_role("button", name="保存为新一稿").click()
    expect(page.get_by_text("纪要第1稿已保存")).to_be_visible()
    screenshot(page, "meetings_office_minutes")
    page.get_by_role("button", name="送召集人审核（第1稿）").click()
    # The convener's sign-off is written beside the browser: only once the page says the
    # minutes were sent (the POST answered), or the reload races the navigation.
    expect(page.get_by_text("纪要已送召集人审核。")).to_be_visible()
    actions.review_minutes(meeting=meeting, approve=True, by=c.lily, now=timezone.now())
    page.reload()
    page.get_by_label("纪要编号").fill("云政纪〔2026〕1号")
    page.get_by_role("button", name="印发纪要").click()
    # Issued: the first decision's page, the decomposition form pre-filled.
    expect(page.get_by_text("已从议定事项中识别出 1 项任务")).to_be_visible()
    expect(page.get_by_text(f"{meeting.title} · 议题一")).to_be_visible()
    screenshot(page, "meetings_decision_prefilled")
    page.get_by_role("button", name="保存任务").click()
    expect(page.get_by_text("任务已分解")).to_be_visible()
    task = Task.objects.get()
    assert task.status == TaskStatus.ASSIGNED and task.lead_unit == c.a
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.MINUTES_ISSUED
    page.goto(page.base + f"/tasks/{task.pk}/")
    expect(page.get_by_text(f"{meeting.title} · 议题一")).to_be_visible()
    page.goto(page.base + "/meetings/followup/")
    expect(page.get_by_role("link", name=f"{meeting.title} · 议题一")).to_be_visible()
    screenshot(page, "meetings_followup")
