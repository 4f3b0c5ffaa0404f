"""Bulk writing of whole histories: directives and tasks with every event, in one pass.

For importers (an Excel ledger, the benchmark workload) that bring thousands of tasks whose
history already happened. The rows are the ones the actions would write, event for event:
- each task's projection is the fold of its events with `rules.apply`, as in `record`;
- each stream is hash-chained with `canonical`/`event_hash` from GENESIS, as in
  `_append_event`, and the task/directive row keeps the head (seq and hash);
- payloads are built by the helpers below with the actions' own validators, and the lead
  unit's `submitted` payload gets its `co_inputs` computed from the history as
  `actions.unit._co_inputs` would, so `duban audit verify` and `duban rebuild` cannot tell the
  difference.
A `progress` event gets its ProgressReport row and, when its payload names no `slot`, the
slot and lateness `actions.unit._progress` would give it (from the state before it).
What it does not write: outbox notifications (the history is not news; a caller that wants
some writes them in the same transaction from `BatchCounts.written`), extension requests
(so `extension_*` events are refused here), and the directive's own
`withdrawn`/`reported_back` events.

One call of `write_batch` is one transaction inside `writing()`. Primary keys are reserved
before the insert, because the stream name and the canonical form of every event contain
them; every row is then inserted once with bulk_create and never updated.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from duban.audit.chain import GENESIS, canonical, event_hash
from duban.audit.rows import text_digest
from duban.org.models import Leader
from duban.work import lights, rules, serials, tally
from duban.work.actions import (
    attachment_payload,
    check_cycle,
    check_due_spec,
    due_payload,
    require_text,
    resolve_due_from,
)
from duban.work.errors import Invalid
from duban.work.keys import key_cycle
from duban.work.models import (
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    Cycle,
    Directive,
    DirectiveKind,
    DirectiveStatus,
    Event,
    EventKind,
    ProgressReport,
    Task,
    Urgency,
    writing,
)

# Events that need rows besides Event/Task/Assignment (ProgressReport, ExtensionRequest),
# or that `rules.apply` does not know (the directive's own). Refused rather than half-written.
UNSUPPORTED = frozenset(
    {
        EventKind.REGISTERED,
        EventKind.EXTENSION_REQUESTED,
        EventKind.EXTENSION_DECIDED,
        EventKind.EXTENSION_LAPSED,
        EventKind.SCORE_APPEALED,
        EventKind.APPEAL_DECIDED,
        EventKind.REPORTED_BACK,
    }
)


@dataclass(frozen=True)
class EventSpec:
    """One event of a task's history, with the payload the action would have written."""

    kind: str
    at: datetime
    actor_id: int | None
    actor_unit_id: int | None
    payload: dict[str, Any]


@dataclass
class TaskSpec:
    """A task: its history (the `created` event first) and the columns no event carries."""

    events: list[EventSpec]
    source_excerpt: str = ""


@dataclass
class DirectiveSpec:
    """A directive as `actions.register` takes it, and its tasks in number order."""

    kind: str
    title: str
    urgency: str
    received_at: datetime
    registered_at: datetime
    registered_by_id: int
    actor_unit_id: int | None = None  # the registering supervisor's unit
    doc_no: str = ""
    issuer: str = ""
    issuer_leader_id: int | None = None
    text: str = ""
    tasks: list[TaskSpec] = field(default_factory=list)


@dataclass
class BatchCounts:
    directives: int = 0
    tasks: int = 0
    events: int = 0
    assignments: int = 0
    light_changes: int = 0
    progress_reports: int = 0
    # The rows written, task by task in the order given (the caller's own rows, such as
    # notifications, go in the same transaction); not carried over by `add`.
    written: list[tuple[Task, list[Event]]] = field(default_factory=list, repr=False)

    def add(self, other: BatchCounts) -> None:
        self.directives += other.directives
        self.tasks += other.tasks
        self.events += other.events
        self.assignments += other.assignments
        self.light_changes += other.light_changes
        self.progress_reports += other.progress_reports


# ---------------------------------------------------------------- payloads, as the actions


