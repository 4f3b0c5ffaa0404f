"""Time the access log: appending rows one by one, and verifying the whole chain.

    DUBAN_DATA=$(mktemp -d) .venv/bin/python -m bench.bench_access_log --rows 100000
    DATABASE_URL=postgres://…/duban_bench .venv/bin/python -m bench.bench_access_log

Appends N rows through `audit.access.record` (one transaction each, as a page view does),
then runs `verify_access_chain` (what the auditor's page runs on every load) three times.
Prints rows/s for appending and the verify time in ms. Needs a migrated, empty-ish database.
"""

from __future__ import annotations

import argparse
import os
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20000)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from duban.audit.access import record, verify_access_chain
    from duban.audit.models import AccessKind, AccessLog

    before = AccessLog.objects.count()
    started = time.perf_counter()
    for i in range(args.rows):
        record(AccessKind.VIEW, username=f"user{i % 500}", target=f"task:{i}", ip="10.1.2.3")
    took = time.perf_counter() - started
    print(f"append: {args.rows} rows in {took:.1f} s = {args.rows / took:.0f} rows/s")
    total = before + args.rows
    for _ in range(3):
        started = time.perf_counter()
        report = verify_access_chain()
        ms = (time.perf_counter() - started) * 1000
        print(f"verify: {total} rows, ok={report.ok}, {ms:.0f} ms")


if __name__ == "__main__":
    main()
