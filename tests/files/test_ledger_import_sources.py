"""Ledgers as offices keep them: CSV in every encoding Excel writes, section rows, deadline
phrases without a 交办日期, and status and progress columns that must not be dropped
(issue 11 points 17-19)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from duban.work.models import Task
from tests.conftest import County
from tests.files.test_ledger_import import problems, run, write

ROWS: list[list[Any]] = [
    ["序号", "工作任务", "责任单位", "时限要求"],
    [1, "推进城东片区改造", "县发改局", "2026-06-30"],
    [2, "完善污水管网", "县财政局", "15个工作日内"],
]


def csv_bytes(rows: list[list[Any]], encoding: str, sep: str = ",") -> bytes:
    text = "\r\n".join(sep.join("" if v is None else str(v) for v in r) for r in rows) + "\r\n"
    return text.encode(encoding)


# ------------------------------------------------------------------ 19: CSV and bad paths


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("gb18030", b""), ("gbk", b"")],
    ids=["utf8", "utf8-bom", "gb18030", "gbk"],
)
def test_a_csv_imports_in_each_encoding_excel_writes(
    county: County, tmp_path: Path, encoding: str, prefix: bytes
) -> None:
    path = tmp_path / "台账.csv"
    path.write_bytes(prefix + csv_bytes(ROWS, encoding))
    report = run(county, path)
    assert report.ok, problems(report)
    assert report.columns["content"] == "B列（工作任务）"  # the BOM is not part of 序号
    assert report.new == 2
    east = Task.objects.get(content="推进城东片区改造")
    assert east.lead_unit == county.a and str(east.due) == "2026-06-30"
    assert Task.objects.get(content="完善污水管网").due_spec == {"workdays": 15}


def test_a_csv_is_known_by_its_content_not_its_name(county: County, tmp_path: Path) -> None:
    path = tmp_path / "台账.xlsx"  # a CSV some system exported under an .xlsx name
    path.write_bytes(csv_bytes(ROWS, "gb18030", sep="\t"))
    report = run(county, path)
    assert report.ok, problems(report)
    assert report.new == 2


def test_the_same_ledger_as_xlsx_and_csv_gives_the_same_preview(
    county: County, tmp_path: Path
) -> None:
    xlsx = run(county, write(tmp_path / "l.xlsx", ROWS), dry_run=True)
    (tmp_path / "l.csv").write_bytes(csv_bytes(ROWS, "utf-8"))
    csv = run(county, tmp_path / "l.csv", dry_run=True)
    assert xlsx.ok and csv.ok
    assert [(r.row, r.content, r.status) for r in xlsx.rows] == [
        (r.row, r.content, r.status) for r in csv.rows
    ]


def test_a_missing_file_or_a_folder_is_a_message(county: County, tmp_path: Path) -> None:
    missing = tmp_path / "没有这个文件.xlsx"
    report = run(county, missing)
    assert problems(report) == [f"文件：找不到文件“{missing}”，请核对文件名和路径。"]
    assert report.verdict().endswith("未导入任何内容。")
    assert "不是文件" in problems(run(county, tmp_path))[0]


def test_the_command_says_a_file_is_missing_and_exits_non_zero(
    county: County, tmp_path: Path
) -> None:
    with pytest.raises(CommandError, match="找不到文件"):
        call_command("ledger", "import", str(tmp_path / "x.csv"), "--by", "alice")


def test_the_upload_page_takes_a_gb18030_csv(county: County, client_for, tmp_path: Path):
    path = tmp_path / "台账.csv"
    path.write_bytes(csv_bytes(ROWS, "gb18030"))
    c = client_for(county.alice)
    with path.open("rb") as fh:
        preview = c.post(reverse("ledger_import"), {"file": fh})
    assert preview.status_code == 200 and "可导入2项" in preview.content.decode()
    done = c.post(reverse("ledger_import_confirm"), {"token": preview.context["token"]})
    assert done.status_code == 302 and Task.objects.count() == 2
