"""Pages against their own SQL, creates, and the ratio against Redmine (issue 18's targets).

usage: .venv/bin/python bench/bench_scale.py [--runs 20] [--creates 50] [--peer RESULTS.json]
       [--redmine ../shared/peer/redmine/results/run4-duban/results.json] [--skip-pages]

Same environment as bench/load_workload.py (DUBAN_DATA or DATABASE_URL), on the loaded
100,000-task workload. For each page (the county's overdue list, text search, the 统计
dashboard, a unit's overdue list as its liaison):
- the page through Django's test Client, in process (middleware, session, queries, template);
- its SQL floor: the very SELECTs the page ran (captured once), replayed on a cursor with
  no ORM, form or template: what the page would cost if Python cost nothing (the session's
  UPDATE and the COMMIT are left out of the floor but not out of the page);
- page ÷ floor (target ≤ 2).
Then creates: register + decompose one task + assign, through the actions (in process) and
through the form over the test Client (`POST /directives/new/`), p50 and p95 (target p50
≤ 20 ms at c=1). `--peer` reads a `duban_bench.py reads` result (../shared/peer/redmine/
results/run4-duban/duban_bench.py, run against Redmine and `bench/serve_two.sh`) and prints
Redmine ÷ Duban for p50 and p95 at c=1 and c=8 (target ≥ 10) and the CPU per request.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
AS_OF = "2026-11-26"
SEARCH = "污水处理厂"


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def timed(fn: Callable[[], object], runs: int, warmup: int = 3) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--creates", type=int, default=50)
    ap.add_argument("--peer", type=Path, help="results-reads.json of duban_bench.py")
    ap.add_argument(
        "--redmine",
        type=Path,
        help="the peer's recorded results.json (../shared/peer/redmine/results/run4-duban/):"
        " Redmine's quiet-round figures, when --peer was run with --no-redmine",
    )
    ap.add_argument("--skip-pages", action="store_true", help="only the ratios of --peer")
    ap.add_argument("--workdir", type=Path, default=REPO / "bench" / "out")
    args = ap.parse_args(argv)
    if args.skip_pages:
        if not args.peer:
            raise SystemExit("--skip-pages needs --peer")
        recorded = json.loads(args.redmine.read_text()) if args.redmine else None
        peer_ratios(json.loads(args.peer.read_text()), recorded)
        return 0
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
    os.environ.setdefault("DUBAN_DATA", str(args.workdir.resolve() / "sqlite"))
    sys.path.insert(0, str(REPO / "src"))
    import django

    django.setup()
    from django.conf import settings
    from django.core.signals import request_started
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from duban.org.models import Unit, User
    from duban.work import actions
    from duban.work.models import Task

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    request_started.disconnect(reset_queries)
    supervisor = User.objects.get(username="duchashi")
    liaison = User.objects.get(username="u07801")
    office, own = Client(), Client()
    office.force_login(supervisor)
    own.force_login(liaison)
    overdue = f"/ledger/?status=open&due_to={AS_OF}&sort=due"
    pages = [
        ("overdue list, county (50 rows)", office, overdue),
        (f"text search {SEARCH}", office, f"/ledger/?q={SEARCH}"),
        ("dashboard (统计), county", office, "/dashboard/"),
        ("overdue list of unit-078, as its liaison", own, overdue),
    ]
    load = os.getloadavg()[0]
    print(
        f"{connection.vendor}, {Task.objects.count():,} tasks, {args.runs} runs; load average"
        f" {load:.1f} on {os.cpu_count()} CPUs (other work on the machine inflates every figure)"
    )
    print(
        f"{'page':<44} {'q':>3} {'page p50':>9} {'p95':>7} {'SQL p50':>8} {'p95':>7} {'ratio':>6}"
    )
    for name, client, url in pages:
        assert client.get(url).status_code == 200, url
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        run = [q["sql"] for q in captured.captured_queries]  # read now: the log is reused
        statements = [sql for sql in run if sql.lstrip().upper()[:6] == "SELECT"]
        page = timed(lambda c=client, u=url: c.get(u), args.runs)

        def replay(statements: list[str] = statements) -> None:
            with connection.cursor() as cur:
                for sql in statements:
                    cur.execute(sql.replace("%", "%%") if connection.vendor == "sqlite" else sql)
                    cur.fetchall()

        floor = timed(replay, args.runs)
        ratio = statistics.median(page) / statistics.median(floor)
        print(
            f"{name:<44} {len(run):>3} {statistics.median(page):>9.1f} {p95(page):>7.1f}"
            f" {statistics.median(floor):>8.1f} {p95(floor):>7.1f} {ratio:>6.2f}"
        )

    # Creates: register + decompose one task + assign.
    unit = Unit.objects.get(code="unit-001")
    now = timezone.now()

    def create_by_actions(i: list[int] = [0]) -> None:  # noqa: B006 (a counter)
        i[0] += 1
        d = actions.register(
            kind="key_work",
            title=f"压测创建第{i[0]}号重点项目",
            urgency="normal",
            received_at=now - timedelta(minutes=2),
            by=supervisor,
            now=now,
        )
        [task] = actions.decompose(
            directive=d,
            by=supervisor,
            now=now,
            tasks=[
                actions.TaskDraft(
                    content=f"加快推进第{i[0]}号重点项目建设", lead=[unit], due={"days": 30}
                )
            ],
        )
        actions.assign(task=task, by=supervisor, now=now)

    received = timezone.localtime(now - timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M")

    def create_by_form(i: list[int] = [0]) -> None:  # noqa: B006 (a counter)
        i[0] += 1
        form: dict[str, Any] = {
            "kind": "key_work",
            "urgency": "normal",
            "title": f"压测表单创建第{i[0]}号重点项目",
            "doc_no": "",
            "issuer_leader": "",
            "issuer": "",
            "received_at": received,
            "text": "压测创建：按时限要求完成并报送进展情况。",
            "assign_now": "on",
            "tasks-TOTAL_FORMS": "1",
            "tasks-INITIAL_FORMS": "0",
            "tasks-MIN_NUM_FORMS": "1",
            "tasks-MAX_NUM_FORMS": "1000",
            "tasks-0-content": f"加快推进第{i[0]}号重点项目建设",
            "tasks-0-requirement": "",
            "tasks-0-leader": "",
            "tasks-0-lead": str(unit.pk),
            "tasks-0-due": "2026-12-26",
            "tasks-0-cycle": "none",
            "tasks-0-cycle_day": "",
        }
        response = office.post("/directives/new/", form)
        assert response.status_code == 302, response.content[:500]

    print(f"\n{'create (register + decompose + assign)':<44} {'n':>3} {'p50':>9} {'p95':>7}")
    for name, fn in (
        ("through the actions", create_by_actions),
        ("POST /directives/new/", create_by_form),
    ):
        times = timed(fn, args.creates, warmup=2)
        print(f"{name:<44} {args.creates:>3} {statistics.median(times):>9.1f} {p95(times):>7.1f}")

    if args.peer:
        recorded = json.loads(args.redmine.read_text()) if args.redmine else None
        peer_ratios(json.loads(args.peer.read_text()), recorded)
    return 0


def peer_ratios(result: dict[str, Any], recorded: dict[str, Any] | None = None) -> None:
    """Redmine ÷ Duban from one `duban_bench.py reads` run (the median over its rounds).

    Without a Redmine block in the run (`--no-redmine`: Redmine not up on this machine),
    Redmine's side is its quiet round recorded by the peer (`recorded`), said so above.
    """
    if "redmine" not in result["rounds"][0]["blocks"]:
        if recorded is None:
            raise SystemExit("--peer has no Redmine figures: give --redmine RESULTS.json")
        quiet = recorded["reads_quiet_round"]["medians"]["redmine"]
        for r in result["rounds"]:
            r["blocks"]["redmine"] = quiet
        print(
            "\nRedmine: its quiet round recorded by the peer"
            f" (load {recorded['reads_quiet_round']['load_at_round_start'][0][0]}), not this run"
        )
    print(f"\nRedmine ÷ Duban PG, Duban {len(result['rounds'])} round(s)")
    print(
        f"{'operation':<24} {'R p50':>7} {'D p50':>7} {'×':>5} {'R p95':>7} {'D p95':>7} {'×':>5}"
        f" {'R cpu':>6} {'D cpu':>6} {'×':>5}"
    )

    def med(system: str, key: str, field: str) -> float:
        values = [r["blocks"][system][key][field] for r in result["rounds"]]
        return float(statistics.median(values))

    blocks = result["rounds"][0]["blocks"]
    for key in blocks["duban_pg"]:
        if not key.endswith(("_c1", "_c8")) or key not in blocks.get("redmine", {}):
            continue
        r50, d50 = med("redmine", key, "p50_ms"), med("duban_pg", key, "p50_ms")
        r95, d95 = med("redmine", key, "p95_ms"), med("duban_pg", key, "p95_ms")
        rc = med("redmine", key, "app_cpu_ms_per_req") + med("redmine", key, "db_cpu_ms_per_req")
        dc = med("duban_pg", key, "app_cpu_ms_per_req") + med("duban_pg", key, "db_cpu_ms_per_req")
        print(
            f"{key:<24} {r50:>7.0f} {d50:>7.0f} {r50 / d50:>5.1f} {r95:>7.0f} {d95:>7.0f}"
            f" {r95 / d95:>5.1f} {rc:>6.0f} {dc:>6.0f} {rc / dc:>5.1f}"
        )


if __name__ == "__main__":
    sys.exit(main())
