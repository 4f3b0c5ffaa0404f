"""The only way to change work records (DESIGN.md "actions"; STYLE.md rule 1).

Each public function here:
- takes the acting user as `by` and the time as `now` (defaulting to the clock),
- locks the task row, checks the actor's role and unit, checks the state against
  `rules.ALLOWED_FROM`, validates the input,
- and in ONE transaction appends the hash-chained Event, updates the projection through
  `rules.apply`, and writes notifications to the outbox.
A refusal raises `Refused` (who) or `Invalid` (what/when) with a Chinese message, and leaves
the database as it was.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ParamSpec, TypeVar

from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Max, Sum
from django.utils import timezone

from duban.audit.chain import GENESIS, canonical, event_hash
from duban.audit.models import AccessKind, AccessLog
from duban.audit.rows import text_digest
from duban.notify.outbox import enqueue_for_units, enqueue_for_users
from duban.org.models import UNIT_ROLES, Leader, Role, Unit, User
from duban.supervise.keys import key_cycle
from duban.work import rules, uploads
from duban.work.context import rule_context
from duban.work.deadlines import describe_due, resolve_due
from duban.work.errors import ActionError, Invalid, Refused
from duban.work.models import (
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    Attachment,
    CalendarYear,
    Cycle,
    DeadlineDefault,
    Directive,
    DirectiveKind,
    DirectiveStatus,
    Event,
    EventKind,
    ExtensionRequest,
    ExtensionStatus,
    ProgressReport,
    Task,
    TaskStatus,
    Urgency,
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
            with transaction.atomic(), writing():
                return fn(*args, **kwargs)
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


def _unit_of(by: User, task: Task, what: str, *, lead_only: bool = False) -> Unit:
    """The actor's unit, which must take part in the task (as its primary lead if asked)."""
    _require_role(by, UNIT_ROLES, what)
    assert by.unit is not None  # guaranteed by the unit_role_has_unit constraint
    a = task.assignments.filter(unit=by.unit).exclude(status=AssignmentStatus.REPLACED).first()
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


def _now(now: datetime | None) -> datetime:
    now = now or timezone.now()
    if timezone.is_naive(now):
        raise ValueError("now must be timezone-aware")
    return now


def _lock(task: Task) -> Task:
    """Re-read the task under a row lock so two actions on one task serialise."""
    return Task.objects.select_for_update().select_related("directive").get(pk=task.pk)


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


def state_of(task: Task) -> rules.TaskState:
    """The stored projection of a task as a TaskState."""
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
        for a in task.assignments.all()
    }
    return state


def store_state(task: Task, state: rules.TaskState) -> None:
    """Write a TaskState onto the task row and its assignment rows."""
    names = rules.TaskState.task_fields()
    for name in names:
        setattr(task, name, getattr(state, name))
    task.save(update_fields=[*names, "event_seq", "head_hash"])
    existing = {a.unit_id: a for a in task.assignments.all()}
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
    new_state = rules.apply(
        state_of(task),
        kind=kind,
        at=at,
        payload=payload,
        unit_id=unit.pk if unit else None,
        ctx=ctx,
    )
    event = _append_event(
        directive=task.directive, task=task, kind=kind, at=at, by=by, unit=unit, payload=payload
    )
    store_state(task, new_state)
    return event


# ---------------------------------------------------------------- attachments

MAX_ATTACHMENT_BYTES = uploads.MAX_FILE_BYTES
_Checked = uploads.Checked


def _check_attachments(files: Sequence[File[Any]], *, task: Task | None = None) -> list[_Checked]:
    """Read each file once for its size, SHA-256 (kept in the event) and type (work.uploads),
    refusing bad ones; with `task`, within the task's attachment quota."""
    task_bytes = 0
    if task is not None and files:
        task_bytes = Attachment.objects.filter(task=task).aggregate(n=Sum("size"))["n"] or 0
    try:
        return uploads.check_files(files, task_bytes=task_bytes)
    except uploads.UploadRefused as e:
        raise Invalid(e.message, log=e.log, field="attachments") from None


def attachment_payload(checked: Sequence[_Checked]) -> list[dict[str, Any]]:
    return [{"name": c.name, "size": c.size, "sha256": c.sha256} for c in checked]


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
            sha256=c.sha256,
            uploaded_at=now,
            uploaded_by=by,
        ).save()


