"""The units' side: 签收 receive, 退回 return, 报送进展, 延期申请, 办结报告."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from django.core.files import File
from django.utils import timezone

from duban.notify.outbox import enqueue_for_users
from duban.org.models import Role, Unit, User
from duban.work import rules
from duban.work.actions.core import (
    _check_attachments,
    _lock,
    _now,
    _require_received,
    _require_role,
    _require_state,
    _store_attachments,
    _supervisors,
    _unit_of,
    action,
    assignment_of,
    attachment_payload,
    lapse_extensions,
    lapse_unit_reviews,
    record,
    require_text,
)
from duban.work.errors import Invalid, Refused
from duban.work.models import (
    AssignmentRole,
    AssignmentStatus,
    Event,
    EventKind,
    ExtensionRequest,
    ExtensionStatus,
    ProgressReport,
    ReviewStatus,
    ReviewWhat,
    Task,
    UnitReview,
    loop_config,
)

# ---------------------------------------------------------------- the units' side


@action
def receive(*, task: Task, by: User, now: datetime | None = None) -> Task:
    """签收: the actor's unit acknowledges its assignment."""
    now = _now(now)
    task = _lock(task)
    unit = _unit_of(by, task, "签收")
    _require_state(task, EventKind.RECEIVED, "签收")
    a = assignment_of(task, unit)
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
    a = assignment_of(task, unit)
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
    lapse_unit_reviews(
        task,
        why=f"{unit.label}已退回事项，单位审核中的报送不再报出。",
        by=by,
        now=now,
        units=[unit.pk],
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
    _require_not_held(by, ReviewWhat.PROGRESS)
    text = require_text(text, "text", "进展情况")
    checked = _check_attachments(attachments, task=task)
    report = _progress(task, unit, by, text, attachment_payload(checked), now)
    _store_attachments(checked, by=by, now=now, event=report.event, task=task)
    return report


def _progress(
    task: Task,
    unit: Unit,
    by: User,
    text: str,
    files: list[dict[str, Any]],
    now: datetime,
    extra: dict[str, Any] | None = None,
) -> ProgressReport:
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
            "attachments": files,
            **(extra or {}),
        },
    )
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
    _require_not_held(by, ReviewWhat.EXTENSION)
    reason = require_text(reason, "reason", "延期理由")
    _check_extension(task, new_due, now)
    return _extension(task, unit, by, new_due, reason, now)


def _check_extension(task: Task, new_due: date, now: datetime) -> None:
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


def _extension(
    task: Task,
    unit: Unit,
    by: User,
    new_due: date,
    reason: str,
    now: datetime,
    extra: dict[str, Any] | None = None,
) -> ExtensionRequest:
    assert task.due is not None
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
        payload={
            "request": req.pk,
            "requested_due": new_due.isoformat(),
            "reason": reason,
            **(extra or {}),
        },
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
    _require_not_done(task, unit)
    _require_not_held(by, ReviewWhat.SUBMIT)
    text = require_text(text, "text", "办结情况")
    checked = _check_attachments(attachments, task=task)
    event = _submit(task, unit, by, text, attachment_payload(checked), now)
    _store_attachments(checked, by=by, now=now, event=event, task=task)
    return task


def _require_not_done(task: Task, unit: Unit) -> None:
    if unit.pk != task.lead_unit_id and assignment_of(task, unit).status == AssignmentStatus.DONE:
        raise Invalid(f"{unit.label}已报送过本单位办理情况。", log="co unit already done")


def _submit(
    task: Task,
    unit: Unit,
    by: User,
    text: str,
    files: list[dict[str, Any]],
    now: datetime,
    extra: dict[str, Any] | None = None,
) -> Event:
    payload: dict[str, Any] = {"text": text, "attachments": files, **(extra or {})}
    lead = unit.pk == task.lead_unit_id
    if lead:
        payload["co_inputs"] = _co_inputs(task)
        # The whole task goes to the office: what still waits at a unit head is moot.
        lapse_unit_reviews(
            task, why="牵头单位已报送办结，单位审核中的报送不再报出。", by=by, now=now
        )
    event = record(task, kind=EventKind.SUBMITTED, at=now, by=by, unit=unit, payload=payload)
    if lead:
        enqueue_for_users(
            _supervisors(),
            kind="submitted",
            title=f"待审核：{task.content[:40]}",
            body=text[:200],
            task=task,
            now=now,
        )
    return event


