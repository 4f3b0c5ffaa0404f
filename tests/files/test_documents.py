"""GB/T 9704 documents: what a person checks opening the .docx, and the figures in them."""

from __future__ import annotations

import json
import re
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from docx import Document
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.shared import Mm
from docx.table import Table

from duban.documents import annual, bulletin, gbt9704, report_back
from duban.documents.models import IssuedDocument
from duban.work import actions
from tests.conftest import County, at
from tests.files.office import TODAY, Office

DATE_RE = re.compile(r"^\d{4}年[1-9]\d?月[1-9]\d?日$")


@pytest.fixture
def office(county: County) -> Office:
    return Office(county)


def open_docx(content: bytes) -> DocxDocument:
    return Document(BytesIO(content))


def texts(doc: DocxDocument) -> list[str]:
    return [p.text for p in doc.paragraphs]


def style_font(doc: DocxDocument, name: str) -> tuple[str | None, str | None, float | None]:
    """(eastAsia font, ascii font, size in pt) of a paragraph style, as Word reads it."""
    style = doc.styles[name]
    fonts = style.element.rPr.rFonts
    size = style.font.size.pt if style.font.size else None
    return fonts.get(qn("w:eastAsia")), fonts.get(qn("w:ascii")), size


def make_bulletin(county: County, **kw) -> bytes:
    options = bulletin.BulletinOptions(issued_on=date(2026, 4, 15), **kw)
    content, _ = bulletin.generate(
        user=county.alice,
        start=date(2026, 3, 1),
        end=date(2026, 3, 31),
        options=options,
        now=TODAY,
    )
    return content


# ------------------------------------------------------------------ the page (GB/T 9704)


def test_the_page_is_a4_with_the_standards_margins_and_no_word_grid(county: County) -> None:
    doc = open_docx(make_bulletin(county))
    s = doc.sections[0]
    # In twips, as Word stores them (gbt9704.md: A4 11906 × 16838; 37/35/28/26 mm).
    assert (s.page_width.twips, s.page_height.twips) == (11906, 16838)
    assert (s.top_margin.twips, s.bottom_margin.twips) == (2098, 1984)
    assert (s.left_margin.twips, s.right_margin.twips) == (1587, 1474)
    assert s._sectPr.find(qn("w:docGrid")) is None


def test_body_text_is_3hao_fangsong_on_a_22_line_grid(county: County) -> None:
    doc = open_docx(make_bulletin(county))
    assert style_font(doc, "Normal") == ("仿宋_GB2312", "Times New Roman", 16)
    normal = doc.styles["Normal"].element
    spacing = normal.pPr.find(qn("w:spacing"))
    assert (spacing.get(qn("w:line")), spacing.get(qn("w:lineRule"))) == ("579", "exact")
    assert normal.rPr.find(qn("w:spacing")).get(qn("w:val")) == "-5"  # 28 characters a line
    body = doc.styles[gbt9704.STYLE_BODY]
    assert body.paragraph_format.first_line_indent.pt == pytest.approx(31.5)  # 左空二字


def test_title_and_headings_use_the_standards_fonts(county: County) -> None:
    doc = open_docx(make_bulletin(county))
    assert style_font(doc, gbt9704.STYLE_TITLE) == ("方正小标宋简体", "Times New Roman", 22)
    assert style_font(doc, gbt9704.STYLE_H1)[0] == "黑体"
    assert style_font(doc, gbt9704.STYLE_H2)[0] == "楷体_GB2312"
    assert style_font(doc, gbt9704.STYLE_IMPRINT)[0::2] == ("仿宋_GB2312", 14)
    by_style = {p.text: p.style.name for p in doc.paragraphs}
    assert by_style["关于2026年3月督办事项办理情况的通报"] == gbt9704.STYLE_TITLE
    assert by_style["一、总体情况"] == gbt9704.STYLE_H1
    assert by_style["各乡镇人民政府，县直各部门："] == gbt9704.STYLE_PLAIN


