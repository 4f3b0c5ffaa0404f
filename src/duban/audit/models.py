"""The access log: logins, refusals, reads, exports and admin changes (DESIGN.md, "The record").

Rows are append-only and hash-chained like the work record (audit/access.py): each row
carries its sequence number, the hash of the row before it and its own hash; the single
`AccessHead` row holds the last sequence number and hash, so a removed tail is found too.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


class AccessKind(models.TextChoices):
    LOGIN_OK = "login_ok", "登录成功"
    LOGIN_FAILED = "login_failed", "登录失败"
    LOGIN_REFUSED = "login_refused", "登录被拒绝"
    MFA_OK = "mfa_ok", "双因素验证通过"
    MFA_FAILED = "mfa_failed", "双因素验证失败"
    LOGOUT = "logout", "退出登录"
    PASSWORD = "password", "修改密码"
    REFUSED = "refused", "越权操作被拒绝"
    VIEW = "view", "查看"
    DOWNLOAD = "download", "下载附件"
    EXPORT = "export", "导出"
    ADMIN = "admin", "管理操作"
    API = "api", "接口调用"


# Outcomes the auditor filters on: these kinds record something refused or failed.
FAILURE_KINDS = frozenset(
    {AccessKind.LOGIN_FAILED, AccessKind.LOGIN_REFUSED, AccessKind.MFA_FAILED, AccessKind.REFUSED}
)


class AccessLogImmutable(Exception):
    """An access-log row was to be changed or deleted; the log only grows."""


class AccessLogQuerySet(models.QuerySet["AccessLog"]):
    # Why a queryset guard and not only the database role: tests and management code run
    # with full rights, and a stray `.delete()` must fail loudly there too (security.md AU-2).
    def delete(self) -> tuple[int, dict[str, int]]:
        raise AccessLogImmutable("access log rows are never deleted")

    def update(self, **kwargs: Any) -> int:
        raise AccessLogImmutable("access log rows are never changed")

    def bulk_create(self, *args: Any, **kwargs: Any) -> list[AccessLog]:
        raise AccessLogImmutable("access log rows are chained one at a time")


class AccessLog(models.Model):
    at = models.DateTimeField()
    kind = models.CharField(max_length=20, choices=AccessKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True)
    detail = models.TextField(blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    # What was read or changed: "task:12", "user:amy", "unit:fgj", "policy" …
    target = models.CharField(max_length=200, blank=True)
    seq = models.PositiveBigIntegerField(unique=True, null=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["kind", "at"], name="accesslog_kind_at"),
            models.Index(fields=["username", "at"], name="accesslog_username_at"),
            models.Index(fields=["ip", "kind", "at"], name="accesslog_ip_kind_at"),
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Every writer (sign-in signals, actions, documents, other branches' code that calls
        # AccessLog.objects.create) passes here, so no row escapes the chain.
        if not self._state.adding:
            raise AccessLogImmutable("access log rows are never changed")
        from duban.audit.access import append

        append(self, *args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AccessLogImmutable("access log rows are never deleted")

    @property
    def ok(self) -> bool:
        return self.kind not in FAILURE_KINDS


class AccessHead(models.Model):
    """The head of the access-log chain: one row (pk 1), locked while a row is appended."""

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="accesshead_single")]
