"""Load the shared workload (../shared/bench) through the bulk path, then verify it.

usage: .venv/bin/python bench/load_workload.py [--issues N] [--workdir bench/out] [--reset]
                                               [--sample 500] [--batch 2000]

The database is the one the settings read from the environment: SQLite in DUBAN_DATA
(default here: <workdir>/sqlite), or PostgreSQL with DATABASE_URL (the database is created
when missing). A database that already holds units or directives is refused; --reset drops
and recreates it first (a fresh migrate keeps the rows the migrations seed, which `flush`
would delete). After loading: `duban audit verify` over every chain and `duban rebuild` over
a random sample; any difference exits non-zero.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from duban.work.bulk import BatchCounts

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--issues", type=int, default=100_000)
    ap.add_argument("--workdir", type=Path, default=REPO / "bench" / "out")
    ap.add_argument("--reset", action="store_true", help="drop and recreate the database first")
    ap.add_argument("--sample", type=int, default=500, help="tasks to rebuild after loading")
    ap.add_argument("--batch", type=int, default=2000, help="tasks per transaction")
    args = ap.parse_args(argv)
    workdir: Path = args.workdir.resolve()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
    os.environ.setdefault("DUBAN_DATA", str(workdir / "sqlite"))
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        prepare_postgres(url, reset=args.reset)
    elif args.reset:
        for suffix in ("", "-wal", "-shm"):
            Path(os.environ["DUBAN_DATA"], f"duban.sqlite3{suffix}").unlink(missing_ok=True)

    import django

    django.setup()
    sys.path.insert(0, str(REPO))
    from django.core.management import call_command
    from django.db import connection

    from bench import workload
    from duban.org.models import Unit
    from duban.work.models import Directive

    call_command("migrate", verbosity=0)
    where = f"{connection.vendor} {connection.settings_dict['NAME']}"
    if Directive.objects.exists() or Unit.objects.exists():
        print(f"{where} already holds units or directives; use --reset to start over.")
        return 2

    files = workload.ensure_workload(workdir / f"workload-{args.issues}", args.issues)
    print(f"loading {files} into {where}")

    def progress(counts: BatchCounts, seconds: float) -> None:
        tasks = counts.tasks
        print(f"  {tasks:>9,} tasks  {seconds:7.1f} s  {tasks / seconds:8,.0f} tasks/s", flush=True)

    started = time.perf_counter()
    org = workload.load_org(files)
    counts = workload.load_tasks(files, org, batch=args.batch, progress=progress)
    loaded = time.perf_counter() - started
    rows = counts.directives + counts.tasks + counts.events + counts.assignments
    print(
        f"loaded in {loaded:.1f} s: {counts.directives:,} directives, {counts.tasks:,} tasks, "
        f"{counts.events:,} events ({counts.light_changes:,} light changes by the tick), "
        f"{counts.assignments:,} assignments"
    )
    print(f"  {counts.tasks / loaded:,.0f} tasks/s, {rows / loaded:,.0f} rows/s")

    if connection.vendor == "postgresql":
        # What autovacuum does soon after a large insert: statistics and the visibility map.
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        print(f"VACUUM ANALYZE in {time.perf_counter() - started:.1f} s")

    failed = False
    expected, stored = workload.expected_status_counts(files), workload.stored_status_counts()
    print(f"tasks by status: {dict(sorted(stored.items()))}")
    if expected != stored:
        print(f"FAILED: the CSV has {dict(sorted(expected.items()))}")
        failed = True
    print(f"tasks by light:  {dict(sorted(workload.light_summary().items()))}")

    started = time.perf_counter()
    report = workload.check_loaded(sample=args.sample)
    checked = time.perf_counter() - started
    print(
        f"audit verify: {report.verify.streams:,} chains, {report.verify.events:,} events, "
        f"{len(report.verify.problems)} problems; rebuild: {report.sampled} sampled tasks, "
        f"{len(report.differing)} differ ({checked:.1f} s)"
    )
    for line in [*report.verify.problems, *report.differing][:50]:
        print(f"  {line}")
    if not report.ok:
        print("FAILED: the bulk path wrote something the actions would not have written")
        failed = True
    return 1 if failed else 0


def prepare_postgres(url: str, *, reset: bool) -> None:
    """Create the database of DATABASE_URL when missing (UTF-8, C.UTF-8 ctype for pg_trgm)."""
    import dj_database_url
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import make_conninfo

    cfg = dj_database_url.parse(url)
    name = str(cfg["NAME"])
    params = {
        "dbname": "postgres",
        "user": cfg.get("USER"),
        "password": cfg.get("PASSWORD"),
        "host": cfg.get("HOST"),
        "port": cfg.get("PORT"),
    }
    conninfo = make_conninfo(**{k: str(v) for k, v in params.items() if v})
    with psycopg.connect(conninfo, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and reset:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = None
        if not exists:
            conn.execute(
                sql.SQL(
                    "CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8' LC_CTYPE 'C.UTF-8'"
                ).format(sql.Identifier(name))
            )


if __name__ == "__main__":
    sys.exit(main())
