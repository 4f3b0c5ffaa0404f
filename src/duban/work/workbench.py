"""What the supervisor's workbench shows: today's inbox, scoped to the acting user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from duban.org.models import User
from duban.work import selectors
from duban.work.models import (
    Directive,
    ExtensionRequest,
    ExtensionStatus,
    Light,
    ReviewStatus,
    ReviewWhat,
    Task,
    TaskStatus,
    UnitReview,
)


@dataclass(frozen=True)
class InboxDirective:
    directive: Directive
    drafts: int
    overnight_days: int  # 0: still today; n: registered n days ago and not yet sent out
    seconds_left: int  # until the end of the registration day (不隔夜), 0 once past


def inbox(user: User, *, now: datetime) -> list[InboxDirective]:
    rows = (
        selectors.unassigned_directives(user)
        .annotate(drafts=Count("tasks", filter=Q(tasks__status=TaskStatus.DRAFT)))
        .order_by("registered_at")
    )
    today = timezone.localdate(now)
    out = []
    for d in rows:
        registered = timezone.localtime(d.registered_at)
        end_of_day = registered.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(
            days=1
        )
        out.append(
            InboxDirective(
                directive=d,
                drafts=d.drafts,
                overnight_days=(today - registered.date()).days,
                seconds_left=max(0, int((end_of_day - now).total_seconds())),
            )
        )
    return out


def awaiting_verification(user: User) -> QuerySet[Task]:
    return (
        selectors.tasks_visible_to(user)
        .filter(status=TaskStatus.SUBMITTED)
        .select_related("directive", "lead_unit")
        .order_by("submitted_at")
    )


def held_at_units(user: User) -> QuerySet[Task]:
    """Tasks whose lead unit's 办结报告 waits for its head (单位审核): not yet the office's to
    verify, but shown so that nothing looks lost."""
    waiting = UnitReview.objects.filter(
        task=OuterRef("pk"),
        unit=OuterRef("lead_unit"),
        what=ReviewWhat.SUBMIT,
        status=ReviewStatus.PENDING,
    )
    return (
        selectors.tasks_visible_to(user)
        .filter(Exists(waiting))
        .select_related("directive", "lead_unit")
        .order_by("due", "id")
    )


def awaiting_closure(user: User) -> QuerySet[Task]:
    """Verified tasks: the office has accepted the work; 销号 closes them."""
    return (
        selectors.tasks_visible_to(user)
        .filter(status=TaskStatus.VERIFIED)
        .select_related("directive", "lead_unit")
        .order_by("verified_at", "id")
    )


def returned_tasks(user: User) -> QuerySet[Task]:
    """Tasks a unit sent back (退回): the office must reassign or withdraw them."""
    return (
        selectors.tasks_visible_to(user)
        .filter(status=TaskStatus.RETURNED)
        .select_related("directive", "lead_unit")
        .order_by("id")
    )


def pending_extensions(user: User) -> QuerySet[ExtensionRequest]:
    visible = selectors.tasks_visible_to(user)
    return (
        ExtensionRequest.objects.filter(status=ExtensionStatus.PENDING, task__in=visible)
        .select_related("task", "task__directive", "unit")
        .order_by("requested_at")
    )


def red_tasks(user: User, *, limit: int = 50) -> list[Task]:
    return list(
        selectors.tasks_visible_to(user)
        .filter(light=Light.RED)
        .select_related("directive", "lead_unit")
        .order_by("due", "id")[:limit]
    )