def test_no_theme_font_overrides_the_named_fonts(county: County) -> None:
    doc = open_docx(make_bulletin(county))
    themed = [
        attr for el in doc.styles.element.iter() for attr in el.attrib if attr.endswith("Theme")
    ]
    assert themed == []


def test_page_numbers_are_dashed_odd_right_even_left(county: County) -> None:
    doc = open_docx(make_bulletin(county))
    assert doc.settings.odd_and_even_pages_header_footer
    s = doc.sections[0]
    for footer, align in ((s.footer, "right"), (s.even_page_footer, "left")):
        p = footer.paragraphs[0]
        assert p.text == "— 1 —"
        assert p.alignment is not None and p.alignment.name.lower() == align
        instr = "".join(t.text for t in p._p.iter(qn("w:instrText")))
        assert instr.strip() == "PAGE"
        assert style_font(doc, p.style.name) == ("宋体", "宋体", 14)


def test_the_imprint_has_thick_outer_and_thin_inner_rules(county: County) -> None:
    doc = open_docx(make_bulletin(county, copies_to=("县委办公室", "县人大常委会办公室")))
    [tbl] = doc.element.body.findall(".//" + qn("w:txbxContent") + "/" + qn("w:tbl"))
    imprint = Table(tbl, doc)
    cells = [row.cells[0].text for row in imprint.rows]
    assert cells == [
        "抄送：县委办公室，县人大常委会办公室。",
        "县人民政府办公室\t2026年4月15日印发",
    ]
    borders = imprint._tbl.tblPr.find(qn("w:tblBorders"))
    sizes = {b.tag.split("}")[1]: b.get(qn("w:sz")) for b in borders}
    assert (sizes["top"], sizes["bottom"], sizes["insideH"]) == ("8", "8", "6")
    width = imprint._tbl.tblPr.find(qn("w:tblW"))
    assert int(width.get(qn("w:w"))) == pytest.approx(Mm(156).twips, abs=1)
    # The last rule on the bottom edge of the 版心: a text box aligned to the margin's bottom.
    anchor = tbl.getparent().getparent().getparent().getparent().getparent().getparent()
    assert anchor.tag == qn("wp:anchor")
    vertical = anchor.find(qn("wp:positionV"))
    assert vertical.get("relativeFrom") == "margin"
    assert vertical.find(qn("wp:align")).text == "bottom"


def test_the_masthead_comes_with_a_doc_number(county: County) -> None:
    draft = texts(open_docx(make_bulletin(county)))
    assert draft[0] == "关于2026年3月督办事项办理情况的通报"
    issued = open_docx(make_bulletin(county, doc_no="云政办督〔2026〕3号"))
    lines = texts(issued)
    assert lines[0] == "县人民政府办公室文件"
    mark = issued.paragraphs[0]
    assert mark.style.font.color.rgb == gbt9704.RED
    assert "云政办督〔2026〕3号" in lines
    number = issued.paragraphs[lines.index("云政办督〔2026〕3号")]
    rule = number._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert rule.get(qn("w:color")) == "FF0000"


@pytest.mark.parametrize("bad", ["云政办督[2026]3号", "云政办督〔2026〕03号", "〔26〕3号", "3号"])
def test_a_malformed_doc_number_is_refused(county: County, bad: str) -> None:
    with pytest.raises(bulletin.BulletinError, match="格式应为"):
        make_bulletin(county, doc_no=bad)
    assert not IssuedDocument.objects.exists()


def test_signature_and_dates_have_no_zero_padding(county: County) -> None:
    lines = texts(open_docx(make_bulletin(county)))
    assert "县人民政府办公室" in lines and "2026年4月15日" in lines
    assert DATE_RE.match(gbt9704.cn_date(date(2026, 3, 5))) and "03" not in gbt9704.cn_date(
        date(2026, 3, 5)
    )


