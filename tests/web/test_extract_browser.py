"""Browser journey: paste minutes, read them into tasks, correct them, register."""

from __future__ import annotations

from typing import Any

from duban.work.models import Directive, TaskStatus
from tests.conftest import County
from tests.web.conftest import screenshot, sign_in

MINUTES = (
    "会议要求，由县发改局牵头，县财政局、县文旅局配合，于2030年6月底前完成项目策划。\n"
    "各乡镇人民政府要落实属地责任，每月5日前报送进展。"
)


def test_a_supervisor_reads_minutes_into_tasks_and_registers_them(
    web_county: County, page: Any
) -> None:
    sign_in(page, "alice")
    page.wait_for_url("**/workbench/")
    page.goto(page.base + "/directives/new/")
    page.get_by_label("事项来源").select_option("meeting")
    page.get_by_label("标题").fill("县政府第3次常务会议议定事项")
    page.get_by_label("正文").fill(MINUTES)
    page.get_by_role("button", name="从正文识别任务").click()
    status = page.locator("#extract-status")
    status.get_by_text("已识别出 2 项任务").wait_for()
    assert "有 1 个单位名称不在单位库中" in status.inner_text()
    first = page.locator(".task-form").nth(0)
    second = page.locator(".task-form").nth(1)
    assert first.get_by_label("事项内容").input_value() == "于2030年6月底前完成项目策划。"
    assert first.get_by_label("完成时限").input_value() == "2030-06-30"
    assert [c.inner_text()[:-1] for c in first.locator(".chip").all()] == ["县发改局", "县财政局"]
    unknown = first.locator(".unknown-name")
    assert "单位库中没有“县文旅局”" in unknown.inner_text()
    assert second.get_by_label("报送周期").input_value() == "monthly"
    assert [c.inner_text()[:-1] for c in second.locator(".chip").all()] == ["城关镇", "新华乡"]
    screenshot(page, "extract_drafts")
    page.get_by_role("button", name="登记", exact=True).click()
    page.wait_for_url("**/directives/*/")
    assert page.get_by_text("已登记并已交办").is_visible()
    screenshot(page, "extract_registered")
    tasks = list(Directive.objects.get().tasks.order_by("number"))
    assert [t.content for t in tasks] == [
        "于2030年6月底前完成项目策划。",
        "落实属地责任，每月5日前报送进展。",
    ]
    assert all(t.status == TaskStatus.ASSIGNED for t in tasks)
    assert [a.unit.short_name for a in tasks[0].assignments.order_by("position")] == [
        "县发改局",
        "县财政局",
    ]


def test_a_closest_match_settles_an_unknown_name(web_county: County, page: Any) -> None:
    sign_in(page, "alice")
    page.wait_for_url("**/workbench/")
    page.goto(page.base + "/directives/new/")
    page.get_by_label("正文").fill("请县发展改革局会同县财政局于2030年底前报送方案。")
    page.get_by_role("button", name="从正文识别任务").click()
    notice = page.locator(".unknown-name").first
    notice.wait_for()
    notice.get_by_role("button", name="县发改局").click()
    assert "已对应为 县发改局" in notice.inner_text()
    lead = page.locator(".task-form").first.locator(".unit-picker").first
    assert [c.inner_text()[:-1] for c in lead.locator(".chip").all()] == ["县发改局"]
    screenshot(page, "extract_settled")


def test_a_past_deadline_is_flagged_on_its_draft_and_corrected(
    web_county: County, page: Any
) -> None:
    sign_in(page, "alice")
    page.wait_for_url("**/workbench/")
    page.goto(page.base + "/directives/new/")
    page.get_by_label("事项来源").select_option("meeting")
    page.get_by_label("标题").fill("县政府第9次常务会议议定事项")
    page.get_by_label("收文时间").fill("2026-03-16T09:00")
    page.get_by_label("正文").fill(
        "二、关于秋冬季森林防火。\n由县财政局牵头，立即开展隐患排查，2025年11月底前完成。\n"
        "三、请县发改局于2030年6月底前完成项目策划。"
    )
    page.get_by_role("button", name="从正文识别任务").click()
    status = page.locator("#extract-status")
    status.get_by_text("已识别出 2 项任务").wait_for()
    assert "有 1 项识别出的时限已过，已标出，请核对。" in status.inner_text()
    first = page.locator(".task-form").nth(0)
    second = page.locator(".task-form").nth(1)
    flag = first.locator(".past-due")
    assert flag.is_visible()
    assert flag.inner_text() == "识别出的时限已过（2025年11月30日），请核对。"
    assert first.get_by_label("完成时限").input_value() == "2025-11-30"
    assert second.locator(".past-due").count() == 0
    assert page.locator(".error").count() == 0  # nothing refused at the top
    screenshot(page, "extract_past_deadline")
    first.get_by_label("完成时限").fill("2030-11-30")
    page.get_by_role("button", name="登记", exact=True).click()
    page.wait_for_url("**/directives/*/")
    task = Directive.objects.get().tasks.order_by("number").first()
    assert task is not None and str(task.due) == "2030-11-30"
