"""A ledger import applied in batches (issue 17 point 13): checked whole first, committed
about BATCH_ROWS rows at a time (whole directives: a 文号's rows are never split), and never
shown as done until its last batch is in. A crash or
a refused batch leaves whole tasks and an unfinished import that the page names; the same
file imported again finishes it, creating nothing twice."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from duban.audit.verify import rebuild, verify_chain
from duban.documents import ledger_import
from duban.documents.models import ImportState, LedgerImport
from duban.work.errors import Invalid
from duban.work.models import Directive, Task
from tests.conftest import County
from tests.files.office import TODAY
from tests.files.test_ledger_import import write

HEADER = ["事项内容", "牵头单位", "来文文号", "交办日期", "完成时限", "办理状态", "最新进展"]


def ledger(tmp_path: Path, n: int = 12) -> Path:
    rows: list[list[Any]] = [HEADER]
    for i in range(1, n + 1):
        # Three rows to a 文号, so directives span batches of 5.
        doc_no = f"云政阅〔2026〕{(i - 1) // 3 + 1}号"
        status, latest = ("办理中", f"第{i}项已启动") if i % 2 else ("待签收", None)
        due = "2026-06-30"
        rows.append([f"第{i}项工作", "县发改局", doc_no, "2026-03-02", due, status, latest])
    return write(tmp_path / "ledger.xlsx", rows)


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ledger_import, "BATCH_ROWS", 5)
    monkeypatch.setattr(ledger_import, "BATCH_PAUSE", 0)


class Crash(Exception):
    """The process dying mid-import (anything that is not a refusal)."""


def crash_at(monkeypatch: pytest.MonkeyPatch, content: str, exc: Exception) -> None:
    """Make the apply (not the check) fail when it reaches the row `content`."""
    real_apply, real_compose = ledger_import._apply, ledger_import._Composer.compose
    applying = {"on": False}

    def compose(self: Any, d: Any) -> Any:
        if applying["on"] and d.content == content:
            raise exc
        return real_compose(self, d)

    def apply(*args: Any, **kwargs: Any) -> bool:
        applying["on"] = True
        return real_apply(*args, **kwargs)

    monkeypatch.setattr(ledger_import._Composer, "compose", compose)
    monkeypatch.setattr(ledger_import, "_apply", apply)


def run(county: County, path: Path) -> ledger_import.ImportReport:
    return ledger_import.import_file(path, by=county.alice, now=TODAY)


def test_an_import_commits_in_batches_and_is_recorded_complete(
    county: County, tmp_path: Path, small_batches: None
) -> None:
    report = run(county, ledger(tmp_path))
    assert report.ok and report.imported and report.new == 12
    assert report.verdict() == "已导入12项，已存在而跳过0项。"
    record = LedgerImport.objects.get()
    assert (record.state, record.rows_done, record.rows_total) == ("complete", 12, 12)
    assert record.finished_at is not None
    # Batches do not split a 文号: rows 4-6 share one directive though 5 rows make a batch.
    assert Directive.objects.count() == 4
    assert Task.objects.get(content="第6项工作").directive == (
        Task.objects.get(content="第5项工作").directive
    )
    assert ledger_import.unfinished_imports() == []
    assert verify_chain().ok and rebuild().differing == []


def test_a_crash_mid_import_is_shown_unfinished_and_the_same_file_finishes_it(
    county: County, tmp_path: Path, small_batches: None, monkeypatch: pytest.MonkeyPatch, client_for
) -> None:
    path = ledger(tmp_path)
    with monkeypatch.context() as m:
        crash_at(m, "第8项工作", Crash())
        with pytest.raises(Crash):
            run(county, path)
    # Batch 1 (rows 1-6: 5 rows, and the rest of row 5's 文号) is in, whole; batch 2 died.
    assert Task.objects.count() == 6
    record = LedgerImport.objects.get()
    assert (record.state, record.rows_done) == ("running", 6)
    assert verify_chain().ok and rebuild().differing == []

    # While it might still be running, a second import of the file is refused.
    again = run(county, path)
    assert not again.ok and "该文件正在导入中" in again.verdict()
    assert Task.objects.count() == 6

    # The process is gone: the page says the import is not complete.
    later = timezone.now() + ledger_import.STALE_AFTER
    [unfinished] = ledger_import.unfinished_imports(now=later)
    assert unfinished.dead and "已处理6/12行" in str(unfinished)
    LedgerImport.objects.filter(pk=record.pk).update(beat=timezone.now() - timedelta(hours=1))
    page = client_for(county.alice).get(reverse("ledger_import")).content.decode()
    assert "未完成的导入" in page and "因进程意外终止中断，已处理6/12行，导入尚未完成" in page

    report = run(county, path)
    assert report.ok and report.resumed
    assert report.verdict() == "已续完上次中断的导入：已导入6项，已存在而跳过6项。"
    assert Task.objects.count() == 12 and Directive.objects.count() == 4
    # Row 8 joined rows 7 and 9 in the directive of their 文号, registered by this run.
    assert Task.objects.get(content="第8项工作").directive == (
        Task.objects.get(content="第7项工作").directive
    )
    assert LedgerImport.objects.get().state == "complete"
    assert ledger_import.unfinished_imports(now=later) == []
    page = client_for(county.alice).get(reverse("ledger_import")).content.decode()
    assert "未完成的导入" not in page
    assert verify_chain().ok and rebuild().differing == []

    # And a third time: nothing new.
    third = run(county, path)
    assert (third.new, third.existing) == (0, 12) and Task.objects.count() == 12


def test_a_batch_refused_after_the_check_stops_the_import_and_says_how_far_it_got(
    county: County, tmp_path: Path, small_batches: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = ledger(tmp_path)
    with monkeypatch.context() as m:
        crash_at(m, "第7项工作", Invalid("该单位已停用。", log="unit disabled"))
        report = run(county, path)
    assert not report.ok and not report.imported
    assert [p.row for p in report.problems] == [8]  # the header is row 1
    assert report.verdict() == (
        "导入中断：第8行：该单位已停用。已导入6/12行，其余未导入。"
        "修正后重新导入同一文件，已导入的行会跳过，其余继续导入。"
    )
    assert "未导入任何内容" not in report.verdict()
    assert Task.objects.count() == 6
    record = LedgerImport.objects.get()
    assert record.state == ImportState.STOPPED
    [unfinished] = ledger_import.unfinished_imports()
    assert unfinished.dead and "因第8行：该单位已停用。中断" in str(unfinished)

    report = run(county, path)
    assert report.ok and report.resumed and Task.objects.count() == 12


def test_a_dry_run_leaves_no_import_record(
    county: County, tmp_path: Path, small_batches: None
) -> None:
    report = ledger_import.import_file(ledger(tmp_path), by=county.alice, now=TODAY, dry_run=True)
    assert report.ok and report.new == 12
    assert not Task.objects.exists() and not LedgerImport.objects.exists()


def test_a_problem_in_the_last_batch_stops_the_first_batch_too(
    county: County, tmp_path: Path, small_batches: None
) -> None:
    rows: list[list[Any]] = [["事项内容", "牵头单位", "办理状态", "办结日期"]]
    rows += [[f"第{i}项工作", "县发改局", "待签收", None] for i in range(1, 12)]
    rows.append(["乡镇卫生院改造", "新华乡", "已办结", "2026-03-20"])  # no liaison to close it
    report = run(county, write(tmp_path / "l.xlsx", rows))
    assert [p.row for p in report.problems] == [13]
    assert "未导入任何内容" in report.verdict()
    assert not Task.objects.exists() and not LedgerImport.objects.exists()
