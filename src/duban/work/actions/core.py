"""The machinery every action shares: the @action transaction, who-may-act checks, the
hash-chained record (`record`, `state_of`, `store_state`) and attachment checks."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, ParamSpec, TypeVar

from django.core.files import File
from django.db import OperationalError, connection, transaction
from django.db.models import Sum
from django.utils import timezone

from duban.audit.chain import GENESIS, canonical, event_hash
from duban.audit.models import AccessKind, AccessLog
from duban.notify.outbox import enqueue_for_units, enqueue_for_users
from duban.org.models import UNIT_ROLES, Role, Unit, User
from duban.work import rules, tally, uploads
from duban.work.context import rule_context
from duban.work.errors import ActionError, Invalid, Refused
from duban.work.models import (
    Assignment,
    AssignmentStatus,
    Attachment,
    Directive,
    Event,
    EventKind,
    ExtensionRequest,
    ExtensionStatus,
    ReviewStatus,
    Task,
    writing,
)

log = logging.getLogger("duban.actions")

P = ParamSpec("P")
R = TypeVar("R")


def action(fn: Callable[P, R]) -> Callable[P, R]:
    """One transaction per action; refusals are logged (English) and access-logged."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            # PostgreSQL breaks a lock cycle (two batches taking rows in crossing order) by
            # aborting one transaction with "deadlock detected"; the documented remedy is to
            # run that transaction again. Only an outermost action can be run again: inside
            # another transaction the error goes up to it.
            for attempt in range(3):
                try:
                    with transaction.atomic(), writing():
                        return fn(*args, **kwargs)
                except OperationalError as e:
                    outer = connection.in_atomic_block
                    if outer or attempt == 2 or "deadlock detected" not in str(e):
                        raise
                    log.warning("%s: deadlock, running it again (%s)", fn.__name__, e)
            raise AssertionError("unreachable")
        except ActionError as e:
            by = kwargs.get("by")
            log.info("%s refused for %s: %s", fn.__name__, getattr(by, "username", "?"), e.log)
            if isinstance(e, Refused) and isinstance(by, User):
                AccessLog.objects.create(
                    at=timezone.now(),
                    kind=AccessKind.REFUSED,
                    user=by,
                    username=by.username,
                    detail=f"{fn.__name__}: {e.log}",
                )
            raise

    return wrapper


# ---------------------------------------------------------------- who may act


def _require_role(by: User, roles: Iterable[str], what: str) -> None:
    if not by.is_active or by.role not in set(roles):
        raise Refused(
            f"您（{by.get_role_display()}）无权{what}。",
            log=f"role {by.role} may not {what}",
        )


def _require_supervisor(by: User, what: str) -> None:
    _require_role(by, {Role.SUPERVISOR}, what)


# The streams above work (meetings, duties …) check who may act the same way.
require_supervisor = _require_supervisor


def _unit_of(by: User, task: Task, what: str, *, lead_only: bool = False) -> Unit:
    """The actor's unit, which must take part in the task (as its primary lead if asked)."""
    _require_role(by, UNIT_ROLES, what)
    assert by.unit is not None  # guaranteed by the unit_role_has_unit constraint
    a = next(
        (
            a
            for a in task.assignments.all()  # read with the lock (`_lock`)
            if a.unit_id == by.unit.pk and a.status != AssignmentStatus.REPLACED
        ),
        None,
    )
    if a is None:
        raise Refused(
            f"{by.unit.label}不是该事项的承办单位，无权{what}。",
            log=f"unit {by.unit.code} is not assigned to task {task.pk}",
        )
    if lead_only and task.lead_unit_id != by.unit.pk:
        raise Refused(
            f"只有牵头单位可以{what}，{by.unit.label}是配合单位。",
            log=f"unit {by.unit.code} is not the lead of task {task.pk}",
        )
    return by.unit


def _require_state(task: Task, kind: str, what: str) -> None:
    if task.status not in rules.ALLOWED_FROM[kind]:
        raise Invalid(
            f"事项{task.code}当前为“{task.get_status_display()}”，不能{what}。",
            log=f"task {task.pk} in status {task.status} cannot take {kind}",
        )


def require_text(value: str, field_name: str, label: str) -> str:
    value = (value or "").strip()
    if not value:
        raise Invalid(f"请填写{label}。", log=f"{field_name} is empty", field=field_name)
    return value


def now_of(now: datetime | None) -> datetime:
    """The action's time: the one given (timezone-aware), else now."""
    return _now(now)


def _now(now: datetime | None) -> datetime:
    now = now or timezone.now()
    if timezone.is_naive(now):
        raise ValueError("now must be timezone-aware")
    return now