@pytest.mark.parametrize("organ", ["云溪县人民政府办公室", "县人民政府办公室", "县政府督查室"])
def test_the_date_stands_four_characters_in_with_the_organ_centred_above(organ: str) -> None:
    doc = gbt9704.OfficialDocument()
    doc.signature(organ, date(2026, 4, 15))
    name, day = doc.doc.paragraphs[-2], doc.doc.paragraphs[-1]
    assert day.paragraph_format.right_indent.pt == pytest.approx(4 * gbt9704.CHAR)  # 右空四字
    name_centre = name.paragraph_format.right_indent.pt + gbt9704.text_width(name.text) / 2
    date_centre = day.paragraph_format.right_indent.pt + gbt9704.text_width(day.text) / 2
    assert name_centre == pytest.approx(date_centre)


# ------------------------------------------------------------------ 督查通报 figures


def test_bulletin_figures_for_march(office: Office, county: County) -> None:
    f = bulletin.period_figures(county.alice, date(2026, 3, 1), date(2026, 3, 31))
    # In scope: key, meeting, late, overdue (fresh was assigned in April; the draft never;
    # the withdrawn one is out).
    assert (f.tasks, f.new, f.closed, f.on_time) == (4, 4, 1, 1)
    assert f.open_at_end == 3  # key (in progress), late (closed 4-02), overdue
    assert [i.content for i in f.overdue_items] == ["乡镇卫生院改造", "农村道路硬化"]
    assert f.overdue_items[0].days_late == 21  # due 3-10, counted at 3-31
    lines = {u.label: (u.tasks, u.closed, u.on_time, u.overdue) for u in f.units}
    assert lines == {
        "县发改局": (1, 0, 0, 0),
        "县财政局": (1, 1, 1, 0),
        "城关镇": (1, 0, 0, 1),
        "新华乡": (1, 0, 0, 1),
    }


def test_praise_and_naming_follow_the_configured_rules(
    office: Office, county: County, settings
) -> None:
    settings.DUBAN_BULLETIN_PRAISE_MIN_CLOSED = 1
    f = bulletin.period_figures(county.alice, date(2026, 3, 1), date(2026, 3, 31))
    assert [u.label for u in f.praised] == ["县财政局"]
    assert [u.label for u in f.named] == ["城关镇", "新华乡"]
    settings.DUBAN_BULLETIN_PRAISE_MIN_CLOSED = 3
    settings.DUBAN_BULLETIN_NAME_MIN_OVERDUE = 2
    f = bulletin.period_figures(county.alice, date(2026, 3, 1), date(2026, 3, 31))
    assert (f.praised, f.named) == ([], [])


def test_the_bulletin_text_carries_the_figures(office: Office, county: County, settings):
    settings.DUBAN_BULLETIN_PRAISE_MIN_CLOSED = 1
    doc = open_docx(make_bulletin(county))
    body = "\n".join(texts(doc))
    assert "共督办事项4项，其中新交办4项、重点督办1项" in body
    assert "已办结1项，其中按期办结1项，按期办结率100.0%" in body
    assert "1. 新华乡：乡镇卫生院改造（完成时限2026年3月10日，已逾期21天）。" in body
    assert "（一）予以表扬。县财政局办结事项多" in body  # one unit is named, not "等1个单位"
    assert "城关镇（1项）、新华乡（1项）存在逾期未办结事项" in body
    table = doc.tables[0]
    assert [c.text for c in table.rows[0].cells] == [
        "牵头单位", "督办事项", "已办结", "按期办结", "逾期未办结", "按期办结率",
    ]  # fmt: skip
    assert [c.text for c in table.rows[2].cells] == ["县财政局", "1", "1", "1", "0", "100.0%"]


def test_a_bulletin_with_a_number_is_recorded_once(office: Office, county: County) -> None:
    make_bulletin(county, doc_no="云政办督〔2026〕3号")
    make_bulletin(county, doc_no="云政办督〔2026〕3号")  # regenerated: the same issue
    assert IssuedDocument.objects.count() == 1
    with pytest.raises(bulletin.BulletinError, match="已用于"):
        bulletin.generate(
            user=county.alice,
            start=date(2026, 4, 1),
            end=date(2026, 4, 30),
            options=bulletin.BulletinOptions(doc_no="云政办督〔2026〕3号"),
            now=TODAY,
        )


