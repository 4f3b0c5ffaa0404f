"""Issue 18's reproduction: N registrations (register + decompose + assign one task, the
register form as the office sends it) at concurrency C over HTTP, against `duban serve`.

usage: .venv/bin/python bench/bench_register.py [--requests 200] [--concurrency 8]
           [--servers 1] [--source DIR] [--serve-args "--no-jobs --workers 2"]

PostgreSQL when DATABASE_URL is set (a database named after it + "_bench_register" is made
afresh and dropped), else SQLite in a temporary folder. --source runs another checkout's
src/ (e.g. the commit before the fix, for the "before" figure; its `duban serve` may not
know the newer options: pass --serve-args ""). Prints status counts, throughput, p50/p95.
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.http_site import Site, free_ports  # noqa: E402


def form(n: int, unit: int) -> dict[str, object]:
    return {
        "kind": "superior",  # a 领导批示 needs its 批示领导 (issue 12 point 3)
        "urgency": "normal",
        "title": f"压测来文{n}",
        "received_at": "2026-01-05T09:00",
        "assign_now": "on",
        "tasks-TOTAL_FORMS": "1",
        "tasks-INITIAL_FORMS": "0",
        "tasks-MIN_NUM_FORMS": "0",
        "tasks-MAX_NUM_FORMS": "1000",
        "tasks-0-content": f"压测事项{n}",
        "tasks-0-lead": [str(unit)],
        "tasks-0-due": "30天",
        "tasks-0-cycle": "none",
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--servers", type=int, default=1)
    ap.add_argument("--source", type=Path, default=REPO / "src")
    ap.add_argument("--serve-args", default="--no-jobs")
    ap.add_argument("--ports", default="18100-18149")
    args = ap.parse_args()
    first, last = (int(x) for x in args.ports.split("-"))
    url = os.environ.get("DATABASE_URL", "").strip()
    with tempfile.TemporaryDirectory() as tmp:
        site = Site(
            root=Path(tmp),
            ports=free_ports(first, last, args.servers),
            postgres=url.rsplit("/", 1)[0] if url else None,
            source=args.source.resolve(),
        )
        if url:
            site.db_name = url.rsplit("/", 1)[1] + "_bench_register"
        try:
            site.create()
            site.start(*shlex.split(args.serve_args))
            statuses: Counter[int] = Counter()
            took: list[float] = []
            lock = threading.Lock()
            todo = iter(range(args.requests))

            def client(k: int) -> None:
                b = site.browser("duchashi", k)
                unit = site.unit(f"u{k % 8 + 1}")
                while True:
                    with lock:
                        n = next(todo, None)
                    if n is None:
                        b.close()
                        return
                    t0 = time.perf_counter()
                    r = b.post("/directives/new/", form(n, unit))
                    dt = time.perf_counter() - t0
                    with lock:
                        statuses[r.status] += 1
                        took.append(dt)

            started = time.perf_counter()
            threads = [threading.Thread(target=client, args=(k,)) for k in range(args.concurrency)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.perf_counter() - started
            counts = site.script("counts")
        finally:
            site.stop()
            site.drop()
    took.sort()
    p95 = took[max(0, round(0.95 * len(took)) - 1)]
    db = "PostgreSQL" if url else "SQLite"
    print(
        f"{args.requests} registrations at c={args.concurrency}, {args.servers} server(s) "
        f"[{args.serve_args}] on {db}, source {args.source}"
    )
    print(f"  statuses: {dict(sorted(statuses.items()))}  (302 = registered)")
    print(f"  directives on record: {len(counts['serials'])}")
    print(f"  throughput {args.requests / wall:.1f} req/s, wall {wall:.1f} s")
    print(f"  latency p50 {statistics.median(took) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
