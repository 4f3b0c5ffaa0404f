"""Browser journeys: one per role, from signing in to a finished action on a task.

The data is made with the actions before signing in; each journey then asserts what the
person sees afterwards. Screenshots land in test-artifacts/screenshots/ for a person to
look at: unit_home, task, task_phone (390×844), leader_home.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from duban.coordination.tick import tick
from duban.work import actions
from duban.work.models import EventKind, TaskStatus
from tests.conftest import County
from tests.web.conftest import screenshot, sign_in
from tests.work import flow

FAR = {"date": "2030-06-30"}


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_liaison_receives_and_reports_progress_with_a_photo(
    web_county: County, page: Any, tmp_path: Path
) -> None:
    now = timezone.now()
    task = flow.task(
        web_county,
        now,
        due=FAR,
        content="推进城东污水处理厂二期建设，年底前完成管网铺设",
        requirement="每月报送施工进度，附现场照片",
        cycle="monthly",
        cycle_day=5,
        source_excerpt="会议议定：城东污水处理厂二期由县发改局牵头、县财政局配合，年底前完成管网铺设。",
    )
    flow.task(web_county, now, due=FAR, content="编制全县充电桩布局规划", co=[])
    weekly = flow.task(
        web_county,
        now - timedelta(days=10),
        due=FAR,
        content="每周报送招商引资项目进展",
        cycle="weekly",
        cycle_day=5,
    )
    actions.receive(task=weekly, by=web_county.amy, now=now)
    back = flow.task(web_county, now, due=FAR, co=[], content="完善重点项目储备库")
    actions.receive(task=back, by=web_county.amy, now=now)
    actions.submit_done(task=back, text="已完成入库", by=web_county.amy, now=now)
    actions.verify(
        confirm_silent_co=True,
        task=back,
        accept=False,
        reason="缺少项目可研批复材料",
        by=web_county.alice,
        now=now,
    )
    sign_in(page, "amy")
    page.wait_for_url("**/unit/")
    assert page.get_by_role("heading", name="本单位事项").is_visible()
    assert page.get_by_role("heading", name="待签收（2）").is_visible()
    assert "每周报送招商引资项目进展" in page.locator("#h-rep").locator("..").inner_text()
    assert "缺少项目可研批复材料" in page.locator("#h-back").locator("..").inner_text()
    screenshot(page, "unit_home")

    # 签收 right in the list; the page comes back with one task fewer to receive.
    page.get_by_role("button", name="签收：推进城东污水处理厂").click()
    page.wait_for_url("**/unit/")
    assert page.get_by_text("已签收。").is_visible()
    assert page.get_by_role("heading", name="待签收（1）").is_visible()

    page.locator("#h-open").locator("..").get_by_role("link", name="推进城东污水处理厂").click()
    page.wait_for_url(f"**/tasks/{task.pk}/")
    page.locator("#act-report summary").click()
    page.get_by_label("进展情况", exact=True).fill("管网招标已完成，施工单位进场，已铺设2.3公里。")
    photo = tmp_path / "施工现场.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    page.get_by_label("附件", exact=True).set_input_files(str(photo))
    page.locator("#act-report").get_by_role("button", name="报送").click()

    page.wait_for_url(f"**/tasks/{task.pk}/")
    assert page.get_by_text("进展已报送。").is_visible()
    timeline = page.locator("#h-tl").locator("..")
    assert "管网招标已完成" in timeline.inner_text()
    assert timeline.get_by_role("link", name="施工现场.jpg", exact=True).is_visible()
    assert "安梅（县发改局）" in timeline.inner_text()
    screenshot(page, "task")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "task_phone")
    # Nothing is wider than the phone's screen but the tables, which scroll in their box.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS and task.last_report_at is not None


def test_a_unit_head_submits_the_task_done(web_county: County, page: Any, tmp_path: Path) -> None:
    now = timezone.now()
    task = flow.task(web_county, now, due=FAR, co=[], content="修订县城区防汛应急预案")
    actions.receive(task=task, by=web_county.amy, now=now)
    sign_in(page, "adam")
    page.wait_for_url("**/unit/")
    page.get_by_role("link", name="修订县城区防汛应急预案").first.click()
    page.locator("#act-submit summary").click()
    page.get_by_label("办结情况", exact=True).fill("预案已经县防指审定，于本月印发实施。")
    evidence = tmp_path / "预案印发通知.pdf"
    evidence.write_bytes(b"%PDF-1.4 notice")
    page.get_by_label("佐证材料").set_input_files(str(evidence))
    page.locator("#act-submit").get_by_role("button", name="报送办结").click()

    assert page.get_by_text("办结情况已报送。").is_visible()
    assert page.locator("h1 + p").get_by_text("待审核").is_visible()
    assert "预案印发通知.pdf" in page.locator("#h-tl").locator("..").inner_text()
    assert page.locator("#act-submit").count() == 0  # nothing left to submit
    task.refresh_from_db()
    assert task.status == TaskStatus.SUBMITTED


def test_the_office_verifies_and_closes(web_county: County, page: Any) -> None:
    now = timezone.now()
    task = flow.task(web_county, now, due=FAR, co=[], content="完成县政务服务中心窗口整合")
    actions.receive(task=task, by=web_county.amy, now=now)
    actions.submit_done(task=task, text="窗口已整合为综合受理", by=web_county.amy, now=now)
    sign_in(page, "alice")
    page.wait_for_url("**/workbench/")
    page.goto(page.base + f"/tasks/{task.pk}/")
    assert page.locator("h1 + p").get_by_text("待审核").is_visible()
    page.get_by_role("button", name="审核通过").click()
    assert page.get_by_text("审核通过。").is_visible()
    assert page.locator("h1 + p").get_by_text("已审核").is_visible()
    page.get_by_role("button", name="办结销号").click()

    assert page.get_by_text("已办结销号。").is_visible()
    status = page.locator("h1 + p")
    assert status.get_by_text("已办结").is_visible()
    assert status.locator(".light.on_time").inner_text() == "按期办结"
    assert (
        page.locator("#h-act").count() == 0 or "销号" not in page.locator(".actions").inner_text()
    )
    task.refresh_from_db()
    assert task.status == TaskStatus.CLOSED and task.closed_on_time


def test_the_office_decides_from_the_workbench(web_county: County, page: Any) -> None:
    now = timezone.now()
    task = flow.task(web_county, now, due=FAR, co=[], content="整治城区背街小巷环境卫生")
    actions.receive(task=task, by=web_county.amy, now=now)
    actions.submit_done(task=task, text="12条背街小巷已整治完毕", by=web_county.amy, now=now)
    sign_in(page, "alice")
    page.wait_for_url("**/workbench/")
    screenshot(page, "workbench_items")
    page.get_by_role("button", name=f"审核通过：{task.code}").click()
    page.wait_for_url("**/workbench/")
    assert page.get_by_text(f"{task.code}：审核通过。").is_visible()
    page.get_by_role("button", name=f"办结销号：{task.code}").click()
    page.wait_for_url("**/workbench/")
    assert page.get_by_text(f"{task.code}：已办结销号。").is_visible()
    assert page.get_by_text("没有待销号的事项。").is_visible()
    task.refresh_from_db()
    assert task.status == TaskStatus.CLOSED


def test_a_leader_sees_a_red_task_and_writes_an_instruction(web_county: County, page: Any) -> None:
    now = timezone.now()
    red = flow.task(
        web_county,
        now - timedelta(days=30),
        due={"date": (timezone.localdate() - timedelta(days=2)).isoformat()},
        content="老旧小区改造项目立项审批",
        is_key=True,
    )
    flow.task(web_county, now, due=FAR, content="农贸市场提升改造", lead=[web_county.b], co=[])
    flow.task(web_county, now, due=FAR, content="城关镇集镇污水管网", lead=[web_county.c], co=[])
    tick(now=now)
    sign_in(page, "lily")
    page.wait_for_url("**/leader/")
    assert page.get_by_role("heading", name="我的分管").is_visible()
    warnings = page.locator("#h-warn").locator("..")
    assert "老旧小区改造项目立项审批" in warnings.inner_text()
    assert warnings.locator(".light.red").first.is_visible()
    line = page.locator("#h-line").locator("..").inner_text()
    assert "县发改局" in line and "县财政局" in line and "城关镇" not in line
    screenshot(page, "leader_home")

    warnings.get_by_role("link", name="批示").first.click()
    page.wait_for_url(f"**/tasks/{red.pk}/#act-comment")
    page.get_by_label("批示内容", exact=True).fill("请县发改局本周内拿出解决方案，报我审定。")
    page.get_by_role("button", name="发送批示").click()

    assert page.get_by_text("批示已发送。").is_visible()
    timeline = page.locator("#h-tl").locator("..").inner_text()
    assert "领导批示" in timeline and "请县发改局本周内拿出解决方案" in timeline
    assert "李丽（县领导）" in timeline
    assert red.events.filter(kind=EventKind.COMMENTED, actor=web_county.lily).exists()
