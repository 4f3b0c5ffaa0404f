"""The real URLs plus one view that fails, to see what a user and the log get from a 500."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from duban.urls import handler500, urlpatterns

__all__ = ["handler500", "urlpatterns"]


def boom(request: HttpRequest) -> HttpResponse:
    raise ZeroDivisionError("a bug in a view")


urlpatterns = [path("boom/", boom), *urlpatterns]
