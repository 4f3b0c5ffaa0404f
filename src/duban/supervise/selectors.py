"""Reads of supervision records, scoped to the acting user.

Spot checks, campaigns, key items and lines are the office's supervision work:
supervisors and county leaders see them. Units see their own scores, their
month-end settlement and their appeals (scores.py, accounting.py), never another unit's.
"""

from __future__ import annotations

from django.db.models import QuerySet

from duban.org.models import UNIT_ROLES, Role, User
from duban.supervise.models import Campaign, ScoreAppeal
from duban.work import selectors
from duban.work.ledger import CODE_RE
from duban.work.models import Task

OVERSEERS = frozenset({Role.SUPERVISOR, Role.LEADER})


def oversees(user: User) -> bool:
    return bool(user.is_active and user.role in OVERSEERS)


def task_by_code(user: User, code: str) -> Task | None:
    """A task by its code (2026-0012-3), if the user may see it."""
    m = CODE_RE.match(code.strip())
    if not m or m.group(3) is None:
        return None
    year, serial, number = (int(x) for x in m.groups())
    return (
        selectors.tasks_visible_to(user)
        .select_related("directive", "lead_unit")
        .filter(directive__year=year, directive__serial=serial, number=number)
        .first()
    )


def key_tasks(user: User) -> QuerySet[Task]:
    """Open key tasks (重点督办), red first, then by deadline."""
    return (
        selectors.tasks_visible_to(user)
        .filter(is_key=True, is_open=True)
        .select_related("directive", "lead_unit", "leader")
        .order_by("light", "due", "id")
    )


def campaigns_visible_to(user: User) -> QuerySet[Campaign]:
    return Campaign.objects.all() if oversees(user) else Campaign.objects.none()


def appeals_visible_to(user: User) -> QuerySet[ScoreAppeal]:
    """The office and leaders see every appeal; a unit its own."""
    qs = ScoreAppeal.objects.select_related("unit", "task__directive", "rule", "filed_by")
    if oversees(user):
        return qs
    if user.is_active and user.role in UNIT_ROLES and user.unit_id is not None:
        return qs.filter(unit_id=user.unit_id)
    return qs.none()
