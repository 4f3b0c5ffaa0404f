"""What stands between a signed-in session and the pages (one middleware).

In order: the session's absolute lifetime and idle timeout (policy), then a second factor
when the policy or the user's own enrolment asks for one, then a forced password change
(a created or reset account, or an expired password). Until a step is done, only its page,
sign-out and static files answer; everything else redirects there.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from duban.org import sessions
from duban.org.models import User
from duban.org.policy import Policy, current
from duban.org.twofactor import enrolled

# Writing the session on every request makes every read a write; a minute is precise
# enough for an idle timeout counted in minutes.
LAST_SEEN_GRANULARITY = timedelta(seconds=60)
HAS_DEVICE = "duban_has_device"


@receiver(user_logged_in)
def stamp_session(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    now = timezone.now().isoformat()
    if request is not None and hasattr(request, "session"):
        request.session[sessions.SIGNED_IN_AT] = now
        request.session[sessions.LAST_SEEN] = now
        request.session[sessions.SIGNED_IN_IP] = request.META.get("REMOTE_ADDR") or ""
        # Asked once per sign-in, not on every request: whether the user enrolled a second
        # factor of their own accord (a reset by the secadmin ends their sessions anyway).
        request.session[HAS_DEVICE] = enrolled(user) if isinstance(user, User) else False


def _when(raw: object) -> datetime | None:
    if isinstance(raw, str):
        try:
            return datetime.fromisoformat(raw)
        except ValueError:
            return None
    return None


def _always_open(path: str) -> bool:
    return path.startswith(("/static/", "/logout/", "/favicon"))


def security_gate(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[..., Any]:
    def middleware(request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not isinstance(user, User):
            return get_response(request)
        if _always_open(request.path):
            return get_response(request)
        policy = current()
        now = timezone.now()
        started = _when(request.session.get(sessions.SIGNED_IN_AT))
        seen = _when(request.session.get(sessions.LAST_SEEN))
        expired = None
        if started and now - started > policy.absolute_lifetime:
            expired = f"登录已超过{policy.absolute_hours}小时，请重新登录。"
        elif seen and now - seen > policy.idle_timeout:
            expired = f"超过{policy.idle_minutes}分钟未操作，请重新登录。"
        if expired:
            logout(request)
            messages.info(request, expired)
            return redirect(f"{reverse('login')}?next={request.path}")
        if seen is None or now - seen >= LAST_SEEN_GRANULARITY:
            request.session[sessions.LAST_SEEN] = now.isoformat()

        step = _pending_step(request, user, policy, now)
        if step and request.path != reverse(step):
            return redirect(step)
        return get_response(request)

    return middleware


def _pending_step(request: HttpRequest, user: User, policy: Policy, now: datetime) -> str | None:
    if not user.is_verified():  # type: ignore[attr-defined]
        has_device = request.session.get(HAS_DEVICE)
        if policy.mfa_required(user.role) or has_device:
            return "mfa_verify" if has_device or enrolled(user) else "mfa_setup"
    if user.must_change_password or _expired(user, policy, now):
        return "password_change"
    return None


def _expired(user: User, policy: Policy, now: datetime) -> bool:
    if not policy.expiry_days:
        return False
    since = user.password_changed_at or user.date_joined
    return now - since > timedelta(days=policy.expiry_days)
