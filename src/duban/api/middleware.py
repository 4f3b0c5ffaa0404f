"""The API's edge: every call access-logged, every error a JSON problem, never an HTML page.

Django answers some requests before ninja sees them (an unknown address, a body over the
upload limits); those, and anything else that is not already a problem, are turned into
one here, so an integration always gets `application/problem+json` with a Chinese detail.
"""

from __future__ import annotations

import functools
import json
import logging
import re
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
        try:
            return _answer(request, get_response)
        except Exception:
            # Only the edge itself can get here (the database gone while logging): still a
            # problem, never Django's HTML page.
            log.exception("api edge failed for %s %s", request.method, request.path)
            return problem(500, DETAILS[500], code="server_error")

    return middleware


def _answer(
    request: HttpRequest, get_response: Callable[[HttpRequest], HttpResponse]
) -> HttpResponse:
    unknown = _unknown_query(request)
    if unknown is not None:
        # A filter that means nothing is refused, never dropped (docs/decisions.md,
        # "Ledger export"): a misspelt ?statsu=open would silently widen the list.
        response = problem(
            422,
            f"不认识的查询参数“{unknown[:50]}”，请对照 /api/v1/openapi.json。",
            code="validation_error",
            field=unknown[:50] or "query",
        )
    else:
        response = get_response(request)
    if response.status_code >= 400 and not response.get("Content-Type", "").startswith(
        CONTENT_TYPE
    ):
        response = _as_problem(response)
    if not request.path.startswith(UNLOGGED):
        _log(request, response)
    return response


@functools.cache
def _query_names() -> list[tuple[re.Pattern[str], str, frozenset[str]]]:
    """(path pattern, method, query parameter names) of every operation, from the document."""
    from duban.api.v1 import api

    found = []
    for path, ops in api.get_openapi_schema()["paths"].items():
        pattern = re.compile("^" + re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(path)) + "$")
        for method, op in ops.items():
            names = {p["name"] for p in op.get("parameters", []) if p.get("in") == "query"}
            found.append((pattern, method.upper(), frozenset(names)))
    return found


def _unknown_query(request: HttpRequest) -> str | None:
    """The first query parameter the operation does not take (may be ""), or None."""
    if not request.GET:
        return None
    for pattern, method, names in _query_names():
        if method == request.method and pattern.match(request.path):
            return next((k for k in request.GET if k not in names), None)
    return None


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
