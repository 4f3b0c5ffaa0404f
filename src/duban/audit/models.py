"""The access log: logins, refusals, exports and admin changes (DESIGN.md, "The record")."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AccessKind(models.TextChoices):
    LOGIN_OK = "login_ok", "登录成功"
    LOGIN_FAILED = "login_failed", "登录失败"
    LOGOUT = "logout", "退出登录"
    REFUSED = "refused", "越权操作被拒绝"
    EXPORT = "export", "导出"
    ADMIN = "admin", "管理操作"


class AccessLog(models.Model):
    at = models.DateTimeField()
    kind = models.CharField(max_length=20, choices=AccessKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True)
    detail = models.TextField(blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["kind", "at"], name="accesslog_kind_at")]
