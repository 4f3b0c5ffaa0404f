"""Small middleware of our own."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("duban.web")


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


def refuse_bad_input(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Refuse, in Chinese and before any view runs, input no form could take:

    - a NUL character in any query or form value (PostgreSQL cannot store it, a 500 at the
      first query that carries it: /units/search/?q=%00, a reason of a raw POST field);
    - a form larger than DATA_UPLOAD_MAX_MEMORY_SIZE or with too many fields or files,
      which Django otherwise answers with its English "Bad Request (400)".
    Placed after the authentication middleware so the page has the user's header.
    """
    from django.conf import settings
    from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
    from django.shortcuts import render

    def refuse(request: HttpRequest, message: str, log: str, status: int) -> HttpResponse:
        logger.warning("refused input %s %s: %s", request.method, request.path, log)
        if request.headers.get("HX-Request") == "true":  # before django-htmx has run
            response = render(request, "web/_input_refused.htmx.html", {"message": message})
            # Shown above the page, leaving the form and what was typed in it as they are.
            response["HX-Retarget"] = "main"
            response["HX-Reswap"] = "afterbegin"
            return response
        return render(request, "400.html", {"message": message}, status=status)

    def middleware(request: HttpRequest) -> HttpResponse:
        try:
            params = list(request.GET.lists())
            if request.method == "POST":
                params += list(request.POST.lists())
                params += [
                    (name, [f.name or "" for f in files]) for name, files in request.FILES.lists()
                ]
        except RequestDataTooBig:
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024 // 1024
            return refuse(
                request,
                f"提交的内容超过 {limit} MB 的上限，未保存。请缩短正文或减少附件后重试"
                "（附件每个不超过 20 MB）。",
                "request body too large",
                413,
            )
        except (TooManyFieldsSent, TooManyFilesSent) as e:
            return refuse(request, "提交的项目或文件数量过多，未保存。", type(e).__name__, 400)
        for name, values in params:
            if "\x00" in name or any("\x00" in str(v) for v in values):
                return refuse(
                    request,
                    f"提交的内容（{name.replace(chr(0), '')}）中含有空字符，未保存。"
                    "请删除从其他软件粘贴带入的不可见字符后重试。",
                    f"NUL character in {name!r}",
                    400,
                )
        return get_response(request)

    return middleware


def renew_session_each_minute(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """The idle timeout without a write on every page view (issue 17 point 13).

    SESSION_SAVE_EVERY_REQUEST wrote the session row on every request, so on SQLite every
    page view needed the write lock, and reads failed "database is locked" behind a long
    import. Here a signed-in session is renewed (its expiry pushed SESSION_COOKIE_AGE
    ahead) at most once a minute: the idle timeout is then between 29 and 30 minutes.
    """
    import time

    from django.conf import settings

    every: int = settings.SESSION_RENEW_SECONDS

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is not None and user is not None and user.is_authenticated:
            now = int(time.time())
            if now - int(session.get("_renewed", 0)) >= every:
                session["_renewed"] = now  # marks the session modified: saved, expiry renewed
        return response

    return middleware


def mark_session_renewed(sender: object, request: HttpRequest, **kwargs: object) -> None:
    """At sign-in the new session is saved with a fresh expiry: count that as its renewal,
    so the first page after signing in does not write the session again."""
    import time

    if request is not None and hasattr(request, "session"):
        request.session["_renewed"] = int(time.time())
