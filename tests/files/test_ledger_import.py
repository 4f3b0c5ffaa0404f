"""台账.xlsx import: synonyms, merged cells, two-row headers, the registry, the round trip,
idempotence, and every kind of bad input refused whole with its row and cell named."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from duban.audit.verify import rebuild, verify_chain
from duban.documents import ledger_import, ledger_xlsx
from duban.notify.models import Outbox
from duban.work.ledger import LedgerFilters
from duban.work.models import Directive, Event, Task, TaskStatus
from tests.conftest import County
from tests.files.office import TODAY, Office


def write(path: Path, rows: list[list[Any]], merges: tuple[str, ...] = ()) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "2026年督办台账"
    for row in rows:
        ws.append(row)
    for m in merges:
        ws.merge_cells(m)
    wb.save(path)
    return path


def run(county: County, path: Path, *, dry_run: bool = False) -> ledger_import.ImportReport:
    return ledger_import.import_file(path, by=county.alice, dry_run=dry_run, now=TODAY)


def sheet_rows(path: Path) -> list[list[object]]:
    ws = load_workbook(path)["督办台账"]
    return [[c.value for c in row] for row in ws.iter_rows(min_row=3)]


def problems(report: ledger_import.ImportReport) -> list[str]:
    return [str(p) for p in report.problems]


# ------------------------------------------------------------------ the round trip


def test_export_import_into_an_empty_county_export_gives_the_same_rows(
    county: County, tmp_path: Path
) -> None:
    first, second = tmp_path / "first.xlsx", tmp_path / "second.xlsx"
    by_code = LedgerFilters(sort="code")
    with transaction.atomic():  # the office's history, exported, then gone again
        Office(county)
        ledger_xlsx.export_ledger(user=county.alice, filters=by_code, out=first, now=TODAY)
        transaction.set_rollback(True)
    assert not Task.objects.exists() and not Directive.objects.exists()

    report = run(county, first)
    assert report.ok, problems(report)
    assert (report.new, report.existing) == (7, 0)
    ledger_xlsx.export_ledger(user=county.alice, filters=by_code, out=second, now=TODAY)
    assert sheet_rows(second) == sheet_rows(first)
    statuses = sorted(Task.objects.values_list("status", flat=True))
    assert statuses == sorted(
        ["in_progress", "closed", "closed", "assigned", "assigned", "draft", "withdrawn"]
    )
    # Every task came through the actions: chained events that rebuild to the same row.
    assert verify_chain().ok
    assert rebuild().differing == []


def test_the_same_import_twice_creates_nothing_twice(county: County, tmp_path: Path) -> None:
    path = tmp_path / "ledger.xlsx"
    with transaction.atomic():
        Office(county)
        ledger_xlsx.export_ledger(user=county.alice, filters=LedgerFilters(), out=path, now=TODAY)
        transaction.set_rollback(True)
    assert run(county, path).new == 7
    counts = (Task.objects.count(), Event.objects.count(), Outbox.objects.count())
    again = run(county, path)
    assert again.ok and (again.new, again.existing) == (0, 7)
    assert (Task.objects.count(), Event.objects.count(), Outbox.objects.count()) == counts
    assert all("已存在" in r.note for r in again.rows)


def test_a_dry_run_reports_and_stores_nothing(county: County, tmp_path: Path) -> None:
    path = write(
        tmp_path / "l.xlsx",
        [["序号", "事项内容", "牵头单位"], [1, "修缮排水管网", "县发改局"]],
    )
    report = run(county, path, dry_run=True)
    assert report.ok and report.new == 1
    assert "检查通过（试导入）：可导入1项" in report.verdict()
    assert not Task.objects.exists() and not Directive.objects.exists()


def test_units_are_told_about_open_work_but_not_about_history(county: County, tmp_path: Path):
    path = write(
        tmp_path / "l.xlsx",
        [
            ["事项内容", "牵头单位", "完成时限", "办理状态", "办结日期"],
            ["修缮排水管网", "县发改局", "2026-06-30", "办理中", None],
            ["编制年度计划", "县财政局", "2026-03-31", "已办结", "2026-03-20"],
        ],
    )
    assert run(county, path).ok
    titles = list(Outbox.objects.values_list("title", flat=True))
    assert any("修缮排水管网" in t for t in titles)
    assert not any("编制年度计划" in t for t in titles)


# ------------------------------------------------------------------ what offices bring


def test_synonyms_merged_cells_and_a_two_row_header(county: County, tmp_path: Path) -> None:
    rows = [
        ["2026年重点工作督办台账", None, None, None, None, None, None],
        ["序号", "来源", "工作任务", "责任单位", None, "时限要求", "备注"],
        [None, None, None, "牵头单位", "配合单位", None, None],
        [1, "重点工作", "推进城东片区改造", "发改局", "各乡镇人民政府", "2026年6月30日前", "重点"],
        [2, None, "完善污水管网", "县财政局、城关镇", None, "15个工作日内", None],
        [3, "会议议定事项", "老旧小区加装电梯", "城关镇", "县发改局", date(2026, 5, 31), None],
    ]
    # The title across the table, the 责任单位 group over two columns, 序号 and 来源 over
    # two header rows, and 重点工作 merged down over rows 4-5.
    merges = ("A1:G1", "D2:E2", "A2:A3", "B2:B3", "C2:C3", "F2:F3", "G2:G3", "B4:B5")
    report = run(county, write(tmp_path / "l.xlsx", rows, merges))
    assert report.ok, problems(report)
    assert report.header_rows == (2, 3)
    assert report.columns["lead"] == "D列（牵头单位）"
    assert report.columns["content"] == "C列（工作任务）"
    assert report.new == 3
    east = Task.objects.get(content="推进城东片区改造")
    assert east.directive.kind == "key_work" and east.is_key
    assert east.lead_unit == county.a  # 发改局 is an alias of 县发展和改革局
    co = set(east.assignments.filter(role="co").values_list("unit__code", flat=True))
    assert co == {"cgz", "xhx"}  # the group 各乡镇人民政府
    assert east.due == date(2026, 6, 30)
    pipes = Task.objects.get(content="完善污水管网")
    assert pipes.directive.kind == "key_work"  # the merged cell above
    leads = list(pipes.assignments.filter(role="lead").values_list("unit__code", flat=True))
    assert leads == ["czj", "cgz"]
    assert pipes.due_spec == {"workdays": 15}
    assert Task.objects.get(content="老旧小区加装电梯").due == date(2026, 5, 31)


def test_a_totals_line_and_blank_rows_are_not_tasks(county: County, tmp_path: Path) -> None:
    rows = [
        ["序号", "任务内容", "主办单位", "办结时限"],
        [1, "推进城东片区改造", "县发改局", "2026-06-30"],
        [None, None, None, None],
        ["合计", "1项", None, None],
    ]
    report = run(county, write(tmp_path / "l.xlsx", rows))
    assert report.ok and report.new == 1


# ------------------------------------------------------------------ bad input


def test_unknown_units_and_unreadable_deadlines_are_named_by_row_and_cell(
    county: County, tmp_path: Path
) -> None:
    rows = [
        ["序号", "事项内容", "牵头单位", "配合单位", "完成时限", "牵头领导"],
        [1, "推进城东片区改造", "县宇宙局", None, "2026-06-30", None],
        [2, "完善污水管网", "县财政局", "县火星局", "下个月看情况", "张三"],
        [3, "", "县财政局", None, "2026-06-30", None],
        [4, "好的一行", "县财政局", None, "2026-06-30", None],
    ]
    report = run(county, write(tmp_path / "l.xlsx", rows))
    unknown = ledger_import.UNKNOWN_UNIT
    assert problems(report) == [
        f"第2行 C列（牵头单位）：“县宇宙局”：{unknown}",
        f"第3行 D列（配合单位）：“县火星局”：{unknown}",
        "第3行 F列（牵头领导）：“张三”：县领导名录中没有该领导。",
        "第3行 E列（完成时限）：“下个月看情况”：无法识别的完成时限（可填日期或“N个工作日”等）。",
        "第4行 B列（事项内容）：事项内容为空。",
    ]
    assert "未导入任何内容" in report.verdict()
    assert not Task.objects.exists() and not Directive.objects.exists()  # the good row too


def test_a_step_the_actions_refuse_rolls_everything_back(county: County, tmp_path: Path):
    rows = [
        ["事项内容", "牵头单位", "完成时限", "办理状态", "办结日期"],
        ["修缮排水管网", "县发改局", "2026-06-30", "办理中", None],
        ["乡镇卫生院改造", "新华乡", "2026-03-31", "已办结", "2026-03-20"],  # no liaison
    ]
    report = run(county, write(tmp_path / "l.xlsx", rows))
    assert [p.row for p in report.problems] == [3]
    assert "新华乡没有联络员账号" in str(report.problems[0])
    assert not Task.objects.exists()


def test_a_refused_row_does_not_take_its_directive_with_it(county: County, tmp_path: Path):
    # The refused row registered the directive both rows share (same 来文文号): its
    # rollback removes it, and the next row must get a report, never a crash.
    rows = [
        ["事项内容", "牵头单位", "来文文号", "交办日期", "办理状态", "办结日期"],
        ["乡镇卫生院改造", "新华乡", "云政阅〔2026〕9号", "2026-03-02", "已办结", "2026-03-20"],
        ["修缮排水管网", "县发改局", "云政阅〔2026〕9号", "2026-03-02", "办理中", None],
    ]
    report = run(county, write(tmp_path / "l.xlsx", rows), dry_run=True)
    assert [p.row for p in report.problems] == [2]
    assert [r.outcome for r in report.rows] == ["error", "new"]
    assert not Task.objects.exists() and not Directive.objects.exists()


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([["事项内容", "牵头单位", "完成时限"], ["a", "县发改局", "2026-02-30"]], "无法识别"),
        ([["事项内容", "牵头单位", "办理状态"], ["a", "县发改局", "搁置"]], "无法识别的办理状态"),
        ([["事项内容", "牵头单位", "交办日期"], ["a", "县发改局", "2027-01-01"]], "晚于今天"),
        (
            [["事项内容", "牵头单位", "交办日期", "完成时限"], ["a", "县发改局", "2026-03-01",
                                                          "2026-02-01"]],
            "完成时限早于交办日期",
        ),
    ],
)  # fmt: skip
def test_bad_cells_are_refused(county: County, tmp_path: Path, rows, message: str) -> None:
    report = run(county, write(tmp_path / "l.xlsx", rows))
    assert len(report.problems) == 1 and message in str(report.problems[0])
    assert str(report.problems[0]).startswith("第2行 ")
    assert not Task.objects.exists()


def test_a_workbook_that_is_not_a_ledger(county: County, tmp_path: Path) -> None:
    path = write(tmp_path / "x.xlsx", [["姓名", "电话"], ["张三", "123"]])
    report = run(county, path)
    assert "没有找到台账表头" in problems(report)[0]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "文件是空的"),
        (b"PK\x03\x04 this is not a spreadsheet at all", "已损坏或不是Excel"),
        (b"this is not a spreadsheet at all", "没有找到台账表头"),  # text: read as CSV
        (b"\x89PNG\r\n\x1a\n\0\0", "不是Excel（.xlsx）或CSV"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptionInfo".encode("utf-16-le"), "打开密码"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "旧版Excel"),
    ],
)
def test_files_that_are_not_xlsx(county: County, tmp_path: Path, content: bytes, message: str):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(content)
    report = run(county, path)
    assert report.problems and message in problems(report)[0]
    assert problems(report)[0].startswith("文件：")


def test_a_real_password_protected_workbook(county: County) -> None:
    # Encrypted by Office's scheme (msoffcrypto-tool, password "secret"): an OLE container
    # holding an EncryptionInfo stream, not a zip.
    path = Path(__file__).with_name("fixtures") / "password-secret.xlsx"
    assert "设置了打开密码" in problems(run(county, path))[0]


def test_a_truncated_xlsx_is_corrupt(county: County, tmp_path: Path) -> None:
    good = write(tmp_path / "g.xlsx", [["事项内容", "牵头单位"], ["a", "县发改局"]])
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(good.read_bytes()[:1500])
    assert "损坏" in problems(run(county, broken))[0]
    other = tmp_path / "other.xlsx"
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("hello.txt", "hi")
    assert "不是Excel（.xlsx）工作簿" in problems(run(county, other))[0]


def test_huge_files_are_refused_before_reading(county: County, tmp_path: Path, monkeypatch):
    rows = [["事项内容", "牵头单位"]] + [[f"事项{i}", "县发改局"] for i in range(20)]
    path = write(tmp_path / "big.xlsx", rows)
    monkeypatch.setattr(ledger_import, "MAX_ROWS", 10)
    assert "超过单次导入上限10行" in problems(run(county, path))[0]
    monkeypatch.setattr(ledger_import, "MAX_UNZIPPED", 1000)
    assert "解压后过大" in problems(run(county, path))[0]
    monkeypatch.setattr(ledger_import, "MAX_BYTES", 100)
    assert "文件过大" in problems(run(county, path))[0]
    assert not Task.objects.exists()


def test_only_supervisors_import(county: County, tmp_path: Path) -> None:
    path = write(tmp_path / "l.xlsx", [["事项内容", "牵头单位"], ["a", "县发改局"]])
    report = ledger_import.import_file(path, by=county.amy, now=TODAY)
    assert "只有督查人员" in problems(report)[0]


def test_the_deadline_parser_is_the_extractors(county: County) -> None:
    march = date(2026, 3, 2)
    assert ledger_import.parse_deadline("5个工作日内", assigned_on=march) == {"workdays": 5}
    assert ledger_import.parse_deadline("6月底前", assigned_on=march) == {"date": "2026-06-30"}
    assert ledger_import.parse_deadline("年底前", assigned_on=march) == {"date": "2026-12-31"}
    assert ledger_import.parse_deadline("三季度末", assigned_on=march) == {"date": "2026-09-30"}
    with pytest.raises(ValueError):
        ledger_import.parse_deadline("看情况", assigned_on=date(2026, 3, 2))


# ------------------------------------------------------------------ command and page


def test_the_command_checks_then_imports(
    county: County, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "l.xlsx", [["事项内容", "牵头单位"], ["修缮排水管网", "县发改局"]])
    call_command("ledger", "import", str(path), "--by", "alice", "--dry-run")
    assert "可导入1项" in capsys.readouterr().out and not Task.objects.exists()
    call_command("ledger", "import", str(path), "--by", "alice")
    assert "已导入1项" in capsys.readouterr().out and Task.objects.count() == 1
    bad = write(tmp_path / "b.xlsx", [["事项内容", "牵头单位"], ["x", "县宇宙局"]])
    with pytest.raises(CommandError, match="未导入任何内容"):
        call_command("ledger", "import", str(bad), "--by", "alice")
    assert "第2行 B列（牵头单位）" in capsys.readouterr().out


def test_the_upload_page_previews_then_imports(county: County, client_for, tmp_path: Path):
    path = write(tmp_path / "l.xlsx", [["事项内容", "牵头单位"], ["修缮排水管网", "县发改局"]])
    c = client_for(county.alice)
    assert c.get(reverse("ledger_import")).status_code == 200
    with path.open("rb") as fh:
        preview = c.post(reverse("ledger_import"), {"file": fh})
    html = preview.content.decode()
    assert preview.status_code == 200 and "可导入1项" in html and "修缮排水管网" in html
    assert not Task.objects.exists()
    token = preview.context["token"]
    done = c.post(reverse("ledger_import_confirm"), {"token": token})
    assert done.status_code == 302 and Task.objects.get().content == "修缮排水管网"
    again = c.post(reverse("ledger_import_confirm"), {"token": token})
    assert again.status_code == 302 and Task.objects.count() == 1  # a used token is gone


def test_the_upload_page_shows_every_problem(county: County, client_for, tmp_path: Path):
    path = write(tmp_path / "l.xlsx", [["事项内容", "牵头单位"], ["x", "县宇宙局"]])
    with path.open("rb") as fh:
        r = client_for(county.alice).post(reverse("ledger_import"), {"file": fh})
    html = r.content.decode()
    assert r.status_code == 400 and "第2行 B列（牵头单位）" in html
    assert reverse("ledger_import_confirm") not in html  # nothing to confirm


def test_the_upload_page_is_for_supervisors(county: County, client_for) -> None:
    assert client_for(county.amy).get(reverse("ledger_import")).status_code == 403
    r = client_for(county.alice).post(reverse("ledger_import_confirm"), {"token": "nope"})
    assert r.status_code == 302  # an unknown token: back to the page with a message


def test_statuses_come_back_as_written(county: County, tmp_path: Path) -> None:
    rows = [
        ["事项内容", "牵头单位", "完成时限", "办理状态", "办结日期", "最新进展"],
        ["a", "县发改局", "2026-06-30", "待审核", None, "已完成主体"],
        ["b", "县发改局", "2026-06-30", "已审核", None, None],
        ["c", "县财政局", "2026-03-10", "已办结", "2026-03-20", None],
    ]
    assert run(county, write(tmp_path / "l.xlsx", rows)).ok
    got = dict(Task.objects.values_list("content", "status"))
    assert got == {"a": TaskStatus.SUBMITTED, "b": TaskStatus.VERIFIED, "c": TaskStatus.CLOSED}
    late = Task.objects.get(content="c")
    assert late.light == "late" and late.closed_on_time is False


def test_the_upload_page_takes_fewer_rows_than_the_command(
    county: County, client_for, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setattr(ledger_import, "WEB_MAX_ROWS", 2)
    rows = [["事项内容", "牵头单位"], ["a", "县发改局"], ["b", "县发改局"]]
    path = write(tmp_path / "l.xlsx", rows)
    with path.open("rb") as fh:
        r = client_for(county.alice).post(reverse("ledger_import"), {"file": fh})
    assert r.status_code == 400 and "超过单次导入上限2行" in r.content.decode()
    assert run(county, path).ok  # the command line takes it


def test_an_unconfirmed_preview_is_dropped_after_a_day(
    county: County, client_for, tmp_path: Path, settings
):
    import os
    import time

    settings.DATA_DIR = tmp_path / "data"
    path = write(tmp_path / "l.xlsx", [["事项内容", "牵头单位"], ["修缮排水管网", "县发改局"]])
    c = client_for(county.alice)
    with path.open("rb") as fh:
        first = c.post(reverse("ledger_import"), {"file": fh}).context["token"]
    folder = tmp_path / "data" / "imports" / str(county.alice.pk)
    old = folder / f"{first}.xlsx"
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(old, (two_days_ago, two_days_ago))
    with path.open("rb") as fh:
        second = c.post(reverse("ledger_import"), {"file": fh}).context["token"]
    assert not old.exists() and (folder / f"{second}.xlsx").exists()
    expired = c.post(reverse("ledger_import_confirm"), {"token": first})
    assert expired.status_code == 302 and not Task.objects.exists()
