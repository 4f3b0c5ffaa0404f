"""台账.xlsx export: what a person opening the file checks, and that it matches the page."""

from __future__ import annotations

from datetime import date, datetime
from io import BytesIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import load_workbook

from duban.audit.models import AccessKind, AccessLog
from duban.documents import filters, ledger_xlsx
from duban.work.ledger import LedgerFilters, ledger_page
from tests.conftest import County, at
from tests.files.office import TODAY, Office


@pytest.fixture
def office(county: County) -> Office:
    return Office(county)


def export(county: County, path: Path, user=None, **kw) -> ledger_xlsx.ExportResult:
    f = LedgerFilters(**kw)
    return ledger_xlsx.export_ledger(user=user or county.alice, filters=f, out=path, now=TODAY)


def day(y: int, m: int, d: int) -> object:
    """What openpyxl gives for a date cell: a (naive) datetime at midnight, never a string."""
    return datetime.combine(date(y, m, d), datetime.min.time())


def rows_of(path: Path) -> list[dict[str, object]]:
    wb = load_workbook(path)
    ws = wb[ledger_xlsx.SHEET]
    header = [c.value for c in ws[3]]
    return [dict(zip(header, (c.value for c in row), strict=True)) for row in ws.iter_rows(4)]


def by_content(path: Path) -> dict[str, dict[str, object]]:
    return {str(r["事项内容"]): r for r in rows_of(path)}


def test_the_sheet_has_a_title_a_frozen_header_and_the_offices_columns(
    office: Office, county: County, tmp_path: Path
) -> None:
    path = tmp_path / "台账.xlsx"
    export(county, path)
    wb = load_workbook(path)
    assert wb.sheetnames == ["督办台账", "汇总"]
    ws = wb["督办台账"]
    assert ws["A1"].value == "督办事项台账（截至2026年4月15日）"
    assert "A1:O1" in [str(r) for r in ws.merged_cells.ranges]
    assert "全部事项" in ws["A2"].value
    assert [c.value for c in ws[3]] == [
        "序号", "督办编号", "事项来源", "来文文号", "交办日期", "事项内容", "牵头领导", "牵头单位",
        "配合单位", "完成时限", "最新进展", "办理状态", "亮灯", "办结日期", "备注",
    ]  # fmt: skip
    assert ws.freeze_panes == "A4"
    assert ws.auto_filter.ref == f"A3:O{3 + 7}"
    assert ws.column_dimensions["F"].width > ws.column_dimensions["A"].width * 5
    assert ws.max_row == 3 + 7  # every task the supervisor sees, drafts included
    assert [r["序号"] for r in rows_of(path)] == [1, 2, 3, 4, 5, 6, 7]


def test_the_export_carries_the_task_code_and_prints_page_numbers(
    office: Office, county: County, tmp_path: Path
) -> None:
    """Issue 11, point 21: the 编号 column, and page numbers when printed."""
    path = tmp_path / "台账.xlsx"
    export(county, path)
    key = by_content(path)["城东污水处理厂建设"]
    assert key["督办编号"] == office.key.code
    assert {r["督办编号"] for r in rows_of(path)} >= {office.key.code, office.overdue.code}
    ws = load_workbook(path)["督办台账"]
    assert ws.oddFooter.center.text == "第 &P 页，共 &N 页"


def test_dates_are_dates_and_the_light_is_a_fill_colour(
    office: Office, county: County, tmp_path: Path
) -> None:
    path = tmp_path / "t.xlsx"
    export(county, path)
    rows = by_content(path)
    key = rows["城东污水处理厂建设"]
    assert key["交办日期"] == day(2026, 3, 2)
    assert key["完成时限"] == day(2026, 4, 30)
    assert key["办结日期"] is None
    assert rows["老旧小区改造"]["办结日期"] == day(2026, 3, 16)
    ws = load_workbook(path)["督办台账"]
    cells = {ws.cell(r, 6).value: r for r in range(4, ws.max_row + 1)}
    due_cell = ws.cell(cells["城东污水处理厂建设"], 10)
    assert due_cell.is_date and due_cell.number_format == "yyyy-mm-dd"

    def light(content: str) -> tuple[str, str]:
        cell = ws.cell(cells[content], 13)
        return cell.value, cell.fill.fgColor.rgb

    assert light("乡镇卫生院改造") == ("红灯", "FFFF0000")
    assert light("老旧小区改造") == ("按期办结", "FFE2EFDA")
    assert light("农村道路硬化") == ("逾期办结", "FFFCE4D6")
    assert light("编制年度计划")[1] == "FF92D050"  # green
    assert ws.cell(cells["起草实施方案"], 13).value is None  # a draft has no light


