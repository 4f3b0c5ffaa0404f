"""Notifications (issue 13), in a real browser: the sysadmin configures a channel, a liaison
chooses it, and the task page then shows the delivery.
Screenshots: test-artifacts/screenshots/notify_*.png."""

from __future__ import annotations

from typing import Any

from duban.notify.models import ChannelConfig, Preference
from duban.notify.worker import deliver_due
from tests.conftest import County
from tests.notify.receivers import HttpReceiver, Request
from tests.web.conftest import screenshot, sign_in
from tests.work import flow


def test_sysadmin_sets_up_a_robot_and_a_liaison_chooses_it(web_county: County, page: Any) -> None:
    texts: list[str] = []

    def respond(req: Request) -> Any:
        assert req.query == {"key": "robot-key-1"}
        texts.append(req.json()["text"]["content"])
        return 200, {"errcode": 0, "errmsg": "ok"}

    with HttpReceiver(respond) as rx:
        sign_in(page, "sam")
        page.wait_for_load_state()
        page.goto(page.base + "/notifications/")  # the workspace header links the page
        page.get_by_role("link", name="通知渠道").click()
        page.wait_for_url("**/sysadmin/channels/")
        card = page.locator("#ch-wecom_robot")
        card.get_by_label("启用此渠道").check()
        card.get_by_label("服务器地址").fill(rx.url)
        card.get_by_label("机器人Webhook的key").fill("robot-key-1")
        card.get_by_role("button", name="保存企业微信群机器人设置").click()
        page.wait_for_url("**/sysadmin/channels/#ch-wecom_robot")
        assert page.get_by_text("企业微信群机器人设置已保存。").is_visible()
        card = page.locator("#ch-wecom_robot")
        assert card.get_by_label("机器人Webhook的key").input_value() == ""
        assert (
            card.get_by_label("机器人Webhook的key").get_attribute("placeholder")
            == "已设置，留空保持不变"
        )
        card.get_by_label("发送测试消息到").fill("13800000001")
        card.get_by_role("button", name="发送测试消息").click()
        assert page.get_by_text("企业微信群机器人：发送成功（已送达）。").is_visible()
        assert texts and texts[0].startswith("督办系统测试消息")
        screenshot(page, "notify_channels")
        page.get_by_role("button", name="退出").click()

        sign_in(page, "amy")
        page.get_by_role("link", name="通知", exact=False).first.click()
        page.get_by_role("link", name="通知设置").click()
        page.wait_for_url("**/notifications/settings/")
        page.get_by_label("企业微信群机器人").check()
        page.get_by_role("button", name="保存").click()
        assert page.get_by_text("电子邮件需要填写邮箱地址。").count() == 0
        page.wait_for_url("**/notifications/settings/")
        assert page.get_by_text("通知设置已保存。").is_visible()
        page.get_by_label("手机号码").fill("13800000001")
        page.get_by_label("免打扰开始").fill("22:00")
        page.get_by_label("免打扰结束").fill("07:30")
        page.get_by_role("button", name="保存").click()
        assert page.get_by_text("通知设置已保存。").is_visible()
        screenshot(page, "notify_preferences")
        pref = Preference.objects.get(user=web_county.amy)
        assert pref.channels == ["wecom_robot"] and pref.mobile == "13800000001"

        from django.utils import timezone

        now = timezone.now().replace(hour=10)  # outside amy's quiet hours
        task = flow.task(web_county, now, due={"days": 30})
        deliver_due(now=now)
        assert any(t.startswith("新交办事项：") for t in texts)
        page.goto(page.base + f"/tasks/{task.pk}/")
        page.get_by_text("通知送达情况").click()
        assert page.get_by_text("企业微信群机器人：已送达").first.is_visible()
        screenshot(page, "notify_task_deliveries")
    assert ChannelConfig.objects.get(kind="wecom_robot").secrets == {"key": "robot-key-1"}
