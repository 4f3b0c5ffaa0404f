"""`duban audit rekey`: put every chain under the current chain key.

For a database made before the chains were keyed (plain SM3, `--unkeyed`) or after the
chain key was changed (密评 key rotation, `--old-key FILE`). Every chain — each task's and
directive's events, each spot check's and campaign's, and the access log — is first checked
under the old scheme; if anything is broken the command refuses and names it, because
re-keying would bless the change. Then the hashes are recomputed under the new key, in
transactions of about BATCH_ROWS rows, each stream's rows and head together.

A crash in the middle leaves each chain with a re-keyed beginning and an old-keyed rest,
and running the command again finishes it: for every row the old and the new hash are both
recomputed from the row's content (which re-keying never changes), so a row is accepted
if it is consistently under the new key (a prefix) or the old key (the rest) and refused
otherwise.

Writers must be stopped (`duban serve`, the worker and `tick`): an event appended with the
new key to a chain still under the old one is broken under both and is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction

from duban.audit import access
from duban.audit.chain import GENESIS, canonical, keyed_hash
from duban.audit.models import AccessHead, AccessKind, AccessLog
from duban.audit.rows import verify_rows
from duban.crypto import sm3
from duban.records import chain as records
from duban.records.models import RecordEvent
from duban.supervise import record
from duban.supervise.models import Campaign, SpotCheck, SupervisionEvent
from duban.work.models import Directive, Event, Task

BATCH_ROWS = 2000


def fingerprint(key: bytes | None) -> str:
    """What the log says about a key: SM3 of it, cut short (never the key)."""
    return "unkeyed" if key is None else "sm3:" + sm3(key)[:16]


@dataclass
class Row:
    pk: int
    seq: int
    body: bytes
    prev: str
    hash: str


@dataclass
class Stream:
    name: str  # as the problems name it, in Chinese
    rows: list[Row]
    count: int | None  # the head's count; None when the stream has no head row
    head: str
    save_head: Callable[[str], None]  # store the new head hash


@dataclass
class Planned:
    todo: list[tuple[int, str, str]] = field(default_factory=list)  # (pk, prev, hash)
    new_head: str = GENESIS
    problem: str = ""


def plan(stream: Stream, old: bytes | None, new: bytes | None) -> Planned:
    """The rows of `stream` still under the old key, with their new hashes; or a problem."""
    out = Planned()
    if stream.count is None:
        out.problem = f"{stream.name}：流转记录没有对应的事项。"
        return out
    old_prev = new_prev = GENESIS
    rekeyed = True  # still in the re-keyed beginning (an interrupted run's)
    for i, r in enumerate(stream.rows, start=1):
        old_h, new_h = keyed_hash(old_prev, r.body, old), keyed_hash(new_prev, r.body, new)
        if r.seq != i:
            out.problem = f"{stream.name}：第{i}条记录缺失或顺序被改动。"
            return out
        if rekeyed and (r.prev, r.hash) == (new_prev, new_h):
            pass
        elif (r.prev, r.hash) == (old_prev, old_h):
            rekeyed = False
            out.todo.append((r.pk, new_prev, new_h))
        else:
            out.problem = (
                f"{stream.name}：第{i}条记录在原密钥下校验不通过（内容被改动，或被删除、插入）。"
            )
            return out
        old_prev, new_prev = old_h, new_h
    last = stream.rows[-1].hash if stream.rows else GENESIS
    if stream.count != len(stream.rows) or (stream.rows and stream.head != last):
        out.problem = (
            f"{stream.name}：记录应有{stream.count}条，实际{len(stream.rows)}条，"
            "末尾的记录被删除或篡改。"
        )
        return out
    out.new_head = new_prev
    return out


# ------------------------------------------------------------------ the chains, read


def _event_streams() -> Iterator[Stream]:
    from duban.audit.verify import _iter_events, _name

    directives = {d.pk: d.code for d in Directive.objects.only("id", "year", "serial")}
    tasks: dict[int, str] = {}
    heads: dict[str, tuple[int, str]] = {}
    for pk, dpk, number, seq, head in Task.objects.values_list(
        "id", "directive_id", "number", "event_seq", "head_hash"
    ).iterator(chunk_size=5000):
        tasks[pk] = f"{directives.get(dpk, '?')}-{number}"
        heads[f"t:{pk}"] = (seq, head)
    for pk, seq, head in Directive.objects.values_list("id", "event_seq", "head_hash"):
        heads[f"d:{pk}"] = (seq, head)

    def saver(stream: str) -> Callable[[str], None]:
        kind, _, pk = stream.partition(":")
        model: type[models.Model] = Task if kind == "t" else Directive

        def save(h: str) -> None:
            model._default_manager.filter(pk=int(pk)).update(head_hash=h)

        return save

    def make(stream: str, rows: list[Row]) -> Stream:
        count, head = heads.pop(stream, (None, ""))
        return Stream(_name(stream, tasks, directives), rows, count, head, saver(stream))

    current, rows = "", list[Row]()
    for ev in _iter_events():
        if ev.stream != current:
            if current:
                yield make(current, rows)
            current, rows = ev.stream, []
        body = canonical(
            stream=ev.stream,
            seq=ev.seq,
            kind=ev.kind,
            at=ev.at,
            actor_id=ev.actor_id,
            actor_unit_id=ev.actor_unit_id,
            directive_id=ev.directive_id,
            task_id=ev.task_id,
            payload=ev.payload,
        )
        rows.append(Row(ev.pk, ev.seq, body, ev.prev_hash, ev.hash))
    if current:
        yield make(current, rows)
    for stream, (count, head) in sorted(heads.items()):
        if count > 0:  # a head without a single event left
            yield Stream(_name(stream, tasks, directives), [], count, head, saver(stream))


def _supervision_streams() -> Iterator[Stream]:
    heads = record._heads()
    by_stream: dict[str, list[Row]] = {}
    for ev in SupervisionEvent.objects.order_by("stream", "seq").iterator(chunk_size=2000):
        body = records.canonical(
            stream=ev.stream,
            seq=ev.seq,
            kind=ev.kind,
            at=ev.at,
            actor_id=ev.actor_id,
            actor_unit_id=ev.actor_unit_id,
            payload=ev.payload,
        )
        by_stream.setdefault(ev.stream, []).append(Row(ev.pk, ev.seq, body, ev.prev_hash, ev.hash))
    for stream in sorted(set(by_stream) | {s for s, h in heads.items() if h[0] > 0}):
        count, head, name = heads.get(stream, (None, "", f"记录 {stream}"))
        kind, _, pk = stream.partition(":")
        model: type[models.Model] = SpotCheck if kind == "s" else Campaign

        def save(h: str, model: Any = model, pk: str = pk) -> None:
            model._default_manager.filter(pk=int(pk)).update(head_hash=h)

        yield Stream(name, by_stream.get(stream, []), count, head, save)


def _record_streams() -> Iterator[Stream]:
    heads = records.heads()
    by_stream = {
        stream: [Row(ev.pk, ev.seq, records.body_of(ev), ev.prev_hash, ev.hash) for ev in events]
        for stream, events in records.streams()
    }
    for stream in sorted(set(by_stream) | {s for s, h in heads.items() if h.count > 0}):
        head = heads.get(stream)
        if head is None:
            yield Stream(f"记录 {stream}", by_stream[stream], None, "", lambda h: None)
            continue

        yield Stream(head.name, by_stream.get(stream, []), head.count, head.hash, _head_saver(head))


def _head_saver(head: records.Head) -> Callable[[str], None]:
    def save(h: str) -> None:
        head.model._default_manager.filter(pk=head.pk).update(head_hash=h)

    return save


def _access_stream() -> Stream:
    head = AccessHead.objects.filter(pk=1).first()
    rows = [
        Row(r.pk, r.seq or 0, access.canonical(r), r.prev_hash, r.hash)
        for r in AccessLog.objects.exclude(seq=None).order_by("seq").iterator(chunk_size=5000)
    ]

    def save(h: str) -> None:
        AccessHead.objects.filter(pk=1).update(hash=h)

    return Stream("访问日志", rows, head.seq if head else 0, head.hash if head else GENESIS, save)


# ------------------------------------------------------------------ the rekey


@dataclass
class RekeyReport:
    streams: int = 0
    rows: int = 0
    rekeyed: int = 0  # rows rewritten by this run
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _streams() -> Iterator[tuple[str, Stream]]:
    for s in _event_streams():
        yield "event", s
    for s in _supervision_streams():
        yield "supervision", s
    for s in _record_streams():
        yield "record", s
    yield "access", _access_stream()


def check(old: bytes | None, new: bytes | None) -> RekeyReport:
    """Every chain under the old key (or already under the new one): the problems found."""
    report = RekeyReport()
    for _kind, s in _streams():
        report.streams += 1
        report.rows += len(s.rows)
        p = plan(s, old, new)
        if p.problem:
            report.problems.append(p.problem)
    report.problems += verify_rows()
    return report


def _write(kind: str, todo: list[tuple[int, str, str]]) -> None:
    if kind == "event":
        model: type[models.Model] = Event
    elif kind == "supervision":
        model = SupervisionEvent
    elif kind == "record":
        model = RecordEvent
    else:
        # The access log refuses updates through its manager (it only grows); re-keying
        # changes no content, only the hashes, so it goes past the guard on purpose.
        for pk, prev, h in todo:
            models.QuerySet.update(AccessLog.objects.filter(pk=pk), prev_hash=prev, hash=h)
        return
    objs = [model(pk=pk, prev_hash=prev, hash=h) for pk, prev, h in todo]
    model._default_manager.bulk_update(objs, ["prev_hash", "hash"], batch_size=500)


def rekey(old: bytes | None, new: bytes | None, *, username: str) -> RekeyReport:
    """Check every chain under `old`, then rewrite what is still under it with `new`.

    Refuses (changes nothing) when any chain is broken; the report names each.
    """
    if old == new:
        return RekeyReport(problems=["原密钥与当前密钥相同，无需更换。"])
    report = check(old, new)
    if not report.ok:
        return report
    pending: list[tuple[str, Stream, Planned]] = []
    size = 0

    def flush() -> None:
        nonlocal size
        with transaction.atomic():
            for kind, s, p in pending:
                for start in range(0, len(p.todo), BATCH_ROWS):
                    _write(kind, p.todo[start : start + BATCH_ROWS])
                s.save_head(p.new_head)
                report.rekeyed += len(p.todo)
        pending.clear()
        size = 0

    for kind, s in _streams():
        p = plan(s, old, new)
        if not p.todo:
            continue
        if kind == "access":
            # One long chain: its own transactions, BATCH_ROWS rows each; the head moves
            # with the last. An interruption leaves a re-keyed beginning (see above).
            if pending:
                flush()
            for start in range(0, len(p.todo), BATCH_ROWS):
                chunk = p.todo[start : start + BATCH_ROWS]
                with transaction.atomic():
                    _write(kind, chunk)
                    if start + BATCH_ROWS >= len(p.todo):
                        s.save_head(p.new_head)
                report.rekeyed += len(chunk)
            continue
        pending.append((kind, s, p))
        size += len(p.todo)
        if size >= BATCH_ROWS:
            flush()
    if pending:
        flush()
    # The rekey itself, in the administrators' log, under the new key.
    access.record(
        AccessKind.ADMIN,
        username=username,
        target="chain_key",
        detail=(
            f"chain rekey from {fingerprint(old)} to {fingerprint(new)}: "
            f"{report.streams} chains, {report.rows} rows, {report.rekeyed} rewritten"
        ),
    )
    return report
