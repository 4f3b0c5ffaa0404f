"""The liaison's home (本单位事项) and the leader's home (我的分管).

Both read through `work/homes.py` with a fixed number of queries, whatever the number of
tasks; the actions on the rows (签收 from the list, 批示 on the task page) go through the
task page's action URLs.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from duban.org.models import Role
from duban.web.common import acting_user, roles_required
from duban.work import homes

# A home is a start page, not the ledger: long lists end with a link to the ledger.
LIST_LIMIT = 100


@roles_required(Role.LIAISON, Role.UNIT_HEAD)
def unit_home(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    today = timezone.localdate()
    sent_back = list(homes.sent_back(user)[:LIST_LIMIT])
    rejected = list(homes.rejected_extensions(user)[:LIST_LIMIT])
    reviews_returned = list(homes.unit_reviews_returned(user)[:LIST_LIMIT])
    open_tasks = list(homes.my_open_tasks(user)[: LIST_LIMIT + 1])
    context = {
        "today": today,
        # 单位审核: the head's approval queue; a liaison sees what waits there.
        "reviews": list(homes.unit_reviews_pending(user)[:LIST_LIMIT]),
        "reviews_returned": reviews_returned,
        "is_head": user.role == Role.UNIT_HEAD,
        "to_receive": list(homes.to_receive(user)[:LIST_LIMIT]),
        "reports_due": homes.reports_due_this_week(user, today=today),
        "sent_back": sent_back,
        "rejected": rejected,
        "back_count": len(sent_back) + len(rejected) + len(reviews_returned),
        "open_tasks": open_tasks[:LIST_LIMIT],
        "open_more": len(open_tasks) > LIST_LIMIT,
    }
    return render(request, "web/unit_home.html", context)


@roles_required(Role.LEADER)
def leader_home(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    # Cards, the unit table and the list all come from the line (homes.line_lights and
    # homes.line_warning_tasks over selectors.line_tasks), as 分线督查 and the ledger do.
    line = homes.line_lights(user)
    warnings = list(homes.line_warning_tasks(user)[: LIST_LIMIT + 1])
    key_tasks = list(homes.my_key_tasks(user)[: LIST_LIMIT + 1])
    context = {
        "line": line.rows,
        "totals": line.totals,
        "warnings": warnings[:LIST_LIMIT],
        "warnings_more": len(warnings) > LIST_LIMIT,
        "key_tasks": key_tasks[:LIST_LIMIT],
        "key_more": len(key_tasks) > LIST_LIMIT,
    }
    return render(request, "web/leader_home.html", context)
