"""Error pages in Chinese, in the site's style, each with a way back (issue 12, point 9).

Django's own error pages are English; these replace them through `handler400/403/404/500`
(duban/urls.py), `CSRF_FAILURE_VIEW` (settings) and, for 405, `friendly_405` below, since
`require_POST` answers with an empty body and Django has no handler for it.
An exception's message is shown only when it is Chinese: `raise PermissionDenied("您无权…")`
is written for the user, while Django's `Http404("No Task matches…")` is not.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.template import loader

from duban import logs

log = logging.getLogger("duban.web")

_CJK = re.compile(r"[\u4e00-\u9fff]")

PAGES: dict[int, tuple[str, str]] = {
    400: ("请求有误", "页面收到的请求不完整或格式有误。请返回上一页重新操作。"),
    403: ("无权访问", "您无权访问此页面或执行此操作。如需权限，请联系督查室或系统管理员。"),
    404: ("页面不存在", "您要找的页面或事项不存在，或您无权查看。请检查链接，或从首页进入。"),
    405: ("操作方式有误", "此地址只能通过页面上的按钮提交，不能直接打开。请返回上一页重新操作。"),
    500: (
        "系统出错",
        "处理您的请求时系统发生了错误，已记录。请刷新页面，查看操作是否已经生效，再决定是否重试。",
    ),
}
CSRF_TITLE = "页面已过期"
CSRF_TEXT = (
    "页面停留时间过长或登录已失效，本次提交未被接受，内容未保存。请返回上一页，刷新后重新提交。"
)


def _user_message(exception: BaseException | None) -> str:
    text = str(exception.args[0]) if exception is not None and exception.args else ""
    return text if _CJK.search(text) else ""


def _page(
    request: HttpRequest, status: int, *, title: str, text: str, detail: str = ""
) -> HttpResponse:
    body = loader.render_to_string(
        "web/error.html",
        {"status": status, "title": title, "text": text, "detail": detail},
        request,
    )
    return HttpResponse(body, status=status)


def bad_request(request: HttpRequest, exception: BaseException | None = None) -> HttpResponse:
    title, text = PAGES[400]
    return _page(request, 400, title=title, text=text)


def permission_denied(request: HttpRequest, exception: BaseException | None = None) -> HttpResponse:
    title, text = PAGES[403]
    return _page(request, 403, title=title, text=text, detail=_user_message(exception))


def not_found(request: HttpRequest, exception: BaseException | None = None) -> HttpResponse:
    title, text = PAGES[404]
    return _page(request, 404, title=title, text=text, detail=_user_message(exception))


def server_error(request: HttpRequest) -> HttpResponse:
    """No request context: the database may be what failed, and the header reads it.

    The request id (duban/logs.py) is shown so a user can quote it; the log has the trace.
    """
    title, text = PAGES[500]
    rid = getattr(request, "request_id", None) or logs.current()
    try:
        body: str = loader.render_to_string(
            "web/error_500.html", {"title": title, "text": text, "request_id": rid}
        )
    except Exception:  # the page that reports an error must not raise one
        log.exception("500 page failed to render")
        body = (
            f"<!doctype html><meta charset=utf-8><title>{title}</title>"
            f"<h1>{title}</h1><p>{text}</p><p>错误编号：{rid}</p><p><a href=/>返回首页</a></p>"
        )
    return HttpResponse(body, status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    log.info("csrf failure on %s: %s", request.path, reason)
    return _page(request, 403, title=CSRF_TITLE, text=CSRF_TEXT)


def friendly_405(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Middleware: an empty 405 (`require_POST` and friends) gets the Chinese page."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if response.status_code == 405 and not response.content:
            title, text = PAGES[405]
            page = _page(request, 405, title=title, text=text)
            if response.has_header("Allow"):
                page["Allow"] = response["Allow"]
            return page
        return response

    return middleware
