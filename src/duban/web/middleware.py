"""Small middleware of our own."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from duban import logs


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