def created_payload(
    *,
    content: str,
    lead: Sequence[int],
    co: Sequence[int] = (),
    requirement: str = "",
    leader_id: int | None = None,
    is_key: bool = False,
    due: dict[str, Any] | None = None,
    cycle: str = Cycle.NONE,
    cycle_day: int | None = None,
    source_paragraph: int | None = None,
) -> dict[str, Any]:
    """The `created` payload of `actions.decompose` (units by id)."""
    _check_unit_ids(lead, co)
    # As decompose does: a key task reports at least as often as the key cycle.
    cycle, cycle_day = key_cycle(cycle, check_cycle(cycle, cycle_day, ""), is_key)
    return {
        "content": require_text(content, "content", "事项内容"),
        "requirement": requirement.strip(),
        "leader": leader_id,
        "is_key": is_key,
        "due_spec": check_due_spec(due or {}, ""),
        "cycle": cycle,
        "cycle_day": cycle_day,
        "plan": {"lead": list(lead), "co": list(co)},
        "source_paragraph": source_paragraph,
    }


def assigned_payload(
    *,
    lead: Sequence[int],
    co: Sequence[int] = (),
    due_spec: dict[str, Any],
    assigned_at: datetime,
    ctx: rules.RuleContext,
) -> dict[str, Any]:
    """The `assigned` payload of `actions.assign`, with the task's (non-empty) due spec.

    Resolve an empty spec to the office default (`actions.default_due_spec`) before calling.
    """
    _check_unit_ids(lead, co)
    spec = check_due_spec(due_spec, "")
    if not spec:
        raise ValueError("assigned_payload needs a due spec; use the office default")
    resolved = resolve_due_from(spec, timezone.localdate(assigned_at), ctx)
    return {"lead": list(lead), "co": list(co), **due_payload(spec, resolved)}


def progress_payload(*, text: str) -> dict[str, Any]:
    """The `progress` payload of `actions.report_progress`; the writer adds slot and late."""
    return {"text": require_text(text, "text", "进展情况"), "attachments": attachment_payload([])}


def submitted_payload(*, text: str) -> dict[str, Any]:
    """The `submitted` payload of `actions.submit_done`; the writer adds the lead's co_inputs."""
    return {"text": require_text(text, "text", "办结情况"), "attachments": attachment_payload([])}


def verified_payload(*, reason: str = "") -> dict[str, Any]:
    return {"reason": reason.strip()}


def closed_payload(*, note: str = "") -> dict[str, Any]:
    return {"note": note.strip()}


def tick_event(
    state: rules.TaskState, *, now: datetime, ctx: rules.RuleContext
) -> EventSpec | None:
    """The `light_changed` event `duban tick` would append at `now`, or None."""
    if state.status not in rules.RUNNING:
        return None
    fresh = state.copy()
    rules.refresh_light(fresh, timezone.localdate(now), ctx)
    if fresh.light == state.light and fresh.missing_reports == state.missing_reports:
        return None
    return EventSpec(
        kind=EventKind.LIGHT_CHANGED,
        at=now,
        actor_id=None,
        actor_unit_id=None,
        payload={
            "from": state.light,
            "light": fresh.light,
            "missing_reports": fresh.missing_reports,
        },
    )


def _check_unit_ids(lead: Sequence[int], co: Sequence[int]) -> None:
    if not lead:
        raise Invalid("请指定牵头单位。", log="no lead unit", field="lead")
    ids = [*lead, *co]
    if len(ids) != len(set(ids)):
        raise Invalid("同一单位不能重复列为牵头或配合单位。", log="duplicate unit", field="co")


# ---------------------------------------------------------------- the writer


