"""A long ledger import does not lock the web out of SQLite (issue 17 point 13).

`duban ledger import` of a long ledger (1,500 rows) runs in one process while a liaison
reports progress through a real `duban serve` in another, every quarter second, all through
the import's check and apply phases. Each report must succeed; how long
each waited is printed (run with -s; the figures are in bench/README.md, not asserted).
Before the import committed in batches, these writes failed "database is locked" after 20 s.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import statistics
import subprocess
import time
from pathlib import Path

import pytest
from openpyxl import Workbook

from tests.deploy.servers import DUBAN, PASSWORD, site, start_server
from tests.deploy.webclient import WebClient

# Since the import checks rows without the actions and writes through the bulk writer
# (issue 11 point 20), 1,500 rows take about 15 s: long enough to put writes in both
# phases at a write every quarter second (300 rows were over before the first write).
ROWS = int(os.environ.get("DUBAN_IMPORT_TEST_ROWS", "1500"))

SETUP = """
from django.utils import timezone
from duban.work import actions
from tests.conftest import County
from tests.work import flow
c = County()
now = timezone.now()
t = flow.task(c, now, due={"date": "2030-06-30"}, content="进行中的一项")
actions.receive(task=t, by=c.amy, now=now)
print(t.pk)
"""

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")), reason="SQLite's single write lock is the subject"
)


def port() -> int:
    for p in range(19200, 19300):  # this helper's ports
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", p))
            except OSError:
                continue
            return p
    raise RuntimeError("no free port in 19200-19299")


def big_ledger(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(["事项内容", "牵头单位", "来文文号", "交办日期", "完成时限", "办理状态", "最新进展"])
    for i in range(1, ROWS + 1):
        unit = ("县发改局", "县财政局", "城关镇")[i % 3]
        # Mostly newly assigned (three actions a row), every tenth under way (five).
        status, latest = ("办理中", f"第{i}项已启动") if i % 10 == 0 else ("待签收", None)
        doc_no = f"云政阅〔2026〕{(i - 1) // 10 + 1}号"
        ws.append([f"第{i}项重点工作", unit, doc_no, "2026-03-02", "2030-06-30", status, latest])
    wb.save(path)
    return path


def phase(db: Path) -> str:
    # A reader beside the writers (WAL): which phase the import is in.
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
        row = conn.execute("select rows_done from documents_ledgerimport").fetchone()
    return "check" if row is None else "apply"


def test_web_writes_succeed_while_a_long_import_runs(tmp_path: Path) -> None:
    with site(tmp_path) as s:
        task = int(s.duban("shell", "-c", SETUP).split()[-1])
        file = big_ledger(s.data / "台账.xlsx")
        p = port()
        start_server(s, p)
        client = WebClient(f"http://127.0.0.1:{p}", timeout=120)
        client.sign_in("amy", PASSWORD)

        idle = []  # the same write with nothing else running, for comparison
        for i in range(5):
            t0 = time.monotonic()
            assert client.post(f"/tasks/{task}/report/", {"text": f"空闲{i}"}) == 302
            idle.append(time.monotonic() - t0)

        started = time.monotonic()
        with open(s.data / "import.log", "wb") as log:
            importer = subprocess.Popen(
                [str(DUBAN), "ledger", "import", str(file), "--by", "alice"],
                env=s.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        waits: dict[str, list[float]] = {"check": [], "apply": []}
        n = 0
        give_up = started + 3600
        while importer.poll() is None:
            if time.monotonic() > give_up:
                importer.kill()
                raise AssertionError("the import did not finish within an hour")
            time.sleep(0.25)
            where = phase(s.data / "duban.sqlite3")
            t0 = time.monotonic()
            status = client.post(f"/tasks/{task}/report/", {"text": f"进展{n}"})
            waits[where].append(time.monotonic() - t0)
            assert status == 302, client.last_body[:800]
            n += 1
        took = time.monotonic() - started
        out = (s.data / "import.log").read_text()
        assert importer.returncode == 0, out
        assert f"已导入{ROWS}项" in out

        # Every report is stored, and the record is whole.
        stored = s.duban(
            "shell",
            "-c",
            "from duban.work.models import ProgressReport, Task; "
            f"print(ProgressReport.objects.filter(task_id={task}).count(), Task.objects.count())",
        ).split()[-2:]  # after the shell's own "N objects imported" line
        assert stored == [str(n + len(idle)), str(ROWS + 1)]
        assert "流转记录校验通过" in s.duban("audit", "verify")
        assert waits["check"] and waits["apply"], waits

        every = waits["check"] + waits["apply"]
        print(
            f"\nimport of {ROWS} rows: {took:.0f} s; {n} web writes during it, "
            f"{len(waits['check'])} in the check, {len(waits['apply'])} in the apply; "
            f"answer median {statistics.median(every):.2f} s, max {max(every):.2f} s "
            f"(idle: median {statistics.median(idle):.2f} s)"
        )
