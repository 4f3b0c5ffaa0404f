"""Create (register + decompose + assign one task) in-process, through Django's test Client:
the queries of one request and the wall and CPU time per request.

usage: .venv/bin/python bench/bench_create.py [--requests 30] [--queries]

The database the environment names must be empty (a fresh DUBAN_DATA, or a fresh
PostgreSQL database in DATABASE_URL); the county is bench/http_site.py's. CPU is the
process's (client and server together).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=30)
    ap.add_argument("--queries", action="store_true", help="print one request's SQL")
    args = ap.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench import http_site
    from bench.bench_register import form
    from duban.org.models import User

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    call_command("migrate", verbosity=0)
    info = http_site._setup()
    client = Client()
    client.force_login(User.objects.get(username="duchashi"))
    unit = info["units"]["u1"]
    for n in range(3):  # warm-up
        assert client.post("/directives/new/", form(n, unit)).status_code == 302
    with CaptureQueriesContext(connection) as queries:
        assert client.post("/directives/new/", form(3, unit)).status_code == 302
    print(f"{connection.vendor}: {len(queries.captured_queries)} queries per create")
    if args.queries:
        for q in queries.captured_queries:
            print("  ", q["sql"][:160])
    cpu, wall = time.process_time(), time.perf_counter()
    for n in range(args.requests):
        assert client.post("/directives/new/", form(100 + n, unit)).status_code == 302
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(
        f"per request: wall {wall / args.requests * 1000:.1f} ms, "
        f"CPU {cpu / args.requests * 1000:.1f} ms; load average {os.getloadavg()[0]:.1f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
