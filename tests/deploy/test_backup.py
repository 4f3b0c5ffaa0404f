"""`duban backup` then `duban restore` into an empty database: a round trip (issue 17
points 6 and 16), on the database the suite runs on (SQLite, or PostgreSQL with
DATABASE_URL: pg_dump/pg_restore of the server's version).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.deploy.servers import DUBAN, Site, site

# Some history through the real actions: a task received, a progress report with a PDF
# attached, an extension asked for; microsecond timestamps, as dumpdata would cut them.
HISTORY = """
from datetime import timedelta
from django.core.files.base import ContentFile
from django.utils import timezone
from duban.work import actions
from tests.conftest import County
from tests.work import flow
c = County()
now = timezone.now().replace(microsecond=123457) - timedelta(days=3)
for n in range(3):
    t = flow.task(c, now + timedelta(minutes=n), due={"date": "2030-06-30"})
    actions.receive(task=t, by=c.amy, now=now + timedelta(hours=1, microseconds=n))
    actions.report_progress(
        task=t, text=f"第{n}项已完成立项", by=c.amy, now=now + timedelta(days=1),
        attachments=[ContentFile(b"%PDF-1.7 scan " + bytes([n]) * 100, name=f"批复{n}.pdf")],
    )
print(t.pk)
"""

COUNTS = (
    "from duban.work.models import Event, Attachment; "
    "print(Event.objects.count(), Attachment.objects.count())"
)


def last_line(output: str) -> str:
    return output.strip().splitlines()[-1]


def duban(s: Site, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(DUBAN), *args], env=s.env, capture_output=True, text=True, timeout=300
    )


def test_backup_and_restore_round_trip(tmp_path: Path) -> None:
    out = tmp_path / "backup-1"
    with site(tmp_path, "bkfrom") as a:
        a.duban("shell", "-c", HISTORY)
        before = last_line(a.duban("shell", "-c", COUNTS)).split()
        assert "备份完成" in a.duban("backup", "--out", str(out))
        keys = [a.data / "chain_key", a.data / "secret_key"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["tables"]["work_event"] == int(before[0])
    assert sum(1 for f in manifest["files"] if f.startswith("uploads/attachments/")) == 3
    assert not any("key" in f for f in manifest["files"])  # keys travel apart

    with site(tmp_path, "bkto", prepare=False) as b:
        for key in keys:  # the operator restores the keys from where they keep them
            shutil.copy(key, b.data / key.name)
        restored = duban(b, "restore", str(out))
        assert restored.returncode == 0, restored.stderr
        assert "流转记录校验通过" in restored.stdout and "已核对 3 项事项" in restored.stdout
        assert last_line(b.duban("shell", "-c", COUNTS)).split() == before
        assert "流转记录校验通过" in b.duban("audit", "verify")
        b.duban("rebuild")
        # The restored attachment is served intact (its SHA-256 checked on download).
        served = b.duban(
            "shell",
            "-c",
            "from duban.work.models import Attachment; from duban.work.uploads import "
            "open_verified; a = Attachment.objects.first(); "
            "print(open_verified(a.file, a.digest, a.algorithm) is not None)",
        )
        assert last_line(served) == "True"
        again = duban(b, "restore", str(out))
        assert again.returncode != 0 and "目标数据库不是空的" in again.stderr


def test_a_damaged_backup_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "backup-2"
    with site(tmp_path, "bkdmg") as a:
        a.duban("backup", "--out", str(out))
    pdfs = list((out / "uploads").rglob("*")) if (out / "uploads").exists() else []
    db_file = next(p for p in out.iterdir() if p.name.startswith("duban."))
    with db_file.open("r+b") as f:
        f.seek(200)
        f.write(b"\x00\x01\x02")
    assert pdfs == [] or all(p.exists() for p in pdfs)
    with site(tmp_path, "bkdmg2", prepare=False) as b:
        done = duban(b, "restore", str(out))
        assert done.returncode != 0 and "与清单中的校验值不一致" in done.stderr


@pytest.mark.parametrize("name", ["notempty"])
def test_a_backup_needs_an_empty_folder(tmp_path: Path, name: str) -> None:
    out = tmp_path / name
    out.mkdir()
    (out / "x").write_text("x")
    with site(tmp_path, "bkfull") as a:
        done = duban(a, "backup", "--out", str(out))
        assert done.returncode != 0 and "不是空的" in done.stderr
