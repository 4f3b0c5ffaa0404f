"""The write path of notify/: channel settings, retries, test messages, preferences, reads.

Every change the system administrator makes is access-logged in the same transaction
(DESIGN.md "The record"); a secret's value is never logged or shown, only that it changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from django.db import transaction
from django.utils import timezone

from duban.audit.models import AccessKind, AccessLog
from duban.notify.channels import Message, Refused, Retry, build
from duban.notify.events import GROUPS
from duban.notify.models import (
    EXTERNAL_CHANNELS,
    ChannelConfig,
    ChannelKind,
    Delivery,
    DeliveryState,
    Notification,
    Preference,
)
from duban.org.models import Role, User
from duban.work.errors import Invalid
from duban.work.errors import Refused as ActionRefused


def _log(by: User, now: datetime, detail: str, ip: str | None = None) -> None:
    AccessLog.objects.create(
        at=now, kind=AccessKind.ADMIN, user=by, username=by.username, detail=detail, ip=ip
    )


def _sysadmin(by: User, what: str) -> None:
    if by.role != Role.SYSADMIN or not by.is_active:
        raise ActionRefused(
            "只有系统管理员可以配置通知渠道。", log=f"{by.username} {what}: not sysadmin"
        )


def channel(kind: str) -> ChannelConfig:
    if kind not in EXTERNAL_CHANNELS:
        raise Invalid("未知的通知渠道。", log=f"unknown channel {kind}", field="kind")
    row, _ = ChannelConfig.objects.get_or_create(kind=kind)
    return row


@transaction.atomic
def save_channel(
    *,
    by: User,
    kind: str,
    enabled: bool,
    options: dict[str, Any],
    secrets: dict[str, str],
    clear_secrets: Iterable[str] = (),
    rate_per_minute: int,
    max_attempts: int,
    now: datetime,
    ip: str | None = None,
) -> ChannelConfig:
    """Store a channel's settings. A blank secret keeps the stored one (write-only fields)."""
    _sysadmin(by, f"save channel {kind}")
    if not 1 <= rate_per_minute <= 100000:
        raise Invalid("每分钟发送上限应在1到100000之间。", log="bad rate", field="rate_per_minute")
    if not 1 <= max_attempts <= 50:
        raise Invalid("最多尝试次数应在1到50之间。", log="bad attempts", field="max_attempts")
    row = ChannelConfig.objects.select_for_update().get(pk=channel(kind).pk)
    changed = [
        k for k in sorted(set(options) | set(row.options)) if options.get(k) != row.options.get(k)
    ]
    stored = dict(row.secrets)
    new_secrets = [k for k, v in secrets.items() if v]
    for k in new_secrets:
        stored[k] = secrets[k]
    cleared = [k for k in clear_secrets if k in stored]
    for k in cleared:
        del stored[k]
    row.enabled = enabled
    row.options = options
    row.secrets = stored
    row.rate_per_minute = rate_per_minute
    row.max_attempts = max_attempts
    row.updated_at = now
    row.updated_by = by
    # New credentials make the cached access token worthless.
    if new_secrets or cleared or "corpid" in changed or "appkey" in changed:
        row.token, row.token_expires_at = "", None
    row.save()
    _log(
        by,
        now,
        f"notify channel {kind}: enabled={enabled} rate={rate_per_minute}/min "
        f"attempts={max_attempts} options changed={changed} secrets replaced={new_secrets} "
        f"secrets cleared={cleared}",
        ip,
    )
    return row


@transaction.atomic
def retry_deliveries(*, by: User, ids: Iterable[int], now: datetime, ip: str | None = None) -> int:
    """Put dead or refused deliveries back in the queue, with a fresh count of attempts."""
    _sysadmin(by, "retry deliveries")
    ids = list(ids)
    n = Delivery.objects.filter(
        id__in=ids, state__in=[DeliveryState.DEAD, DeliveryState.FAILED]
    ).update(state=DeliveryState.QUEUED, attempts=0, next_attempt_at=now, claimed_until=None)
    _log(by, now, f"notify retry deliveries {sorted(ids)[:50]}: {n} requeued", ip)
    return n


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    message: str