# ---------------------------------------------------------------- 单位审核


def needs_unit_review(by: User, what: str) -> bool:
    """Whether a submission of `by` waits for the unit head (LoopConfig.unit_review).

    Only a liaison's; a unit head's own goes out directly. A unit without an active head
    account is not held: nobody there could approve it (docs/decisions.md).
    """
    if by.role != Role.LIAISON or by.unit_id is None:
        return False
    config = loop_config()
    if not config.unit_review or (what == ReviewWhat.PROGRESS and not config.unit_review_progress):
        return False
    return User.objects.filter(unit_id=by.unit_id, role=Role.UNIT_HEAD, is_active=True).exists()


def _require_not_held(by: User, what: str) -> None:
    if needs_unit_review(by, what):
        raise Invalid(
            "本县要求联络员的报送经单位负责人审核，请送单位审核。",
            log=f"{what} by liaison {by.username} must go through unit review",
        )


def _heads_of(unit: Unit) -> list[User]:
    return list(User.objects.filter(unit=unit, role=Role.UNIT_HEAD, is_active=True))


@action
def send_for_unit_review(
    *,
    task: Task,
    what: str,
    by: User,
    text: str = "",
    new_due: date | None = None,
    attachments: Sequence[File[Any]] = (),
    now: datetime | None = None,
) -> UnitReview:
    """送单位审核: a liaison's 办结报告, 延期申请 or 进展报告 waits for the unit head.

    The same checks as the direct action run now (so the head is not asked to approve what
    would be refused); they run again when the head approves.
    """
    now = _now(now)
    what = ReviewWhat(what)
    task = _lock(task)
    label = {"submit": "报送办结", "extension": "申请延期", "progress": "报送进展"}[what]
    unit = _unit_of(by, task, label, lead_only=what == ReviewWhat.EXTENSION)
    _require_state(task, EventKind.UNIT_REVIEW_REQUESTED, label)
    forwarded = {
        "submit": EventKind.SUBMITTED,
        "extension": EventKind.EXTENSION_REQUESTED,
        "progress": EventKind.PROGRESS,
    }[what]
    _require_state(task, forwarded, label)
    if not needs_unit_review(by, what):
        raise Invalid("本单位的报送无需单位审核，请直接报送。", log=f"{what} not held for {by}")
    if what != ReviewWhat.EXTENSION:
        _require_received(task, unit, label)
    if what == ReviewWhat.SUBMIT:
        _require_not_done(task, unit)
    field = "reason" if what == ReviewWhat.EXTENSION else "text"
    text = require_text(
        text, field, {"submit": "办结情况", "extension": "延期理由", "progress": "进展情况"}[what]
    )
    if what == ReviewWhat.EXTENSION:
        if new_due is None:
            raise Invalid("请填写申请的新时限。", log="no new_due", field="new_due")
        _check_extension(task, new_due, now)
    if task.unit_reviews.filter(unit=unit, what=what, status=ReviewStatus.PENDING).exists():
        raise Invalid(
            f"本单位已有一份{ReviewWhat(what).label}待单位负责人审核。",
            log=f"pending unit review of {what} exists",
        )
    checked = _check_attachments(attachments, task=task) if what != "extension" else []
    review = UnitReview(
        task=task,
        unit=unit,
        what=what,
        prepared_by=by,
        prepared_at=now,
        text=text,
        requested_due=new_due if what == ReviewWhat.EXTENSION else None,
    )
    payload: dict[str, Any] = {"what": str(what), "text": text}
    if what == ReviewWhat.EXTENSION:
        assert new_due is not None
        payload["requested_due"] = new_due.isoformat()
    else:
        payload["attachments"] = attachment_payload(checked)
    review.save()  # numbered first: its event names it
    payload["review"] = review.pk
    event = record(
        task, kind=EventKind.UNIT_REVIEW_REQUESTED, at=now, by=by, unit=unit, payload=payload
    )
    review.event = event
    review.save(update_fields=["event"])
    _store_attachments(checked, by=by, now=now, event=event, task=task)
    enqueue_for_users(
        _heads_of(unit),
        kind="unit_review_requested",
        title=f"待单位审核：{ReviewWhat(what).label}　{task.content[:30]}",
        body=text[:200],
        task=task,
        now=now,
    )
    return review


