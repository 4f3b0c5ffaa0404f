"""Time the workspace's pages server-side, through Django's test Client (in-process, no network).

usage: .venv/bin/python bench/bench_web.py [--runs 30] [--warmup 3] [--workdir bench/out]
                                           [--no-migrate]

Same environment as bench/load_workload.py (DUBAN_DATA or DATABASE_URL), against the loaded
100,000-task workload. Each page is requested `--warmup` times untimed, then `--runs` times,
signed in as the supervisor (the widest scope); the table shows the median and the p95
(nearest rank) in milliseconds of the whole request: middleware, session, every query and
the template. Targets (issue 3): ledger p95 < 150 ms, dashboard p95 < 300 ms.
"""

from __future__ import annotations

import argparse
import math
import os
import sqlite3
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
TARGETS = {"ledger": 150.0, "dashboard": 300.0}


@dataclass
class Case:
    name: str
    url: str
    client: Any
    target: float | None = None
    headers: dict[str, str] | None = None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--workdir", type=Path, default=REPO / "bench" / "out")
    ap.add_argument(
        "--no-migrate", action="store_true", help="do not migrate first (the schema is current)"
    )
    args = ap.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
    os.environ.setdefault("DUBAN_DATA", str(args.workdir.resolve() / "sqlite"))
    sys.path.insert(0, str(REPO / "src"))

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.core.signals import request_started
    from django.db import connection, reset_queries
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from duban.org.models import Role, Unit, User
    from duban.work import ledger
    from duban.work.models import Light, Task

    # The test Client speaks as host "testserver"; collectstatic's manifest is not needed.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Each request would otherwise empty the query log that CaptureQueriesContext reads.
    request_started.disconnect(reset_queries)
    if not args.no_migrate:
        call_command("migrate", verbosity=0)  # the web app's tables (saved filters)
    supervisor = User.objects.filter(role=Role.SUPERVISOR, is_active=True).order_by("id").first()
    if supervisor is None or not Task.objects.exists():
        print("no tasks or no supervisor: load the workload first (bench/load_workload.py)")
        return 2
    # The unit with the most red tasks it leads: the longest "overdue of a unit" list.
    busy = (
        Task.objects.filter(light=Light.RED)
        .values("lead_unit")
        .annotate(n=Count("*"))
        .order_by("-n", "lead_unit")
        .first()
    )
    assert busy is not None
    unit = Unit.objects.get(pk=busy["lead_unit"])
    liaison = User.objects.filter(role=Role.LIAISON, unit=unit).order_by("id").first()
    # The task with the longest history, for the task page.
    task = Task.objects.order_by("-event_seq", "id").only("id").first()
    assert task is not None

    office = Client()
    office.force_login(supervisor)
    whole = ledger.ledger_page(supervisor, ledger.LedgerFilters())
    pages, next_url = whole.pages, f"/ledger/?page=2&after={whole.last_cursor}"
    cases = [
        Case(
            f"ledger: a unit's red tasks by due ({unit.code}, {busy['n']} red)",
            f"/ledger/?unit={unit.pk}&light=red&sort=due",
            office,
            TARGETS["ledger"],
        ),
        Case("ledger: text search 污水处理厂", "/ledger/?q=污水处理厂", office, TARGETS["ledger"]),
        Case("dashboard", "/dashboard/", office, TARGETS["dashboard"]),
        Case(f"task page (task {task.pk}, {task.event_seq} events)", f"/tasks/{task.pk}/", office),
        # More ledger pages, for the picture: the whole county, deep pages, htmx rows.
        Case("ledger: whole county, page 1", "/ledger/", office, TARGETS["ledger"]),
        Case("ledger: page 2 by keyset (下一页)", next_url, office, TARGETS["ledger"]),
        Case(
            f"ledger: last page by number ({pages})",
            f"/ledger/?page={pages}",
            office,
            TARGETS["ledger"],
        ),
        Case(
            f"ledger: middle page by number ({pages // 2})",
            f"/ledger/?page={pages // 2}",
            office,
            TARGETS["ledger"],
        ),
        Case(
            "ledger rows (htmx): a unit's red tasks by due",
            f"/ledger/?unit={unit.pk}&light=red&sort=due",
            office,
            TARGETS["ledger"],
            {"HTTP_HX_REQUEST": "true"},
        ),
    ]
    if liaison is not None:
        own = Client()
        own.force_login(liaison)
        cases += [
            Case(
                f"ledger as the liaison of {unit.code}",
                "/ledger/?light=red&sort=due",
                own,
                TARGETS["ledger"],
            ),
            Case(
                f"dashboard as the liaison of {unit.code}", "/dashboard/", own, TARGETS["dashboard"]
            ),
        ]

    if connection.vendor == "postgresql":
        major, minor = divmod(connection.pg_version, 10000)  # type: ignore[attr-defined]
        version = f"PostgreSQL {major}.{minor}"
    else:
        version = f"SQLite {sqlite3.sqlite_version}"
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"{version}, {Task.objects.count():,} tasks, {args.runs} runs, server time per request"
        f" (load average {load:.2f} on {os.cpu_count()} CPUs: other work on the machine skews it)"
    )
    print(f"{'page':<58} {'queries':>7} {'KB':>6} {'median ms':>10} {'p95 ms':>8} {'target':>8}")
    failed = False
    for case in cases:
        headers = case.headers or {}
        response = case.client.get(case.url, **headers)
        if response.status_code != 200:
            print(f"{case.name:<58} HTTP {response.status_code}: skipped")
            continue
        for _ in range(args.warmup):
            case.client.get(case.url, **headers)
        with CaptureQueriesContext(connection) as captured:
            response = case.client.get(case.url, **headers)
        queries = len(captured)
        timings = []
        for _ in range(args.runs):
            started = time.perf_counter()
            case.client.get(case.url, **headers)
            timings.append((time.perf_counter() - started) * 1000)
        high = p95(timings)
        verdict = ""
        if case.target is not None:
            ok = high < case.target
            failed |= not ok
            verdict = f"<{case.target:.0f} {'ok' if ok else 'OVER'}"
        print(
            f"{case.name:<58} {queries:>7} {len(response.content) / 1024:>6.0f} "
            f"{statistics.median(timings):>10.1f} {high:>8.1f} {verdict:>8}"
        )
    return 1 if failed else 0


def p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


if __name__ == "__main__":
    sys.exit(main())
