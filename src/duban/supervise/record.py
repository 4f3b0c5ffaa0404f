"""The chain of a spot check's or a campaign's own events (`SupervisionEvent`).

A task's supervision events (an escalation, a finding, an appeal) go on the task's own
chain through `work.actions.record`. A spot check's draw and closing, and a campaign's
creation, visits and closing, concern no single task: they go on the record's own stream
(`s:<id>`, `c:<id>`), hashed the same way (SM3 over the previous hash and a canonical
JSON), with the head kept on the record row so a removed last event is found too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from duban.audit.chain import GENESIS, event_hash
from duban.org.models import User
from duban.records.chain import append_to, canonical
from duban.supervise.models import Campaign, SpotCheck, SupervisionEvent


def append(
    holder: SpotCheck | Campaign,
    *,
    kind: str,
    at: datetime,
    by: User | None,
    payload: dict[str, Any],
) -> SupervisionEvent:
    """Append one event to the record's stream and move its head (records.chain.append_to)."""
    return append_to(SupervisionEvent, holder, kind=kind, at=at, by=by, payload=payload)


@dataclass
class ChainReport:
    streams: int = 0
    events: int = 0
    problems: list[str] = field(default_factory=list)


def _heads() -> dict[str, tuple[int, str, str]]:
    heads: dict[str, tuple[int, str, str]] = {}
    for pk, title, seq, head in SpotCheck.objects.values_list(
        "id", "title", "event_seq", "head_hash"
    ):
        heads[f"s:{pk}"] = (seq, head, f"随机抽查“{title}”（spot check id {pk}）")
    for pk, title, seq, head in Campaign.objects.values_list(
        "id", "title", "event_seq", "head_hash"
    ):
        heads[f"c:{pk}"] = (seq, head, f"专项督查“{title}”（campaign id {pk}）")
    return heads


def verify() -> ChainReport:
    """Check every spot-check and campaign chain, as `audit.verify.verify_chain` does."""
    report = ChainReport()
    heads = _heads()
    by_stream: dict[str, list[SupervisionEvent]] = {}
    for ev in SupervisionEvent.objects.order_by("stream", "seq").iterator(chunk_size=2000):
        by_stream.setdefault(ev.stream, []).append(ev)
        report.events += 1
    for stream in sorted(set(by_stream) | {s for s, h in heads.items() if h[0] > 0}):
        events = by_stream.get(stream, [])
        report.streams += 1
        count, head, name = heads.get(stream, (None, None, f"记录 {stream}"))
        if count is None:
            report.problems.append(f"{name}：流转记录没有对应的督查记录。")
            continue
        prev, broken = GENESIS, False
        for expect, ev in enumerate(events, start=1):
            body = canonical(
                stream=ev.stream,
                seq=ev.seq,
                kind=ev.kind,
                at=ev.at,
                actor_id=ev.actor_id,
                actor_unit_id=ev.actor_unit_id,
                payload=ev.payload,
            )
            if ev.seq != expect:
                report.problems.append(f"{name}：第{expect}条记录缺失或顺序被改动。")
            elif ev.prev_hash != prev:
                report.problems.append(f"{name}：第{ev.seq}条记录与前一条不衔接。")
            elif event_hash(ev.prev_hash, body) != ev.hash:
                report.problems.append(f"{name}：第{ev.seq}条记录（{ev.kind}）的内容被改动。")
            else:
                prev = ev.hash
                continue
            broken = True
            break
        if not broken and (count != len(events) or head != prev):
            report.problems.append(
                f"{name}：记录应有{count}条，实际{len(events)}条，末尾的记录被删除或篡改。"
            )
    return report
