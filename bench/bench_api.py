"""Time the API's reads beside the page reads with the same filters, in-process.

usage: .venv/bin/python bench/bench_api.py [--runs 30] [--warmup 3] [--workdir bench/out]

Same environment as bench/bench_web.py (DUBAN_DATA or DATABASE_URL), against a loaded
workload (bench/load_workload.py; `--issues 20000` loads a smaller one). For each read the
page and the API endpoint are asked the same question as the supervisor (the widest
scope): the API through a token of a supervisor integration, so its figure includes the
token check, the per-minute count and the access-log row. Each is requested `--warmup`
times untimed, then `--runs` times; the table shows queries, size, median and p95
(nearest rank) in ms of the whole request.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.bench_web import p95  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--workdir", type=Path, default=REPO / "bench" / "out")
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

    from duban.api import tokens
    from duban.api.models import Integration
    from duban.org.models import Role, Unit, User
    from duban.work import ledger
    from duban.work.models import Light, Task

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    request_started.disconnect(reset_queries)
    call_command("migrate", verbosity=0)  # the api app's tables
    supervisor = User.objects.filter(role=Role.SUPERVISOR, is_active=True).order_by("id").first()
    if supervisor is None or not Task.objects.exists():
        print("no tasks or no supervisor: load the workload first (bench/load_workload.py)")
        return 2
    admin = User.objects.filter(role=Role.SYSADMIN, is_active=True).first()
    if admin is None:
        admin = User.objects.create(username="bench-sysadmin", role=Role.SYSADMIN)
    Integration.objects.filter(name="bench").update(name=f"bench-old-{time.time_ns()}")
    raw = tokens.create_integration(
        name="bench", role=Role.SUPERVISOR, rate_per_minute=100_000, by=admin
    ).raw

    busy = (
        Task.objects.filter(light=Light.RED)
        .values("lead_unit")
        .annotate(n=Count("*"))
        .order_by("-n", "lead_unit")
        .first()
    )
    assert busy is not None
    unit = Unit.objects.get(pk=busy["lead_unit"])
    task = Task.objects.order_by("-event_seq", "id").only("id").first()
    assert task is not None
    whole = ledger.ledger_page(supervisor, ledger.LedgerFilters())
    pages = whole.pages

    office = Client()
    office.force_login(supervisor)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    ask = [
        (f"a unit's red tasks by due ({busy['n']} red)", f"unit={unit.pk}&light=red&sort=due"),
        ("text search 污水处理厂", "q=污水处理厂"),
        ("whole county, page 1", ""),
        ("page 2 by keyset", f"page=2&after={whole.last_cursor}"),
        (f"last page by number ({pages})", f"page={pages}"),
        (f"middle page by number ({pages // 2})", f"page={pages // 2}"),
    ]
    pairs: list[tuple[str, str, str]] = [
        (f"ledger: {name}", f"/ledger/?{q}", f"/api/v1/ledger?{q}") for name, q in ask
    ]
    pairs += [
        (f"task ({task.event_seq} events)", f"/tasks/{task.pk}/", f"/api/v1/tasks/{task.pk}"),
        ("task events", f"/tasks/{task.pk}/", f"/api/v1/tasks/{task.pk}/events"),
        ("statistics", "/dashboard/", "/api/v1/stats"),
    ]

    if connection.vendor == "postgresql":
        major, minor = divmod(connection.pg_version, 10000)  # type: ignore[attr-defined]
        version = f"PostgreSQL {major}.{minor}"
    else:
        version = f"SQLite {sqlite3.sqlite_version}"
    load = os.getloadavg()[0]
    print(
        f"{version}, {Task.objects.count():,} tasks, {args.runs} runs, server time per request,"
        f" as the supervisor (load average {load:.2f} on {os.cpu_count()} CPUs)"
    )
    print(f"{'read':<44} {'via':<5} {'queries':>7} {'KB':>6} {'median ms':>10} {'p95 ms':>8}")
    for name, page_url, api_url in pairs:
        for via, client, url in (("page", office, page_url), ("API", api, api_url)):
            figures = measure(client, url, args, CaptureQueriesContext, connection)
            print(f"{name:<44} {via:<5} {figures}")
    return 0


def measure(client: Any, url: str, args: Any, capture: Any, connection: Any) -> str:
    runs, warmup = args.runs, args.warmup
    response = client.get(url)
    if response.status_code != 200:
        return f"HTTP {response.status_code}: {response.content[:200]!r}"
    for _ in range(warmup):
        client.get(url)
    # Counted by an execute wrapper: the request's end closes the SQLite connection, and
    # with it the query log a CaptureQueriesContext would read.
    counted = [0]

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        counted[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(url)
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    return (
        f"{counted[0]:>7} {len(response.content) / 1024:>6.0f} "
        f"{statistics.median(timings):>10.1f} {p95(timings):>8.1f}"
    )


if __name__ == "__main__":
    sys.exit(main())
