"""The site's URLs plus one view that fails, to see the 500 page (test_errors.py)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from duban.urls import handler400, handler403, handler404, handler500, urlpatterns


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug in a view")


urlpatterns = [path("boom/", boom), *urlpatterns]
__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
