"""The sysadmin's channel page and every user's notification settings, over HTTP."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from duban.audit.models import AccessLog
from duban.notify.models import ChannelConfig, Delivery, Preference
from duban.notify.worker import deliver_due
from tests.conftest import County, at
from tests.notify.receivers import HttpReceiver, Request
from tests.work import flow


def robot_form(url: str, **kw: str) -> dict[str, str]:
    return {
        "enabled": "on",
        "base_url": url,
        "key": "SECRET-KEY-123",
        "timeout": "1",
        "rate_per_minute": "20",
        "max_attempts": "3",
        **kw,
    }


def test_only_the_sysadmin_sees_the_channel_page(county: County, client_for: Any) -> None:
    for user in (county.alice, county.amy, county.aud):
        assert client_for(user).get("/sysadmin/channels/").status_code == 403
    assert AccessLog.objects.filter(kind="refused", user=county.alice).exists()
    page = client_for(county.sam).get("/sysadmin/channels/")
    assert page.status_code == 200
    text = page.content.decode()
    for label in (
        "电子邮件",
        "短信",
        "企业微信/政务微信应用消息",
        "钉钉群机器人",
        "发送失败的通知",
    ):
        assert label in text
    assert client_for(county.sam).get("/sysadmin/channels/wecom_robot/").status_code == 405
    assert (
        client_for(county.alice)
        .post("/sysadmin/channels/wecom_robot/", robot_form("x"))
        .status_code
        == 403
    )


def test_secrets_are_stored_logged_as_changed_and_never_shown(
    county: County, client_for: Any
) -> None:
    sam = client_for(county.sam)
    r = sam.post("/sysadmin/channels/wecom_robot/", robot_form("http://127.0.0.1:9"))
    assert r.status_code == 302
    config = ChannelConfig.objects.get(kind="wecom_robot")
    assert config.enabled and config.secrets == {"key": "SECRET-KEY-123"}
    assert config.options == {"base_url": "http://127.0.0.1:9", "timeout": 1}
    assert (config.rate_per_minute, config.max_attempts, config.updated_by) == (20, 3, county.sam)
    page = sam.get("/sysadmin/channels/").content.decode()
    assert "SECRET-KEY-123" not in page and "已设置，留空保持不变" in page
    log = AccessLog.objects.filter(kind="admin", user=county.sam).latest("id")
    assert "wecom_robot" in log.detail and "secrets replaced=['key']" in log.detail
    assert "SECRET-KEY-123" not in log.detail
    # Saved again with the secret left blank: kept.
    sam.post("/sysadmin/channels/wecom_robot/", robot_form("http://127.0.0.1:9", key=""))
    config.refresh_from_db()
    assert config.secrets == {"key": "SECRET-KEY-123"}
    # Cleared on purpose.
    sam.post(
        "/sysadmin/channels/wecom_robot/", robot_form("http://127.0.0.1:9", key="", clear_key="on")
    )
    config.refresh_from_db()
    assert config.secrets == {}


def test_bad_settings_are_refused_with_the_field_named(county: County, client_for: Any) -> None:
    sam = client_for(county.sam)
    r = sam.post(
        "/sysadmin/channels/email/",
        {"host": "smtp.x.cn", "port": "五八七", "rate_per_minute": "60", "max_attempts": "5"},
    )
    assert r.status_code == 400 and "端口应为数字。" in r.content.decode()
    assert 'value="smtp.x.cn"' in r.content.decode()  # what was typed stays
    r = sam.post(
        "/sysadmin/channels/sms/",
        {"fields": "{not json", "rate_per_minute": "60", "max_attempts": "5"},
    )
    assert r.status_code == 400 and "请求字段（通用）不是有效的JSON。" in r.content.decode()
    r = sam.post("/sysadmin/channels/sms/", {"rate_per_minute": "0", "max_attempts": "5"})
    assert r.status_code == 400 and "每分钟发送上限应在1到100000之间。" in r.content.decode()
    assert not ChannelConfig.objects.filter(enabled=True).exists()
    assert sam.post("/sysadmin/channels/fax/", {}).status_code == 404


def test_send_test_message_button(county: County, client_for: Any) -> None:
    seen: list[dict[str, Any]] = []

    def respond(req: Request) -> Any:
        assert req.query == {"key": "SECRET-KEY-123"}
        seen.append(req.json())
        return 200, {"errcode": 0, "errmsg": "ok"}

    sam = client_for(county.sam)
    with HttpReceiver(respond) as rx:
        sam.post("/sysadmin/channels/wecom_robot/", robot_form(rx.url))
        r = sam.post(
            "/sysadmin/channels/wecom_robot/test/", {"address": "13800000009"}, follow=True
        )
    text = r.content.decode()
    assert "企业微信群机器人：发送成功（已送达）。" in text
    assert seen[0]["text"]["content"].startswith("督办系统测试消息\n这是一条测试消息，由沈默于")
    assert seen[0]["text"]["mentioned_mobile_list"] == ["13800000009"]
    assert AccessLog.objects.filter(detail__startswith="notify test wecom_robot").exists()
    # A channel not configured says why, never a 500.
    r = sam.post("/sysadmin/channels/dingtalk_work/test/", {"address": "u1"}, follow=True)
    assert "发送失败：应用AppKey未配置" in r.content.decode()


def test_dead_letters_listed_and_retried(county: County, client_for: Any) -> None:
    answers = iter([(500, {}), (500, {}), (200, {"errcode": 0, "errmsg": "ok"})])
    with HttpReceiver(lambda req: next(answers)) as rx:
        ChannelConfig.objects.create(
            kind="wecom_robot",
            enabled=True,
            options={"base_url": rx.url},
            secrets={"key": "K"},
            max_attempts=2,
        )
        Preference.objects.create(user=county.amy, channels=["wecom_robot"], mobile="13800000001")
        now = at("2026-03-10 10:00")
        flow.task(county, now)
        deliver_due(now=now)
        deliver_due(now=at("2026-03-10 10:01"))
        d = Delivery.objects.get(channel="wecom_robot")
        assert d.state == "dead"
        sam = client_for(county.sam)
        page = sam.get("/sysadmin/channels/").content.decode()
        assert "发送失败的通知（1）" in page and "多次失败" in page and "HTTP 500" in page
        r = sam.post("/sysadmin/channels/retry/", {"delivery": [str(d.pk)]}, follow=True)
        assert "已将1条通知重新排队发送。" in r.content.decode()
        deliver_due(now=timezone.now())
    d.refresh_from_db()
    assert d.state == "delivered"
    assert (
        client_for(county.alice)
        .post("/sysadmin/channels/retry/", {"delivery": [str(d.pk)]})
        .status_code
        == 403
    )


def test_every_user_sets_their_preferences(county: County, client_for: Any) -> None:
    ChannelConfig.objects.create(kind="sms", enabled=True)
    amy = client_for(county.amy)
    page = amy.get("/notifications/settings/").content.decode()
    assert "短信" in page and "钉钉工作通知" not in page  # only enabled channels offered
    form = {
        "channels": ["sms"],
        "kinds": ["assigned", "reminders"],
        "quiet_start": "22:00",
        "quiet_end": "07:30",
        "mobile": "",
    }
    r = amy.post("/notifications/settings/", form)
    assert r.status_code == 400 and "短信需要填写手机号码。" in r.content.decode()
    form["mobile"] = "13800000001"
    assert amy.post("/notifications/settings/", form).status_code == 302
    pref = Preference.objects.get(user=county.amy)
    assert pref.channels == ["sms"] and pref.mobile == "13800000001"
    assert set(pref.muted_kinds) == {"extension", "review", "supervise", "other"}
    assert str(pref.quiet_start) == "22:00:00"
    r = amy.post("/notifications/settings/", {**form, "quiet_end": ""})
    assert r.status_code == 400 and "免打扰时段须同时填写开始和结束时间。" in r.content.decode()
    r = amy.post("/notifications/settings/", {**form, "email": "不是邮箱"})
    assert r.status_code == 400 and "请填写有效的电子邮箱地址。" in r.content.decode()


def test_the_task_page_shows_delivery_state_per_channel(county: County, client_for: Any) -> None:
    with HttpReceiver(lambda req: (200, {"errcode": 0, "errmsg": "ok"})) as rx:
        ChannelConfig.objects.create(
            kind="wecom_robot", enabled=True, options={"base_url": rx.url}, secrets={"key": "K"}
        )
        Preference.objects.create(user=county.amy, channels=["wecom_robot"], mobile="13800000001")
        now = at("2026-03-10 10:00")
        task = flow.task(county, now)
        deliver_due(now=now)
    amy = client_for(county.amy)
    note = county.amy.notifications.get()
    amy.post(f"/notifications/{note.pk}/read/")
    text = client_for(county.alice).get(f"/tasks/{task.pk}/").content.decode()
    assert "通知送达情况" in text
    assert "站内通知：已读" in text and "企业微信群机器人：已送达" in text  # amy
    assert "站内通知：已送达" in text  # adam has not opened it
    bob_view = client_for(county.bob).get(f"/tasks/{task.pk}/").content.decode()
    assert "安梅" not in bob_view.split("通知送达情况")[-1]  # another unit's people are not shown
