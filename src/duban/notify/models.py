"""Outbox (written in the action's transaction) and the per-user inbox the worker fills."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Outbox(models.Model):
    """A message that must not be lost: a row first, delivered later by `duban worker`.

    `dedupe_key` makes scheduled reminders idempotent: `duban tick` may run every minute,
    and the unique key means a reminder for the same task and step is written once.
    """

    created_at = models.DateTimeField()
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=30)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    task = models.ForeignKey(
        "work.Task", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    directive = models.ForeignKey(
        "work.Directive", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    dedupe_key = models.CharField(max_length=120, null=True, blank=True, unique=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"],
                name="outbox_undelivered",
                condition=models.Q(delivered_at__isnull=True),
            )
        ]


class Notification(models.Model):
    """An inbox item shown in the page header."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    created_at = models.DateTimeField()
    kind = models.CharField(max_length=30)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    task = models.ForeignKey(
        "work.Task", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    directive = models.ForeignKey(
        "work.Directive", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source = models.OneToOneField(Outbox, on_delete=models.PROTECT, related_name="notification")
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_read")]


# ---------------------------------------------------------------- channels (issue 13)


class ChannelKind(models.TextChoices):
    IN_APP = "in_app", "站内通知"
    EMAIL = "email", "电子邮件"
    SMS = "sms", "短信"
    WECOM_APP = "wecom_app", "企业微信/政务微信应用消息"
    WECOM_ROBOT = "wecom_robot", "企业微信群机器人"
    DINGTALK_WORK = "dingtalk_work", "钉钉工作通知"
    DINGTALK_ROBOT = "dingtalk_robot", "钉钉群机器人"


EXTERNAL_CHANNELS = [k for k in ChannelKind if k != ChannelKind.IN_APP]


class ChannelConfig(models.Model):
    """One external channel as the system administrator configured it.

    `options` holds what may be shown (host, URL, agent id …); `secrets` holds passwords,
    app secrets and signing keys, which the pages only ever write, never show. The cached
    access token of the 企业微信/钉钉 channels lives here too, so every worker shares it.
    Changed only through `notify.admin_actions`, which writes the access log.
    """

    kind = models.CharField(max_length=20, choices=ChannelKind.choices, unique=True)
    enabled = models.BooleanField(default=False)
    options = models.JSONField(default=dict, blank=True)
    secrets = models.JSONField(default=dict, blank=True)
    rate_per_minute = models.PositiveIntegerField(default=60)
    max_attempts = models.PositiveSmallIntegerField(default=5)
    token = models.CharField(max_length=600, blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )


class DeliveryState(models.TextChoices):
    QUEUED = "queued", "待发送"
    SENT = "sent", "已发出"
    DELIVERED = "delivered", "已送达"
    READ = "read", "已读"
    FAILED = "failed", "被拒收"
    DEAD = "dead", "多次失败"


class Delivery(models.Model):
    """One notification on one channel: its state, attempts and the next try.

    A worker claims a row by setting `claimed_until` (a lease) with a conditional UPDATE
    (and FOR UPDATE SKIP LOCKED on PostgreSQL), so two workers never send one twice; a
    worker that dies mid-send leaves a lease that expires, and the row is tried again.
    """

    outbox = models.ForeignKey(Outbox, on_delete=models.PROTECT, related_name="deliveries")
    channel = models.CharField(max_length=20, choices=ChannelKind.choices)
    address = models.CharField(max_length=200, blank=True)
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.QUEUED
    )
    created_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField()
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    external_id = models.CharField(max_length=120, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["outbox", "channel"], name="delivery_once_per_channel")
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="delivery_due",
                condition=models.Q(state="queued"),
            ),
            models.Index(fields=["state", "channel"], name="delivery_state_channel"),
        ]


class Preference(models.Model):
    """What one user wants to hear, where, and when (the preferences page).

    `channels` lists the external channels the user chose (the inbox is always on);
    `muted_kinds` lists the event groups (notify.events.GROUPS) the user does not want
    outside the inbox. Quiet hours hold messages until they end, except 特急 ones.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notify_preference"
    )
    channels = models.JSONField(default=list, blank=True)
    muted_kinds = models.JSONField(default=list, blank=True)
    quiet_start = models.TimeField(null=True, blank=True)
    quiet_end = models.TimeField(null=True, blank=True)
    digest = models.BooleanField(default=False)
    digest_time = models.TimeField(null=True, blank=True)
    email = models.EmailField(blank=True)
    mobile = models.CharField(max_length=20, blank=True)
    wecom_userid = models.CharField(max_length=64, blank=True)
    dingtalk_userid = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)
