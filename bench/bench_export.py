"""Time the ledger export (台账.xlsx) of the whole loaded county, and its peak memory.

usage: .venv/bin/python bench/bench_export.py [--runs 3] [--today 2026-11-26] [--check]
                                              [--workdir bench/out] [--query "status=open"]

Same environment as bench/load_workload.py (DUBAN_DATA or DATABASE_URL). Each run exports
what the supervisor sees (100,000 tasks after the standard load) through
`documents.ledger_xlsx.export_ledger`, the function behind the page and the CLI, into a
temporary file. Printed per run: wall and CPU seconds, rows, file size; then the process's
peak RSS (ru_maxrss: Django, the ORM and the writer together, the figure the 300 MB budget
is about). `--check` reopens the file with openpyxl (read_only) and counts the rows.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from datetime import date, datetime
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[1]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--today", type=date.fromisoformat, default=date(2026, 11, 26))
    ap.add_argument("--query", default="", help="ledger filters as the page's query string")
    ap.add_argument("--check", action="store_true", help="reopen the file and count its rows")
    ap.add_argument("--workdir", type=Path, default=REPO / "bench" / "out")
    args = ap.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
    os.environ.setdefault("DUBAN_DATA", str(args.workdir.resolve() / "sqlite"))

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from duban.documents import filters, ledger_xlsx
    from duban.org.models import Role, User
    from duban.work.models import Task

    call_command("migrate", verbosity=0)
    supervisor = User.objects.filter(role=Role.SUPERVISOR, is_active=True).order_by("id").first()
    if supervisor is None or not Task.objects.exists():
        print("no tasks or no supervisor: load the workload first (bench/load_workload.py)")
        return 2
    f = filters.parse_query(args.query)
    now = datetime.combine(args.today, dtime(23, 59), tzinfo=ZoneInfo("Asia/Shanghai"))
    print(f"{connection.vendor}: export as {supervisor.username}, filters {args.query or '(none)'}")
    print(f"peak RSS after setup: {rss_mb():.0f} MB")
    walls, cpus = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(1, args.runs + 1):
            out = Path(tmp) / f"ledger-{run}.xlsx"
            wall0, cpu0 = time.perf_counter(), time.process_time()
            result = ledger_xlsx.export_ledger(user=supervisor, filters=f, out=out, now=now)
            wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
            walls.append(wall)
            cpus.append(cpu)
            size = out.stat().st_size / 1e6
            print(
                f"run {run}: {result.rows:,} rows  wall {wall:6.2f} s  cpu {cpu:6.2f} s  "
                f"file {size:5.1f} MB  peak RSS so far {rss_mb():.0f} MB"
            )
        if args.check:
            from openpyxl import load_workbook

            wb = load_workbook(out, read_only=True)
            data_rows = sum(1 for _ in wb[ledger_xlsx.SHEET].iter_rows(min_row=4))
            print(f"check: {data_rows:,} data rows in {out.name}")
            wb.close()
    print(
        f"median wall {statistics.median(walls):.2f} s, cpu {statistics.median(cpus):.2f} s; "
        f"process peak RSS {rss_mb():.0f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
