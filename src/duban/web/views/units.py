"""The unit picker's search (htmx): typing "fgj" finds 县发改局; groups expand."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from duban.org.models import Role
from duban.org.search import find_units
from duban.web.common import roles_required


@roles_required(Role.SUPERVISOR)
def search(request: HttpRequest) -> HttpResponse:
    matches = find_units(request.GET.get("q", ""))
    options = [
        {
            "label": m.label,
            "is_group": m.is_group,
            "units": json.dumps(
                [{"id": i, "label": lbl} for i, lbl in m.units], ensure_ascii=False
            ),
        }
        for m in matches
    ]
    return render(
        request, "web/unit_options.htmx.html", {"options": options, "q": request.GET.get("q", "")}
    )
