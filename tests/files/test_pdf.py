"""PDF through LibreOffice (scripts/test installs it with the fonts).

The first page of each document is rendered to PNG in $DUBAN_ARTIFACTS (default
test-artifacts/documents/) for a person to look at, and the layout is measured with
`pdftotext -bbox`: 28 characters a line inside the 版心, lines on the 28.95 pt pitch, at most
22 of them, body text on page 1, page numbers below the 版心.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from duban.documents import annual, bulletin, gbt9704, pdf, report_back
from tests.conftest import County
from tests.files.office import TODAY, Office


@pytest.fixture(autouse=True)
def _office_tools() -> None:
    # Never skipped: scripts/test installs these (scripts/system-packages), so a missing
    # tool is a broken set-up, not a reason to pass quietly.
    if not (pdf.available() and shutil.which("pdftoppm") and shutil.which("pdftotext")):
        pytest.fail("LibreOffice and poppler-utils are missing: run scripts/system-packages")


ARTIFACTS = Path(os.environ.get("DUBAN_ARTIFACTS", "test-artifacts")) / "documents"
PT_PER_MM = 72 / 25.4
RIGHT_EDGE = (210 - 26) * PT_PER_MM  # 521.6 pt: the 版心's right edge
BOTTOM_EDGE = (297 - 35) * PT_PER_MM  # 742.7 pt
PITCH = 225 * PT_PER_MM / 22  # 28.95 pt


def words(pdf_path: Path) -> list[list[tuple[float, float, float, float, str]]]:
    """Per page, each word as (xMin, yMin, xMax, yMax, text)."""
    html = subprocess.run(
        ["pdftotext", "-bbox", str(pdf_path), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = []
    for page in html.split("<page ")[1:]:
        found = re.findall(
            r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<', page
        )
        pages.append([(float(a), float(b), float(c), float(d), t) for a, b, c, d, t in found])
    return pages


def render(content: bytes, name: str) -> tuple[Path, list[list[tuple[float, ...]]]]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf_path = ARTIFACTS / f"{name}.pdf"
    pdf_path.write_bytes(pdf.convert(content))
    subprocess.run(
        ["pdftoppm", "-r", "80", "-f", "1", "-l", "1", "-png", "-singlefile", str(pdf_path),
         str(ARTIFACTS / f"{name}-page1")],
        check=True,
    )  # fmt: skip
    assert (ARTIFACTS / f"{name}-page1.png").stat().st_size > 10_000
    return pdf_path, words(pdf_path)  # type: ignore[return-value]


def text_lines(page: list[tuple[float, ...]]) -> list[float]:
    """The tops of the lines of text inside the 版心 (page numbers excluded)."""
    return sorted({round(w[1], 1) for w in page if w[3] <= BOTTOM_EDGE + 1})


def test_a_full_page_holds_22_lines_of_28_characters() -> None:
    doc = gbt9704.OfficialDocument()
    doc.title("版心测试")
    line = "一二三四五六七八九十" * 2 + "一二三四五六七八"  # 28 characters
    for _ in range(30):
        p = doc.doc.add_paragraph(line * 2, style=gbt9704.STYLE_PLAIN)  # two full lines
        assert p.text
    _, pages = render(doc.to_bytes(), "grid")
    second = pages[1]
    tops = text_lines(second)
    assert len(tops) == 22
    gaps = {round(b - a, 1) for a, b in itertools.pairwise(tops)}
    assert gaps <= {28.9, 29.0}, gaps
    full = [w for w in second if w[4] == line]
    assert len(full) >= 20, "each line holds exactly the 28 characters"
    assert max(w[2] for w in second) <= RIGHT_EDGE + 0.5


def test_the_bulletin_renders_with_body_text_on_page_one(county: County) -> None:
    Office(county)
    content, _ = bulletin.generate(
        user=county.alice,
        start=date(2026, 3, 1),
        end=date(2026, 3, 31),
        options=bulletin.BulletinOptions(doc_no="云政办督〔2026〕3号", copies_to=("县委办公室",)),
        now=TODAY,
    )
    _, pages = render(content, "bulletin")
    first = pages[0]
    page_text = "".join(w[4] for w in first)
    assert "为推动县委" in page_text  # the first page must show body text (7.3.3)
    assert max(w[2] for w in first) <= RIGHT_EDGE + 0.5
    # The 3号 lines below the title (a 2号 title's box is taller and off the pitch).
    body = text_lines([w for w in first if w[1] > 400 and w[3] - w[1] < 24])
    gaps = {round(b - a, 1) for a, b in itertools.pairwise(body)}
    assert gaps <= {28.9, 29.0, 57.9}, gaps
    number = [w for w in first if w[4] == "1" and w[1] > BOTTOM_EDGE]
    assert number, "the page number sits below the 版心"
    last = pages[-1]
    assert any("印发" in w[4] for w in last)


def test_the_report_and_the_annual_section_render(county: County) -> None:
    office = Office(county)
    content = report_back.generate(
        user=county.alice, directive=office.meeting.directive, options=report_back.ReportOptions()
    )
    _, pages = render(content, "report_back")
    assert any("特此报告" in w[4] for w in pages[-1])
    f = annual.annual_figures(county.alice, 2026)
    _, pages = render(annual.build(f).to_bytes(), "annual")
    assert any("年内新分解交办任务" in w[4] for w in pages[0])