def _lock(task: Task) -> Task:
    """Re-read the task under a row lock so two actions on one task serialise.

    Its assignment rows come with it: the checks (`_unit_of`, `assignment_of`) and the
    fold (`record`) read them from there; `store_state` drops them once it changes one.

    The lock is FOR NO KEY UPDATE OF the task alone. Not the directive: a plain FOR UPDATE
    of a join locks the directive row too, and every insert elsewhere that references the
    directive (a notification the worker fans out, an event the tick writes) takes a KEY
    SHARE lock on it, which FOR UPDATE blocks. The worker holding KEY SHARE on the directive
    and waiting for this task, while this action held the task and waited for the directive,
    was the deadlock PostgreSQL broke in the batch-urge test. NO KEY UPDATE still serialises
    actions on one task (it conflicts with itself) but lets those inserts through: no action
    changes a key. Directive-level actions lock the directive, then its tasks, in that order."""
    return (
        Task.objects.select_for_update(of=("self",), no_key=True)
        .select_related("directive")
        .prefetch_related("assignments")
        .get(pk=task.pk)
    )


def assignment_of(task: Task, unit: Unit) -> Assignment:
    """The unit's assignment row (as `task.assignments.get(unit=unit)`, from the rows read
    with the task when `_lock` read them)."""
    for a in task.assignments.all():
        if a.unit_id == unit.pk:
            return a
    raise Assignment.DoesNotExist(f"no assignment of unit {unit.pk} on task {task.pk}")


# ---------------------------------------------------------------- the record


def _append_event(
    *,
    directive: Directive,
    task: Task | None,
    kind: str,
    at: datetime,
    by: User | None,
    unit: Unit | None,
    payload: dict[str, Any],
) -> Event:
    holder: Task | Directive = task if task is not None else directive
    stream = f"t:{task.pk}" if task is not None else f"d:{directive.pk}"
    seq = holder.event_seq + 1
    prev = holder.head_hash or GENESIS
    body = canonical(
        stream=stream,
        seq=seq,
        kind=kind,
        at=at,
        actor_id=by.pk if by else None,
        actor_unit_id=unit.pk if unit else None,
        directive_id=directive.pk,
        task_id=task.pk if task else None,
        payload=payload,
    )
    event = Event(
        stream=stream,
        seq=seq,
        directive=directive,
        task=task,
        kind=kind,
        at=at,
        actor=by,
        actor_unit=unit,
        payload=payload,
        prev_hash=prev,
        hash=event_hash(prev, body),
    )
    event.save()
    holder.event_seq, holder.head_hash = seq, event.hash
    return event


def state_of(task: Task, *, rows: Sequence[Assignment] | None = None) -> rules.TaskState:
    """The stored projection of a task as a TaskState (`rows`: its assignments, if read)."""
    values = {name: getattr(task, name) for name in rules.TaskState.task_fields()}
    state = rules.TaskState(**values)
    state.assignments = {
        a.unit_id: rules.AssignmentState(
            role=a.role,
            position=a.position,
            status=a.status,
            assigned_at=a.assigned_at,
            received_at=a.received_at,
            return_reason=a.return_reason,
        )
        for a in (task.assignments.all() if rows is None else rows)
    }
    return state


def store_state(
    task: Task, state: rules.TaskState, *, rows: Sequence[Assignment] | None = None
) -> None:
    """Write a TaskState onto the task row and its assignment rows (`rows`: the assignment
    rows as read for `state_of`, in the same transaction, when the caller has them)."""
    names = rules.TaskState.task_fields()
    counted_as = tally.keys_of(task)
    for name in names:
        setattr(task, name, getattr(state, name))
    task.save(update_fields=[*names, "event_seq", "head_hash"])
    tally.moved(counted_as, tally.keys_of(task))  # the dashboard's counts, same transaction
    existing = {a.unit_id: a for a in (task.assignments.all() if rows is None else rows)}
    for unit_id, a_state in state.assignments.items():
        row = existing.get(unit_id) or Assignment(task=task, unit_id=unit_id)
        changed = row.pk is None or any(
            getattr(row, f) != getattr(a_state, f)
            for f in ("role", "position", "status", "assigned_at", "received_at", "return_reason")
        )
        if changed:
            row.role, row.position, row.status = a_state.role, a_state.position, a_state.status
            row.assigned_at, row.received_at = a_state.assigned_at, a_state.received_at
            row.return_reason = a_state.return_reason
            row.save()
            # Rows read with the task (`_lock`, a prefetch) may now be missing a new row
            # or be out of their (task, position) order: read them again when next asked.
            getattr(task, "_prefetched_objects_cache", {}).pop("assignments", None)


def record(
    task: Task,
    *,
    kind: str,
    at: datetime,
    by: User | None,
    unit: Unit | None,
    payload: dict[str, Any],
    ctx: rules.RuleContext | None = None,
) -> Event:
    """Append one task event and update the projection with the same fold `rebuild` uses."""
    ctx = ctx or rule_context()
    rows = list(task.assignments.all())  # read once for the fold and the write-back
    new_state = rules.apply(
        state_of(task, rows=rows),
        kind=kind,
        at=at,
        payload=payload,
        unit_id=unit.pk if unit else None,
        ctx=ctx,
    )
    event = _append_event(
        directive=task.directive, task=task, kind=kind, at=at, by=by, unit=unit, payload=payload
    )
    store_state(task, new_state, rows=rows)
    return event


