"""Browser journeys for the three administrators, and the sign-in steps they bring.

Screenshots (test-artifacts/screenshots/): admin_2fa_setup, admin_2fa_codes,
admin_sys_user, admin_sys_password, admin_sys_unit, admin_sec_policy, admin_sec_sessions,
admin_audit_log, admin_forced_change, admin_locked.
"""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest
from django.utils import timezone
from django_otp.oath import totp

from duban.audit.models import AccessKind, AccessLog
from duban.org.models import Role, UnitAlias, User
from tests.conftest import County
from tests.web.conftest import screenshot, sign_in


def _lock(username: str) -> None:
    from axes.models import AccessAttempt

    AccessAttempt.objects.create(
        username=username,
        ip_address="10.0.0.8",
        user_agent="x",
        failures_since_start=5,
        attempt_time=timezone.now(),
        get_data="",
        post_data="",
        http_accept="",
        path_info="/login/",
    )


def test_the_sysadmin_enrols_a_second_factor_then_unlocks_resets_and_adds_an_alias(
    web_county: County, page: Any, settings: Any
) -> None:
    settings.DUBAN_SECURITY_DEFAULTS = {}  # the real default: 三员 need two factors
    _lock("bob")
    sign_in(page, "sam")
    page.wait_for_url("**/account/two-factor/")
    assert page.locator(".qr svg").count() == 1
    screenshot(page, "admin_2fa_setup")
    secret = page.locator("code.secret").inner_text().replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    page.get_by_label("验证码").fill(f"{totp(key):06d}")
    page.get_by_role("button", name="确认启用").click()
    assert page.locator("ul.codes li").count() == 10
    screenshot(page, "admin_2fa_codes")
    page.get_by_role("link", name="我已保存，进入系统").click()
    page.wait_for_url("**/sysadmin/")

    page.get_by_label("状态").select_option("locked")
    page.get_by_role("button", name="查找").click()
    page.get_by_role("link", name="bob").click()
    assert page.get_by_text("已锁定").first.is_visible()
    screenshot(page, "admin_sys_user")
    page.get_by_role("button", name="解锁").click()
    assert page.get_by_text("已解锁").is_visible()
    page.get_by_role("button", name="重置密码").click()
    temp = page.locator(".temp-password").inner_text()
    screenshot(page, "admin_sys_password")
    bob = User.objects.get(username="bob")
    assert bob.check_password(temp) and bob.must_change_password

    page.get_by_role("link", name="单位与别名").first.click()
    page.get_by_role("link", name="县财政局").click()
    page.get_by_label("添加别名").fill("财政")
    page.get_by_role("button", name="添加").click()
    assert page.get_by_text("别名已添加").is_visible()
    screenshot(page, "admin_sys_unit")
    assert UnitAlias.objects.filter(alias="财政", unit=web_county.b).exists()
    # No task content anywhere for the sysadmin.
    assert page.goto(page.base + "/ledger/").status == 403


def test_the_secadmin_gives_a_role_sets_the_policy_and_ends_a_session(
    web_county: County, page: Any, browser: Any
) -> None:
    other = browser.new_context(locale="zh-CN")
    amy = other.new_page()
    amy.base = page.base
    sign_in(amy, "amy")
    amy.wait_for_url("**/unit/")

    sign_in(page, "sec")
    page.wait_for_url("**/secadmin/")
    page.get_by_role("link", name="bob").click()
    page.get_by_label("角色", exact=True).select_option("unit_head")
    page.get_by_label("所在单位（联络员、单位负责人必填）").select_option(label="县财政局")
    page.get_by_role("button", name="保存角色").click()
    assert page.get_by_text("单位负责人").first.is_visible()
    assert User.objects.get(username="bob").role == Role.UNIT_HEAD

    page.get_by_role("link", name="安全策略").first.click()
    page.get_by_label("空闲超时").fill("20")
    page.get_by_label("所有账号").fill("127.0.0.0/8")
    page.get_by_role("checkbox", name="安全管理员").uncheck()  # keep this browser's session usable
    page.get_by_role("checkbox", name="系统管理员").uncheck()
    page.get_by_role("checkbox", name="安全审计员").uncheck()
    page.get_by_role("button", name="保存安全策略").click()
    assert page.get_by_text("安全策略已保存").is_visible()
    screenshot(page, "admin_sec_policy")

    page.get_by_role("link", name="在线会话").first.click()
    row = page.locator("tr", has_text="安梅")
    screenshot(page, "admin_sec_sessions")
    row.get_by_role("button", name="强制下线").click()
    assert page.get_by_text("已强制下线").is_visible()
    amy.goto(amy.base + "/unit/")
    assert "/login/" in amy.url
    other.close()


def test_the_auditor_lands_on_the_log_exports_it_and_cannot_read_tasks(
    web_county: County, page: Any, tmp_path: Any
) -> None:
    from tests.conftest import at
    from tests.work import flow

    task = flow.task(web_county, at("2026-03-02 09:00"))
    sign_in(page, "mallory", "wrong")  # a failed sign-in for the auditor to find
    sign_in(page, "aud")
    page.wait_for_url("**/audit/")
    assert page.get_by_text("完整性校验通过").is_visible()
    page.get_by_label("结果").select_option("failed")
    page.get_by_role("button", name="筛选").click()
    assert page.locator("td", has_text="mallory").count() == 1
    screenshot(page, "admin_audit_log")
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Excel").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    assert page.goto(f"{page.base}/tasks/{task.pk}/").status == 403
    assert AccessLog.objects.filter(
        kind=AccessKind.REFUSED, user=web_county.aud, detail__contains=f"/tasks/{task.pk}/"
    ).exists()


def test_a_reset_account_changes_its_password_first_and_the_lock_page_says_how(
    web_county: County, page: Any
) -> None:
    from duban.org import actions

    temp = actions.reset_password(by=web_county.sam, user=web_county.amy)
    sign_in(page, "amy", temp)
    page.wait_for_url("**/password/")
    assert page.get_by_text("临时密码").is_visible()
    page.get_by_label("原密码").fill(temp)
    page.get_by_label("新密码", exact=True).fill("short")
    page.get_by_label("再次输入新密码").fill("short")
    page.get_by_role("button", name="保存").click()
    assert page.get_by_text("密码至少须有8位").is_visible()
    screenshot(page, "admin_forced_change")
    page.get_by_label("原密码").fill(temp)
    page.get_by_label("新密码", exact=True).fill("Xin-Mima-2026")
    page.get_by_label("再次输入新密码").fill("Xin-Mima-2026")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/unit/")
    page.get_by_role("button", name="退出").click()

    for _ in range(6):
        sign_in(page, "bob", "wrong")
    assert page.get_by_role("heading", name="账号已锁定").is_visible()
    assert re.search("系统管理员.*解锁", page.content())
    screenshot(page, "admin_locked")


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