@pytest.mark.parametrize(
    ("start", "end", "words"),
    [
        (date(2026, 3, 1), date(2026, 3, 31), "2026年3月"),
        (date(2026, 1, 1), date(2026, 3, 31), "2026年第一季度"),
        (date(2026, 7, 1), date(2026, 12, 31), "2026年下半年"),
        (date(2026, 1, 1), date(2026, 12, 31), "2026年"),
        (date(2026, 3, 1), date(2026, 4, 15), "2026年3月1日至4月15日"),
        (date(2025, 12, 1), date(2026, 1, 15), "2025年12月1日至2026年1月15日"),
    ],
)
def test_the_period_in_words(start: date, end: date, words: str) -> None:
    assert bulletin.period_words(start, end) == words


def test_the_bulletin_command_writes_the_file(
    office: Office, county: County, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "通报.docx"
    call_command("bulletin", "--from", "2026-03-01", "--to", "2026-03-31", "--out", str(out))
    assert "督办事项4项" in capsys.readouterr().out
    assert texts(Document(str(out)))[0] == "关于2026年3月督办事项办理情况的通报"
    with pytest.raises(CommandError, match="不是督查人员"):
        call_command("bulletin", "--from", "2026-03-01", "--to", "2026-03-31", "--out",
                     str(out), "--by", "amy")  # fmt: skip
    with pytest.raises(CommandError, match="不是有效日期"):
        call_command("bulletin", "--from", "2026-3-1x", "--to", "2026-03-31", "--out", str(out))


# ------------------------------------------------------------------ 情况报告


def test_the_report_back_answers_task_by_task(office: Office, county: County) -> None:
    directive = office.meeting.directive
    actions.report_back(
        directive=directive, text="老旧小区改造已全部完成。", by=county.alice, now=TODAY
    )
    directive.refresh_from_db()
    content = report_back.generate(
        user=county.alice,
        directive=directive,
        options=report_back.ReportOptions(
            doc_no="云政办报〔2026〕7号", signer="王刚", issued_on=date(2026, 4, 16)
        ),
        now=TODAY,
    )
    doc = open_docx(content)
    lines = texts(doc)
    assert "关于老旧小区改造办理情况的报告" in lines
    assert "县长：" in lines
    assert "（一）老旧小区改造" in lines
    assert "牵头单位：县财政局；配合单位：城关镇；完成时限：2026年3月18日。" in lines
    assert "办理情况：已全部完成，资料已归档。" in lines
    assert "牵头单位于2026年3月16日报送办结，当日审核办结，按期完成。" in lines
    assert "老旧小区改造已全部完成。" in lines and "特此报告。" in lines
    number = next(p for p in doc.paragraphs if "云政办报〔2026〕7号" in p.text)
    assert number.text == "云政办报〔2026〕7号\t签发人：王刚"  # 上行文: 签发人 on the line
    assert number.runs[-1]._r.rPr.rFonts.get(qn("w:eastAsia")) == "楷体_GB2312"
    assert IssuedDocument.objects.get().directive == directive


def test_a_liaison_cannot_have_another_units_report(office: Office, county: County) -> None:
    with pytest.raises(report_back.ReportError, match="无权"):
        report_back.generate(
            user=county.bob, directive=office.overdue.directive, options=report_back.ReportOptions()
        )


@pytest.mark.parametrize(("n", "words"), [(1, "一"), (10, "十"), (12, "十二"), (25, "二十五")])
def test_chinese_ordinals(n: int, words: str) -> None:
    assert report_back.cn_number(n) == words


# ------------------------------------------------------------------ the year's figures


def test_the_years_figures(office: Office, county: County) -> None:
    actions.urge(task=office.overdue, message="请加快办理", by=county.alice, now=TODAY)
    make_bulletin(county, doc_no="云政办督〔2026〕3号")
    f = annual.annual_figures(county.alice, 2026)
    assert f.directives == 7
    assert f.directives_by_kind == {
        "会议议定事项": 1, "领导批示": 4, "上级交办件": 1, "重点工作": 1,
    }  # fmt: skip
    assert (f.tasks_assigned, f.tasks_assigned_closed, f.completion_rate) == (5, 2, 40.0)
    assert (f.tasks_closed, f.tasks_closed_on_time, f.on_time_rate) == (2, 1, 50.0)
    assert (f.directives_assigned, f.directives_same_day, f.same_day_rate) == (6, 6, 100.0)
    assert (f.key_tasks, f.progress_reports, f.done_reports, f.urges) == (1, 1, 2, 1)
    assert f.bulletins == 1
    assert annual.sentences(f)[0] == (
        "2026年共登记督办来文7件，其中会议议定事项1件，领导批示4件，上级交办件1件，重点工作1件。"
    )


def test_the_annual_command_prints_json_and_writes_the_section(
    office: Office, county: County, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "述职.docx"
    call_command("annual", "--year", "2026", "--out", str(out))
    data = json.loads(capsys.readouterr().out)
    assert data["year"] == 2026 and data["tasks_assigned"] == 5
    lines = texts(Document(str(out)))
    assert lines[0] == "2026年督查督办工作主要数据"
    # The command runs today: a year not over is counted up to today and says so.
    assert any(
        line.startswith("年内新分解交办任务5项，截至") and "已办结2项，办结率40.0%" in line
        for line in lines
    )


def test_a_year_without_work_says_so(county: County) -> None:
    f = annual.annual_figures(county.alice, 2025)
    assert f.on_time_rate is None
    assert annual.sentences(f)[0] == "2025年未登记督办来文。"
    assert "按期办结率—" in annual.sentences(f)[2]


def test_annual_dates_are_at_the_asia_shanghai_year_boundary(county: County) -> None:
    from tests.files.office import make

    make(county, at("2026-01-01 00:30"), content="元旦凌晨登记", lead=[county.a])
    assert annual.annual_figures(county.alice, 2026).directives == 1
    assert annual.annual_figures(county.alice, 2025).directives == 0


def test_the_report_back_command(
    office: Office, county: County, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "报告.docx"
    code = office.meeting.directive.code
    call_command("report_back", code, "--out", str(out), "--to", "县人民政府")
    assert f"来文{code}" in capsys.readouterr().out
    lines = texts(Document(str(out)))
    assert "关于老旧小区改造办理情况的报告" in lines and "县人民政府：" in lines
    with pytest.raises(CommandError, match="不存在"):
        call_command("report_back", "2026-9999", "--out", str(out))


def test_documents_sign_with_the_countys_name_from_the_org_file(
    county: County, settings: Any
) -> None:
    from duban.org.loader import load

    load({"county": "云溪县", "units": [], "groups": [], "leaders": [], "users": []})
    issued = texts(open_docx(make_bulletin(county, doc_no="云政办督〔2026〕4号")))
    assert issued[0] == "云溪县人民政府办公室文件"
    assert "云溪县人民政府办公室" in issued
    settings.DUBAN_OFFICE_NAME = "云溪县人民政府督查室"
    assert "云溪县人民政府督查室" in texts(open_docx(make_bulletin(county)))  # the 署名


def test_a_reply_counts_in_the_year_it_was_given_only(county: County) -> None:
    from tests.files.office import close, make

    task = make(county, at("2025-12-10 09:00"), content="年末交办事项", lead=[county.a])
    close(county, task, county.amy, "2025-12-20 10:00")
    actions.report_back(
        directive=task.directive, text="已办结。", by=county.alice, now=at("2026-01-05 09:00")
    )
    assert annual.annual_figures(county.alice, 2025).reported_back == 0
    assert annual.annual_figures(county.alice, 2026).reported_back == 1
