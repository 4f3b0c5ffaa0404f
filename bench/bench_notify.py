"""Delivery latency from an action to the channel's receiver, with `duban worker` running.

usage: .venv/bin/python bench/bench_notify.py [--messages 40] [--rate 5] [--interval 1]

A fresh database (SQLite in a temporary DUBAN_DATA, or DATABASE_URL if set — give it a
database of its own), a tiny county, a liaison who chose the 企业微信 group robot, and
that robot's server played by a local HTTP receiver on 127.0.0.1. `duban worker
--interval I` runs as a child process; this process urges a task `--messages` times at
`--rate` per second (each urge one action, committed), and the receiver notes when each
message arrives. Printed: median, p95 (nearest rank) and max seconds from the action's
commit to the receiver. Target (issue 13): p95 < 5 s.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
COUNTY: dict[str, Any] = {
    "units": [
        {
            "code": "dcs",
            "name": "县政府办公室督查室",
            "short": "督查室",
            "kind": "section",
            "__line__": 1,
        },
        {
            "code": "fgj",
            "name": "县发展和改革局",
            "short": "县发改局",
            "kind": "department",
            "__line__": 2,
        },
    ],
    "leaders": [],
    "users": [
        {"username": "alice", "name": "艾丽", "role": "supervisor", "unit": "dcs", "__line__": 3},
        {"username": "amy", "name": "安梅", "role": "liaison", "unit": "fgj", "__line__": 4},
    ],
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--messages", type=int, default=40)
    ap.add_argument("--rate", type=float, default=5.0, help="actions per second")
    ap.add_argument("--interval", type=float, default=1.0, help="the worker's idle poll")
    args = ap.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
    if "DATABASE_URL" not in os.environ:
        os.environ["DUBAN_DATA"] = tempfile.mkdtemp(prefix="duban-bench-notify-")
    sys.path.insert(0, str(REPO / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from duban.notify.models import ChannelConfig, Preference
    from duban.org.loader import load
    from duban.org.models import Unit, User
    from duban.work import actions

    call_command("migrate", verbosity=0)
    load(COUNTY)
    alice, amy = User.objects.get(username="alice"), User.objects.get(username="amy")

    arrived: dict[int, float] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            m = re.search(r"bench-(\d+)", body["text"]["content"])
            if m:
                arrived.setdefault(int(m.group(1)), time.time())
            data = b'{"errcode":0,"errmsg":"ok"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *a: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    ChannelConfig.objects.create(
        kind="wecom_robot",
        enabled=True,
        options={"base_url": f"http://127.0.0.1:{server.server_address[1]}"},
        secrets={"key": "bench"},
        rate_per_minute=100000,
    )
    Preference.objects.create(user=amy, channels=["wecom_robot"], mobile="13800000001")
    now = timezone.now()
    d = actions.register(
        by=alice,
        now=now,
        kind="superior",  # a 领导批示 would need its 批示领导 (issue 12 point 3)
        title="基准测试交办件",
        urgency="normal",
        received_at=now,
        issuer="县长",
        doc_no="",
    )
    draft = actions.TaskDraft(
        content="基准测试事项", lead=[Unit.objects.get(code="fgj")], co=[], due={"days": 30}
    )
    [task] = actions.decompose(directive=d, tasks=[draft], by=alice, now=now)
    actions.assign(task=task, by=alice, now=now)

    worker = subprocess.Popen(
        [str(REPO / ".venv" / "bin" / "duban"), "worker", "--interval", str(args.interval)],
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
    )
    try:
        # Measure the running worker, not its start-up: wait for the assignment notice.
        from duban.notify.models import Outbox

        started = time.time()
        while Outbox.objects.filter(delivered_at__isnull=True).exists():
            if time.time() - started > 60:
                raise SystemExit("the worker did not start")
            time.sleep(0.1)
        sent: dict[int, float] = {}
        for i in range(args.messages):
            actions.urge(task=task, message=f"请加快进度 bench-{i}", by=alice)
            sent[i] = time.time()  # the action has committed
            time.sleep(1.0 / args.rate)
        deadline = time.time() + 60
        while len(arrived) < len(sent) and time.time() < deadline:
            time.sleep(0.1)
    finally:
        worker.terminate()
        worker.wait(10)
        server.shutdown()
    lat = sorted(arrived[i] - sent[i] for i in sent if i in arrived)
    if not lat:
        print("no message arrived")
        return 1
    p95 = lat[max(0, math.ceil(0.95 * len(lat)) - 1)]
    db = "PostgreSQL" if "DATABASE_URL" in os.environ else "SQLite"
    print(f"delivery latency, action → robot receiver ({db}, worker --interval {args.interval}):")
    median = statistics.median(lat)
    print(f"  arrived {len(lat)}/{len(sent)}  median {median:.2f} s  p95 {p95:.2f} s", end="")
    print(f"  max {lat[-1]:.2f} s")
    print(f"  target p95 < 5 s: {'met' if p95 < 5 and len(lat) == len(sent) else 'NOT met'}")
    return 0 if p95 < 5 and len(lat) == len(sent) else 1


if __name__ == "__main__":
    raise SystemExit(main())
