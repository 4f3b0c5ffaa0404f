"""督查室工作台: today's inbox, each item actionable from the page.

The one-click decisions (审核通过, 销号, 同意延期, 催办) post to the task's own action URLs
with `next=workbench`, so they run the same forms and actions as the task page and come
back here. A decision that needs a written reason (退回重办, 不同意延期) opens the task page
with that form open: the reason is required and belongs next to the task's history.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from duban.org.models import Role, User
from duban.web import drafts
from duban.web.common import acting_user, roles_required
from duban.work import selectors
from duban.work import workbench as wb
from duban.work.models import TaskStatus


def _drafts(user: User, inbox: list[wb.InboxDirective], *, now: datetime) -> dict[int, list[Any]]:
    """Each inbox directive's drafts with their plan, to review before 全部交办."""
    ids = [row.directive.pk for row in inbox if row.drafts]
    tasks = list(
        selectors.tasks_visible_to(user)
        .filter(directive_id__in=ids, status=TaskStatus.DRAFT)
        .select_related("directive")
        .order_by("directive_id", "number")
    )
    plans = drafts.plans(tasks, today=timezone.localdate(now))
    out: dict[int, list[Any]] = {}
    for t in tasks:
        out.setdefault(t.directive_id, []).append((t, plans[t.pk]))
    return out


@roles_required(Role.SUPERVISOR)
def workbench(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    now = timezone.now()
    inbox = wb.inbox(user, now=now)
    plans = _drafts(user, inbox, now=now)
    context = {
        "inbox": inbox,
        "inbox_rows": [(row, plans.get(row.directive.pk, [])) for row in inbox],
        "submitted": list(wb.awaiting_verification(user)[:50]),
        "held": list(wb.held_at_units(user)[:50]),
        "verified": list(wb.awaiting_closure(user)[:50]),
        "returned": list(wb.returned_tasks(user)[:50]),
        "extensions": list(wb.pending_extensions(user)[:50]),
        "red": wb.red_tasks(user),
        "overnight_today": selectors.overnight_directives(
            user, now=now, since=timezone.localdate(now).replace(day=1)
        ).count(),
        "lights": selectors.light_counts(user),
    }
    return render(request, "web/workbench.html", context)
