"""Every successful and failed login, and every logout, goes to the access log."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone

from duban.audit.models import AccessKind, AccessLog


def _ip(request: HttpRequest | None) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


@receiver(user_logged_in)
def on_login(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    AccessLog.objects.create(
        at=timezone.now(),
        kind=AccessKind.LOGIN_OK,
        user=user,
        username=user.username,
        ip=_ip(request),
    )


@receiver(user_login_failed)
def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # The credentials dict is already scrubbed of the password by Django.
    AccessLog.objects.create(
        at=timezone.now(),
        kind=AccessKind.LOGIN_FAILED,
        username=str(credentials.get("username", ""))[:150],
        ip=_ip(request),
    )


@receiver(user_logged_out)
def on_logout(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is not None:
        AccessLog.objects.create(
            at=timezone.now(),
            kind=AccessKind.LOGOUT,
            user=user,
            username=user.username,
            ip=_ip(request),
        )
