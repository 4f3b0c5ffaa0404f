"""A minimal start page until the workspace (issue 3): who you are and what you can see."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from duban.org.models import User
from duban.work import selectors


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    today = timezone.localdate()
    context = {
        "lights": selectors.light_counts(user),
        "overdue": selectors.overdue_tasks(user, today=today, limit=20),
        "today": today,
    }
    return render(request, "web/home.html", context)
