"""The notifications inbox in the page header: what happened to my tasks, unread first."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from duban.notify import actions
from duban.notify.models import Notification
from duban.web.common import acting_user


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    rows = (
        Notification.objects.filter(user=user)
        .select_related("task", "task__directive", "directive")
        .order_by(F("read_at").asc(nulls_first=True), "-created_at", "-id")
    )
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "web/notifications.html", {"page": page})


@require_POST
@login_required
def read(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    note = get_object_or_404(Notification, pk=pk, user=user)
    actions.mark_read(by=user, notifications=[note], now=timezone.now())
    if note.task_id:
        return redirect("task_detail", note.task_id)
    if note.directive_id:
        return redirect("directive_detail", note.directive_id)
    return redirect("notifications")


@require_POST
@login_required
def read_all(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    actions.mark_read(by=user, notifications=unread, now=timezone.now())
    return redirect("notifications")
