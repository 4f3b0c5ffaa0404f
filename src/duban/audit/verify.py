"""`duban audit verify` and `duban rebuild`.

verify: recompute every event's hash from its content and its predecessor's hash, check the
sequence numbers run 1..n without gaps, and check each task's and directive's stored head
(count and last hash), so a changed, removed, inserted or reordered event is found and named.

rebuild: fold each task's events with the same `rules.apply` the actions use and compare
with (or, with --fix, rewrite) the stored projection.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from duban.audit.chain import GENESIS, canonical, event_hash
from duban.work import rules, tally
from duban.work.actions import state_of, store_state
from duban.work.context import rule_context
from duban.work.models import Directive, Event, Task, writing


@dataclass
class VerifyReport:
    streams: int = 0
    events: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _iter_events(batch: int = 5000) -> Iterator[Event]:
    """All events in (stream, seq) order, in keyset pages to keep memory flat."""
    last: tuple[str, int] = ("", 0)
    fields = (
        "id",
        "stream",
        "seq",
        "directive_id",
        "task_id",
        "kind",
        "at",
        "actor_id",
        "actor_unit_id",
        "payload",
        "prev_hash",
        "hash",
    )
    while True:
        after = Q(stream__gt=last[0]) | Q(stream=last[0], seq__gt=last[1])
        # The redundant `stream >= s` turns the OR into an index range on PostgreSQL;
        # without it every page rescans the unique index from the start (quadratic).
        page = list(
            Event.objects.filter(Q(stream__gte=last[0]) & after)
            .order_by("stream", "seq")
            .only(*fields)[:batch]
        )
        if not page:
            return
        yield from page
        last = (page[-1].stream, page[-1].seq)


def _name(stream: str, tasks: dict[int, str], directives: dict[int, str]) -> str:
    kind, _, pk = stream.partition(":")
    if kind == "t":
        return f"任务 {tasks.get(int(pk), '#' + pk)}（task id {pk}）"
    return f"来文 {directives.get(int(pk), '#' + pk)}（directive id {pk}）"


def verify_chain() -> VerifyReport:
    report = VerifyReport()
    directives = {d.pk: d.code for d in Directive.objects.only("id", "year", "serial")}
    heads: dict[str, tuple[int, str]] = {}
    tasks: dict[int, str] = {}
    for pk, dpk, number, seq, head in Task.objects.values_list(
        "id", "directive_id", "number", "event_seq", "head_hash"
    ).iterator(chunk_size=5000):
        tasks[pk] = f"{directives.get(dpk, '?')}-{number}"
        heads[f"t:{pk}"] = (seq, head)
    for pk, seq, head in Directive.objects.values_list("id", "event_seq", "head_hash"):
        heads[f"d:{pk}"] = (seq, head)

    seen: set[str] = set()
    stream, expect_seq, prev = "", 0, GENESIS
    broken = False

    def close_stream() -> None:
        if not stream:
            return
        seen.add(stream)
        count, head = heads.get(stream, (None, None))
        if count is None:
            report.problems.append(f"{_name(stream, tasks, directives)}：流转记录没有对应的事项。")
        elif not broken and (count != expect_seq - 1 or head != prev):
            report.problems.append(
                f"{_name(stream, tasks, directives)}：记录应有{count}条，实际{expect_seq - 1}条，"
                "末尾的流转记录被删除或篡改。"
            )

    for ev in _iter_events():
        report.events += 1
        if ev.stream != stream:
            close_stream()
            stream, expect_seq, prev, broken = ev.stream, 1, GENESIS, False
            report.streams += 1
        if broken:
            continue
        where = _name(stream, tasks, directives)
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
        if ev.seq != expect_seq:
            report.problems.append(
                f"{where}：第{expect_seq}条流转记录缺失或顺序被改动（下一条序号为{ev.seq}）。"
            )
            broken = True
        elif ev.prev_hash != prev:
            report.problems.append(
                f"{where}：第{ev.seq}条流转记录与前一条不衔接（被删除、插入或调换）。"
            )
            broken = True
        elif event_hash(ev.prev_hash, body) != ev.hash:
            report.problems.append(f"{where}：第{ev.seq}条流转记录（{ev.kind}）的内容被改动。")
            broken = True
        prev, expect_seq = ev.hash, expect_seq + 1
    close_stream()
    for missing in sorted(set(k for k, (n, _) in heads.items() if n > 0) - seen):
        report.problems.append(f"{_name(missing, tasks, directives)}：全部流转记录都已丢失。")
    return report


@dataclass
class RebuildReport:
    tasks: int = 0
    differing: list[str] = field(default_factory=list)
    fixed: int = 0
    tally_differing: list[str] = field(default_factory=list)


def rebuilt_state(task: Task, ctx: rules.RuleContext) -> rules.TaskState:
    state = rules.TaskState()
    for ev in task.events.order_by("seq"):
        state = rules.apply(
            state, kind=ev.kind, at=ev.at, payload=ev.payload, unit_id=ev.actor_unit_id, ctx=ctx
        )
    return state


def diff_states(a: rules.TaskState, b: rules.TaskState) -> dict[str, tuple[Any, Any]]:
    out: dict[str, tuple[Any, Any]] = {}
    for name in [*rules.TaskState.task_fields(), "assignments"]:
        va, vb = getattr(a, name), getattr(b, name)
        if va != vb:
            out[name] = (va, vb)
    return out


def rebuild(*, fix: bool = False) -> RebuildReport:
    ctx = rule_context()
    report = RebuildReport()
    for task in (
        Task.objects.select_related("directive")
        .prefetch_related("assignments")
        .iterator(chunk_size=500)
    ):
        report.tasks += 1
        rebuilt = rebuilt_state(task, ctx)
        differences = diff_states(state_of(task), rebuilt)
        if differences:
            report.differing.append(f"{task.code}: {', '.join(sorted(differences))}")
            if fix:
                with writing():
                    store_state(task, rebuilt)
                report.fixed += 1
    # The dashboard's tally is derived from the projections just checked (work/tally.py).
    report.tally_differing = tally.differences()
    if fix and report.tally_differing:
        tally.recount()
    return report
