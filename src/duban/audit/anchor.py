"""Chain heads kept outside the database: `duban audit anchor` and `verify --anchor`.

An anchor lists every event stream's length and head hash at one moment, signed with the
chain key (HMAC-SM3), with one SM3 root over all of it short enough to print or copy by
hand. Kept off the database host (another machine, a printed bulletin), it catches what
the key alone cannot: someone holding both the database and the key who rewrites a
stream and recomputes its chain, or truncates one and fixes the head. Events added after
the anchor are not covered until the next one (run it daily from cron).
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives import hashes, hmac

from duban.crypto import chain_key, sm3
from duban.work.models import Directive, Event, Task


@dataclass
class Anchor:
    made_at: str
    heads: list[tuple[str, int, str]]
    root: str = ""
    mac: str = ""
    problems: list[str] = field(default_factory=list)


def _lines(heads: list[tuple[str, int, str]]) -> bytes:
    return "".join(f"{s} {n} {h}\n" for s, n, h in heads).encode()


def _mac(data: bytes) -> str:
    m = hmac.HMAC(chain_key(), hashes.SM3())
    m.update(data)
    return m.finalize().hex()


def current_heads() -> list[tuple[str, int, str]]:
    heads = [
        (f"t:{pk}", n, h)
        for pk, n, h in Task.objects.filter(event_seq__gt=0)
        .values_list("id", "event_seq", "head_hash")
        .iterator(chunk_size=5000)
    ]
    heads += [
        (f"d:{pk}", n, h)
        for pk, n, h in Directive.objects.filter(event_seq__gt=0).values_list(
            "id", "event_seq", "head_hash"
        )
    ]
    return sorted(heads)


def make(out_dir: Path, *, now: datetime) -> tuple[Path, Anchor]:
    heads = current_heads()
    data = _lines(heads)
    anchor = Anchor(made_at=now.isoformat(), heads=heads, root=sm3(data), mac=_mac(data))
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"anchor-{now:%Y%m%d-%H%M%S}.json.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        json.dump(
            {"made_at": anchor.made_at, "root": anchor.root, "mac": anchor.mac, "heads": heads},
            f,
        )
    return path, anchor


def check(path: Path) -> list[str]:
    """Problems found comparing the database with the anchor at `path` (empty: consistent)."""
    with gzip.open(path, "rt", encoding="utf-8") as f:
        raw = json.load(f)
    heads = [(s, int(n), h) for s, n, h in raw["heads"]]
    data = _lines(heads)
    if sm3(data) != raw["root"] or _mac(data) != raw["mac"]:
        return [f"锚定文件 {path.name} 本身被改动或不是用本系统密钥签发的。"]
    problems: list[str] = []
    wanted = {(s, n): h for s, n, h in heads}
    found: dict[tuple[str, int], str] = {}
    streams = [s for s, _, _ in heads]
    for i in range(0, len(streams), 500):
        part = streams[i : i + 500]
        for s, n, h in Event.objects.filter(stream__in=part).values_list("stream", "seq", "hash"):
            if (s, n) in wanted:
                found[(s, n)] = h
    for (s, n), h in wanted.items():
        if found.get((s, n)) != h:
            problems.append(
                f"{s}：第{n}条流转记录与 {raw['made_at'][:10]} 的锚定值不一致（被改写或删除）。"
            )
    return problems