# ---------------------------------------------------------------- directives


@action
def register(
    *,
    kind: str,
    title: str,
    urgency: str,
    received_at: datetime,
    by: User,
    doc_no: str = "",
    issuer: str = "",
    issuer_leader: Leader | None = None,
    text: str = "",
    attachments: Sequence[File[Any]] = (),
    now: datetime | None = None,
) -> Directive:
    """立项/登记: record a directive as received, with its attachments (the 来文 itself)."""
    now = _now(now)
    _require_supervisor(by, "登记来文")
    if kind not in DirectiveKind.values:
        raise Invalid(f"事项来源“{kind}”无效。", log=f"bad kind {kind}", field="kind")
    if urgency not in Urgency.values:
        raise Invalid(f"紧急程度“{urgency}”无效。", log=f"bad urgency {urgency}", field="urgency")
    title = require_text(title, "title", "标题")
    if len(title) > 200:
        raise Invalid("标题不能超过200字。", log="title too long", field="title")
    if received_at > now:
        raise Invalid(
            "收文时间不能晚于登记时间。", log="received_at in future", field="received_at"
        )
    checked = _check_attachments(attachments)
    year = timezone.localtime(now).year
    directive = Directive(
        year=year,
        kind=kind,
        title=title,
        doc_no=doc_no.strip(),
        issuer=issuer.strip() or (str(issuer_leader) if issuer_leader else ""),
        issuer_leader=issuer_leader,
        received_at=received_at,
        urgency=urgency,
        text=text,
        registered_at=now,
        registered_by=by,
    )
    # 登记序号 is max+1 per year; two offices registering at the same instant collide on
    # the unique (year, serial) constraint, so the loser takes the next number.
    for attempt in range(5):
        last = Directive.objects.filter(year=year).aggregate(m=Max("serial"))["m"] or 0
        directive.serial = last + 1
        try:
            with transaction.atomic():
                directive.save()
            break
        except IntegrityError:
            if attempt == 4:
                raise
            directive.pk = None
    event = _append_event(
        directive=directive,
        task=None,
        kind=EventKind.REGISTERED,
        at=now,
        by=by,
        unit=by.unit,
        payload={
            "kind": kind,
            "title": title,
            "doc_no": directive.doc_no,
            "issuer": directive.issuer,
            "issuer_leader": issuer_leader.pk if issuer_leader else None,
            "urgency": urgency,
            "received_at": received_at.isoformat(),
            "text_len": len(text),
            # The full text stays on the row; its SM3 here lets verify see it changed.
            "text_sm3": text_digest(text),
            "attachments": attachment_payload(checked),
        },
    )
    directive.save(update_fields=["event_seq", "head_hash"])
    _store_attachments(checked, by=by, now=now, event=event, directive=directive)
    return directive


@dataclass
class TaskDraft:
    """One task as decomposed from a directive, before it is assigned."""

    content: str
    lead: Sequence[Unit] = ()
    co: Sequence[Unit] = ()
    requirement: str = ""
    leader: Leader | None = None
    due: dict[str, Any] = field(default_factory=dict)  # {"date": …} | {"workdays": n} | {}
    cycle: str = Cycle.NONE
    cycle_day: int | None = None
    is_key: bool = False
    source_paragraph: int | None = None
    source_excerpt: str = ""


def check_due_spec(spec: dict[str, Any], row: str) -> dict[str, Any]:
    if not spec:
        return {}
    if len(spec) != 1 or next(iter(spec)) not in {"date", "workdays", "days", "months"}:
        raise Invalid(f"{row}完成时限格式无效。", log=f"bad due spec {spec}", field="due")
    key, value = next(iter(spec.items()))
    if key == "date":
        try:
            date.fromisoformat(str(value))
        except ValueError:
            raise Invalid(
                f"{row}完成时限“{value}”不是有效日期。", log=f"bad date {value}", field="due"
            ) from None
        return {"date": str(value)}
    if not isinstance(value, int) or not 1 <= value <= 3650:
        raise Invalid(
            f"{row}完成时限天数须为1至3650之间的整数。", log=f"bad n {value}", field="due"
        )
    return {key: value}


