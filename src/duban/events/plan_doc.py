"""活动方案: the event's plan as a GB/T 9704 document (documents/gbt9704.py).

Sections: purpose, time and sites, participants, the schedule (日程) as a table that starts
a page of its own so that it prints on one page, materials, logistics with the weather
fallback, and what is asked of the units; then the signature and the imprint.
"""

from __future__ import annotations

from datetime import date, datetime, time

from django.utils import timezone
from docx.oxml import OxmlElement
from docx.shared import Pt

from duban.documents.gbt9704 import (
    HEITI,
    STYLE_TITLE,
    Imprint,
    Masthead,
    OfficialDocument,
    check_doc_no,
    cn_date,
    set_fonts,
)
from duban.documents.report_back import cn_number
from duban.events.models import Activity, LogisticsKind, Section
from duban.org.models import County

# 时间 | 内容 | 点位 | 人员: 156 mm across the 版心.
SCHEDULE_WIDTHS = (18.0, 58.0, 42.0, 38.0)


def plan_title(activity: Activity) -> str:
    return f"{activity.title}方案"


def schedule_title(activity: Activity) -> str:
    return f"{activity.title}日程安排"


def _when(start: time, end: time | None) -> str:
    return f"{start:%H:%M}" + (f"—{end:%H:%M}" if end else "")


def _keep_rows_whole(table: object) -> None:
    """A schedule row never splits across pages (w:cantSplit)."""
    for row in table.rows:  # type: ignore[attr-defined]
        tr_pr = row._tr.get_or_add_trPr()
        cant = OxmlElement("w:cantSplit")
        tr_pr.insert(0, cant)


def build(activity: Activity, *, issued_on: date, now: datetime | None = None) -> OfficialDocument:
    office = County.office_name()
    doc = OfficialDocument()
    title = plan_title(activity)
    doc.properties(
        title=title,
        author=office,
        created=now or datetime.combine(issued_on, time(9), tzinfo=timezone.get_current_timezone()),
    )
    if activity.doc_no:
        doc.masthead(Masthead(organ_mark=f"{office}文件", doc_no=activity.doc_no))
    doc.title(title)
    sites = list(activity.sites.select_related("host_unit"))
    participants = list(activity.participants.select_related("leader", "unit"))
    schedule = list(activity.schedule.select_related("site"))
    prep = list(activity.prep.select_related("unit"))
    n = iter(range(1, 20))

    doc.heading1(f"{cn_number(next(n))}、活动目的")
    for line in (activity.purpose or activity.event_type.purpose).splitlines():
        if line.strip():
            doc.para(line.strip())

    doc.heading1(f"{cn_number(next(n))}、活动时间和点位")
    doc.para(f"活动时间：{cn_date(activity.day)}。")
    for i, s in enumerate(sites, start=1):
        host = f"，承办单位：{s.host_unit.label}" if s.host_unit else ""
        contact = f"，联系人：{s.contact}" if s.contact else ""
        doc.para(f"点位{cn_number(i)}：{s.name}{host}{contact}。")

    doc.heading1(f"{cn_number(next(n))}、参加人员")
    leaders = [str(p.leader) for p in participants if p.leader]
    if activity.leader and str(activity.leader) not in leaders:
        leaders.insert(0, str(activity.leader))
    units = [p.unit.label for p in participants if p.unit]
    if leaders:
        doc.para(f"县领导：{'、'.join(leaders)}。")
    if units:
        doc.para(f"陪同单位：{'、'.join(units)}主要负责同志。")
    hosts = [s.host_unit.label for s in sites if s.host_unit]
    if hosts:
        doc.para(f"各点位承办单位：{'、'.join(dict.fromkeys(hosts))}负责同志。")

    doc.heading1(f"{cn_number(next(n))}、材料准备和责任分工")
    for p in [p for p in prep if p.section != Section.LOGISTICS]:
        due = f"，{cn_date(p.due)}前完成" if p.due else ""
        doc.para(f"{p.what}：由{p.unit.label if p.unit else '（待定）'}负责{due}。")

    doc.heading1(f"{cn_number(next(n))}、后勤保障")
    labels = dict(LogisticsKind.choices)
    for p in [p for p in prep if p.section == Section.LOGISTICS]:
        kind = labels.get(p.logistics, "")
        due = f"，{cn_date(p.due)}前落实" if p.due else ""
        head = f"（{kind}）" if kind else ""
        doc.para(f"{head}{p.what}：由{p.unit.label if p.unit else '（待定）'}负责{due}。")
    if activity.weather_fallback:
        doc.para(f"天气预案：{activity.weather_fallback.strip()}")

    doc.heading1(f"{cn_number(next(n))}、工作要求")
    doc.para(
        "各责任单位要高度重视，按照分工抓紧做好各项准备工作，在规定时限前完成并在督办系统中"
        "报告办结情况；活动当天保持通讯畅通，日程如有调整，以县政府办公室通知为准。"
    )
    # 附件说明 (GB/T 9704 7.3.4): one blank line below the body, two characters in.
    doc.blank(1)
    doc.para(f"附件：{schedule_title(activity)}")
    doc.signature(office, issued_on)
    doc.imprint(Imprint(printer=office, printed_on=issued_on))

    # 附件: the schedule on a page of its own, one table (it must print on one page).
    heading = doc.doc.add_paragraph("附件", style="公文顶格")
    heading.paragraph_format.page_break_before = True
    head_run = heading.runs[0]
    set_fonts(head_run._r, HEITI)
    # The attachment's title in 小标宋 小二 without the blank line below a document title:
    # the page is the schedule's, and a long schedule needs every line of it.
    title_para = doc.doc.add_paragraph(schedule_title(activity), style=STYLE_TITLE)
    for run in title_para.runs:
        run.font.size = Pt(18)
    rows = [[_when(i.start, i.end), i.what, i.site.name if i.site else "", i.who] for i in schedule]
    table = doc.table(["时间", "内容", "点位", "人员"], rows, SCHEDULE_WIDTHS, left=(1, 2, 3))
    _keep_rows_whole(table)
    # Keep the 附件 heading and the title with the table.
    for para in doc.doc.paragraphs[-2:]:
        para.paragraph_format.keep_with_next = True
    return doc


class PlanError(ValueError):
    """The plan cannot be built as asked (Chinese message)."""


def generate(*, activity: Activity, now: datetime | None = None) -> bytes:
    now = now or timezone.now()
    if activity.doc_no:
        try:
            check_doc_no(activity.doc_no)
        except ValueError as e:
            raise PlanError(str(e)) from None
    if not activity.schedule.exists():
        raise PlanError("方案还没有日程，无法生成活动方案。")
    issued = timezone.localdate(activity.plan_issued_at) if activity.plan_issued_at else None
    return build(activity, issued_on=issued or timezone.localdate(now), now=now).to_bytes()
