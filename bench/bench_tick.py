"""`duban tick` at scale: how many running tasks it visits, and how long it takes, against
a full visit; and the plans of the county-wide deadline-ordered lists.

usage: .venv/bin/python bench/bench_tick.py [--days 3] [--explain]

Runs on the loaded workload (bench/load_workload.py) in the database the environment
names. Starting the day after the loader's tick, each day: the filtered tick (what cron and
`duban serve` run), then a full tick (`--full`), which must find nothing left to do. Ticks
write what a real tick writes (light changes, reminders) into that database.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=3)
    ap.add_argument("--explain", action="store_true")
    ap.add_argument("--workdir", type=Path, default=REPO / "bench" / "out")
    ap.add_argument("--issues", type=int, default=100_000)
    args = ap.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
    import django

    django.setup()
    sys.path.insert(0, str(REPO))
    from django.core.management import call_command
    from django.db import connection

    from bench import workload
    from duban.coordination.tick import tick
    from duban.org.models import Role, User
    from duban.work import ledger
    from duban.work.models import Task

    call_command("migrate", verbosity=0)
    files = args.workdir / f"workload-{args.issues}"
    start = workload.tick_time(workload.as_of(files)) + timedelta(days=1)
    print(f"{connection.vendor}: {Task.objects.count():,} tasks")
    for day in range(args.days):
        now = start + timedelta(days=day)
        t0 = time.perf_counter()
        filtered = tick(now=now)
        t1 = time.perf_counter()
        full = tick(now=now, full=True)
        t2 = time.perf_counter()
        print(
            f"  {now:%Y-%m-%d}: visited {filtered.checked:,} of {filtered.running:,} running "
            f"({filtered.checked / max(1, filtered.running):.0%}) in {t1 - t0:.1f} s; "
            f"{filtered.light_changes} light changes, {filtered.reminders} reminders, "
            f"{filtered.escalations} escalations | full visit {full.checked:,} in "
            f"{t2 - t1:.1f} s, left to do: {full.light_changes + full.reminders + full.escalations}"
        )
    if args.explain and connection.vendor == "postgresql":
        supervisor = User.objects.filter(role=Role.SUPERVISOR).order_by("id").first()
        assert supervisor is not None
        qs = ledger.ledger_tasks(supervisor, ledger.LedgerFilters(light="red", sort="due"))
        lists = {
            "ledger: red, by deadline (50 rows)": qs.order_by(
                *ledger.order_by(ledger.SORTS["due"])
            )[:50],
            "open, overdue, oldest first (50 rows)": Task.objects.filter(
                is_open=True, due__lt=now.date(), submitted_at__isnull=True
            ).order_by("due", "id")[:50],
        }
        for name, query in lists.items():
            sql, params = query.query.sql_with_params()
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + sql, params)
                print(f"\n{name}:")
                for (line,) in cursor.fetchall():
                    print("   ", line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
