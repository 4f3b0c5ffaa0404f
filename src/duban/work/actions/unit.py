"""The units' side: 签收 receive, 退回 return, 报送进展, 延期申请, 办结报告."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from django.core.files import File
from django.utils import timezone

from duban.notify.outbox import enqueue_for_users
from duban.org.models import User
from duban.work import rules
from duban.work.actions.core import (
    _check_attachments,
    _lock,
    _now,
    _require_received,
    _require_state,
    _store_attachments,
    _supervisors,
    _unit_of,
    action,
    attachment_payload,
    lapse_extensions,
    record,
    require_text,
)
from duban.work.errors import Invalid
from duban.work.models import (
    AssignmentRole,
    AssignmentStatus,
    EventKind,
    ExtensionRequest,
    ExtensionStatus,
    ProgressReport,
    Task,
)

# ---------------------------------------------------------------- the units' side


@action
def receive(*, task: Task, by: User, now: datetime | None = None) -> Task:
    """签收: the actor's unit acknowledges its assignment."""
    now = _now(now)
    task = _lock(task)
    unit = _unit_of(by, task, "签收")
    _require_state(task, EventKind.RECEIVED, "签收")
    a = task.assignments.get(unit=unit)
    if a.status != AssignmentStatus.PENDING:
        raise Invalid(
            f"{unit.label}的承办状态为“{a.get_status_display()}”，无需再签收。",
            log=f"assignment {a.pk} is {a.status}",
        )
    record(task, kind=EventKind.RECEIVED, at=now, by=by, unit=unit, payload={})
    return task


@action
def return_(*, task: Task, reason: str, by: User, now: datetime | None = None) -> Task:
    """退回: the actor's unit says the task is not its own; the office must reassign."""
    now = _now(now)
    task = _lock(task)
    unit = _unit_of(by, task, "退回")
    _require_state(task, EventKind.RETURNED, "退回")
    reason = require_text(reason, "reason", "退回理由")
    a = task.assignments.get(unit=unit)
    if a.status not in (AssignmentStatus.PENDING, AssignmentStatus.RECEIVED):
        raise Invalid(
            f"{unit.label}的承办状态为“{a.get_status_display()}”，不能退回。",
            log=f"assignment {a.pk} is {a.status}",
        )
    if unit.pk == task.lead_unit_id:
        # The lead gives the task back: its request for more time goes with it.
        lapse_extensions(
            task, why="牵头单位已退回事项，延期申请不再审批。", by=by, now=now, units=[unit.pk]
        )
    record(task, kind=EventKind.RETURNED, at=now, by=by, unit=unit, payload={"reason": reason})
    enqueue_for_users(
        _supervisors(),
        kind="returned",
        title=f"{unit.label}退回事项：{task.content[:40]}",
        body=f"退回理由：{reason}",
        task=task,
        now=now,
    )
    return task


@action
def report_progress(
    *,
    task: Task,
    text: str,
    by: User,
    attachments: Sequence[File[Any]] = (),
    now: datetime | None = None,
) -> ProgressReport:
    """报送进展: a report, counted for the task's next (or a missed) cycle slot."""
    now = _now(now)
    task = _lock(task)
    unit = _unit_of(by, task, "报送进展")
    _require_state(task, EventKind.PROGRESS, "报送进展")
    _require_received(task, unit, "报送进展")
    text = require_text(text, "text", "进展情况")
    checked = _check_attachments(attachments, task=task)
    slot: date | None = None
    if unit.pk == task.lead_unit_id and task.assigned_at and task.due:
        from duban.work.lights import report_slots, slot_for_report

        today = timezone.localdate(now)
        slots = report_slots(
            task.cycle,
            task.cycle_day,
            rules.cycle_start(task.assigned_at, task.cycle_from),
            task.due,
        )
        slot = slot_for_report(slots, [date.fromisoformat(s) for s in task.reported_slots], today)
    late = slot is not None and slot < timezone.localdate(now)
    event = record(
        task,
        kind=EventKind.PROGRESS,
        at=now,
        by=by,
        unit=unit,
        payload={
            "text": text,
            "slot": slot.isoformat() if slot else None,
            "late": late,
            "attachments": attachment_payload(checked),
        },
    )
    _store_attachments(checked, by=by, now=now, event=event, task=task)
    report = ProgressReport(
        task=task, unit=unit, author=by, at=now, slot=slot, late=late, text=text, event=event
    )
    report.save()
    return report


