"""The 纪要 rendered with LibreOffice and measured with poppler (GB/T 9704 10.3, 7.2.4,
7.4.1), like tests/documents do. Pages go to $DUBAN_ARTIFACTS/documents for a person."""

from __future__ import annotations

import subprocess

import pytest

from duban.documents import gbt9704, pdf
from duban.meetings import documents
from duban.meetings.models import MeetingType
from tests.conftest import County, at
from tests.documents.test_layout import render
from tests.files.test_pdf import ARTIFACTS, BOTTOM_EDGE, RIGHT_EDGE
from tests.meetings.flow import drive_to_issue

PT_PER_MM = 72 / 25.4
LEFT_EDGE = 28 * PT_PER_MM  # the 版心's left edge
TOP_EDGE = 37 * PT_PER_MM


@pytest.fixture(autouse=True)
def _office_tools() -> None:
    if not pdf.available():
        pytest.fail("LibreOffice is missing: run scripts/system-packages")


@pytest.mark.django_db
def test_the_minutes_lay_out_as_the_standard_says(county: County, standing: MeetingType) -> None:
    meeting = drive_to_issue(county, standing)
    doc = documents.build_minutes(meeting, now=at("2026-03-07 09:00"))
    pages = render(doc, "meeting-minutes")
    first = pages[0]
    mark = next(w for w in first if w[4] == "云溪县人民政府常务会议纪要")
    # 纪要标志 where the 发文机关标志 stands: centred, its top 35 mm below the 版心's top.
    assert mark[1] == pytest.approx(TOP_EDGE + 35 * PT_PER_MM, abs=12)
    centre = (mark[0] + mark[2]) / 2
    assert centre == pytest.approx((LEFT_EDGE + RIGHT_EDGE) / 2, abs=3)
    number = next(w for w in first if w[4] == "云政纪〔2026〕1号")
    assert number[1] > mark[3]
    # Body text on the first page, inside the 版心.
    assert any(w[4].startswith("一、关于城区老旧小区改造") for w in first)
    every = [w for page in pages for w in page]
    assert max(w[2] for w in every) <= RIGHT_EDGE + 0.5
    # 出席/请假/列席: 左空二字 (two characters in from the 版心's left edge).
    # One block on one page, a line each, with the 版记 below.
    block = next(p for p in pages if any(w[4].startswith("出席：") for w in p))
    attend, leave, sit_in = (
        next(w for w in block if w[4].startswith(word)) for word in ("出席：", "请假：", "列席：")
    )
    assert attend[0] == pytest.approx(LEFT_EDGE + 2 * gbt9704.CHAR, abs=2)
    assert leave[0] == pytest.approx(attend[0], abs=1) == sit_in[0]
    assert leave[1] - attend[1] == pytest.approx(sit_in[1] - leave[1], abs=1) == 28.95
    # 版记 on the last page, its last line at the bottom of the 版心 (7.4.1).
    printed = next(w for w in pages[-1] if w[4].endswith("印发"))
    assert BOTTOM_EDGE - 20 < printed[3] <= BOTTOM_EDGE + 0.5
    subprocess.run(["test", "-s", str(ARTIFACTS / "meeting-minutes.pdf")], check=True)


def test_a_long_attendance_line_wraps_after_its_colon() -> None:
    doc = gbt9704.OfficialDocument()
    doc.para("会议纪要正文。")
    names = [f"县第{i}局" for i in range(1, 15)] + ["县发展和改革局", "县住房和城乡建设局"]
    documents._people_line(doc, "列席", names)
    pages = render(doc, "meeting-attendance-wrap")
    lines = [w for w in pages[0] if "局" in w[4] and not w[4].startswith("会议")]
    assert len(lines) >= 2, lines
    head, wrapped = lines[0], lines[1]
    assert head[4].startswith("列席：")
    colon_end = head[0] + 3 * gbt9704.CHAR  # 列席： is three characters
    assert wrapped[0] == pytest.approx(colon_end, abs=2)
    assert max(w[2] for w in lines) <= RIGHT_EDGE + 0.5