def test_each_row_says_what_the_ledger_page_says(
    office: Office, county: County, tmp_path: Path
) -> None:
    path = tmp_path / "t.xlsx"
    export(county, path)
    key = by_content(path)["城东污水处理厂建设"]
    assert key["事项来源"] == "领导批示"
    assert key["来文文号"] == "云政阅〔2026〕3号"
    assert key["牵头领导"] == "李丽"
    assert key["牵头单位"] == "县发改局"
    assert key["配合单位"] == "县财政局"
    assert key["最新进展"] == "主体工程完成60%"
    assert key["办理状态"] == "办理中"
    assert key["备注"] == "重点督办"
    withdrawn = by_content(path)["临时调研"]
    assert withdrawn["办理状态"] == "已撤销" and withdrawn["备注"] == "撤销原因：工作调整"


def test_the_summary_sheet_counts_by_status_light_and_lead_unit(
    office: Office, county: County, tmp_path: Path
) -> None:
    path = tmp_path / "t.xlsx"
    result = export(county, path)
    ws = load_workbook(path)["汇总"]
    values = [[c.value for c in row] for row in ws.iter_rows()]
    flat = {row[0]: row[1:] for row in values if row and row[0]}
    assert flat["合计"][0] == 7
    assert flat["已办结"][0] == 2
    assert flat["红灯"][0] == 2  # overdue, and the key item's missing weekly reports
    assert flat["新华乡"][:4] == [1, 0, 0, 1]  # one task, overdue
    assert flat["县财政局"][:5] == [1, 1, 1, 0, 1]  # closed on time: 100 %
    assert flat["城关镇"][4] == 0  # closed late: 0 %
    assert result.units[county.d.pk].overdue == 1


def test_a_liaison_exports_only_their_units_tasks(
    office: Office, county: County, tmp_path: Path
) -> None:
    path = tmp_path / "t.xlsx"
    export(county, path, user=county.carl)  # 城关镇: leads one, co on another
    assert sorted(by_content(path)) == ["农村道路硬化", "老旧小区改造"]


@pytest.mark.parametrize(
    "kw",
    [
        {"status": "open"},
        {"light": "red"},
        {"unit": "fgj", "unit_role": "lead"},
        {"line": "lily"},
        {"is_key": True},
        {"due_from": date(2026, 4, 1), "due_to": date(2026, 5, 31), "sort": "due"},
        {"q": "改造"},
    ],
)
def test_the_export_holds_exactly_the_rows_the_page_lists(
    office: Office, county: County, tmp_path: Path, kw: dict[str, object]
) -> None:
    if "unit" in kw:
        kw["unit"] = county.a.pk
    if "line" in kw:
        kw["line"] = county.leader_lily.pk
    f = LedgerFilters(**kw)  # type: ignore[arg-type]
    page = ledger_page(county.alice, f)
    path = tmp_path / "t.xlsx"
    ledger_xlsx.export_ledger(user=county.alice, filters=f, out=path, now=TODAY)
    assert [r["事项内容"] for r in rows_of(path)] == [row.task.content for row in page.rows]
    assert len(page.rows) == page.total  # one page: the comparison is the whole list


def test_text_that_looks_like_a_formula_stays_text(county: County, tmp_path: Path) -> None:
    from tests.files.office import make

    make(county, at("2026-03-02 09:00"), content='=HYPERLINK("x") & <b>加固</b>', lead=[county.a])
    path = tmp_path / "t.xlsx"
    export(county, path)
    cell = load_workbook(path)["督办台账"]["F4"]
    assert cell.value == '=HYPERLINK("x") & <b>加固</b>' and cell.data_type == "s"


