"""Every successful and failed login, and every logout, goes to the access log."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from duban.audit.access import record
from duban.audit.models import AccessKind


@receiver(user_logged_in)
def on_login(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    record(AccessKind.LOGIN_OK, user=user, request=request)


@receiver(user_login_failed)
def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # The credentials dict is already scrubbed of the password by Django. A CR/LF in a
    # typed username is kept as data (the log is a table, not lines of text).
    record(
        AccessKind.LOGIN_FAILED,
        username=str(credentials.get("username", ""))[:150],
        request=request,
    )


@receiver(user_logged_out)
def on_logout(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record(AccessKind.LOGOUT, user=user, request=request)
