"""The hash chain over events: HMAC-SM3 (GB/T 32905, GB/T 15852.2) of the previous hash
and a canonical form, keyed with the chain key.

Each stream (one task, or one directive's own events) is a chain: event n carries the hash
of event n-1. The task row keeps the head hash and count, so removing the last events of a
stream is detected too, not only a change in the middle.

The key (`chain_key`) is held outside the database: DUBAN_CHAIN_KEY (64+ hex digits) or
the file DUBAN_DATA/chain_key, made once. Someone who can write to the database but not
read the key cannot recompute a chain after changing an event: without a key they could
(issue 17). `duban audit anchor` adds heads kept outside the database for someone who
holds the key as well (docs/decisions.md, "The record against a database writer").
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives import hashes, hmac

from duban.crypto import chain_key

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
    return keyed_hash(prev_hash, body, chain_key())


def keyed_hash(prev_hash: str, body: bytes, key: bytes | None) -> str:
    """The chain's hash under `key`; None is the scheme before the chains were keyed (plain
    SM3), which `duban audit rekey --unkeyed` reads (audit/rekey.py)."""
    if key is None:
        digest = hashes.Hash(hashes.SM3())
        digest.update(prev_hash.encode("ascii"))
        digest.update(body)
        return digest.finalize().hex()
    mac = hmac.HMAC(key, hashes.SM3())
    mac.update(prev_hash.encode("ascii"))
    mac.update(body)
    return mac.finalize().hex()
