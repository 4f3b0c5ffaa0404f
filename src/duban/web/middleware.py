"""Small middleware of our own."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
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


def content_security_policy(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Send settings.CONTENT_SECURITY_POLICY on every response that has none yet.

    Django 5.2 has no CSP of its own; one fixed header needs no library (django-csp's
    nonces and per-view policies are not used: no page carries an inline script).
    """

    policy: str = settings.CONTENT_SECURITY_POLICY

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        return response

    return middleware
