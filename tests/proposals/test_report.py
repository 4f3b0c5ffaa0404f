"""The year's 办理工作情况报告 and ledger, the public replies and the list import, through
`duban proposals …`; the report rendered to PDF and read back with poppler."""

from __future__ import annotations

import io
import subprocess
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from docx import Document
from openpyxl import Workbook, load_workbook

from duban.documents import pdf
from duban.proposals import actions, selectors
from duban.proposals.models import Proposal
from tests.conftest import at
from tests.files.test_pdf import ARTIFACTS, BOTTOM_EDGE, RIGHT_EDGE
from tests.proposals.conftest import Year


def a_year(year: Year) -> list[Proposal]:
    """Four items: B satisfied, C satisfied, D dissatisfied (reopened), one still handling,
    and one not yet assigned."""
    c = year.c
    items = [year.register(n) for n in (1, 2, 3, 4, 5)]
    for p in items[:4]:
        year.assign(p)
    for p, cat in zip(items[:3], "BCD", strict=True):
        year.contact(p)
        year.reply(p, cat)
    actions.record_satisfaction(proposal=items[0], level="satisfied", by=c.alice,
                                now=at("2026-05-01 09:00"))  # fmt: skip
    actions.record_satisfaction(proposal=items[1], level="basic", by=c.alice,
                                now=at("2026-05-01 09:00"))  # fmt: skip
    actions.record_satisfaction(proposal=items[2], level="dissatisfied", comment="没有措施",
                                by=c.alice, now=at("2026-05-01 09:00"))  # fmt: skip
    return items


def test_the_figures_count_replies_categories_satisfaction_and_promises(year: Year) -> None:
    a_year(year)
    f = selectors.year_figures(year.c.alice, 2026, today=date(2026, 6, 1))
    (s,) = f.sessions
    assert (s.items, s.assigned, s.replied, s.on_time) == (5, 4, 3, 3)
    assert s.reply_rate == 75.0
    assert s.categories == {"A": 0, "B": 1, "C": 1, "D": 1}
    assert s.first_feedback == {"满意": 1, "基本满意": 1, "不满意": 1}
    assert s.first_satisfaction_rate == 66.7
    assert [(c.code, c.promise) for c in s.c_items] == [("第2号建议", "污水管网改造列入2027年计划")]
    assert [(p.code, p.category, p.done) for p in s.promises] == [
        ("第1号建议", "B", False),
        ("第2号建议", "C", False),
    ]
    assert [(r.unit, r.items, r.replied, r.satisfied, r.dissatisfied) for r in s.units] == [
        ("县发改局", 4, 3, 2, 1)
    ]
    # A liaison gets no county figures.
    assert selectors.year_figures(year.c.amy, 2026, today=date(2026, 6, 1)).sessions == []