@action
def request_extension(
    *, task: Task, new_due: date, reason: str, by: User, now: datetime | None = None
) -> ExtensionRequest:
    """延期申请: only the lead unit, only before the deadline, one open request at a time."""
    now = _now(now)
    task = _lock(task)
    unit = _unit_of(by, task, "申请延期", lead_only=True)
    _require_state(task, EventKind.EXTENSION_REQUESTED, "申请延期")
    reason = require_text(reason, "reason", "延期理由")
    assert task.due is not None
    today = timezone.localdate(now)
    if today > task.due:
        raise Invalid(
            f"已超过完成时限{task.due:%Y年%m月%d日}，不能再申请延期，请尽快办结。",
            log=f"extension after due {task.due}",
            field="new_due",
        )
    if new_due <= task.due:
        raise Invalid(
            f"申请的新时限须晚于现时限{task.due:%Y年%m月%d日}。",
            log=f"new_due {new_due} not after {task.due}",
            field="new_due",
        )
    if task.extensions.filter(status=ExtensionStatus.PENDING).exists():
        raise Invalid("该事项已有待审批的延期申请。", log="pending extension exists")
    req = ExtensionRequest(
        task=task,
        unit=unit,
        requested_by=by,
        requested_at=now,
        current_due=task.due,
        requested_due=new_due,
        reason=reason,
    )
    req.save()
    record(
        task,
        kind=EventKind.EXTENSION_REQUESTED,
        at=now,
        by=by,
        unit=unit,
        payload={"request": req.pk, "requested_due": new_due.isoformat(), "reason": reason},
    )
    enqueue_for_users(
        _supervisors(),
        kind="extension_requested",
        title=f"{unit.label}申请延期：{task.content[:40]}",
        body=f"申请延至{new_due:%Y年%m月%d日}。理由：{reason}",
        task=task,
        now=now,
    )
    return req


@action
def submit_done(
    *,
    task: Task,
    text: str,
    by: User,
    attachments: Sequence[File[Any]] = (),
    now: datetime | None = None,
) -> Task:
    """办结报告: a co-unit reports its part done; the lead unit consolidates and submits the task.

    The lead unit's submission carries the co-units' latest input (their done reports, else
    their latest progress reports) so the office sees one consolidated report.
    """
    now = _now(now)
    task = _lock(task)
    unit = _unit_of(by, task, "报送办结")
    _require_state(task, EventKind.SUBMITTED, "报送办结")
    _require_received(task, unit, "报送办结")
    text = require_text(text, "text", "办结情况")
    checked = _check_attachments(attachments, task=task)
    payload: dict[str, Any] = {"text": text, "attachments": attachment_payload(checked)}
    if unit.pk == task.lead_unit_id:
        payload["co_inputs"] = _co_inputs(task)
    elif task.assignments.get(unit=unit).status == AssignmentStatus.DONE:
        raise Invalid(f"{unit.label}已报送过本单位办理情况。", log="co unit already done")
    event = record(task, kind=EventKind.SUBMITTED, at=now, by=by, unit=unit, payload=payload)
    _store_attachments(checked, by=by, now=now, event=event, task=task)
    if unit.pk == task.lead_unit_id:
        enqueue_for_users(
            _supervisors(),
            kind="submitted",
            title=f"待审核：{task.content[:40]}",
            body=text[:200],
            task=task,
            now=now,
        )
    return task


def _co_inputs(task: Task) -> list[dict[str, Any]]:
    inputs = []
    co = task.assignments.filter(role=AssignmentRole.CO).exclude(
        status__in=[AssignmentStatus.REPLACED, AssignmentStatus.RETURNED]
    )
    for a in co.select_related("unit"):
        last = (
            task.events.filter(
                actor_unit=a.unit, kind__in=[EventKind.SUBMITTED, EventKind.PROGRESS]
            )
            .order_by("-seq")
            .first()
        )
        inputs.append(
            {
                "unit": a.unit_id,
                "done": a.status == AssignmentStatus.DONE,
                "text": last.payload.get("text", "") if last else "",
            }
        )
    return inputs
