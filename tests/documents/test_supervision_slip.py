"""Issue 11, point 16: the 督办通知单 / 催办通知单, one page per task, from the task page and in
a batch; the task page prints without the menu and the action panels."""

from __future__ import annotations

import io
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

from docx import Document

from duban.audit.models import AccessKind, AccessLog
from duban.documents import pdf, supervision_slip
from tests.conftest import County
from tests.files.office import Office
from tests.files.test_pdf import ARTIFACTS, words

ON = date(2026, 4, 15)


def test_each_slip_carries_what_the_unit_must_know_and_the_lines_it_fills_in(
    county: County,
) -> None:
    office = Office(county)
    doc = supervision_slip.build([office.key, office.fresh], on=ON)
    document = Document(io.BytesIO(doc.to_bytes()))
    lines = [p.text for p in document.paragraphs]
    # The key item is red (missed weekly reports): it goes out as a 催办通知单.
    assert lines.count("催办通知单") == 1 and lines.count("督办通知单") == 1
    for task in (office.key, office.fresh):
        d = task.directive
        assert f"督办单号：〔{d.year}〕{d.serial:04d}-{task.number}号" in lines
        assert lines.count(f"督办单号：〔{d.year}〕{d.serial:04d}-{task.number}号") == 1
    labels = [row.cells[0].text for row in document.tables[0].rows]
    assert labels == [
        "督办编号", "事项来源", "督办事项", "办理要求", "牵头单位", "配合单位", "牵头领导",
        "完成时限", "报送要求", "办理情况", "督办意见", "签收人", "签收时间", "联系电话",
    ]  # fmt: skip
    values = {row.cells[0].text: row.cells[1].text for row in document.tables[0].rows}
    assert values["督办编号"] == office.key.code
    assert values["牵头单位"] == "县发展和改革局" and values["配合单位"] == "县财政局"
    assert "已亮红灯" in values["督办意见"]
    assert values["签收人"] == "" and "年" in values["签收时间"]  # for the unit's hand
    assert document.core_properties.author == "县人民政府办公室"


def test_slips_render_one_page_each(county: County) -> None:
    office = Office(county)
    office.overdue.content = "乡镇卫生院改造" + "，并完善配套设施建设" * 40  # a long one is cut
    tasks = [office.key, office.overdue, office.fresh]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / "slips.pdf"
    path.write_bytes(pdf.convert(supervision_slip.build(tasks, on=ON).to_bytes()))
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", str(path), str(ARTIFACTS / "slips")], check=True
    )
    pages = words(Path(path))
    assert len(pages) == 3
    for page, task in zip(pages, tasks, strict=True):
        text = "".join(w[4] for w in page)
        assert task.code in text and "签收人" in text and "县人民政府办公室" in text


def test_the_task_page_offers_the_slip_and_prints_cleanly(county: County, client_for: Any) -> None:
    office = Office(county)
    alice = client_for(county.alice)
    page = alice.get(f"/tasks/{office.key.pk}/").content.decode()
    assert f'href="/tasks/{office.key.pk}/slip/"' in page
    assert f'href="/tasks/{office.key.pk}/slip/?format=pdf"' in page
    r = alice.get(f"/tasks/{office.key.pk}/slip/")
    assert r.status_code == 200 and ".docx" in r["Content-Disposition"]
    body = Document(io.BytesIO(b"".join(r.streaming_content)))
    assert body.paragraphs[0].text == "催办通知单"
    assert AccessLog.objects.filter(kind=AccessKind.EXPORT, detail__contains=office.key.code)
    r = alice.get(f"/tasks/{office.key.pk}/slip/?format=pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert b"".join(r.streaming_content).startswith(b"%PDF")
    # A liaison sees the task but does not issue slips; nobody gets another's task.
    amy = client_for(county.amy)
    assert "slip/" not in amy.get(f"/tasks/{office.key.pk}/").content.decode()
    assert amy.get(f"/tasks/{office.key.pk}/slip/").status_code == 403
    assert alice.get("/tasks/999999/slip/").status_code == 404
    # The print stylesheet hides the menu, the action panels, forms and buttons.
    css = (Path(__file__).parents[2] / "src/duban/web/static/duban/app.css").read_text()
    media = css[css.index("@media print") :]
    for hidden in (
        "header.top",
        'section[aria-labelledby="h-act"]',
        "form",
        "button",
        ".print-links",
    ):
        assert hidden in media.split("display: none")[0]


def test_a_slip_printed_in_a_later_year_keeps_its_number_and_names_one_year() -> None:
    from duban.work.models import Directive, Task

    task = Task(directive=Directive(year=2025, serial=6), number=1)
    # Printed in 2026 or reprinted in 2027, the number is the one it was filed under.
    assert supervision_slip.slip_no(task) == "〔2025〕0006-1号"