# ---------------------------------------------------------------- attachments

MAX_ATTACHMENT_BYTES = uploads.MAX_FILE_BYTES
_Checked = uploads.Checked


def _check_attachments(files: Sequence[File[Any]], *, task: Task | None = None) -> list[_Checked]:
    """Read each file once for its size, SM3 (kept in the event) and type (work.uploads),
    refusing bad ones; with `task`, within the task's attachment quota."""
    task_bytes = 0
    if task is not None and files:
        task_bytes = Attachment.objects.filter(task=task).aggregate(n=Sum("size"))["n"] or 0
    try:
        return uploads.check_files(files, task_bytes=task_bytes)
    except uploads.UploadRefused as e:
        raise Invalid(e.message, log=e.log, field="attachments") from None


def attachment_payload(checked: Sequence[_Checked]) -> list[dict[str, Any]]:
    # The digest under its algorithm's name: older events say "sha256", newer "sm3".
    return [{"name": c.name, "size": c.size, c.algorithm: c.digest} for c in checked]


def _store_attachments(
    checked: Sequence[_Checked],
    *,
    by: User,
    now: datetime,
    event: Event,
    directive: Directive | None = None,
    task: Task | None = None,
) -> None:
    # Files are written inside the transaction; if it rolls back, the file stays on disk
    # unreferenced (harmless, and cheaper than a two-phase store).
    for c in checked:
        Attachment(
            directive=directive,
            task=task,
            event=event,
            file=File(c.file, name=uploads.stored_name(c.name)),
            name=c.name,
            size=c.size,
            algorithm=c.algorithm,
            digest=c.digest,
            uploaded_at=now,
            uploaded_by=by,
        ).save()


def _require_received(task: Task, unit: Unit, what: str) -> None:
    a = assignment_of(task, unit)
    if a.status not in (AssignmentStatus.RECEIVED, AssignmentStatus.DONE):
        raise Invalid(
            f"{unit.label}尚未签收该事项，请先签收再{what}。",
            log=f"assignment {a.pk} is {a.status}",
        )


def _units_on(task: Task) -> list[Unit]:
    """The units still working on a task: not reassigned away, not having returned it."""
    return [
        a.unit
        for a in task.assignments.select_related("unit").exclude(
            status__in=[AssignmentStatus.REPLACED, AssignmentStatus.RETURNED]
        )
    ]


def _supervisors() -> list[User]:
    return list(User.objects.filter(role=Role.SUPERVISOR, is_active=True))


def lapse_extensions(
    task: Task,
    *,
    why: str,
    by: User,
    now: datetime,
    units: Iterable[int] | None = None,
) -> list[ExtensionRequest]:
    """Close the pending extension requests a transition makes moot (of `units` if given).

    Called by close, withdraw, a lead's return and a reassignment away from the lead, just
    before their own event, so the timeline reads "延期申请失效" then the transition, and a
    request is never left waiting on a task where nobody can decide it.
    """
    pending = task.extensions.select_for_update().filter(status=ExtensionStatus.PENDING)
    if units is not None:
        pending = pending.filter(unit_id__in=list(units))
    lapsed = []
    for req in pending.select_related("unit").order_by("pk"):
        record(
            task,
            kind=EventKind.EXTENSION_LAPSED,
            at=now,
            by=by,
            unit=by.unit,
            payload={"request": req.pk, "reason": why},
        )
        req.status, req.decided_by, req.decided_at = ExtensionStatus.LAPSED, by, now
        req.decision_reason = why
        req.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        enqueue_for_units(
            [req.unit],
            kind="extension_lapsed",
            title=f"延期申请已失效：{task.content[:40]}",
            body=why,
            task=task,
            now=now,
        )
        lapsed.append(req)
    return lapsed


def lapse_unit_reviews(
    task: Task,
    *,
    why: str,
    by: User,
    now: datetime,
    units: Iterable[int] | None = None,
) -> int:
    """Close the submissions waiting at a unit head (单位审核) that a transition makes moot.

    Like `lapse_extensions`: called just before the transition's own event (撤销, 销号, a
    unit's 退回, 改派, the lead's 报送办结), so no submission waits for a decision that could
    no longer go anywhere. The liaison who wrote it is told why.
    """
    pending = task.unit_reviews.select_for_update().filter(status=ReviewStatus.PENDING)
    if units is not None:
        pending = pending.filter(unit_id__in=list(units))
    n = 0
    for review in pending.select_related("prepared_by").order_by("pk"):
        record(
            task,
            kind=EventKind.UNIT_REVIEW_LAPSED,
            at=now,
            by=by,
            unit=by.unit,
            payload={"review": review.pk, "reason": why},
        )
        review.status, review.decided_by, review.decided_at = ReviewStatus.LAPSED, by, now
        review.decision_reason = why
        review.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        enqueue_for_users(
            [review.prepared_by],
            kind="unit_review_lapsed",
            title=f"{review.get_what_display()}已失效：{task.content[:40]}",
            body=why,
            task=task,
            now=now,
        )
        n += 1
    return n
