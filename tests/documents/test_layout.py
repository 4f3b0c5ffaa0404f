"""Issue 11, points 6-11: layout that LibreOffice keeps (rendered to PDF and measured with
poppler), and what Word reads from the .docx (styles, anchors, properties).

Rendered pages go to $DUBAN_ARTIFACTS/documents (default test-artifacts/) for a person."""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, date, datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn

from duban.documents import gbt9704, pdf
from tests.files.test_pdf import ARTIFACTS, BOTTOM_EDGE, RIGHT_EDGE

Word = tuple[float, float, float, float, str]
ORGAN = "云溪县人民政府办公室"
ON = date(2026, 3, 5)
COPIES = (
    "县委办公室", "县人大常委会办公室", "县政协办公室", "县纪委监委", "县委组织部",
    "县委宣传部", "县发展和改革局", "县人民法院",
)  # fmt: skip
FILLER = "这是正文段落，用于检验署名和版记在页面上的位置是否符合规定。"  # 30 characters


@pytest.fixture(autouse=True)
def _office_tools() -> None:
    if not pdf.available():
        pytest.fail("LibreOffice is missing: run scripts/system-packages")


def render(doc: gbt9704.OfficialDocument, name: str) -> list[list[Word]]:
    """Per page, each text line as (xMin, yMin, xMax, yMax, text): pdftotext's words joined."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.pdf"
    path.write_bytes(pdf.convert(doc.to_bytes()))
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(path), str(ARTIFACTS / name)], check=True)
    html = subprocess.run(
        ["pdftotext", "-bbox-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = []
    for page in html.split("<page ")[1:]:
        lines = []
        for line in re.findall(r"<line (.*?)</line>", page, re.S):
            box = [float(v) for v in re.findall(r'="([\d.]+)"', line.split(">")[0])]
            text = "".join(re.findall(r">([^<]*)</word>", line))
            lines.append((box[0], box[1], box[2], box[3], text))
        pages.append(lines)
    return pages


def letter(paragraphs: int, *, copies: tuple[str, ...] = (), title: str = "关于检验版式的报告"):
    doc = gbt9704.OfficialDocument()
    doc.title(title)
    doc.addressee("县人民政府")
    for _ in range(paragraphs):
        doc.para(FILLER)
    doc.para("特此报告。")
    doc.signature(ORGAN, ON)
    doc.imprint(gbt9704.Imprint(printer=ORGAN, printed_on=ON, copies_to=copies))
    return doc


def body_lines(page: list[Word]) -> list[Word]:
    """Lines of body text (not the 署名, date, 版记 or page number)."""
    return [
        w
        for w in page
        if w[3] < BOTTOM_EDGE - 60
        and w[4] not in (ORGAN, "2026年3月5日")
        and not w[4].startswith("—")
    ]


# ------------------------------------------------------------------ 6 and 7


@pytest.mark.parametrize("paragraphs", [7, 8])
def test_the_signature_page_has_body_text_and_the_imprint_sits_at_the_bottom(
    paragraphs: int,
) -> None:
    # 7: the date would be the 22nd line of page 1; 8: it would start page 2 alone.
    pages = render(letter(paragraphs, copies=("县委办公室",)), f"signature-{paragraphs}")
    signed = [i for i, page in enumerate(pages) if any(w[4] == ORGAN for w in page)]
    assert len(signed) == 1
    page = pages[signed[0]]
    organ = next(w for w in page if w[4] == ORGAN)
    above = [w for w in body_lines(page) if w[1] < organ[1]]
    assert above, "the 署名 stands on a page without body text"
    assert any("特此报告" in w[4] for w in above)
    # 版记 (7.4.1): on the last page, its last line just above the 版心's bottom edge.
    last = pages[-1]
    printed = next(w for w in last if w[4].endswith("印发"))
    copies = next(w for w in last if w[4].startswith("抄送"))
    assert BOTTOM_EDGE - 20 < printed[3] <= BOTTOM_EDGE + 0.5
    assert copies[1] < printed[1] and printed[1] - copies[1] == pytest.approx(28.95, abs=1.5)
    assert printed[1] > organ[3] + 2 * 28  # not floating under the date


# ------------------------------------------------------------------ 8. titles


TITLES = [
    "关于《2026年县政府工作报告重点任务分解（第46批）》办理情况的报告",
    "关于做好2026年全县春季农业生产和防汛抗旱准备工作办理情况的报告",
    "关于群众反映城关镇集贸市场占道经营问题批示事项办理情况的报告",
]


@pytest.mark.parametrize("title", TITLES)
def test_a_long_title_breaks_between_words_in_a_trapezoid_or_diamond(title: str) -> None:
    expected = gbt9704.title_lines(title)
    assert len(expected) >= 2 and "".join(expected) == title
    assert not any(
        line.endswith(("办", "《")) or line.startswith(("理", "》")) for line in expected
    )
    widths = [gbt9704._title_width(line) for line in expected]
    if len(widths) >= 3:
        assert min(widths[1:-1]) >= min(widths[0], widths[-1])  # never an hourglass
    doc = gbt9704.OfficialDocument()
    doc.title(title)
    doc.para(FILLER)
    first = render(doc, f"title-{TITLES.index(title)}")[0]
    rendered = [
        w[4] for w in sorted(first, key=lambda w: w[1]) if w[3] - w[1] > 20 and w[4] not in FILLER
    ]
    assert rendered == expected  # the lines LibreOffice drew are the ones chosen


# ------------------------------------------------------------------ 9 and 10


def test_body_is_justified_inside_the_text_area_and_the_signature_indents() -> None:
    doc = gbt9704.OfficialDocument()
    doc.title("关于检验对齐的报告")
    # A comma falls as the 29th character of a line: it must not hang past the edge.
    doc.para("一二三四五六七八九十" * 2 + "一二三四五六" + "，" + "一二三四五六七八九十" * 4)
    doc.para("县" * 20 + "、" + "乡" * 3 + "。" + "镇" * 40)
    doc.signature(ORGAN, ON)
    doc.imprint(
        gbt9704.Imprint(
            printer=ORGAN,
            printed_on=ON,
            copies_to=(
                "县委办公室",
                "县人大常委会办公室",
                "县政协办公室",
                "县纪委监委",
                "县委组织部",
                "县委宣传部",
                "县发展和改革局",
                "县人民法院",
            ),
        )
    )
    styles = Document(BytesIO(doc.to_bytes())).styles
    assert styles[gbt9704.STYLE_BODY].paragraph_format.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY
    overflow = styles["Normal"].element.pPr.find(qn("w:overflowPunct"))
    assert overflow is not None and overflow.get(qn("w:val")) == "0"
    pages = render(doc, "justified")
    page = pages[0]
    assert max(w[2] for w in page) <= RIGHT_EDGE + 0.5  # nothing past the 版心
    body = [w for w in page if 150 < w[1] < 350 and w[3] - w[1] < 24]
    full = [w for w in body if len(w[4]) >= 25]  # all but each paragraph's last line
    assert len(full) == 4
    # The comma that would have been the 29th character went down with the one before it.
    assert full[1][4].startswith("六，")
    for w in full:  # 两端对齐: every full line reaches the right edge
        assert w[2] == pytest.approx(RIGHT_EDGE, abs=2.5), w
    # 落款 (7.3.5): the date 右空四字 (LibreOffice adds about 3 pt around its digits), the
    # 署名 centred above it.
    day = next(w for w in page if w[4] == "2026年3月5日")
    organ = next(w for w in page if w[4] == ORGAN)
    assert RIGHT_EDGE - day[2] == pytest.approx(4 * 15.75, abs=6)
    # Centred as Word lays the date; LibreOffice widens the date by ~3 pt at each change
    # between hanzi and digits (docs/decisions.md), so in its PDF the centres differ by
    # about half of that.
    assert (organ[0] + organ[2]) / 2 == pytest.approx((day[0] + day[2]) / 2, abs=16)
    assert organ[0] < day[0] and organ[2] > day[2]
    # 版记: 印发日期 右空一字 (4号); 抄送 wraps after the colon, between names.
    printed = next(w for w in page if w[4].endswith("印发"))
    assert RIGHT_EDGE - printed[2] == pytest.approx(14, abs=2)
    copies = sorted((w for w in page if 600 < w[1] < printed[1] - 5), key=lambda w: w[1])
    assert [w[4] for w in copies] == gbt9704.copies_lines(COPIES)
    assert len(copies) == 3 and copies[0][4].startswith("抄送：")
    for line in copies[1:]:  # wrapped lines start after 抄送：
        assert line[0] == pytest.approx(copies[0][0] + 3 * 13.75, abs=2)
    assert all(w[4].endswith(("，", "。")) for w in copies)  # never inside a name


def test_copies_lines_never_split_a_name() -> None:
    lines = gbt9704.copies_lines(COPIES)
    assert "".join(lines) == "抄送：" + "，".join(COPIES) + "。"
    assert all(line.endswith(("，", "。")) for line in lines)


# ------------------------------------------------------------------ 11


def test_file_properties_name_the_office_and_the_issue_time() -> None:
    doc = letter(1)
    issued = datetime(2026, 3, 5, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    doc.properties(title="关于检验版式的报告", author=ORGAN, created=issued)
    cp = Document(BytesIO(doc.to_bytes())).core_properties
    assert (cp.author, cp.last_modified_by, cp.title) == (ORGAN, ORGAN, "关于检验版式的报告")
    assert cp.created is not None
    assert cp.created.replace(tzinfo=UTC) == datetime(2026, 3, 5, 1, 30, tzinfo=UTC)
    assert "python-docx" not in (cp.comments or "") + (cp.author or "")
