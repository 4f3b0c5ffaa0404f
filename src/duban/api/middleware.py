"""The API's edge: every call access-logged, every error a JSON problem, never an HTML page.

Django answers some requests before ninja sees them (an unknown address, a body over the
upload limits); those, and anything else that is not already a problem, are turned into
one here, so an integration always gets `application/problem+json` with a Chinese detail.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from duban.api.problems import CONTENT_TYPE, STATUS_CODES, problem
from duban.audit.models import AccessKind, AccessLog

log = logging.getLogger("duban.api")
PREFIX = "/api/"
# Reading the documents of the API is not a call on the record.
UNLOGGED = ("/api/v1/openapi.json", "/api/v1/docs")

DETAILS = {
    404: "请求的地址不存在，请对照 /api/v1/openapi.json。",
    405: "该地址不支持此请求方法。",
    400: "请求无效。",
    413: "请求过大。",
    500: "服务器内部错误，已记录，请联系系统管理员。",
}


def api_edge(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    def middleware(request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(PREFIX):
            return get_response(request)
        response = get_response(request)
        if response.status_code >= 400 and not response.get("Content-Type", "").startswith(
            CONTENT_TYPE
        ):
            response = _as_problem(response)
        if not request.path.startswith(UNLOGGED):
            _log(request, response)
        return response

    return middleware


def _as_problem(response: HttpResponse) -> HttpResponse:
    status = response.status_code
    detail = DETAILS.get(status) or DETAILS.get(500 if status >= 500 else 400, "请求无效。")
    converted = problem(status, detail, code=STATUS_CODES.get(status))
    if response.has_header("Allow"):
        converted["Allow"] = response["Allow"]
    return converted


def _log(request: HttpRequest, response: HttpResponse) -> None:
    token = getattr(request, "api_token", None)
    now = timezone.now()
    query = request.META.get("QUERY_STRING", "")
    what = f"{request.method} {request.path}{'?' + query if query else ''}"[:900]
    code = ""
    if response.status_code >= 400:
        try:
            code = json.loads(response.content).get("code", "")
        except (ValueError, AttributeError):
            code = ""
    if token is None:
        AccessLog.objects.create(
            at=now,
            kind=AccessKind.REFUSED,
            detail=f"api {what} -> {response.status_code} (no valid token)",
            ip=request.META.get("REMOTE_ADDR"),
        )
        return
    user = token.integration.user
    AccessLog.objects.create(
        at=now,
        kind=AccessKind.API,
        user=user,
        username=user.username,
        detail=f"{what} -> {response.status_code} {code} token {token.prefix}".strip(),
        ip=request.META.get("REMOTE_ADDR"),
    )
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        type(token).objects.filter(pk=token.pk).update(last_used_at=now)