@action
def decide_unit_review(
    *,
    review: UnitReview,
    approve: bool,
    by: User,
    reason: str = "",
    now: datetime | None = None,
) -> UnitReview:
    """单位审核: the unit head approves (it goes to the office as the liaison wrote it) or
    returns it to the liaison with a reason."""
    now = _now(now)
    _require_role(by, {Role.UNIT_HEAD}, "单位审核")
    task = _lock(review.task)
    review = UnitReview.objects.select_for_update().select_related("prepared_by").get(pk=review.pk)
    if by.unit_id != review.unit_id:
        raise Refused(
            "只有本单位负责人可以审核本单位的报送。",
            log=f"head of unit {by.unit_id} deciding review of unit {review.unit_id}",
        )
    if review.status != ReviewStatus.PENDING:
        raise Invalid(
            f"该{review.get_what_display()}已{review.get_status_display()}，无需再审核。",
            log=f"unit review {review.pk} is {review.status}",
        )
    _require_state(task, EventKind.UNIT_REVIEW_DECIDED, "单位审核")
    if not approve:
        reason = require_text(reason, "reason", "退回理由")
    record(
        task,
        kind=EventKind.UNIT_REVIEW_DECIDED,
        at=now,
        by=by,
        unit=by.unit,
        payload={"review": review.pk, "approved": approve, "reason": reason.strip()},
    )
    review.status = ReviewStatus.APPROVED if approve else ReviewStatus.RETURNED
    review.decided_by, review.decided_at, review.decision_reason = by, now, reason.strip()
    review.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    if approve:
        _forward(task, review, by, now)
    else:
        enqueue_for_users(
            [review.prepared_by],
            kind="unit_review_returned",
            title=f"单位负责人退回{review.get_what_display()}：{task.content[:30]}",
            body=f"退回理由：{reason}",
            task=task,
            now=now,
        )
    return review


def _forward(task: Task, review: UnitReview, head: User, now: datetime) -> None:
    """The approved submission leaves the unit: the event it asked for, in the liaison's
    name, checked as if sent now (a refusal undoes the approval; the head can return it)."""
    unit, author = review.unit, review.prepared_by
    extra = {"unit_review": review.pk, "approved_by": head.pk}
    assert review.event is not None  # set when the review was sent
    files = list(review.event.payload.get("attachments", []))
    if review.what == ReviewWhat.PROGRESS:
        _require_state(task, EventKind.PROGRESS, "报送进展")
        _progress(task, unit, author, review.text, files, now, extra)
    elif review.what == ReviewWhat.EXTENSION:
        _require_state(task, EventKind.EXTENSION_REQUESTED, "申请延期")
        assert review.requested_due is not None
        if task.lead_unit_id != unit.pk:
            raise Invalid(
                f"{unit.label}已不是牵头单位，不能申请延期，请退回经办人。",
                log="extension review of a unit no longer lead",
            )
        _check_extension(task, review.requested_due, now)
        _extension(task, unit, author, review.requested_due, review.text, now, extra)
    else:
        _require_state(task, EventKind.SUBMITTED, "报送办结")
        _require_received(task, unit, "报送办结")
        _require_not_done(task, unit)
        _submit(task, unit, author, review.text, files, now, extra)


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
