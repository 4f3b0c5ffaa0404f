"""What every view shares: the acting user, role checks, and running an action.

Views stay thin (STYLE.md rule 5): check who may see the page, read through selectors,
call an action, then redirect or render an htmx partial. A refused action comes back
as an `ActionError`, whose Chinese message is shown next to the form field it names.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils import timezone

from duban.audit.models import AccessKind, AccessLog
from duban.org.models import User
from duban.work.errors import ActionError

V = TypeVar("V", bound=Callable[..., HttpResponseBase])


def acting_user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def roles_required(*roles: str) -> Callable[[V], V]:
    """Sign-in required; other roles get 403 and an access-log row."""

    def decorator(view: V) -> V:
        @login_required
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user = acting_user(request)
            if user.role not in roles:
                AccessLog.objects.create(
                    at=timezone.now(),
                    kind=AccessKind.REFUSED,
                    user=user,
                    username=user.username,
                    detail=f"page {request.path} needs {roles}",
                    ip=request.META.get("REMOTE_ADDR"),
                )
                raise PermissionDenied("您无权访问此页面。")
            return view(request, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def run_action(request: HttpRequest, fn: Callable[..., Any], **kwargs: Any) -> ActionError | None:
    """Call an action as the signed-in user; a refusal becomes a message, never a 500."""
    try:
        fn(by=acting_user(request), **kwargs)
    except ActionError as e:
        messages.error(request, e.message)
        return e
    return None


def year_in_range(day: Any) -> None:
    """A form date of a working year (2000-2100): year 1 or 9999 overflows the time zone
    arithmetic of the periods and documents built on it."""
    from django.core.exceptions import ValidationError

    if day is not None and not 2000 <= day.year <= 2100:
        raise ValidationError("日期须在2000年至2100年之间。")
