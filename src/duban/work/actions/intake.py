"""The office takes work in: 立项 register, 分解 decompose, 交办 assign, 改派 reassign."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.files import File
from django.db.models import Max
from django.utils import timezone

from duban.audit.rows import text_digest
from duban.notify.outbox import enqueue_for_units
from duban.org.models import Leader, Unit, User
from duban.work import rules, serials, tally
from duban.work.actions.core import (
    _append_event,
    _check_attachments,
    _lock,
    _now,
    _require_state,
    _require_supervisor,
    _store_attachments,
    action,
    attachment_payload,
    lapse_extensions,
    lapse_unit_reviews,
    record,
    require_text,
)
from duban.work.context import rule_context
from duban.work.deadlines import describe_due, resolve_due
from duban.work.errors import Invalid
from duban.work.keys import key_cycle
from duban.work.models import (
    AssignmentStatus,
    Cycle,
    DeadlineDefault,
    Directive,
    DirectiveKind,
    DirectiveStatus,
    EventKind,
    Task,
    Urgency,
)

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
    leader_optional: bool = False,
) -> Directive:
    """立项/登记: record a directive as received, with its attachments (the 来文 itself).

    A 领导批示 names its 批示领导 (`issuer_leader`), who is told of the 回音. Only the ledger
    importer passes `leader_optional`: an old 台账 row often names no leader at all.
    """
    now = _now(now)
    _require_supervisor(by, "登记来文")
    if kind not in DirectiveKind.values:
        raise Invalid(f"事项来源“{kind}”无效。", log=f"bad kind {kind}", field="kind")
    if urgency not in Urgency.values:
        raise Invalid(f"紧急程度“{urgency}”无效。", log=f"bad urgency {urgency}", field="urgency")
    if kind == DirectiveKind.INSTRUCTION and issuer_leader is None and not leader_optional:
        # The leader who wrote the 批示 is who the office reports back to (回音).
        raise Invalid(
            "领导批示须选择批示领导。",
            log="instruction without issuer_leader",
            field="issuer_leader",
        )
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
    # 登记序号: a counter row per year, locked until this transaction commits (serials.py).
    directive.serial = serials.allocate(year)
    directive.save()
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
    directive = Directive.objects.select_for_update(no_key=True).get(pk=directive.pk)
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
        tally.added([task])
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
    if task.directive.first_assigned_at is None:  # (read under the task's lock)
        # One conditional UPDATE: it waits for, then re-checks against, a concurrent first
        # assignment of another task of the directive, so the earliest time stays.
        Directive.objects.filter(pk=task.directive_id, first_assigned_at__isnull=True).update(
            first_assigned_at=now, status=DirectiveStatus.ACTIVE
        )
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
    if task.lead_unit_id is not None and task.lead_unit_id != lead[0].pk:
        # Only the primary lead may ask for more time; once another unit leads, the old
        # lead's pending request has nobody to act on its answer.
        lapse_extensions(
            task,
            why=f"事项已改派，{lead[0].label}为新的牵头单位，原延期申请不再审批。",
            by=by,
            now=now,
            units=[task.lead_unit_id],
        )
    # A unit dropped, or one that becomes or stops being the primary lead, sends something
    # else now: what waits at its head (单位审核) lapses; units that stay as they were keep it.
    kept = {u.pk for u in (*lead, *co)}
    moved = [u for u in before if u not in kept or (u == task.lead_unit_id) != (u == lead[0].pk)]
    lapse_unit_reviews(
        task,
        why="事项已改派，承办关系调整，单位审核中的报送不再报出。",
        by=by,
        now=now,
        units=set(moved),
    )
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
