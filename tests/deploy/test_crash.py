"""No acknowledged write lost when the server is killed (issue 17 point 7).

Real `duban serve` processes over HTTP: four writers report progress as fast as they can
while the server is killed with SIGKILL mid-burst, then started again for a second burst
and killed again. Every report that got its success answer (302) must be stored, the
database must pass its integrity check, and `audit verify` and `rebuild` must be clean.
Runs on SQLite (WAL) or, with DATABASE_URL, PostgreSQL.
"""

from __future__ import annotations

import http.client
import threading
import time
from pathlib import Path

from tests.deploy.servers import PASSWORD, Site, free_port, kill_server, site, start_server
from tests.deploy.webclient import WebClient

SETUP = """
from django.utils import timezone
from duban.work import actions
from tests.conftest import County
from tests.work import flow
c = County()
now = timezone.now()
pks = []
for n in range(4):
    t = flow.task(c, now, due={"date": "2030-06-30"}, content=f"第{n}项")
    actions.receive(task=t, by=c.amy, now=now)
    pks.append(t.pk)
print(" ".join(map(str, pks)))
"""

STORED = (
    "from duban.work.models import ProgressReport; "
    "print('\\n'.join(ProgressReport.objects.values_list('text', flat=True)))"
)


def run_and_kill(s: Site, tasks: list[int], acked: list[str], tag: str) -> None:
    port = free_port()
    server = start_server(s, port)
    threads: list[threading.Thread] = []
    stop = time.monotonic() + 30

    def writer(w: int) -> None:
        client = WebClient(f"http://127.0.0.1:{port}", timeout=10)
        try:
            client.sign_in("amy", PASSWORD)
        except (OSError, http.client.HTTPException):
            return  # killed before this writer got going
        n = 0
        while time.monotonic() < stop:
            text = f"{tag}-w{w}-n{n}"
            try:
                status = client.post(f"/tasks/{tasks[w % len(tasks)]}/report/", {"text": text})
            except (OSError, http.client.HTTPException):  # the server died mid-answer
                return  # the server is gone
            if status == 302:
                acked.append(text)
            else:
                errors.append(f"{status}: {client.last_body[:200]}")
            n += 1

    errors: list[str] = []
    threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    # Kill once the burst is well under way: after 40 acknowledged writes.
    deadline = time.monotonic() + 25
    while len([a for a in acked if a.startswith(tag)]) < 40 and time.monotonic() < deadline:
        time.sleep(0.02)
    kill_server(server)
    for t in threads:
        t.join(20)
    assert errors == []
    assert len([a for a in acked if a.startswith(tag)]) >= 40


def test_kill_9_mid_burst_loses_no_acknowledged_write(tmp_path: Path) -> None:
    with site(tmp_path, "crash") as s:
        tasks = [int(x) for x in s.duban("shell", "-c", SETUP).strip().splitlines()[-1].split()]
        acked: list[str] = []
        run_and_kill(s, tasks, acked, "first")
        run_and_kill(s, tasks, acked, "second")  # restarted on what the kill left
        stored = set(s.duban("shell", "-c", STORED).strip().splitlines())
        lost = [a for a in acked if a not in stored]
        assert lost == [], f"{len(lost)} acknowledged reports lost, e.g. {lost[:5]}"
        print(f"{len(acked)} acknowledged, {len(stored)} stored")
        assert "流转记录校验通过" in s.duban("audit", "verify")
        assert "已核对 4 项事项" in s.duban("rebuild")
        if not s.database_url:
            check = s.duban(
                "shell",
                "-c",
                "from django.db import connection; c = connection.cursor(); "
                "print(c.execute('PRAGMA integrity_check').fetchone()[0])",
            )
            assert check.strip().splitlines()[-1] == "ok"
