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
