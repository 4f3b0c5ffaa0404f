"""Template context for every page: the unread-notification count (one query)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from duban.notify.models import Notification


def header(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_count": Notification.objects.filter(user=user, read_at__isnull=True).count()}
