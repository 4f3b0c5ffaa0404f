"""The one plain Django view of the API: an unknown address under /api/ is a 404 problem."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from duban.api.problems import problem


@csrf_exempt
def not_found(request: HttpRequest) -> HttpResponse:
    return problem(404, "请求的地址不存在，请对照 /api/v1/openapi.json。", code="not_found")
