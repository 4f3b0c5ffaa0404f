"""The page of an unexpected error: in Chinese, with the request id to quote.

Rendered without context processors or the base layout: whatever failed (the database,
a template) must not fail this page too.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template import loader

from duban import logs


def server_error(request: HttpRequest) -> HttpResponse:
    rid = getattr(request, "request_id", None) or logs.current()
    body = loader.get_template("web/500.html").render({"request_id": rid})
    return HttpResponse(body, status=500)