def check_cycle(cycle: str, cycle_day: int | None, row: str) -> int | None:
    if cycle not in Cycle.values:
        raise Invalid(f"{row}报送周期“{cycle}”无效。", log=f"bad cycle {cycle}", field="cycle")
    if cycle == Cycle.WEEKLY:
        day = cycle_day or 5
        if not 1 <= day <= 7:
            raise Invalid(f"{row}每周报送日须为周一至周日。", log="bad weekday", field="cycle_day")
        return day
    if cycle == Cycle.MONTHLY:
        day = cycle_day or 5
        if not 1 <= day <= 31:
            raise Invalid(f"{row}每月报送日须为1至31日。", log="bad month day", field="cycle_day")
        return day
    return None


def _check_units(lead: Sequence[Unit], co: Sequence[Unit], row: str) -> None:
    if not lead:
        raise Invalid(f"{row}请指定牵头单位。", log="no lead unit", field="lead")
    ids = [u.pk for u in (*lead, *co)]
    if len(ids) != len(set(ids)):
        raise Invalid(
            f"{row}同一单位不能重复列为牵头或配合单位。", log="duplicate unit", field="co"
        )
    inactive = [u.label for u in (*lead, *co) if not u.is_active]
    if inactive:
        raise Invalid(
            f"{row}单位已停用：{'、'.join(inactive)}。", log="inactive unit", field="lead"
        )


@action
def decompose(
    *, directive: Directive, tasks: Sequence[TaskDraft], by: User, now: datetime | None = None
) -> list[Task]:
    """分解任务: add tasks to a directive (drafts until assigned)."""
    now = _now(now)
    _require_supervisor(by, "分解任务")
    directive = Directive.objects.select_for_update().get(pk=directive.pk)
    if directive.status not in (DirectiveStatus.REGISTERED, DirectiveStatus.ACTIVE):
        raise Invalid(
            f"来文{directive.code}已{directive.get_status_display()}，不能再分解任务。",
            log=f"directive {directive.pk} is {directive.status}",
        )
    if not tasks:
        raise Invalid("请至少分解出一项任务。", log="no tasks", field="tasks")
    ctx = rule_context()
    start = directive.tasks.aggregate(m=Max("number"))["m"] or 0
    created: list[Task] = []
    for i, draft in enumerate(tasks, start=1):
        row = f"第{i}项任务："
        content = require_text(draft.content, "content", f"{row}事项内容")
        due_spec = check_due_spec(draft.due, row)
        cycle_day = check_cycle(draft.cycle, draft.cycle_day, row)
        # 重点督办: a key task reports at least as often as the county's key cycle.
        cycle, cycle_day = key_cycle(draft.cycle, cycle_day, draft.is_key)
        _check_units(draft.lead, draft.co, row)
        task = Task(
            directive=directive,
            number=start + i,
            content=content,
            source_paragraph=draft.source_paragraph,
            source_excerpt=draft.source_excerpt,
            updated_at=now,
        )
        task.save()
        record(
            task,
            kind=EventKind.CREATED,
            at=now,
            by=by,
            unit=by.unit,
            ctx=ctx,
            payload={
                "content": content,
                "requirement": draft.requirement.strip(),
                "leader": draft.leader.pk if draft.leader else None,
                "is_key": draft.is_key,
                "due_spec": due_spec,
                "cycle": cycle,
                "cycle_day": cycle_day,
                "plan": {"lead": [u.pk for u in draft.lead], "co": [u.pk for u in draft.co]},
                "source_paragraph": draft.source_paragraph,
            },
        )
        created.append(task)
    return created


def default_due_spec(directive: Directive) -> dict[str, Any]:
    """The office's default when a directive states no deadline (office-rules.md)."""
    rule = DeadlineDefault.objects.filter(kind=directive.kind, urgency=directive.urgency).first()
    if rule is None:
        return {"days": 30}
    return {rule.unit: rule.amount}


def planned_units(task: Task) -> tuple[list[Unit], list[Unit]]:
    """The lead and co-units written down at decomposition (the `created` event's plan)."""
    created = task.events.filter(kind=EventKind.CREATED).first()
    plan = (created.payload.get("plan") if created else None) or {"lead": [], "co": []}
    units = Unit.objects.in_bulk([*plan["lead"], *plan["co"]])
    return [units[i] for i in plan["lead"]], [units[i] for i in plan["co"]]


def _effective_spec(task: Task, given: dict[str, Any]) -> dict[str, Any]:
    """The due rule that applies: given now, else written at decomposition, else the default."""
    return given or task.due_spec or default_due_spec(task.directive)


