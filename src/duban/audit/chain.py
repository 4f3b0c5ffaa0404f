"""The hash chain over events: SM3 (GB/T 32905) of the previous hash and a canonical form.

Each stream (one task, or one directive's own events) is a chain: event n carries the hash
of event n-1. The task row keeps the head hash and count, so removing the last events of a
stream is detected too, not only a change in the middle.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives import hashes

GENESIS = "0" * 64


def canonical(
    *,
    stream: str,
    seq: int,
    kind: str,
    at: datetime,
    actor_id: int | None,
    actor_unit_id: int | None,
    directive_id: int,
    task_id: int | None,
    payload: dict[str, Any],
) -> bytes:
    body = {
        "stream": stream,
        "seq": seq,
        "kind": kind,
        # UTC with microseconds: both SQLite and PostgreSQL keep microseconds exactly.
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": actor_id,
        "unit": actor_unit_id,
        "directive": directive_id,
        "task": task_id,
        "payload": payload,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def event_hash(prev_hash: str, body: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(prev_hash.encode("ascii"))
    digest.update(body)
    return digest.finalize().hex()
