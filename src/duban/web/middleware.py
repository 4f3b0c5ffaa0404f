"""Small middleware of our own."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse

from duban import logs

log = logging.getLogger("duban.web")


def no_store_when_signed_in(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Pages for a signed-in user must not stay in a shared browser's cache (security.md RI-1)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            response["Cache-Control"] = "no-store"
        return response

    return middleware


def request_id(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Give each request an id for the log, the response header and the 500 page."""

    def middleware(request: HttpRequest) -> HttpResponse:
        rid = logs.new_id(request.headers.get("X-Request-ID"))
        request.request_id = rid  # type: ignore[attr-defined]
        token = logs.bind(rid)
        try:
            response = get_response(request)
        finally:
            logs.unbind(token)
        response["X-Request-ID"] = rid
        return response

    return middleware


# Session keys of our own: when the signed-in session began and when it was last seen
# (whole seconds since the epoch).
STARTED, SEEN = "duban_started", "duban_seen"
# How stale `SEEN` may get before a request writes it again. The idle timeout is measured
# from the last write, so it ends at most this much early; one write a minute per user
# instead of one per request.
SEEN_RESOLUTION = 60


def session_timeouts(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """End a signed-in session after the idle timeout or the absolute lifetime."""

    def middleware(request: HttpRequest) -> HttpResponse:
        session = request.session
        if SESSION_KEY in session:
            now = int(time.time())
            started, seen = session.get(STARTED), session.get(SEEN)
            idle = settings.DUBAN_SESSION_IDLE_MINUTES * 60
            lifetime = settings.DUBAN_SESSION_MAX_HOURS * 3600
            if not isinstance(started, int) or not isinstance(seen, int):
                session[STARTED] = session[SEEN] = now  # the first request after sign-in
            elif now - seen > idle or now - started > lifetime:
                log.info(
                    "session of user %s ended: %s",
                    session.get(SESSION_KEY),
                    "idle" if now - seen > idle else "absolute lifetime",
                )
                session.flush()  # the user is anonymous now; login_required sends to /login/
            elif now - seen >= SEEN_RESOLUTION:
                session[SEEN] = now
        return get_response(request)

    return middleware


def content_security_policy(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Send settings.CONTENT_SECURITY_POLICY on every response that has none yet.

    Django 5.2 has no CSP of its own; one fixed header needs no library (django-csp's
    nonces and per-view policies are not used: no page carries an inline script).
    """
    from django.conf import settings

    policy: str = settings.CONTENT_SECURITY_POLICY

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        return response

    return middleware