def resolve_due_from(spec: dict[str, Any], today: date, ctx: rules.RuleContext) -> Any:
    resolved = resolve_due(spec, today, ctx.calendar)
    if resolved.due < today:
        raise Invalid(
            f"完成时限{resolved.due:%Y年%m月%d日}早于交办日期{today:%Y年%m月%d日}。",
            log=f"due {resolved.due} before assignment {today}",
            field="due",
        )
    return resolved


def due_payload(spec: dict[str, Any], resolved: Any) -> dict[str, Any]:
    return {
        "due": resolved.due.isoformat(),
        "due_provisional": resolved.provisional,
        # The rule is kept so a provisional date can be recomputed once the year is known.
        "due_rule": spec,
        "due_text": describe_due(spec),
    }


def _unit_payload(lead: Sequence[Unit], co: Sequence[Unit]) -> dict[str, list[int]]:
    return {"lead": [u.pk for u in lead], "co": [u.pk for u in co]}


@action
def assign(
    *,
    task: Task,
    by: User,
    lead: Sequence[Unit] | None = None,
    co: Sequence[Unit] | None = None,
    due: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Task:
    """交办: send a drafted task to its units (the plan from decomposition unless given)."""
    now = _now(now)
    _require_supervisor(by, "交办任务")
    task = _lock(task)
    _require_state(task, EventKind.ASSIGNED, "交办")
    if lead is None:
        # No units given: send it to the units written down at decomposition.
        lead, plan_co = planned_units(task)
        if co is None:
            co = plan_co
    co = co or []
    _check_units(lead, co, "")
    ctx = rule_context()
    spec = _effective_spec(task, check_due_spec(due or {}, ""))
    resolved = resolve_due_from(spec, timezone.localdate(now), ctx)
    payload = {**_unit_payload(lead, co), **due_payload(spec, resolved)}
    record(task, kind=EventKind.ASSIGNED, at=now, by=by, unit=by.unit, payload=payload, ctx=ctx)
    directive = Directive.objects.select_for_update().get(pk=task.directive_id)
    if directive.first_assigned_at is None:
        directive.first_assigned_at = now
        directive.status = DirectiveStatus.ACTIVE
        directive.save(update_fields=["first_assigned_at", "status"])
    enqueue_for_units(
        [*lead, *co],
        kind="assigned",
        title=f"新交办事项：{task.content[:40]}",
        body=f"完成时限：{resolved.due:%Y年%m月%d日}"
        + ("（暂定）" if resolved.provisional else ""),
        task=task,
        now=now,
    )
    return task


@action
def reassign(
    *,
    task: Task,
    lead: Sequence[Unit],
    co: Sequence[Unit] = (),
    reason: str,
    by: User,
    due: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Task:
    """改派: change the units of a task, typically after a unit returned it."""
    now = _now(now)
    _require_supervisor(by, "改派任务")
    task = _lock(task)
    _require_state(task, EventKind.REASSIGNED, "改派")
    reason = require_text(reason, "reason", "改派原因")
    _check_units(lead, co, "")
    ctx = rule_context()
    payload: dict[str, Any] = {**_unit_payload(lead, co), "reason": reason}
    if due:
        spec = check_due_spec(due, "")
        payload |= due_payload(spec, resolve_due_from(spec, timezone.localdate(now), ctx))
    before = {a.unit_id for a in task.assignments.exclude(status=AssignmentStatus.REPLACED)}
    record(task, kind=EventKind.REASSIGNED, at=now, by=by, unit=by.unit, payload=payload, ctx=ctx)
    new_units = [u for u in (*lead, *co) if u.pk not in before]
    enqueue_for_units(
        new_units,
        kind="assigned",
        title=f"改派事项：{task.content[:40]}",
        body=f"改派原因：{reason}",
        task=task,
        now=now,
    )
    return task


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


def _require_received(task: Task, unit: Unit, what: str) -> None:
    a = task.assignments.get(unit=unit)
    if a.status not in (AssignmentStatus.RECEIVED, AssignmentStatus.DONE):
        raise Invalid(
            f"{unit.label}尚未签收该事项，请先签收再{what}。",
            log=f"assignment {a.pk} is {a.status}",
        )


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


@action
def verify(
    *, task: Task, accept: bool, by: User, reason: str = "", now: datetime | None = None
) -> Task:
    """审核: accept the done report, or send it back (退回重办) with a reason."""
    now = _now(now)
    _require_supervisor(by, "审核办结")
    task = _lock(task)
    kind = EventKind.VERIFIED if accept else EventKind.SENT_BACK
    _require_state(task, kind, "审核")
    if not accept:
        reason = require_text(reason, "reason", "退回重办的理由")
    record(task, kind=kind, at=now, by=by, unit=by.unit, payload={"reason": reason.strip()})
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
    directive = Directive.objects.select_for_update().get(pk=directive.pk)
    if directive.status in (DirectiveStatus.WITHDRAWN, DirectiveStatus.REPORTED_BACK):
        raise Invalid(
            f"来文{directive.code}已{directive.get_status_display()}，不能撤销。",
            log=f"directive {directive.pk} is {directive.status}",
        )
    reason = require_text(reason, "reason", "撤销原因")
    for task in directive.tasks.select_for_update().exclude(
        status__in=[TaskStatus.CLOSED, TaskStatus.WITHDRAWN]
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
    directive = Directive.objects.select_for_update().get(pk=directive.pk)
    if directive.status != DirectiveStatus.ACTIVE:
        raise Invalid(
            f"来文{directive.code}当前为“{directive.get_status_display()}”，不能回音。",
            log=f"directive {directive.pk} is {directive.status}",
        )
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
    return directive


# ---------------------------------------------------------------- the calendar


@action
def confirm_calendar_year(
    *, year: int, by: User, note: str = "", now: datetime | None = None
) -> list[Task]:
    """The office has entered `year`'s State Council holiday notice into the override table.

    The year becomes known, and every open task whose deadline was provisional is re-dated
    from the rule it was set by (N个工作日 counted again on the real calendar) with a
    `due_recomputed` event; units whose deadline moved are told.
    """
    now = _now(now)
    _require_supervisor(by, "确认节假日安排")
    if not 2000 <= year <= 2100:
        raise Invalid(f"年份{year}无效。", log=f"bad year {year}", field="year")
    CalendarYear.objects.update_or_create(
        year=year, defaults={"confirmed_at": now, "note": note.strip()}
    )
    ctx = rule_context()
    redated: list[Task] = []
    open_provisional = Task.objects.select_for_update(of=("self",)).select_related("directive")
    for task in open_provisional.filter(due_provisional=True, is_open=True).order_by("id"):
        assert task.due is not None
        new_due, provisional = _redate(task, ctx)
        if (new_due, provisional) == (task.due, task.due_provisional):
            continue
        previous = task.due
        record(
            task,
            kind=EventKind.DUE_RECOMPUTED,
            at=now,
            by=by,
            unit=by.unit,
            ctx=ctx,
            payload={
                "due": new_due.isoformat(),
                "due_provisional": provisional,
                "previous_due": previous.isoformat(),
                "year": year,
            },
        )
        if new_due != previous:
            units = _units_on(task)
            enqueue_for_units(
                units,
                kind="due_recomputed",
                title=f"完成时限校正：{task.content[:40]}",
                body=f"按{year}年节假日安排，完成时限由{previous:%Y年%m月%d日}"
                f"校正为{new_due:%Y年%m月%d日}。",
                task=task,
                now=now,
            )
        redated.append(task)
    return redated


def _redate(task: Task, ctx: rules.RuleContext) -> tuple[date, bool]:
    """The deadline a task's own rule gives on today's calendar, and whether it is still
    provisional. A fixed date or an approved extension keeps its date."""
    assert task.due is not None
    setters = task.events.filter(
        kind__in=[
            EventKind.ASSIGNED,
            EventKind.REASSIGNED,
            EventKind.EXTENSION_DECIDED,
            EventKind.REOPENED,
        ]
    ).order_by("-seq")
    for ev in setters:
        if ev.kind == EventKind.EXTENSION_DECIDED and not ev.payload.get("approved"):
            continue
        if ev.kind == EventKind.REASSIGNED and "due" not in ev.payload:
            continue
        rule = ev.payload.get("due_rule") or {}
        if rule and "date" not in rule:
            resolved = resolve_due(rule, rules.local_date(ev.at), ctx.calendar)
            return resolved.due, resolved.provisional
        break
    return task.due, not ctx.calendar.is_known_year(task.due.year)


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