def write_batch(
    directives: Sequence[DirectiveSpec],
    *,
    ctx: rules.RuleContext,
    tick_at: datetime | None = None,
) -> BatchCounts:
    """Write directives with their tasks and histories in one transaction.

    With `tick_at`, each running task then gets the `light_changed` event `duban tick` would
    record at that time, so the loaded lights are those of that day.
    """
    counts = BatchCounts()
    if not directives:
        return counts
    with transaction.atomic(), writing():
        n_tasks = sum(len(d.tasks) for d in directives)
        directive_ids = _reserve_ids(Directive, len(directives))
        task_ids = iter(_reserve_ids(Task, n_tasks))
        serials = _serials(directives)
        leaders = _issuer_names(directives)
        directive_rows: list[Directive] = []
        task_rows: list[Task] = []
        event_rows: list[Event] = []
        assignment_rows: list[Assignment] = []
        written: list[tuple[Task, list[Event]]] = []
        for spec, directive_id in zip(directives, directive_ids, strict=True):
            first_assigned: datetime | None = None
            first_row = len(task_rows)
            for number, task_spec in enumerate(spec.tasks, start=1):
                task_id = next(task_ids)
                state, events = _fold(task_spec, directive_id, task_id, ctx, tick_at)
                counts.light_changes += any(e.kind == EventKind.LIGHT_CHANGED for e in events)
                for e in events:
                    if e.kind == EventKind.ASSIGNED and (
                        first_assigned is None or e.at < first_assigned
                    ):
                        first_assigned = e.at
                event_rows.extend(events)
                task_row = Task(
                    id=task_id,
                    directive_id=directive_id,
                    number=number,
                    source_paragraph=task_spec.events[0].payload["source_paragraph"],
                    source_excerpt=task_spec.source_excerpt,
                    event_seq=events[-1].seq,
                    head_hash=events[-1].hash,
                    **{name: getattr(state, name) for name in rules.TaskState.task_fields()},
                )
                written.append((task_row, events))
                task_rows.append(task_row)
                assignment_rows.extend(
                    Assignment(
                        task_id=task_id,
                        unit_id=unit_id,
                        role=a.role,
                        position=a.position,
                        status=a.status,
                        assigned_at=a.assigned_at,
                        received_at=a.received_at,
                        return_reason=a.return_reason,
                    )
                    for unit_id, a in state.assignments.items()
                )
            row, registered = _directive_rows(spec, directive_id, serials, leaders, first_assigned)
            directive_rows.append(row)
            event_rows.append(registered)
            for task_row in task_rows[first_row:]:
                task_row.directive = row  # cached, so tally.keys_of reads the kind without a query
        Directive.objects.bulk_create(directive_rows)
        Task.objects.bulk_create(task_rows)
        Event.objects.bulk_create(event_rows, batch_size=2000)
        Assignment.objects.bulk_create(assignment_rows)
        reports = [_progress_report(e) for e in event_rows if e.kind == EventKind.PROGRESS]
        ProgressReport.objects.bulk_create(reports)
        tally.added(task_rows)
    counts.directives += len(directive_rows)
    counts.tasks += len(task_rows)
    counts.events += len(event_rows)
    counts.assignments += len(assignment_rows)
    counts.progress_reports += len(reports)
    counts.written = written
    return counts


def _progress_report(event: Event) -> ProgressReport:
    """The report row `actions.unit._progress` saves beside its event."""
    # bulk_create sets the ids (PostgreSQL, and SQLite from 3.35, both RETURNING).
    if event.pk is None:
        raise NotImplementedError("this database does not return ids from a bulk insert")
    slot = event.payload.get("slot")
    assert event.task_id is not None and event.actor_unit_id is not None
    assert event.actor_id is not None
    return ProgressReport(
        task_id=event.task_id,
        unit_id=event.actor_unit_id,
        author_id=event.actor_id,
        at=event.at,
        slot=date.fromisoformat(slot) if slot else None,
        late=bool(event.payload.get("late")),
        text=event.payload["text"],
        event=event,
    )


def _progress_slot(state: rules.TaskState, ev: EventSpec) -> dict[str, Any]:
    """The slot and lateness `actions.unit._progress` gives a report made at `ev.at`."""
    slot: date | None = None
    if ev.actor_unit_id == state.lead_unit_id and state.assigned_at and state.due:
        today = timezone.localdate(ev.at)
        slots = lights.report_slots(
            state.cycle,
            state.cycle_day,
            rules.cycle_start(state.assigned_at, state.cycle_from),
            state.due,
        )
        slot = lights.slot_for_report(
            slots, [date.fromisoformat(s) for s in state.reported_slots], today
        )
    late = slot is not None and slot < timezone.localdate(ev.at)
    return {"slot": slot.isoformat() if slot else None, "late": late}


