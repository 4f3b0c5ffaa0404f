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

from duban.audit.verify import rebuild, verify_chain
from duban.documents.ledger_import import SH
from duban.work.models import Task, TaskStatus
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


# ------------------------------------------------------------------ 18: sections and phrases


SECTIONED: list[list[Any]] = [
    ["2026年重点工作督办台账（截至2026年3月31日）", None, None, None],
    ["序号", "工作任务", "责任单位", "时限要求"],
    ["一、城乡建设", None, None, None],
    [1, "推进城东片区改造", "县发改局", "6月底前"],
    ["（二）民生保障", None, None, None],
    [2, "完善污水管网", "县财政局", "长期坚持"],
    ["第三部分 营商环境", None, None, None],
    [3, "优化审批流程", "县发改局", "每季度末"],
]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_section_rows_are_groupings_not_tasks_or_units(
    county: County, tmp_path: Path, fmt: str
) -> None:
    if fmt == "xlsx":
        path = write(tmp_path / "l.xlsx", SECTIONED, ("A3:D3",))
    else:
        path = tmp_path / "l.csv"
        path.write_bytes(csv_bytes(SECTIONED, "gb18030"))
    report = run(county, path)
    assert report.ok, problems(report)
    assert report.sections == [(3, "一、城乡建设"), (5, "（二）民生保障"), (7, "第三部分 营商环境")]
    assert report.new == 3
    lines = "\n".join(report.lines())
    assert "分组行（标题行，不作为事项导入" in lines and "第3行“一、城乡建设”" in lines
    assert not Task.objects.filter(content__contains="城乡建设").exists()
    assert Task.objects.count() == 3


def test_a_lone_task_text_is_not_taken_for_a_section(county: County, tmp_path: Path) -> None:
    rows = [["工作任务", "责任单位"], ["修缮排水管网", None]]
    report = run(county, write(tmp_path / "l.xlsx", rows))
    assert problems(report) == ["第2行 B列（责任单位）：牵头单位为空。"]


def test_standing_phrases_are_accepted_and_kept(county: County, tmp_path: Path) -> None:
    report = run(county, write(tmp_path / "l.xlsx", SECTIONED, ("A3:D3",)))
    assert report.ok, problems(report)
    standing = Task.objects.get(content="完善污水管网")
    assert "时限：长期坚持" in standing.requirement
    assert standing.due is not None  # the office's default, as the register form gives
    quarterly = Task.objects.get(content="优化审批流程")
    assert quarterly.cycle == "quarterly" and "时限：每季度末" in quarterly.requirement
    warned = [str(w) for w in report.warnings]
    assert "第6行 D列（时限要求）：“长期坚持”：无具体日期，按系统默认完成时限导入。" in warned
    assert any("每季度末" in w and "报送周期每季度" in w for w in warned)


def test_a_phrase_counts_from_the_ledgers_own_date(county: County, tmp_path: Path) -> None:
    report = run(county, write(tmp_path / "l.xlsx", SECTIONED, ("A3:D3",)))
    assert report.ledger_day is not None and str(report.ledger_day) == "2026-03-31"
    assert "台账日期：2026年03月31日（取自表格标题）" in "\n".join(report.lines())
    east = Task.objects.get(content="推进城东片区改造")
    assert str(east.due) == "2026-06-30"
    assert east.assigned_at is not None and str(east.assigned_at.date()) == "2026-03-31"


def test_a_ledger_dated_after_the_phrase_is_not_refused(county: County, tmp_path: Path) -> None:
    # No 交办日期 column: a deadline that passed before the ledger's date is history, not
    # "早于交办日期" against a date nobody wrote.
    rows = [["工作任务", "责任单位", "时限要求"], ["推进城东片区改造", "县发改局", "3月底前"]]
    report = run(county, write(tmp_path / "督办台账20260410.xlsx", rows))
    assert report.ok, problems(report)
    assert report.ledger_day_from == "文件名"
    assert str(Task.objects.get().due) == "2026-03-31"


def test_without_a_ledger_date_a_phrase_counts_from_the_import_day(
    county: County, tmp_path: Path
) -> None:
    rows = [["工作任务", "责任单位", "时限要求"], ["推进城东片区改造", "县发改局", "10个工作日内"]]
    report = run(county, write(tmp_path / "l.xlsx", rows))
    assert report.ok and report.ledger_day is None
    task = Task.objects.get()
    assert str(task.assigned_at.date()) == "2026-04-15"


# ------------------------------------------------------------------ 17: states and progress