def test_an_empty_ledger_is_still_a_ledger(county: County, tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    assert export(county, path).rows == 0
    ws = load_workbook(path)["督办台账"]
    assert ws.max_row == 3 and ws["A3"].value == "序号"


def test_every_export_is_in_the_access_log(office: Office, county: County, tmp_path: Path):
    export(county, tmp_path / "t.xlsx", status="open")
    log = AccessLog.objects.get(kind=AccessKind.EXPORT)
    assert log.user == county.alice
    assert "ledger.xlsx 3 rows" in log.detail and "办理状态：在办" in log.detail


def test_the_command_takes_the_pages_filters_by_name_or_query(
    office: Office, county: County, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "t.xlsx"
    call_command("ledger", "export", "--by", "alice", "--out", str(path), "--unit", "县发改局")
    assert sorted(by_content(path)) == ["城东污水处理厂建设", "编制年度计划"]  # not the draft
    assert "已导出 2 项事项" in capsys.readouterr().out
    call_command(
        "ledger", "export", "--by", "alice", "--out", str(path), "--query", "light=red&status=open"
    )
    assert sorted(by_content(path)) == ["乡镇卫生院改造", "城东污水处理厂建设"]
    call_command("ledger", "export", "--by", "carl", "--out", str(path), "--status", "已办结")
    assert sorted(by_content(path)) == ["农村道路硬化", "老旧小区改造"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--unit", "县宇宙局"], "承办单位“县宇宙局”不存在"),
        (["--status", "finished"], "办理状态“finished”无效"),
        (["--due-from", "2026-13-01"], "不是有效日期"),
        (["--query", "colour=red"], "未知的筛选条件：colour"),
        (["--by", "nobody"], "用户“nobody”不存在"),
    ],
)
def test_the_command_refuses_a_filter_it_cannot_apply(
    county: County, tmp_path: Path, args: list[str], message: str
) -> None:
    base = ["ledger", "export", "--out", str(tmp_path / "t.xlsx")]
    if "--by" not in args:
        base += ["--by", "alice"]
    with pytest.raises(CommandError, match=message):
        call_command(*base, *args)
    assert not (tmp_path / "t.xlsx").exists()


def test_filters_parse_the_pages_query_string(county: County) -> None:
    f = filters.parse_query("?status=open&unit=fgj&is_key=1&sort=due")
    assert (f.status, f.unit, f.is_key, f.sort) == ("open", county.a.pk, True, "due")
    assert "承办单位：县发改局" in filters.describe(f)


# ------------------------------------------------------------------ the page


@pytest.mark.parametrize(
    "query",
    [{"unit": "999999"}, {"due_from": "2026-05-01", "due_to": "2026-04-01"}, {"light": "blue"}],
)
def test_a_filter_the_page_refuses_exports_nothing(
    office: Office, county: County, client_for, query: dict[str, str]
):
    c = client_for(county.alice)
    r = c.get(reverse("ledger_export"), query)
    assert r.status_code == 302 and r["Location"].startswith(reverse("ledger") + "?")
    page = c.get(r["Location"]).content.decode()
    assert "筛选条件有误，未导出" in page


def test_the_ledger_page_exports_its_current_filters(office: Office, county: County, client_for):
    c = client_for(county.alice)
    page = c.get(reverse("ledger"), {"light": "red"})
    assert f"{reverse('ledger_export')}?light=red" in page.content.decode()
    r = c.get(reverse("ledger_export"), {"light": "red"})
    assert r.status_code == 200
    assert r["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in r["Content-Disposition"] and ".xlsx" in r["Content-Disposition"]
    wb = load_workbook(BytesIO(b"".join(r.streaming_content)))
    red = sorted(str(c.value) for c in wb["督办台账"]["F"][3:])
    assert red == ["乡镇卫生院改造", "城东污水处理厂建设"]


def test_a_liaison_downloads_their_units_ledger(office: Office, county: County, client_for):
    r = client_for(county.carl).get(reverse("ledger_export"))
    wb = load_workbook(BytesIO(b"".join(r.streaming_content)))
    assert sorted(c.value for c in wb["督办台账"]["F"][3:]) == ["农村道路硬化", "老旧小区改造"]


def test_administrators_cannot_export_and_post_is_refused(county: County, client_for) -> None:
    assert client_for(county.sam).get(reverse("ledger_export")).status_code == 403
    assert client_for(county.alice).post(reverse("ledger_export")).status_code == 405