def _fold(
    spec: TaskSpec,
    directive_id: int,
    task_id: int,
    ctx: rules.RuleContext,
    tick_at: datetime | None,
) -> tuple[rules.TaskState, list[Event]]:
    """The task's final state and its chained Event rows (not yet saved)."""
    if not spec.events or spec.events[0].kind != EventKind.CREATED:
        raise ValueError(f"task {task_id}: the first event must be 'created'")
    stream = f"t:{task_id}"
    state = rules.TaskState()
    rows: list[Event] = []
    # Latest submitted text per unit, for the lead's co_inputs (as actions.unit._co_inputs).
    texts: dict[int, str] = {}

    def append(ev: EventSpec) -> None:
        nonlocal state
        seq = len(rows) + 1
        prev_hash = rows[-1].hash if rows else GENESIS
        _check_event(ev, seq, state, rows[-1].at if rows else None, task_id)
        # What the database gives back is what verify and rebuild see: JSON-normalise.
        payload: dict[str, Any] = json.loads(json.dumps(ev.payload))
        if ev.kind == EventKind.PROGRESS and "slot" not in payload:
            # In the action's order: text, slot, late, attachments (canonical sorts keys).
            payload = {"text": payload["text"], **_progress_slot(state, ev), **payload}
        if ev.kind == EventKind.SUBMITTED and ev.actor_unit_id == state.lead_unit_id:
            co_inputs = _co_inputs(state, texts)
            if "co_inputs" in payload and payload["co_inputs"] != co_inputs:
                raise ValueError(f"task {task_id}: co_inputs differ from the history")
            payload["co_inputs"] = co_inputs
        state = rules.apply(
            state, kind=ev.kind, at=ev.at, payload=payload, unit_id=ev.actor_unit_id, ctx=ctx
        )
        if ev.kind == EventKind.SUBMITTED and ev.actor_unit_id is not None:
            texts[ev.actor_unit_id] = payload.get("text", "")
        body = canonical(
            stream=stream,
            seq=seq,
            kind=ev.kind,
            at=ev.at,
            actor_id=ev.actor_id,
            actor_unit_id=ev.actor_unit_id,
            directive_id=directive_id,
            task_id=task_id,
            payload=payload,
        )
        rows.append(
            Event(
                stream=stream,
                seq=seq,
                directive_id=directive_id,
                task_id=task_id,
                kind=ev.kind,
                at=ev.at,
                actor_id=ev.actor_id,
                actor_unit_id=ev.actor_unit_id,
                payload=payload,
                prev_hash=prev_hash,
                hash=event_hash(prev_hash, body),
            )
        )

    for ev in spec.events:
        append(ev)
    if tick_at is not None:
        tick = tick_event(state, now=tick_at, ctx=ctx)
        if tick is not None:
            append(tick)
    return state, rows


def _check_event(
    ev: EventSpec, seq: int, state: rules.TaskState, last_at: datetime | None, task_id: int
) -> None:
    """The checks an action makes on the state and the clock before it writes."""
    where = f"task {task_id} event {seq} ({ev.kind})"
    if timezone.is_naive(ev.at):
        raise ValueError(f"{where}: time must be timezone-aware")
    if last_at is not None and ev.at < last_at:
        raise ValueError(f"{where}: earlier than the event before it")
    if ev.kind in UNSUPPORTED or ev.kind not in rules.ALLOWED_FROM:
        raise ValueError(f"{where}: not supported by the bulk writer")
    if seq == 1:
        return  # 'created' (checked by the caller); ALLOWED_FROM lists no state for it
    if ev.kind == EventKind.CREATED or state.status not in rules.ALLOWED_FROM[ev.kind]:
        raise ValueError(f"{where}: not allowed from status {state.status}")


def _co_inputs(state: rules.TaskState, texts: dict[int, str]) -> list[dict[str, Any]]:
    co = sorted(
        (
            (a.position, unit_id, a)
            for unit_id, a in state.assignments.items()
            if a.role == AssignmentRole.CO
            and a.status not in (AssignmentStatus.REPLACED, AssignmentStatus.RETURNED)
        ),
        key=lambda item: item[0],
    )
    return [
        {"unit": unit_id, "done": a.status == AssignmentStatus.DONE, "text": texts.get(unit_id, "")}
        for _, unit_id, a in co
    ]


