"""Time the issue's three queries through the real selectors, against the loaded database.

usage: .venv/bin/python bench/bench_queries.py [--runs 30] [--warmup 3] [--today 2026-11-26]
                                               [--explain] [--workdir bench/out]

Same environment as bench/load_workload.py (DUBAN_DATA or DATABASE_URL). Each query runs
`--warmup` times untimed, then `--runs` times; the table shows the median and the p95
(nearest rank) in milliseconds, each call forced to a list as a page would.
"""

from __future__ import annotations

import argparse
import math
import os
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Sized
from datetime import date
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--today", type=date.fromisoformat, default=date(2026, 11, 26))
    ap.add_argument("--explain", action="store_true", help="print each query's plan")
    ap.add_argument(
        "--proposals", action="store_true", help="also time the changes proposed in README.md"
    )
    ap.add_argument("--workdir", type=Path, default=REPO / "bench" / "out")
    args = ap.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
    os.environ.setdefault("DUBAN_DATA", str(args.workdir.resolve() / "sqlite"))

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext

    from duban.org.models import Leader, Role, Unit, User
    from duban.work import selectors
    from duban.work.models import Light, Task, TaskStatus

    call_command("migrate", verbosity=0)  # the code may have moved on since the load
    today: date = args.today
    supervisor = User.objects.filter(role=Role.SUPERVISOR, is_active=True).order_by("id").first()
    if supervisor is None or not Task.objects.exists():
        print("no tasks or no supervisor: load the workload first (bench/load_workload.py)")
        return 2
    # The unit with the most overdue tasks, the leader with the most red ones: the worst case.
    busy = (
        Task.objects.filter(is_open=True, due__lt=today)
        .values("lead_unit")
        .annotate(n=Count("id"))
        .order_by("-n", "lead_unit")
        .first()
    )
    red = (
        Task.objects.filter(light=Light.RED)
        .values("leader")
        .annotate(n=Count("id"))
        .order_by("-n", "leader")
        .first()
    )
    assert busy is not None and red is not None
    unit = Unit.objects.get(pk=busy["lead_unit"])
    leader = Leader.objects.get(pk=red["leader"])
    liaison = User.objects.filter(role=Role.LIAISON, unit=unit).order_by("id").first()
    assert liaison is not None

    cases: list[tuple[str, Callable[[], Sized]]] = [
        (
            f"overdue of one unit, 50 rows ({unit.code}, supervisor)",
            lambda: selectors.overdue_tasks(supervisor, today=today, unit=unit, limit=50),
        ),
        (
            f"red tasks of a leader's line ({leader.code})",
            lambda: list(selectors.red_tasks_of_line(supervisor, leader)),
        ),
        ("counts by light, whole county", lambda: selectors.light_counts(supervisor)),
        (
            f"overdue of one unit, 50 rows ({unit.code}, its liaison)",
            lambda: selectors.overdue_tasks(liaison, today=today, unit=unit, limit=50),
        ),
    ]
    if args.proposals:
        # COUNT(*) instead of COUNT(id): PostgreSQL can then answer from the (light, status)
        # index alone (an index-only scan) instead of reading every task row.
        def light_counts_star() -> dict[str, int]:
            rows = (
                selectors.tasks_visible_to(supervisor)
                .exclude(status__in=[TaskStatus.DRAFT, TaskStatus.WITHDRAWN])
                .values("light")
                .annotate(n=Count("*"))
                .values_list("light", "n")
            )
            return dict(rows)

        cases.append(("counts by light, COUNT(*) (proposed)", light_counts_star))

    if connection.vendor == "postgresql":
        major, minor = divmod(connection.pg_version, 10000)  # type: ignore[attr-defined]
        version = f"PostgreSQL {major}.{minor}"
    else:
        version = f"SQLite {sqlite3.sqlite_version}"
    print(f"{version}, {Task.objects.count():,} tasks, today {today}, {args.runs} runs")
    print(f"{'query':<58} {'rows':>6} {'queries':>7} {'median ms':>10} {'p95 ms':>8}")
    plans: list[tuple[str, str]] = []
    for name, run in cases:
        for _ in range(args.warmup):
            run()
        with CaptureQueriesContext(connection) as captured:
            result = run()
        timings = []
        for _ in range(args.runs):
            started = time.perf_counter()
            run()
            timings.append((time.perf_counter() - started) * 1000)
        rows = len(result)
        if isinstance(result, dict):
            rows = sum(result.values())  # tasks counted, not lights
        print(
            f"{name:<58} {rows:>6,} {len(captured):>7} {statistics.median(timings):>10.2f} "
            f"{p95(timings):>8.2f}"
        )
        plans.extend((name, q["sql"]) for q in captured.captured_queries)
    if args.explain:
        for name, sql in plans:
            print(f"\n-- {name}\n{sql}\n{explain(connection, sql)}")
    return 0


def p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def explain(connection: Any, sql: str) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            depth: dict[int, int] = {0: 0}
            lines = []
            for node, parent, _, detail in cursor.fetchall():
                depth[node] = depth.get(parent, 0) + 1
                lines.append("  " * depth[node] + detail)
            return "\n".join(lines)
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return "\n".join(f"  {row[0]}" for row in cursor.fetchall())


if __name__ == "__main__":
    sys.exit(main())
