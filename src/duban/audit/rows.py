"""Rows kept beside the chains, checked against the chained events that recorded them.

The hash chains cover events; the pages and documents also show rows of their own: the
directive's title and text, each progress report, each extension request, each
attachment's name and hash. Someone who can write to the database could change those
rows and leave every chain intact (`update work_progressreport set text=…` passed
`audit verify` and `rebuild`, then showed in exports and the 情况报告). Here each such row is
compared with the event payload that recorded it; a difference is named like a broken
chain. `duban audit verify` runs both.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives import hashes

from duban.crypto import FILE_DIGESTS
from duban.work.models import (
    Attachment,
    Directive,
    Event,
    EventKind,
    ExtensionRequest,
    ProgressReport,
    UnitReview,
)


def text_digest(text: str) -> str:
    """SM3 of a text too long to copy into an event (a directive's full text)."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(text.encode())
    return digest.finalize().hex()


def _directive_problems() -> Iterator[str]:
    registered = {
        e.directive_id: e.payload
        for e in Event.objects.filter(task__isnull=True, kind=EventKind.REGISTERED).only(
            "directive_id", "payload"
        )
    }
    for d in Directive.objects.only(
        "id",
        "year",
        "serial",
        "kind",
        "title",
        "doc_no",
        "issuer",
        "urgency",
        "received_at",
        "text",
    ).iterator(chunk_size=2000):
        p = registered.get(d.pk)
        if p is None:
            continue  # a missing registration event is reported by the chain check
        stored: dict[str, Any] = {
            "title": d.title,
            "doc_no": d.doc_no,
            "issuer": d.issuer,
            "kind": d.kind,
            "urgency": d.urgency,
        }
        changed = [k for k, v in stored.items() if k in p and p[k] != v]
        if "received_at" in p and datetime.fromisoformat(p["received_at"]) != d.received_at:
            changed.append("received_at")
        if "text_sm3" in p:
            if p["text_sm3"] != text_digest(d.text):
                changed.append("text")
        elif "text_len" in p and p["text_len"] != len(d.text):
            changed.append("text")
        if changed:
            fields = "、".join(changed)
            yield f"来文 {d.code}（directive id {d.pk}）：{fields} 与登记记录不一致，被改动。"


def _report_problems() -> Iterator[str]:
    for r in (
        ProgressReport.objects.select_related("event")
        .only(
            "id",
            "task_id",
            "unit_id",
            "author_id",
            "at",
            "text",
            "slot",
            "late",
            "event__payload",
            "event__at",
            "event__actor_id",
            "event__actor_unit_id",
        )
        .iterator(chunk_size=2000)
    ):
        e, p = r.event, r.event.payload
        slot = r.slot.isoformat() if r.slot else None
        if (
            p.get("text") != r.text
            or e.at != r.at
            or e.actor_id != r.author_id
            or e.actor_unit_id != r.unit_id
            or p.get("slot", slot) != slot
            or p.get("late", r.late) != r.late
        ):
            yield f"进展报告 #{r.pk}（task id {r.task_id}）：与流转记录不一致，被改动。"


def _extension_problems() -> Iterator[str]:
    asked = {
        e.payload.get("request"): e
        for e in Event.objects.filter(kind=EventKind.EXTENSION_REQUESTED).only(
            "payload", "at", "actor_id"
        )
    }
    for x in ExtensionRequest.objects.iterator(chunk_size=2000):
        e = asked.get(x.pk)
        if e is None:
            yield f"延期申请 #{x.pk}（task id {x.task_id}）：没有对应的流转记录。"
            continue
        if (
            e.payload.get("reason") != x.reason
            or e.payload.get("requested_due") != x.requested_due.isoformat()
            or e.at != x.requested_at
            or e.actor_id != x.requested_by_id
        ):
            yield f"延期申请 #{x.pk}（task id {x.task_id}）：与流转记录不一致，被改动。"


def _unit_review_problems() -> Iterator[str]:
    """A submission waiting at (or decided by) a unit head shows its row's text; the head
    approves what the row says, so it must be what the liaison sent."""
    for r in UnitReview.objects.select_related("event").iterator(chunk_size=2000):
        e = r.event
        if e is None:
            yield f"单位审核 #{r.pk}（task id {r.task_id}）：没有对应的流转记录。"
            continue
        due = r.requested_due.isoformat() if r.requested_due else None
        if (
            e.payload.get("review") != r.pk
            or e.payload.get("text") != r.text
            or e.payload.get("what") != r.what
            or e.payload.get("requested_due") != due
            or e.at != r.prepared_at
            or e.actor_id != r.prepared_by_id
            or e.actor_unit_id != r.unit_id
        ):
            yield f"单位审核 #{r.pk}（task id {r.task_id}）：与流转记录不一致，被改动。"


def _attachment_problems() -> Iterator[str]:
    for a in Attachment.objects.select_related("event").iterator(chunk_size=2000):
        if a.event is None:
            continue
        # Each recorded file names its digest by algorithm ("sha256" before SM3, "sm3").
        recorded = [
            (x["name"], x["size"], alg, x[alg])
            for x in a.event.payload.get("attachments", [])
            for alg in FILE_DIGESTS
            if alg in x
        ]
        if (a.name, a.size, a.algorithm, a.digest) not in recorded:
            yield f"附件 #{a.pk}“{a.name}”：名称、大小或校验值与流转记录不一致，被改动。"


def verify_rows() -> list[str]:
    return [
        *_directive_problems(),
        *_report_problems(),
        *_extension_problems(),
        *_unit_review_problems(),
        *_attachment_problems(),
    ]