def _directive_rows(
    spec: DirectiveSpec,
    directive_id: int,
    serials: dict[int, int],
    leaders: dict[int, str],
    first_assigned: datetime | None,
) -> tuple[Directive, Event]:
    """The directive row and its `registered` event, checked as `actions.register` does."""
    if spec.kind not in DirectiveKind.values:
        raise Invalid(f"事项来源“{spec.kind}”无效。", log=f"bad kind {spec.kind}", field="kind")
    if spec.urgency not in Urgency.values:
        raise Invalid(f"紧急程度“{spec.urgency}”无效。", log="bad urgency", field="urgency")
    title = require_text(spec.title, "title", "标题")
    if len(title) > 200:
        raise Invalid("标题不能超过200字。", log="title too long", field="title")
    if timezone.is_naive(spec.registered_at) or timezone.is_naive(spec.received_at):
        raise ValueError(f"directive {title}: times must be timezone-aware")
    if spec.received_at > spec.registered_at:
        raise Invalid(
            "收文时间不能晚于登记时间。", log="received_at in future", field="received_at"
        )
    year = timezone.localtime(spec.registered_at).year
    serials[year] += 1
    doc_no = spec.doc_no.strip()
    issuer = spec.issuer.strip() or leaders.get(spec.issuer_leader_id or 0, "")
    payload: dict[str, Any] = {
        "kind": spec.kind,
        "title": title,
        "doc_no": doc_no,
        "issuer": issuer,
        "issuer_leader": spec.issuer_leader_id,
        "urgency": spec.urgency,
        "received_at": spec.received_at.isoformat(),
        "text_len": len(spec.text),
        "text_sm3": text_digest(spec.text),
        "attachments": attachment_payload([]),
    }
    stream = f"d:{directive_id}"
    body = canonical(
        stream=stream,
        seq=1,
        kind=EventKind.REGISTERED,
        at=spec.registered_at,
        actor_id=spec.registered_by_id,
        actor_unit_id=spec.actor_unit_id,
        directive_id=directive_id,
        task_id=None,
        payload=payload,
    )
    digest = event_hash(GENESIS, body)
    event = Event(
        stream=stream,
        seq=1,
        directive_id=directive_id,
        task_id=None,
        kind=EventKind.REGISTERED,
        at=spec.registered_at,
        actor_id=spec.registered_by_id,
        actor_unit_id=spec.actor_unit_id,
        payload=payload,
        prev_hash=GENESIS,
        hash=digest,
    )
    directive = Directive(
        id=directive_id,
        year=year,
        serial=serials[year],
        kind=spec.kind,
        title=title,
        doc_no=doc_no,
        issuer=issuer,
        issuer_leader_id=spec.issuer_leader_id,
        received_at=spec.received_at,
        urgency=spec.urgency,
        text=spec.text,
        status=DirectiveStatus.ACTIVE if first_assigned else DirectiveStatus.REGISTERED,
        registered_at=spec.registered_at,
        registered_by_id=spec.registered_by_id,
        first_assigned_at=first_assigned,
        event_seq=1,
        head_hash=digest,
    )
    return directive, event


def _serials(directives: Sequence[DirectiveSpec]) -> dict[int, int]:
    """The serial before the batch's first in each registration year.

    The batch's numbers are reserved as one block per year from the locked counter row
    (serials.py), so a concurrent `register` neither collides with nor interleaves them.
    """
    per_year: dict[int, int] = {}
    for d in directives:
        year = timezone.localtime(d.registered_at).year
        per_year[year] = per_year.get(year, 0) + 1
    return {year: serials.allocate(year, n) - 1 for year, n in sorted(per_year.items())}


def _issuer_names(directives: Sequence[DirectiveSpec]) -> dict[int, str]:
    ids = {d.issuer_leader_id for d in directives if d.issuer_leader_id and not d.issuer.strip()}
    return {pk: str(leader) for pk, leader in Leader.objects.in_bulk(ids).items()} if ids else {}


def _reserve_ids(model: type[models.Model], n: int) -> list[int]:
    """n primary keys of `model` that no other writer will use.

    PostgreSQL: taken from the column's sequence, so concurrent inserts stay safe.
    SQLite: the next n after the highest ever used (AUTOINCREMENT keeps it in
    sqlite_sequence); safe because the batch runs in a BEGIN IMMEDIATE transaction (see
    settings), which holds the write lock from the start, and inserting them moves
    sqlite_sequence past them.
    """
    if n == 0:
        return []
    table, column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [connection.ops.quote_name(table), column, n],
            )
            return [int(row[0]) for row in cursor.fetchall()]
        if connection.vendor == "sqlite":
            quoted = connection.ops.quote_name
            cursor.execute(f"SELECT MAX({quoted(column)}) FROM {quoted(table)}")
            top = int(cursor.fetchone()[0] or 0)
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            top = max(top, int(row[0]) if row else 0)
            return list(range(top + 1, top + n + 1))
    raise NotImplementedError(f"bulk loading is not implemented for {connection.vendor}")
