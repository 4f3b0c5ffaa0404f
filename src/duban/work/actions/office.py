"""The office's decisions: 延期审批, 催办, 批示, 审核, 销号, 撤销, 回音."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from duban.notify.outbox import enqueue_for_units, enqueue_for_users
from duban.org.models import Role, User
from duban.work import selectors
from duban.work.actions.core import (
    _append_event,
    _lock,
    _now,
    _require_role,
    _require_state,
    _require_supervisor,
    _units_on,
    action,
    lapse_extensions,
    lapse_unit_reviews,
    record,
    require_text,
)
from duban.work.context import rule_context
from duban.work.errors import Invalid, Refused
from duban.work.models import (
    AssignmentStatus,
    Directive,
    DirectiveStatus,
    EventKind,
    ExtensionRequest,
    ExtensionStatus,
    SilentCoUnits,
    Task,
    TaskStatus,
    loop_config,
)


@action
def decide_extension(
    *,
    request: ExtensionRequest,
    approve: bool,
    by: User,
    reason: str = "",
    new_due: date | None = None,
    now: datetime | None = None,
) -> ExtensionRequest:
    """延期审批: the office approves (possibly with another date) or rejects with a reason."""
    now = _now(now)
    _require_supervisor(by, "审批延期")
    task = _lock(request.task)
    req = ExtensionRequest.objects.select_for_update().get(pk=request.pk)
    if req.status != ExtensionStatus.PENDING:
        raise Invalid("该延期申请已审批。", log=f"extension {req.pk} is {req.status}")
    _require_state(task, EventKind.EXTENSION_DECIDED, "审批延期")
    if not approve:
        reason = require_text(reason, "reason", "不同意的理由")
    assert task.due is not None
    granted = new_due or req.requested_due
    if approve and granted <= task.due:
        raise Invalid(
            f"批准的新时限须晚于现时限{task.due:%Y年%m月%d日}。",
            log="granted not later",
            field="new_due",
        )
    ctx = rule_context()
    payload: dict[str, Any] = {"request": req.pk, "approved": approve, "reason": reason.strip()}
    if approve:
        payload |= {
            "new_due": granted.isoformat(),
            "due_provisional": not ctx.calendar.is_known_year(granted.year),
            "original_due": (task.due_original or task.due).isoformat(),
        }
    record(
        task,
        kind=EventKind.EXTENSION_DECIDED,
        at=now,
        by=by,
        unit=by.unit,
        payload=payload,
        ctx=ctx,
    )
    req.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REJECTED
    req.decided_by, req.decided_at, req.decision_reason = by, now, reason.strip()
    req.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    enqueue_for_units(
        [req.unit],
        kind="extension_decided",
        title=("同意延期" if approve else "不同意延期") + f"：{task.content[:40]}",
        body=(f"新时限：{granted:%Y年%m月%d日}" if approve else f"理由：{reason}"),
        task=task,
        now=now,
    )
    return req


@action
def urge(*, task: Task, message: str, by: User, now: datetime | None = None) -> Task:
    """催办: a recorded reminder from the office (or the leader in charge) to the units."""
    now = _now(now)
    task = _lock(task)
    _require_role(by, {Role.SUPERVISOR, Role.LEADER}, "催办")
    if by.role == Role.LEADER and (by.leader_id is None or by.leader_id != task.leader_id):
        raise Refused("县领导只能催办本人牵头的事项。", log="leader urging another line")
    _require_state(task, EventKind.URGED, "催办")
    message = require_text(message, "message", "催办内容")
    record(task, kind=EventKind.URGED, at=now, by=by, unit=by.unit, payload={"message": message})
    units = _units_on(task)
    enqueue_for_units(
        units, kind="urged", title=f"催办：{task.content[:40]}", body=message, task=task, now=now
    )
    return task


@action
def comment(*, task: Task, text: str, by: User, now: datetime | None = None) -> Task:
    """领导批示/意见: a leader's (or the office's) instruction on a task, sent to its units."""
    now = _now(now)
    _require_role(by, {Role.LEADER, Role.SUPERVISOR}, "批示")
    task = _lock(task)
    _require_state(task, EventKind.COMMENTED, "批示")
    text = require_text(text, "text", "批示内容")
    record(task, kind=EventKind.COMMENTED, at=now, by=by, unit=by.unit, payload={"text": text})
    units = _units_on(task)
    enqueue_for_units(
        units,
        kind="commented",
        title=f"{by.full_name or by.username}批示：{task.content[:30]}",
        body=text,
        task=task,
        now=now,
    )
    return task


@action
def verify(
    *,
    task: Task,
    accept: bool,
    by: User,
    reason: str = "",
    confirm_silent_co: bool = False,
    now: datetime | None = None,
) -> Task:
    """审核: accept the done report, or send it back (退回重办) with a reason.

    Accepting a task whose co-units never signed or never reported follows the county's
    setting (`LoopConfig.silent_co_units`): refused, or — the default — allowed only when
    the verifier confirms it, and then recorded in the event (`silent_co`).
    """
    now = _now(now)
    _require_supervisor(by, "审核办结")
    task = _lock(task)
    kind = EventKind.VERIFIED if accept else EventKind.SENT_BACK
    _require_state(task, kind, "审核")
    if not accept:
        reason = require_text(reason, "reason", "退回重办的理由")
    payload: dict[str, Any] = {"reason": reason.strip()}
    silent = [c for c in selectors.co_inputs(task) if c.silent] if accept else []
    if silent:
        names = "、".join(c.unit.label for c in silent)
        if loop_config().silent_co_units == SilentCoUnits.BLOCK:
            raise Invalid(
                f"配合单位{names}尚未签收或未报送办理情况，按本县设置不能审核通过。",
                log=f"task {task.pk}: silent co-units block verification",
                field="confirm_co",
            )
        if not confirm_silent_co:
            raise Invalid(
                f"配合单位{names}尚未签收或未报送办理情况。如确认审核通过，请勾选确认。",
                log=f"task {task.pk}: silent co-units not confirmed",
                field="confirm_co",
            )
        payload["silent_co"] = [c.unit.pk for c in silent]
        payload["silent_co_confirmed"] = True
    record(task, kind=kind, at=now, by=by, unit=by.unit, payload=payload)
    if not accept:
        assert task.lead_unit is not None
        enqueue_for_units(
            [task.lead_unit],
            kind="sent_back",
            title=f"退回重办：{task.content[:40]}",
            body=reason,
            task=task,
            now=now,
        )
    return task


@action
def close(*, task: Task, by: User, note: str = "", now: datetime | None = None) -> Task:
    """办结销号: close a verified task; its light settles to on time or late."""
    now = _now(now)
    _require_supervisor(by, "办结销号")
    task = _lock(task)
    _require_state(task, EventKind.CLOSED, "销号")
    lapse_extensions(task, why="事项已办结销号，延期申请不再审批。", by=by, now=now)
    lapse_unit_reviews(task, why="事项已办结销号，单位审核中的报送不再报出。", by=by, now=now)
    record(task, kind=EventKind.CLOSED, at=now, by=by, unit=by.unit, payload={"note": note.strip()})
    assert task.lead_unit is not None
    enqueue_for_units(
        [task.lead_unit],
        kind="closed",
        title=f"已办结销号：{task.content[:40]}",
        body="",
        task=task,
        now=now,
    )
    return task


@action
def withdraw(*, task: Task, reason: str, by: User, now: datetime | None = None) -> Task:
    """撤销: take a task out of the work; it stays in the ledger with the reason."""
    now = _now(now)
    _require_supervisor(by, "撤销事项")
    task = _lock(task)
    _require_state(task, EventKind.WITHDRAWN, "撤销")
    reason = require_text(reason, "reason", "撤销原因")
    _withdraw_task(task, reason, by, now)
    return task


def _withdraw_task(task: Task, reason: str, by: User, now: datetime) -> None:
    was_assigned = task.status != TaskStatus.DRAFT
    lapse_extensions(task, why=f"事项已撤销（{reason}），延期申请不再审批。", by=by, now=now)
    lapse_unit_reviews(
        task, why=f"事项已撤销（{reason}），单位审核中的报送不再报出。", by=by, now=now
    )
    record(task, kind=EventKind.WITHDRAWN, at=now, by=by, unit=by.unit, payload={"reason": reason})
    if was_assigned:
        units = [
            a.unit
            for a in task.assignments.select_related("unit").exclude(
                status=AssignmentStatus.REPLACED
            )
        ]
        enqueue_for_units(
            units,
            kind="withdrawn",
            title=f"事项已撤销：{task.content[:40]}",
            body=f"撤销原因：{reason}",
            task=task,
            now=now,
        )


@action
def withdraw_directive(
    *, directive: Directive, reason: str, by: User, now: datetime | None = None
) -> Directive:
    """撤销来文: withdraws the directive and every task of it not yet closed."""
    now = _now(now)
    _require_supervisor(by, "撤销来文")
    directive = Directive.objects.select_for_update(no_key=True).get(pk=directive.pk)
    if directive.status in (DirectiveStatus.WITHDRAWN, DirectiveStatus.REPORTED_BACK):
        raise Invalid(
            f"来文{directive.code}已{directive.get_status_display()}，不能撤销。",
            log=f"directive {directive.pk} is {directive.status}",
        )
    reason = require_text(reason, "reason", "撤销原因")
    # The directive, then its tasks in id order: the one lock order of directive-level actions.
    for task in (
        directive.tasks.select_for_update(no_key=True)
        .exclude(status__in=[TaskStatus.CLOSED, TaskStatus.WITHDRAWN])
        .order_by("id")
    ):
        _withdraw_task(task, reason, by, now)
    _append_event(
        directive=directive,
        task=None,
        kind=EventKind.WITHDRAWN,
        at=now,
        by=by,
        unit=by.unit,
        payload={"reason": reason},
    )
    directive.status, directive.withdrawn_reason = DirectiveStatus.WITHDRAWN, reason
    directive.save(update_fields=["status", "withdrawn_reason", "event_seq", "head_hash"])
    return directive


@action
def report_back(
    *, directive: Directive, text: str, by: User, now: datetime | None = None
) -> Directive:
    """回音: the consolidated answer to the issuer, once every task is closed or withdrawn."""
    now = _now(now)
    _require_supervisor(by, "回音")
    directive = Directive.objects.select_for_update(no_key=True).get(pk=directive.pk)
    if directive.status != DirectiveStatus.ACTIVE:
        raise Invalid(
            f"来文{directive.code}当前为“{directive.get_status_display()}”，不能回音。",
            log=f"directive {directive.pk} is {directive.status}",
        )
    # Task actions lock only their task (core._lock), so lock the tasks here: a task reopened
    # meanwhile either commits first (and is seen open) or waits for this answer.
    list(directive.tasks.select_for_update(no_key=True).order_by("id").values_list("id"))
    open_tasks = directive.tasks.exclude(status__in=[TaskStatus.CLOSED, TaskStatus.WITHDRAWN])
    if open_tasks.exists():
        numbers = "、".join(t.code for t in open_tasks[:5])
        raise Invalid(
            f"尚有事项未办结（{numbers}），办结或撤销后才能回音。",
            log=f"directive {directive.pk} has open tasks",
        )
    if not directive.tasks.filter(status=TaskStatus.CLOSED).exists():
        raise Invalid("没有已办结的事项，无需回音；如不再办理请撤销来文。", log="nothing closed")
    text = require_text(text, "text", "回音内容")
    _append_event(
        directive=directive,
        task=None,
        kind=EventKind.REPORTED_BACK,
        at=now,
        by=by,
        unit=by.unit,
        payload={"text": text},
    )
    directive.status, directive.reported_back_at = DirectiveStatus.REPORTED_BACK, now
    directive.report_back_text = text
    directive.save(
        update_fields=["status", "reported_back_at", "report_back_text", "event_seq", "head_hash"]
    )
    if directive.issuer_leader_id is not None:
        # 事事有回音: the leader who wrote the 批示 hears how it was carried out.
        enqueue_for_users(
            list(
                User.objects.filter(
                    role=Role.LEADER, leader_id=directive.issuer_leader_id, is_active=True
                )
            ),
            kind="reported_back",
            title=f"回音：{directive.title[:40]}",
            body=text[:500],
            directive=directive,
            now=now,
        )
    return directive
