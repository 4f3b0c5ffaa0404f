"""督办通知单 / 催办通知单: one page per task, that the office sends and both sides file.

A GB/T 9704 page (gbt9704.py) per task: the title (催办通知单 once the task is red), the
slip's issuing number (督办单号, 〔year〕task code号: unique and the same on every print of
the slip) with the date, the lead unit as 主送, a short sentence, then a ruled two-column
table of what the unit must know (code, source, content, requirement, lead and co-units,
leader, deadline, report cycle, where it stands), the 督查室's note (督办意见, following the
task's light) and the lines the unit fills in on receipt (签收人, 签收时间, 联系电话).
Signed by the office with the date. Several tasks make one document, each slip starting
on a new page (batch 打印督办单 from the ledger, or one from the task page). Long texts
are cut so that a slip stays on its page.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time

from django.utils import timezone
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.shared import Mm

from duban.documents.gbt9704 import (
    HEITI,
    STYLE_BODY,
    STYLE_PLAIN,
    STYLE_TABLE,
    STYLE_TITLE,
    OfficialDocument,
    cn_date,
    set_fonts,
)
from duban.org.models import County
from duban.work.models import (
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    Light,
    ProgressReport,
    Task,
)

TITLE = "督办通知单"
TITLE_URGE = "催办通知单"  # a red task: overdue or badly behind
# Characters of each free text on a slip, so that the slip stays on one page (28 a line in
# the table's value column at 小四; checked on the rendered PDF in tests/documents).
CUT = 80
LABEL_MM, VALUE_MM = 32.0, 124.0  # 156 mm: the width of the 版心

OPINION = {
    Light.RED: "已亮红灯。请主要负责同志亲自过问，抓紧办理，3个工作日内将办理情况"
    "及滞后原因书面报送县政府督查室。",
    Light.YELLOW: "该事项临近完成时限，已亮黄灯。请加快工作进度，确保按期办结，"
    "并及时报送办理进展。",
}
OPINION_DEFAULT = "请按照时限和要求认真办理，按时报送办理进展，办结后及时报送办结情况。"


def _units(assignments: list[Assignment], role: str) -> str:
    names = [a.unit.name for a in assignments if a.role == role]
    return "、".join(names) or "—"


def _due(task: Task) -> str:
    if task.due is None:
        return "—"
    text = cn_date(task.due)
    if task.due_provisional:
        text += "（暂定）"
    if task.due_original and task.due_original != task.due:
        text += f"（原定{cn_date(task.due_original)}，已延期）"
    return text


def slip_no(task: Task) -> str:
    """督办单号: the directive's year in 〔〕 and the rest of the task's code.

    Not the year of printing: a slip reprinted next January must carry the number it was
    filed under, and "〔2026〕2025-0006-1号" named two years.
    """
    d = task.directive
    return f"〔{d.year}〕{d.serial:04d}-{task.number}号"


def _cut(text: str, limit: int = CUT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _rows(
    task: Task, assignments: list[Assignment], latest: ProgressReport | None
) -> list[tuple[str, str]]:
    d = task.directive
    source = f"{d.get_kind_display()}：{d.title}"
    if d.doc_no:
        source += f"（{d.doc_no}）"
    source = _cut(source, 56)
    progress = f"{task.get_status_display()}"
    if task.light not in (Light.NONE, ""):
        progress += f"，{task.get_light_display()}"
    if latest is not None:
        progress += (
            f"。最新进展（{cn_date(timezone.localdate(latest.at))}）：{_cut(latest.text, 40)}"
        )
    return [
        ("督办编号", task.code),
        ("事项来源", source),
        ("督办事项", _cut(task.content)),
        ("办理要求", _cut(task.requirement, 56) if task.requirement else "—"),
        ("牵头单位", _units(assignments, AssignmentRole.LEAD)),
        ("配合单位", _units(assignments, AssignmentRole.CO)),
        ("牵头领导", str(task.leader) if task.leader else "—"),
        ("完成时限", _due(task)),
        ("报送要求", task.get_cycle_display()),
        ("办理情况", progress),
        ("督办意见", OPINION.get(Light(task.light), OPINION_DEFAULT)),
        # Filled in by hand by the unit on receipt, and the slip filed by both sides.
        ("签收人", ""),
        ("签收时间", "        年    月    日    时"),
        ("联系电话", ""),
    ]


def _table(doc: OfficialDocument, rows: Sequence[tuple[str, str]]) -> None:
    table = doc.doc.add_table(rows=len(rows), cols=2)
    table.style = doc.doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for col, width in zip(table._tbl.tblGrid.gridCol_lst, (LABEL_MM, VALUE_MM), strict=True):
        col.w = Mm(width)
    for r, (label, value) in enumerate(rows):
        tr_pr = table.rows[r]._tr.get_or_add_trPr()
        tr_pr.append(OxmlElement("w:cantSplit"))  # a row never breaks across pages
        if not value.strip() or label == "签收时间":
            table.rows[r].height = Mm(9)  # room to write by hand
        cells = table.rows[r].cells
        for cell, width in zip(cells, (LABEL_MM, VALUE_MM), strict=True):
            cell.width = Mm(width)
        p = cells[0].paragraphs[0]
        p.style = doc.doc.styles[STYLE_TABLE]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        set_fonts(p.add_run(label)._r, HEITI)
        p = cells[1].paragraphs[0]
        p.style = doc.doc.styles[STYLE_TABLE]
        p.alignment = WD_ALIGN_PARAGRAPH.LEFT
        p.add_run(value)


def build(
    tasks: Sequence[Task], *, on: date, office: str = "", now: datetime | None = None
) -> OfficialDocument:
    """The slips of these tasks, in this order, one page each."""
    office = office or County.office_name()
    ids = [t.pk for t in tasks]
    shares: dict[int, list[Assignment]] = {}
    for a in (
        Assignment.objects.filter(task_id__in=ids)
        .exclude(status=AssignmentStatus.REPLACED)
        .select_related("unit")
        .order_by("task_id", "position")
    ):
        shares.setdefault(a.task_id, []).append(a)
    latest: dict[int, ProgressReport] = {}
    for r in ProgressReport.objects.filter(task_id__in=ids).order_by("task_id", "at"):
        latest[r.task_id] = r  # the last one per task wins
    doc = OfficialDocument()
    doc.properties(
        title=TITLE if len(tasks) != 1 else f"{TITLE} {tasks[0].code}",
        author=office,
        created=now or datetime.combine(on, time(9), tzinfo=timezone.get_current_timezone()),
    )
    for i, task in enumerate(tasks):
        red = task.light == Light.RED
        title = doc.doc.add_paragraph(TITLE_URGE if red else TITLE, style=STYLE_TITLE)
        title.paragraph_format.page_break_before = i > 0
        number = doc.doc.add_paragraph(f"督办单号：{slip_no(task)}", style=STYLE_PLAIN)
        number.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        mine = shares.get(task.pk, [])
        lead = _units(mine, AssignmentRole.LEAD)
        doc.addressee(lead if lead != "—" else "各承办单位")
        doc.doc.add_paragraph(
            "请按要求抓紧落实，并按时向县政府督查室报送办理情况。",
            style=STYLE_BODY,
        )
        _table(doc, _rows(task, mine, latest.get(task.pk)))
        doc.signature(office, on)
        # The slip's last paragraph keeps nothing with a next page (the signature chains).
        doc.doc.paragraphs[-1].paragraph_format.keep_with_next = False
    if not tasks:
        doc.doc.add_paragraph("（未选择事项）", style=STYLE_PLAIN)
    return doc