def send_test(
    *, by: User, kind: str, address: str, now: datetime, ip: str | None = None
) -> ProbeResult:
    """Send one test message now, from the settings stored, and say what happened.

    Synchronous on purpose: the administrator waits for the channel's answer (the
    channel's timeout bounds the wait). Not a work action, so nothing waits on it."""
    from duban.notify.worker import DbTokens

    _sysadmin(by, f"test channel {kind}")
    row = channel(kind)
    client = build(kind, row.options, row.secrets, DbTokens(kind))
    message = Message(
        title="督办系统测试消息",
        body=f"这是一条测试消息，由{by.full_name or by.username}于"
        f"{timezone.localtime(now):%Y-%m-%d %H:%M}发送。收到即表示本渠道配置正确。",
    )
    try:
        outcome = client.send(message, address.strip())
        result = ProbeResult(True, f"发送成功（{DeliveryState(outcome.state).label}）。")
    except Refused as e:
        result = ProbeResult(False, f"对方拒收：{e}")
    except Retry as e:
        result = ProbeResult(False, f"发送失败：{e}")
    except Exception as e:  # a client bug must show, not 500
        result = ProbeResult(False, f"发送失败：{type(e).__name__}")
    _log(by, now, f"notify test {kind} to {address[:60]}: ok={result.ok}", ip)
    return result


# ---------------------------------------------------------------- every user


@transaction.atomic
def save_preference(
    *,
    by: User,
    channels: list[str],
    muted_kinds: list[str],
    quiet_start: time | None,
    quiet_end: time | None,
    digest: bool,
    digest_time: time | None,
    email: str,
    mobile: str,
    wecom_userid: str,
    dingtalk_userid: str,
    now: datetime,
) -> Preference:
    bad = [c for c in channels if c not in EXTERNAL_CHANNELS]
    if bad:
        raise Invalid("所选通知渠道不存在。", log=f"bad channels {bad}", field="channels")
    if (quiet_start is None) != (quiet_end is None):
        raise Invalid(
            "免打扰时段须同时填写开始和结束时间。", log="half quiet hours", field="quiet_end"
        )
    if mobile and not (mobile.isdigit() and 5 <= len(mobile) <= 15):
        raise Invalid("手机号码应为数字。", log="bad mobile", field="mobile")
    needs: dict[str, tuple[str, str, str]] = {
        ChannelKind.SMS: ("mobile", mobile, "短信需要填写手机号码。"),
        ChannelKind.WECOM_APP: (
            "wecom_userid",
            wecom_userid,
            "企业微信应用消息需要填写企业微信账号。",
        ),
        ChannelKind.DINGTALK_WORK: (
            "dingtalk_userid",
            dingtalk_userid,
            "钉钉工作通知需要填写钉钉用户ID。",
        ),
        ChannelKind.EMAIL: ("email", email or by.email, "电子邮件需要填写邮箱地址。"),
    }
    for c in channels:
        if c in needs and not needs[c][1]:
            raise Invalid(needs[c][2], log=f"{c} without address", field=needs[c][0])
    pref, _ = Preference.objects.select_for_update().get_or_create(user=by)
    pref.channels = [c for c in EXTERNAL_CHANNELS if c in channels]
    pref.muted_kinds = [g for g in GROUPS if g in muted_kinds]
    pref.quiet_start, pref.quiet_end = quiet_start, quiet_end
    pref.digest, pref.digest_time = digest, digest_time
    pref.email, pref.mobile = email, mobile
    pref.wecom_userid, pref.dingtalk_userid = wecom_userid, dingtalk_userid
    pref.updated_at = now
    pref.save()
    return pref


@transaction.atomic
def mark_read(*, by: User, notifications: Iterable[Notification], now: datetime) -> int:
    """The user opened it: the inbox item and its in-app delivery are read (已读)."""
    ids = [n.pk for n in notifications if n.user_id == by.pk and n.read_at is None]
    if not ids:
        return 0
    Notification.objects.filter(pk__in=ids, read_at__isnull=True).update(read_at=now)
    Delivery.objects.filter(outbox__notification__in=ids, channel=ChannelKind.IN_APP).update(
        state=DeliveryState.READ, read_at=now
    )
    return len(ids)
