"""Browser journeys for the supervisor's register form, the workbench, and the lockout."""

from __future__ import annotations

import re
from typing import Any

from duban.work.models import Directive, TaskStatus
from tests.conftest import County
from tests.web.conftest import screenshot, sign_in


def test_a_supervisor_registers_and_sends_out_a_directive(web_county: County, page: Any) -> None:
    sign_in(page, "alice")
    page.wait_for_url("**/workbench/")
    page.get_by_role("link", name="登记来文").first.click()
    page.get_by_label("标题").fill("林建国县长对城区内涝点整治的批示")
    page.get_by_label("文号").fill("云政阅〔2026〕12号")
    page.get_by_label("事项来源").select_option("instruction")
    page.get_by_label("批示领导").select_option(label="副县长李丽")
    page.get_by_label("事项内容").fill("研究提出城区内涝点整治意见")
    lead = page.get_by_label("牵头单位（第一个为主办）")
    lead.fill("fgj")  # pinyin initials of 县发改局
    page.get_by_role("option", name="县发改局").click()
    co = page.get_by_label("配合单位")
    co.fill("各乡镇")
    page.get_by_role("option", name="各乡镇人民政府（2个单位）").click()
    page.get_by_label("完成时限").fill("5个工作日")
    screenshot(page, "directive_new")
    page.get_by_role("button", name="登记", exact=True).click()
    page.wait_for_url(re.compile(r"/directives/\d+/$"))
    assert page.get_by_text("已登记并已交办").is_visible()
    row = page.get_by_role("row", name="研究提出城区内涝点整治意见")
    assert "县发改局" in row.inner_text() and "待签收" in row.inner_text()
    screenshot(page, "directive")
    task = Directive.objects.get().tasks.get()
    assert task.status == TaskStatus.ASSIGNED
    units = [a.unit.short_name for a in task.assignments.order_by("position")]
    assert units == ["县发改局", "城关镇", "新华乡"]
    page.get_by_role("link", name="工作台").click()
    assert page.get_by_text("今日来文已全部交办").is_visible()
    screenshot(page, "workbench")


def test_the_form_shows_errors_next_to_fields(web_county: County, page: Any) -> None:
    sign_in(page, "alice")
    page.goto(page.base + "/directives/new/")
    page.get_by_label("标题").fill("测试批示")
    page.get_by_label("事项内容").fill("一项没有牵头单位的任务")
    page.get_by_label("完成时限").fill("尽快")
    page.get_by_role("button", name="登记", exact=True).click()
    assert page.get_by_text("无法识别完成时限“尽快”").is_visible()
    assert page.get_by_text("这个字段是必填项").first.is_visible()
    assert not Directive.objects.exists()


def test_five_wrong_passwords_lock_the_account(web_county: County, page: Any) -> None:
    for _ in range(5):
        sign_in(page, "amy", "wrong-password")
    assert page.get_by_text("该账号已被锁定15分钟").is_visible()
    screenshot(page, "locked")
    sign_in(page, "amy")  # the right password, still locked
    assert page.get_by_text("该账号已被锁定15分钟").is_visible()
