"""What the viewer may do on a task right now, so a page never offers a button that fails.

The checks mirror those in actions.py, in the same order: the actor's role and unit, the
task's status against `rules.ALLOWED_FROM`, then the unit's own share. The actions stay the
authority; tests/web/test_task_views.py tries every action for every persona in several
states and asserts that exactly the offered ones succeed.

The names are those of the task page's action URLs (`task_<name>`), plus
`decide_extension` for the office's decision on a pending extension request.
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from duban.org.models import UNIT_ROLES, Role, User
from duban.work.models import (
    Assignment,
    AssignmentStatus,
    EventKind,
    ExtensionRequest,
    ExtensionStatus,
    Task,
)
from duban.work.rules import ALLOWED_FROM

ACTIONS = (
    "receive",
    "return",
    "report",
    "extend",
    "submit",
    "urge",
    "comment",
    "verify",
    "close",
    "reassign",
    "withdraw",
    "decide_extension",
)

# The office's actions on a task and the event each one appends.
_SUPERVISOR_ONLY = {
    "reassign": EventKind.REASSIGNED,
    "withdraw": EventKind.WITHDRAWN,
    "verify": EventKind.VERIFIED,  # SENT_BACK starts from the same statuses
    "close": EventKind.CLOSED,
}


def permitted(user: User, task: Task) -> set[str]:
    """The actions whose role and unit checks `user` passes on `task`, whatever its state.

    An action not in this set is refused with `Refused` (403 on the web); one in it may
    still be refused as `Invalid` by the task's state or the input.
    """
    if not user.is_active:
        return set()
    if user.role == Role.SUPERVISOR:
        return {*_SUPERVISOR_ONLY, "urge", "comment", "decide_extension"}
    if user.role == Role.LEADER:
        # A county leader urges only the tasks they lead (牵头领导).
        leads = user.leader_id is not None and user.leader_id == task.leader_id
        return {"comment", "urge"} if leads else {"comment"}
    if user.role in UNIT_ROLES and _share(user, task) is not None:
        unit_actions = {"receive", "return", "report", "submit"}
        return unit_actions | {"extend"} if task.lead_unit_id == user.unit_id else unit_actions
    return set()


def _share(user: User, task: Task) -> Assignment | None:
    """The user's unit's current share of the task (none if reassigned away)."""
    return next(
        (
            a
            for a in task.assignments.all()
            if a.unit_id == user.unit_id and a.status != AssignmentStatus.REPLACED
        ),
        None,
    )


def available_actions(user: User, task: Task, *, today: date | None = None) -> set[str]:
    """The actions `user` may take on `task` now: permitted, and allowed by the state.

    Reads `task.assignments.all()` and `task.extensions.all()`, so a caller that prefetched
    them (the task page does) pays no query here.
    """
    today = today or timezone.localdate()

    def allows(kind: str) -> bool:
        return task.status in ALLOWED_FROM[kind]

    may = permitted(user, task)
    offered: set[str] = set()
    pending_extension = any(e.status == ExtensionStatus.PENDING for e in task.extensions.all())
    for name, kind in _SUPERVISOR_ONLY.items():
        if name in may and allows(kind):
            offered.add(name)
    if "urge" in may and allows(EventKind.URGED):
        offered.add("urge")
    if "comment" in may and allows(EventKind.COMMENTED):
        offered.add("comment")
    if "decide_extension" in may and pending_extension and allows(EventKind.EXTENSION_DECIDED):
        offered.add("decide_extension")

    share = _share(user, task) if "receive" in may else None
    if share is not None:
        if allows(EventKind.RECEIVED) and share.status == AssignmentStatus.PENDING:
            offered.add("receive")
        if allows(EventKind.RETURNED) and share.status in (
            AssignmentStatus.PENDING,
            AssignmentStatus.RECEIVED,
        ):
            offered.add("return")
        received = share.status in (AssignmentStatus.RECEIVED, AssignmentStatus.DONE)
        if allows(EventKind.PROGRESS) and received:
            offered.add("report")
        # A co-unit reports its part done once; the primary lead submits the whole task.
        is_lead = task.lead_unit_id == user.unit_id
        if (
            allows(EventKind.SUBMITTED)
            and received
            and (is_lead or share.status != AssignmentStatus.DONE)
        ):
            offered.add("submit")
        if (
            "extend" in may
            and allows(EventKind.EXTENSION_REQUESTED)
            and task.due is not None
            and today <= task.due  # the deadline day itself still counts
            and not pending_extension
        ):
            offered.add("extend")
    return offered


def task_named(pk: int) -> Task | None:
    """The task an action URL names, whoever asks.

    Action URLs do not filter by visibility first: the action itself decides who may act,
    so a unit that is not on the task is told so (403 with the action's message) instead
    of being told that nothing is there. Pages read through `selectors.task_for`.
    """
    return Task.objects.select_related("directive", "lead_unit", "leader").filter(pk=pk).first()


def extension_named(pk: int) -> ExtensionRequest | None:
    """The extension request an `extension_decide` URL names (the action checks the role)."""
    return ExtensionRequest.objects.select_related("task").filter(pk=pk).first()
