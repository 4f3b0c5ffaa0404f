"""The worker end to end: an action's outbox row reaches a local receiver, with retries,
backoff, dead letters, refusals, quiet hours, 特急, muted events, digests and claiming."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

import pytest

from duban.notify import actions as notify_actions
from duban.notify.models import ChannelConfig, Delivery, Notification, Outbox, Preference
from duban.notify.worker import claim, deliver_due, fan_out
from duban.work import actions
from tests.conftest import County, at
from tests.notify.receivers import HttpReceiver, Request
from tests.work import flow

NOW = at("2026-03-10 10:00")


class Robot:
    """企业微信 group robot: answers with what the test sets, records the texts."""

    def __init__(self) -> None:
        self.answer: Any = (200, {"errcode": 0, "errmsg": "ok"})
        self.texts: list[str] = []

    def __call__(self, req: Request) -> Any:
        assert req.path == "/cgi-bin/webhook/send" and req.query == {"key": "K"}
        body = req.json()
        assert body["msgtype"] == "text"
        self.texts.append(body["text"]["content"])
        return self.answer


@pytest.fixture
def robot(county: County) -> Any:
    r = Robot()
    with HttpReceiver(r) as rx:
        ChannelConfig.objects.create(
            kind="wecom_robot",
            enabled=True,
            options={"base_url": rx.url, "timeout": 0.5},
            secrets={"key": "K"},
            max_attempts=3,
        )
        yield r


def prefer(user: Any, **kw: Any) -> Preference:
    fields = {"channels": ["wecom_robot"], "mobile": "13800000001", **kw}
    return Preference.objects.create(user=user, **fields)


def deliveries(user: Any, channel: str = "wecom_robot") -> list[Delivery]:
    return list(Delivery.objects.filter(outbox__recipient=user, channel=channel).order_by("id"))


def test_an_assignment_reaches_the_robot_and_the_inbox_and_reads_are_tracked(
    county: County, robot: Robot
) -> None:
    prefer(county.amy)
    task = flow.task(county, NOW)
    report = deliver_due(now=NOW)
    assert report.sent == 1 and report.fanned_out >= 2  # amy and adam (no preferences)
    [text] = robot.texts
    assert text.startswith("新交办事项：加快推进城东污水处理厂建设")
    assert text.endswith(f"事项编号：{task.code}")
    [d] = deliveries(county.amy)
    assert (d.state, d.attempts, d.address) == ("delivered", 1, "13800000001")
    [app] = deliveries(county.amy, "in_app")
    assert app.state == "delivered"
    assert not deliveries(county.adam)  # no preference: the inbox only
    note = Notification.objects.get(user=county.amy, source=d.outbox)
    notify_actions.mark_read(by=county.amy, notifications=[note], now=NOW)
    app.refresh_from_db()
    assert app.state == "read" and app.read_at == NOW
    assert deliver_due(now=NOW + timedelta(minutes=1)).sent == 0  # sent once


def test_a_5xx_is_retried_with_backoff_then_dead_lettered_then_retried_by_the_admin(
    county: County, robot: Robot
) -> None:
    prefer(county.amy)
    robot.answer = (502, {})
    flow.task(county, NOW)
    assert deliver_due(now=NOW).retried == 1
    [d] = deliveries(county.amy)
    assert (d.state, d.attempts, d.next_attempt_at) == ("queued", 1, NOW + timedelta(seconds=30))
    assert "HTTP 502" in d.last_error
    assert deliver_due(now=NOW + timedelta(seconds=20)).retried == 0  # not yet due
    assert deliver_due(now=NOW + timedelta(seconds=31)).retried == 1
    d.refresh_from_db()
    assert (d.attempts, d.next_attempt_at) == (2, NOW + timedelta(seconds=91))
    assert deliver_due(now=NOW + timedelta(seconds=92)).dead == 1
    d.refresh_from_db()
    assert (d.state, d.attempts) == ("dead", 3)
    assert deliver_due(now=NOW + timedelta(hours=5)).retried == 0  # dead stays dead
    assert len(robot.texts) == 3

    robot.answer = (200, {"errcode": 0, "errmsg": "ok"})
    later = NOW + timedelta(hours=6)
    assert notify_actions.retry_deliveries(by=county.sam, ids=[d.pk], now=later) == 1
    assert deliver_due(now=later).sent == 1
    d.refresh_from_db()
    assert (d.state, d.attempts) == ("delivered", 1)


def test_a_timeout_is_retried(county: County, robot: Robot) -> None:
    prefer(county.amy)
    robot.answer = "hang"
    flow.task(county, NOW)
    assert deliver_due(now=NOW).retried == 1
    [d] = deliveries(county.amy)
    assert d.state == "queued" and "超时" in d.last_error


def test_a_refused_message_fails_once_and_is_not_retried(county: County, robot: Robot) -> None:
    prefer(county.amy)
    robot.answer = (200, {"errcode": 93000, "errmsg": "invalid webhook url"})
    flow.task(county, NOW)
    assert deliver_due(now=NOW).failed == 1
    [d] = deliveries(county.amy)
    assert (d.state, d.attempts) == ("failed", 1) and "93000" in d.last_error
    assert deliver_due(now=NOW + timedelta(days=1)).failed == 0
    assert len(robot.texts) == 1


def test_quiet_hours_hold_a_message_until_morning_but_not_a_urgent_one(
    county: County, robot: Robot
) -> None:
    prefer(county.amy, quiet_start=time(22, 0), quiet_end=time(7, 30))
    night = at("2026-03-10 23:00")
    flow.task(county, night)
    assert deliver_due(now=night).sent == 0
    [d] = deliveries(county.amy)
    assert d.next_attempt_at == at("2026-03-11 07:30")
    assert deliver_due(now=at("2026-03-11 07:29")).sent == 0
    assert deliver_due(now=at("2026-03-11 07:30")).sent == 1

    # 特急: straight through the quiet hours.
    d2 = flow.directive(county, night, urgency="extra", title="关于防汛应急的紧急批示")
    draft = actions.TaskDraft(
        content="立即排查城区易涝点", lead=[county.a], co=[], due={"date": "2026-03-12"}
    )
    [t] = actions.decompose(directive=d2, tasks=[draft], by=county.alice, now=night)
    actions.assign(task=t, by=county.alice, now=night)
    robot.texts.clear()
    assert deliver_due(now=night).sent == 1
    assert robot.texts[0].startswith("新交办事项：立即排查城区易涝点")


def test_muted_events_stay_in_the_inbox(county: County, robot: Robot) -> None:
    prefer(county.amy, muted_kinds=["assigned"])
    task = flow.task(county, NOW)
    deliver_due(now=NOW)
    assert robot.texts == []
    assert Notification.objects.filter(user=county.amy, kind="assigned").exists()
    actions.urge(task=task, message="请加快进度", by=county.alice, now=NOW)
    deliver_due(now=NOW)
    assert len(robot.texts) == 1 and robot.texts[0].startswith("催办：")


def test_the_daily_digest_replaces_one_message_per_event(county: County, robot: Robot) -> None:
    prefer(county.amy, digest=True, digest_time=time(8, 0))
    early = at("2026-03-11 07:00")
    task = flow.task(county, early, due={"date": "2026-03-12"})
    actions.urge(task=task, message="请加快进度", by=county.alice, now=early)
    deliver_due(now=early)
    assert robot.texts == []  # the events wait for the digest
    assert deliver_due(now=at("2026-03-11 07:59")).digests == 0
    morning = at("2026-03-11 08:00")
    report = deliver_due(now=morning)
    assert report.digests == 1 and report.sent == 1
    [text] = robot.texts
    assert text.startswith("每日提醒（3月11日）：到期1项，红灯0项")
    assert "3日内到期1项" in text and task.code in text
    assert "待签收1项" in text
    assert deliver_due(now=at("2026-03-11 12:00")).digests == 0  # once a day
    assert Outbox.objects.filter(kind="digest", recipient=county.amy).count() == 1


def test_rate_limit_per_channel(county: County, robot: Robot) -> None:
    ChannelConfig.objects.filter(kind="wecom_robot").update(rate_per_minute=2)
    prefer(county.amy)
    task = flow.task(county, NOW)
    for i in range(3):
        actions.urge(task=task, message=f"第{i + 1}次催办", by=county.alice, now=NOW)
    assert deliver_due(now=NOW).sent == 2
    assert deliver_due(now=NOW).sent == 0  # this minute's quota is used
    assert Delivery.objects.filter(channel="wecom_robot", state="queued").count() == 2


def test_a_claimed_delivery_is_not_claimed_again_until_its_lease_ends(
    county: County, robot: Robot
) -> None:
    prefer(county.amy)
    flow.task(county, NOW)
    fan_out(now=NOW)  # deliveries planned, none sent yet
    first, _ = claim("wecom_robot", now=NOW, limit=10)
    second, _ = claim("wecom_robot", now=NOW, limit=10)
    assert len(first) == 1 and second == []
    again, _ = claim("wecom_robot", now=NOW + timedelta(minutes=3), limit=10)
    assert again == first  # a worker that died mid-send: the row comes back


def test_a_channel_turned_off_keeps_its_queue(county: County, robot: Robot) -> None:
    prefer(county.amy)
    flow.task(county, NOW)
    ChannelConfig.objects.filter(kind="wecom_robot").update(enabled=False)
    deliver_due(now=NOW)
    assert robot.texts == []  # off before fan-out: no delivery planned at all
    assert deliveries(county.amy) == []


def test_an_empty_digest_is_not_sent_and_the_window_closes(county: County, robot: Robot) -> None:
    prefer(county.carl, digest=True)  # default time 08:00; unit C has nothing yet
    assert deliver_due(now=at("2026-03-11 08:00")).digests == 0
    flow.task(county, at("2026-03-11 08:05"), lead=[county.c], co=[])
    assert deliver_due(now=at("2026-03-11 08:06")).digests == 0  # checked 6 minutes ago
    assert deliver_due(now=at("2026-03-11 08:10")).digests == 1  # something to say now
    assert robot.texts[-1].startswith("每日提醒（3月11日）")
    # The next day the task waits again, but past 10:00 no digest goes out.
    assert deliver_due(now=at("2026-03-12 10:00")).digests == 0
    assert deliver_due(now=at("2026-03-13 09:59")).digests == 1
