"""Appending to a holder's chain and checking every chain of `RecordEvent`.

The hash is the work record's (audit/chain.py: HMAC-SM3 under the chain key, over the
previous hash and a canonical JSON); the canonical form is the one the supervision record
has always used (no directive or task: these records stand alone).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from django.apps import apps

from duban.audit.chain import GENESIS, event_hash
from duban.org.models import Unit, User
from duban.records.models import ChainedRecord, RecordEvent


def canonical(
    *,
    stream: str,
    seq: int,
    kind: str,
    at: datetime,
    actor_id: int | None,
    actor_unit_id: int | None,
    payload: dict[str, Any],
) -> bytes:
    body = {
        "stream": stream,
        "seq": seq,
        "kind": kind,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": actor_id,
        "unit": actor_unit_id,
        "payload": payload,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def body_of(ev: RecordEvent) -> bytes:
    return canonical(
        stream=ev.stream,
        seq=ev.seq,
        kind=ev.kind,
        at=ev.at,
        actor_id=ev.actor_id,
        actor_unit_id=ev.actor_unit_id,
        payload=ev.payload,
    )


class Holder(Protocol):
    """A row that keeps the head of its own stream (ChainedRecord, SpotCheck, Campaign)."""

    pk: Any
    event_seq: int
    head_hash: str

    @property
    def stream(self) -> str: ...

    def save(self, *, update_fields: list[str]) -> None: ...


class _Event(Protocol):
    hash: str

    def save(self, *args: Any, **kwargs: Any) -> None: ...


E = TypeVar("E", bound=_Event)


def append_to(
    model: Callable[..., E],
    holder: Holder,
    *,
    kind: str,
    at: datetime,
    by: User | None,
    payload: dict[str, Any],
    unit: Unit | None = None,
) -> E:
    """Append one event of `model` (a table with RecordEvent's columns) to the holder's
    stream and save its head. The supervision record shares this with `append`.

    Call inside an action (one transaction) after the holder has its pk. Two writers of one
    holder must be serialised by the caller (select_for_update on the holder row), as the
    work actions do with `_lock`: the (stream, seq) constraint refuses the second otherwise.
    """
    if holder.pk is None:
        raise ValueError("save the holder before appending to its chain")
    # What the database gives back is what verify sees: JSON-normalise the payload.
    payload = json.loads(json.dumps(payload))
    if unit is None and by is not None:
        unit = by.unit
    seq = holder.event_seq + 1
    prev = holder.head_hash or GENESIS
    body = canonical(
        stream=holder.stream,
        seq=seq,
        kind=kind,
        at=at,
        actor_id=by.pk if by else None,
        actor_unit_id=unit.pk if unit else None,
        payload=payload,
    )
    event = model(
        stream=holder.stream,
        seq=seq,
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
    holder.save(update_fields=["event_seq", "head_hash"])
    return event


def append(
    holder: ChainedRecord,
    *,
    kind: str,
    at: datetime,
    by: User | None,
    payload: dict[str, Any],
    unit: Unit | None = None,
) -> RecordEvent:
    """Append one event to a ChainedRecord's stream and save its head (see `append_to`)."""
    return append_to(RecordEvent, holder, kind=kind, at=at, by=by, payload=payload, unit=unit)


def events_of(holder: ChainedRecord) -> list[RecordEvent]:
    return list(RecordEvent.objects.filter(stream=holder.stream).order_by("seq"))


def holder_models() -> list[type[ChainedRecord]]:
    """Every concrete model with a chain here, checked for clashing prefixes."""
    found = [
        m
        for m in apps.get_models()
        if issubclass(m, ChainedRecord) and not m._meta.abstract and not m._meta.proxy
    ]
    prefixes: dict[str, str] = {}
    for m in found:
        if not m.STREAM_PREFIX or ":" in m.STREAM_PREFIX:
            raise RuntimeError(f"{m.__name__}.STREAM_PREFIX must be set and hold no ':'")
        other = prefixes.setdefault(m.STREAM_PREFIX, m.__name__)
        if other != m.__name__:
            raise RuntimeError(f"{m.__name__} and {other} share STREAM_PREFIX {m.STREAM_PREFIX}")
    return found


@dataclass
class Head:
    count: int
    hash: str
    name: str
    model: type[ChainedRecord]
    pk: int


def heads() -> dict[str, Head]:
    """Every holder's stream with what its row says the chain holds."""
    found: dict[str, Head] = {}
    for model in holder_models():
        for row in model._default_manager.all().iterator(chunk_size=2000):
            found[row.stream] = Head(row.event_seq, row.head_hash, row.chain_name(), model, row.pk)
    return found


def streams() -> Iterator[tuple[str, list[RecordEvent]]]:
    """(stream, its events in order) for every stream that has events."""
    current: str | None = None
    rows: list[RecordEvent] = []
    for ev in RecordEvent.objects.order_by("stream", "seq").iterator(chunk_size=2000):
        if ev.stream != current:
            if current is not None:
                yield current, rows
            current, rows = ev.stream, []
        rows.append(ev)
    if current is not None:
        yield current, rows


@dataclass
class ChainReport:
    streams: int = 0
    events: int = 0
    problems: list[str] = field(default_factory=list)


def _check(name: str, events: list[RecordEvent], head: Head | None) -> list[str]:
    if head is None:
        return [f"{name}：流转记录没有对应的记录。"]
    prev = GENESIS
    for expect, ev in enumerate(events, start=1):
        if ev.seq != expect:
            return [f"{name}：第{expect}条记录缺失或顺序被改动。"]
        if ev.prev_hash != prev:
            return [f"{name}：第{ev.seq}条记录与前一条不衔接。"]
        if event_hash(ev.prev_hash, body_of(ev)) != ev.hash:
            return [f"{name}：第{ev.seq}条记录（{ev.kind}）的内容被改动。"]
        prev = ev.hash
    if head.count != len(events) or (head.hash or GENESIS) != prev:
        return [f"{name}：记录应有{head.count}条，实际{len(events)}条，末尾的记录被删除或篡改。"]
    return []


def verify() -> ChainReport:
    """Check every chain of every `ChainedRecord`, as `audit.verify.verify_chain` does."""
    report = ChainReport()
    known = heads()
    seen: set[str] = set()
    for stream, events in streams():
        seen.add(stream)
        report.streams += 1
        report.events += len(events)
        head = known.get(stream)
        name = head.name if head else f"记录 {stream}"
        report.problems += _check(name, events, head)
    for stream, head in sorted(known.items()):
        if stream not in seen and head.count > 0:  # a head without a single event left
            report.streams += 1
            report.problems += _check(head.name, [], head)
    return report
