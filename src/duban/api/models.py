"""Integrations (对接系统): their service accounts, API tokens, rate windows and webhooks.

An integration acts as one service account (`User`) of a role, or of a unit's liaison, so
the actions and selectors scope it exactly as they scope a person of that role. Tokens are
stored as a SHA-256 digest only; the token itself is shown once, when it is issued.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class WebhookScope(models.TextChoices):
    OWN = "own", "本系统登记的来文"
    VISIBLE = "visible", "本系统可见的全部事项"


class Integration(models.Model):
    name = models.CharField("对接系统名称", max_length=60, unique=True)
    note = models.CharField("说明", max_length=200, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="integration"
    )
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    rate_per_minute = models.PositiveIntegerField("每分钟调用上限")
    # Webhook: the secret signs each delivery (HMAC-SHA256), so it is kept as given; it is
    # shown to the system administrator once, when set, and never again.
    webhook_url = models.CharField("回调地址", max_length=500, blank=True)
    webhook_secret = models.CharField(max_length=64, blank=True)
    webhook_kinds = models.JSONField(default=list, blank=True)  # event kinds; empty: all
    webhook_scope = models.CharField(
        max_length=10, choices=WebhookScope.choices, default=WebhookScope.OWN
    )
    # Events with id <= scan_from have been turned into deliveries. `mark` is the highest id
    # seen at `mark_at`; it becomes scan_from only a while later, so an event whose
    # transaction committed after a newer one (PostgreSQL assigns ids at insert) is not
    # skipped.
    webhook_scan_from = models.BigIntegerField(default=0)
    webhook_mark = models.BigIntegerField(default=0)
    webhook_mark_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = verbose_name_plural = "对接系统"

    def __str__(self) -> str:
        return self.name


class ApiToken(models.Model):
    integration = models.ForeignKey(Integration, on_delete=models.PROTECT, related_name="tokens")
    prefix = models.CharField(max_length=16, unique=True)  # shown in lists, finds the row
    digest = models.CharField(max_length=64)  # SHA-256 of the whole token
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(revoked_at__isnull=True, revoked_by__isnull=True)
                | models.Q(revoked_at__isnull=False, revoked_by__isnull=False),
                name="apitoken_revoked_pair",
            )
        ]


class RateWindow(models.Model):
    """Calls of one token in one minute, counted with an atomic UPDATE (several processes)."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token", "start"], name="ratewindow_unique"),
        ]


class WebhookDelivery(models.Model):
    """One event to send to one integration's webhook, until it is accepted or given up."""

    integration = models.ForeignKey(
        Integration, on_delete=models.PROTECT, related_name="deliveries"
    )
    event = models.ForeignKey("work.Event", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField()
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    delivered_at = models.DateTimeField(null=True, blank=True)
    dead_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["integration", "event"], name="delivery_unique"),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="webhookdelivery_due",
                condition=models.Q(delivered_at__isnull=True, dead_at__isnull=True),
            )
        ]