STATES: list[list[Any]] = [
    ["序号", "工作任务", "责任单位", "时限要求", "完成情况", "进展情况", "办结时间", "联系人"],
    [1, "推进城东片区改造", "县发改局", "2026-06-30", "办理中", "已完成征收60%", None, "王敏"],
    [2, "完善污水管网", "县财政局", "2026-03-31", "已办结", "管网已通水", "2026-03-20", None],
    [3, "老旧小区加装电梯", "县发改局", "2026-03-31", "已完成", None, None, None],
    [4, "编制年度计划", "县财政局", "2026-06-30", None, "初稿已完成", None, None],
    [5, "修缮乡村道路", "县发改局", "2026-06-30", "办理中，已完成路基", None, None, None],
]


def events(task: Task) -> list[tuple[str, str]]:
    return [(e.kind, str(e.at.astimezone(SH).date())) for e in task.events.order_by("seq")]


@pytest.mark.parametrize("fmt", ["xlsx", "csv-utf8", "csv-gb18030"])
def test_a_status_column_becomes_the_tasks_state_through_the_actions(
    county: County, tmp_path: Path, fmt: str
) -> None:
    if fmt == "xlsx":  # the title over the table: not a column title
        path = write(tmp_path / "台账（截至2026年4月10日）.xlsx", [["督办台账"], *STATES])
    else:
        path = tmp_path / "台账（截至2026年4月10日）.csv"
        path.write_bytes(csv_bytes(STATES, "gb18030" if fmt.endswith("gb18030") else "utf-8-sig"))
    report = run(county, path)
    assert report.ok, problems(report)
    assert report.new == 5
    assert report.ignored == ["A列（序号，系统自动编号）", "H列（联系人）"]
    first = 3 if fmt == "xlsx" else 2  # the first data row
    assert [r.row for r in report.rows] == list(range(first, first + 5))
    assert "未导入的列：A列（序号，系统自动编号）；H列（联系人）" in report.lines()
    by = {t.content: t for t in Task.objects.all()}
    east = by["推进城东片区改造"]
    assert east.status == TaskStatus.IN_PROGRESS
    assert list(east.reports.values_list("text", flat=True)) == ["已完成征收60%"]
    pipes = by["完善污水管网"]
    assert pipes.status == TaskStatus.CLOSED
    assert events(pipes)[-3:] == [  # submitted and closed on the date the ledger gives
        ("submitted", "2026-03-20"),
        ("verified", "2026-03-20"),
        ("closed", "2026-03-20"),
    ]
    lifts = by["老旧小区加装电梯"]
    assert lifts.status == TaskStatus.CLOSED
    assert events(lifts)[-1] == ("closed", "2026-04-10")  # no date: the ledger's own
    assert any(
        str(w) == f"第{first + 2}行 E列（完成情况）：“已完成”："
        "未填办结日期，按2026年04月10日办结导入（按期与否按此日期判定）。"
        for w in report.warnings
    )
    plan = by["编制年度计划"]  # progress and no status: received, with its report
    assert plan.status == TaskStatus.IN_PROGRESS
    assert list(plan.reports.values_list("text", flat=True)) == ["初稿已完成"]
    road = by["修缮乡村道路"]
    assert road.status == TaskStatus.IN_PROGRESS
    assert list(road.reports.values_list("text", flat=True)) == ["已完成路基"]
    assert verify_chain().ok
    assert rebuild().differing == []


def test_progress_on_a_task_not_yet_received_is_named_not_dropped(
    county: County, tmp_path: Path
) -> None:
    rows = [
        ["工作任务", "责任单位", "办理状态", "进展情况"],
        ["推进城东片区改造", "县发改局", "待签收", "已开会部署"],
    ]
    report = run(county, write(tmp_path / "l.xlsx", rows))
    assert report.ok
    assert [str(w) for w in report.warnings] == [
        "第2行 C列（办理状态）：“待签收”：事项待签收，尚无签收，进展情况“已开会部署”未导入。"
    ]


def test_the_preview_page_names_columns_not_imported_and_sections(
    county: County, client_for, tmp_path: Path
) -> None:
    path = tmp_path / "台账.csv"
    rows = [[*r, "联系人" if i == 0 else None] for i, r in enumerate(SECTIONED[1:])]
    path.write_bytes(csv_bytes(rows, "utf-8"))
    with path.open("rb") as fh:
        r = client_for(county.alice).post(reverse("ledger_import"), {"file": fh})
    html = r.content.decode()
    assert r.status_code == 200
    assert "未导入的列：A列（序号，系统自动编号）；E列（联系人）" in html
    assert "第2行“一、城乡建设”" in html and "分组行，不导入" in html