def test_report_command_writes_the_document_its_pdf_and_the_ledger(
    year: Year, tmp_path: Path
) -> None:
    if not pdf.available():
        pytest.fail("LibreOffice is missing: run scripts/system-packages")
    a_year(year)
    out = tmp_path / "report.docx"
    call_command("proposals", "report", "--year", "2026", "--out", str(out), "--pdf",
                 "--now", "2026-06-01T09:00")  # fmt: skip
    text = "".join(p.text for p in Document(str(out)).paragraphs).replace("\n", "")
    assert "县人民政府关于2026年人大代表建议办理工作情况的报告" in text
    assert "已答复3件，答复率75.0%" in text
    assert "首次满意率（含基本满意）66.7%" in text
    assert "第2号建议《关于加快城关镇污水管网改造的建议》，主办单位县发改局" in text
    # The PDF: read back with poppler, every line inside the 版心, the tables' figures there.
    pdf_path = out.with_suffix(".pdf")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "proposals-report.pdf").write_bytes(pdf_path.read_bytes())
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf_path),
                    str(ARTIFACTS / "proposals-report")], check=True)  # fmt: skip
    layout = subprocess.run(
        ["pdftotext", "-bbox-layout", str(pdf_path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    import re

    boxes = [
        [float(v) for v in re.findall(r'="([\d.]+)"', m)]
        for m in re.findall(r"<line (xMin[^>]*)>", layout)
    ]
    assert boxes and all(b[2] <= RIGHT_EDGE + 1 for b in boxes)
    plain = subprocess.run(["pdftotext", str(pdf_path), "-"], capture_output=True, text=True,
                           check=True).stdout  # fmt: skip
    flat = "".join(plain.split())
    assert "B类答复承诺落实情况" in flat and "落实中" in flat
    assert "特此报告。" in flat
    assert all(b[3] <= BOTTOM_EDGE + 40 for b in boxes)  # page numbers sit just below
    ledger = load_workbook(out.with_name("report-台账.xlsx"), read_only=True)
    rows = list(ledger.worksheets[0].iter_rows(values_only=True))
    assert rows[0][:3] == ("类别", "编号", "标题") and len(rows) == 6
    assert rows[3][1] == "第3号建议" and rows[3][12] == 2  # reopened: round 2


def test_publish_writes_the_public_replies_without_contact_details(
    year: Year, tmp_path: Path
) -> None:
    a_year(year)
    call_command("proposals", "publish", "--year", "2026", "--out", str(tmp_path / "pub"))
    files = sorted(p.name for p in (tmp_path / "pub").iterdir())
    assert len(files) == 4 and files[0] == "2026年建议提案公开答复.xlsx"
    doc = Document(str(tmp_path / "pub" / files[1]))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "张伟代表：" in text and "13800001111" not in text


def _xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for r in rows:
        sheet.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


HEADER = ["编号", "案由", "领衔代表", "附议代表", "代表团", "联系电话", "内容", "是否急件"]


def test_import_takes_the_whole_list(year: Year, tmp_path: Path) -> None:
    f = tmp_path / "list.xlsx"
    f.write_bytes(_xlsx([
        HEADER,
        ["第1号", "关于修缮新华乡小学的建议", "王芳", "赵强、钱明", "新华乡代表团", "13900002222",
         "新华乡小学校舍老旧。", "是"],
        ["2", "关于增开城乡公交的建议", "孙丽", "", "城关镇代表团", "", "建议增开公交。", ""],
    ]))  # fmt: skip
    call_command("proposals", "import", str(f), "--year", "2027", "--body", "npc",
                 "--session", "县第十八届人大第六次会议", "--now", "2027-01-20T09:00")  # fmt: skip
    items = list(Proposal.objects.filter(session__year=2027).order_by("number"))
    assert [(p.code, p.urgent) for p in items] == [("第1号建议", True), ("第2号建议", False)]
    assert list(items[0].proposers.values_list("name", flat=True)) == ["王芳", "赵强", "钱明"]
    assert items[0].proposers.get(name="王芳").phone == "13900002222"


def test_import_names_every_bad_row_and_stores_nothing(year: Year, tmp_path: Path) -> None:
    year.register(2)
    f = tmp_path / "list.xlsx"
    f.write_bytes(_xlsx([
        HEADER,
        ["1", "关于修缮小学的建议", "王芳", "", "", "", "校舍老旧。", ""],
        ["2", "关于增开公交的建议", "孙丽", "", "", "", "建议增开公交。", ""],
        ["3", "", "李强", "", "", "", "内容", ""],
    ]))  # fmt: skip
    with pytest.raises(CommandError) as e:
        call_command("proposals", "import", str(f), "--year", "2026", "--body", "npc")
    assert str(e.value) == "导入失败，未导入任何一件：\n第4行：缺少标题。"
    f.write_bytes(_xlsx([HEADER, *[
        ["1", "关于修缮小学的建议", "王芳", "", "", "", "校舍老旧。", ""],
        ["2", "关于增开公交的建议", "孙丽", "", "", "", "建议增开公交。", ""],
    ]]))  # fmt: skip
    with pytest.raises(CommandError) as e:
        call_command("proposals", "import", str(f), "--year", "2026", "--body", "npc")
    assert str(e.value) == "导入失败，未导入任何一件：\n第3行：第2号建议已登记，编号不能重复。"
    assert Proposal.objects.count() == 1


def test_import_refuses_a_file_that_is_not_a_workbook(year: Year, tmp_path: Path) -> None:
    f = tmp_path / "list.xlsx"
    f.write_bytes(b"not a zip")
    with pytest.raises(CommandError) as e:
        call_command("proposals", "import", str(f), "--year", "2026", "--body", "npc")
    assert "文件不是有效的Excel（.xlsx）文件。" in str(e.value)
