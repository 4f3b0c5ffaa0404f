"""The meeting's documents: the 纪要 (GB/T 9704 10.3), the follow-up report of earlier
decisions, and the year's 三重一大 list (.xlsx).

纪要格式 (GB/T 9704-2012 10.3): the mark "…会议纪要" in red 小标宋 where the 发文机关标志
stands, the number below it and the red rule; the body, then 下空一行 左空二字 the
出席 line (the word in 3号黑体 and a full-width colon, the names in 3号仿宋, wrapped lines
aligned after the colon), likewise 请假 and 列席; no 署名 and no seal; the 版记.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from io import BytesIO

import xlsxwriter
from django.utils import timezone
from docx.shared import Pt
from docx.text.paragraph import Paragraph

from duban.audit.models import AccessKind, AccessLog
from duban.documents.gbt9704 import (
    CHAR,
    FANGSONG,
    HEITI,
    STYLE_BODY,
    Imprint,
    Masthead,
    OfficialDocument,
    cn_date,
    set_fonts,
)
from duban.org.models import County, User

from . import rules, selectors
from .models import (
    Attendance,
    AttendanceRole,
    DecisionKind,
    MajorMatter,
    Meeting,
    MeetingState,
    Presence,
    Topic,
)


class DocumentError(ValueError):
    """The document cannot be written as asked (the message is Chinese)."""


def minutes_mark(meeting: Meeting) -> str:
    """纪要标志: 云溪县人民政府常务会议纪要."""
    t = meeting.type
    return f"{t.organ}{t.get_kind_display()}纪要"


def _lead_in(kind: str, text: str) -> str:
    """The decision as the 纪要 writes it: 会议原则同意…, 会议要求…, 会议决定…"""
    text = text.strip()
    label = DecisionKind(kind).label
    for prefix in (f"会议{label}", label):
        if text.startswith(prefix):
            return text if text.startswith("会议") else "会议" + text
    return f"会议{label}{text}"


def _people_line(doc: OfficialDocument, word: str, names: list[str]) -> Paragraph:
    """出席：… — the word in 黑体, names in 仿宋, wrapped lines aligned after the colon."""
    p = doc.doc.add_paragraph(style=STYLE_BODY)
    head = p.add_run(f"{word}：")
    set_fonts(head._r, HEITI)
    body = p.add_run("，".join(names))
    set_fonts(body._r, FANGSONG)
    # 左空二字, then the 2-character word and the colon: the names start 5 characters in.
    p.paragraph_format.left_indent = Pt(CHAR * 5)
    p.paragraph_format.first_line_indent = Pt(-CHAR * 3)
    return p


@dataclass(frozen=True)
class Lines:
    attend: list[str]
    leave: list[str]
    sit_in: list[str]


def attendance_lines(meeting: Meeting) -> Lines:
    rows = list(Attendance.objects.filter(meeting=meeting).select_related("leader", "unit"))
    attend, leave, sit_in = [], [], []
    for a in rows:
        who = f"{a.leader.name}" if a.leader else a.name
        if a.presence == Presence.LEAVE:
            leave.append(f"{who}（{a.reason}）" if a.reason else who)
        elif a.role == AttendanceRole.ATTEND:
            attend.append(who)
        elif a.presence == Presence.PRESENT:
            sit_in.append(a.name)
    return Lines(attend, leave, sit_in)


def build_minutes(meeting: Meeting, *, now: datetime) -> OfficialDocument:
    version = meeting.minutes.order_by("-number").first()
    if version is None:
        raise DocumentError(f"{meeting.title}尚未起草纪要。")
    topics = {t.pk: t for t in meeting.topics.all()}
    issued = timezone.localdate(meeting.minutes_issued_at or now)
    doc = OfficialDocument()
    doc.properties(
        title=f"{meeting.title}纪要",
        author=County.office_name(),
        created=meeting.minutes_issued_at
        or datetime.combine(issued, time(9), tzinfo=timezone.get_current_timezone()),
    )
    doc.masthead(Masthead(organ_mark=minutes_mark(meeting), doc_no=meeting.minutes_doc_no))
    doc.para(version.opening)
    for i, item in enumerate(version.items, start=1):
        topic: Topic | None = topics.get(item["topic"])
        title = topic.title if topic else ""
        heading = title if title.startswith("关于") else f"关于{title}"
        doc.heading1(f"{rules.cn_number(i)}、{heading}")
        for n, paragraph in enumerate(p for p in item["text"].splitlines() if p.strip()):
            doc.para(_lead_in(item["kind"], paragraph) if n == 0 else paragraph.strip())
    lines = attendance_lines(meeting)
    doc.blank(1)
    # The attendance block stays together on one page (with the blank line above it).
    block = [doc.doc.paragraphs[-1]]
    for word, names in (("出席", lines.attend), ("请假", lines.leave), ("列席", lines.sit_in)):
        if names:
            block.append(_people_line(doc, word, names))
    for p in block[:-1]:
        p.paragraph_format.keep_with_next = True
    doc.imprint(Imprint(printer=County.office_name(), printed_on=issued))
    return doc


def _log(user: User, now: datetime, detail: str) -> None:
    AccessLog.objects.create(
        at=now, kind=AccessKind.EXPORT, user=user, username=user.username, detail=detail
    )


def minutes_docx(*, user: User, meeting: Meeting, now: datetime | None = None) -> bytes:
    """The 纪要 as .docx (issued: the final version; before: the latest draft, unnumbered
    drafts are refused because the 版头 needs the number)."""
    now = now or timezone.now()
    if selectors.meeting_for(user, meeting.pk) is None or user.role not in ("supervisor", "leader"):
        raise DocumentError("您无权查看该会议纪要。")
    if meeting.state != MeetingState.MINUTES_ISSUED:
        raise DocumentError(f"{meeting.title}的纪要尚未印发。")
    content = build_minutes(meeting, now=now).to_bytes()
    _log(user, now, f"minutes.docx meeting {meeting.pk} {meeting.minutes_doc_no}")
    return content


# ---------------------------------------------------------------- follow-up report


def followup_docx(
    *,
    user: User,
    since: date | None = None,
    before: date | None = None,
    now: datetime | None = None,
) -> bytes:
    """上次会议议定事项落实情况: each open decision traced to its meeting and topic."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    rows = selectors.open_decisions(user, since=since, before=before)
    office = County.office_name()
    doc = OfficialDocument()
    title = "关于前期会议议定事项落实情况的报告"
    doc.properties(title=title, author=office, created=now)
    doc.title(title)
    doc.addressee("县人民政府")
    span = f"{cn_date(since)}以来" if since else "前期"
    if not rows:
        doc.para(f"{span}各次会议议定事项均已办结。")
    else:
        meetings = {r.meeting.pk for r in rows}
        doc.para(
            f"{span}{len(meetings)}次会议的{len(rows)}个议题议定事项尚未全部办结，"
            "现将落实情况报告如下。"
        )
        current = None
        n = 0
        for r in rows:
            if r.meeting.pk != current:
                current = r.meeting.pk
                n += 1
                held = cn_date(timezone.localdate(r.meeting.starts_at))
                doc.heading1(f"{rules.cn_number(n)}、{r.meeting.title}（{held}）")
            doc.heading2(f"（{rules.topic_label(r.topic.position)}）", r.topic.title)
            if not r.tasks:
                doc.para(f"议定事项已立项（{r.directive.code}），尚未分解交办。")
                continue
            for t in r.tasks:
                lead = t.lead_unit.label if t.lead_unit else "—"
                due = f"，完成时限{cn_date(t.due)}" if t.due else ""
                state = t.get_status_display()
                light = {"red": "，已亮红灯", "yellow": "，已亮黄灯"}.get(t.light, "")
                doc.para(f"{t.content.rstrip('。')}。牵头单位：{lead}{due}；当前{state}{light}。")
    doc.para("特此报告。")
    doc.signature(office, today)
    doc.imprint(Imprint(printer=office, printed_on=today))
    _log(user, now, f"followup.docx since {since or '-'}")
    return doc.to_bytes()


# ---------------------------------------------------------------- 三重一大 list


def major_matters_xlsx(*, user: User, year: int, now: datetime | None = None) -> bytes:
    """The year's 三重一大 list for inspection; matters decided outside a meeting flagged."""
    now = now or timezone.now()
    if user.role not in ("supervisor", "leader"):
        raise DocumentError("您无权导出三重一大事项清单。")
    matters: list[MajorMatter] = selectors.major_matters(year)
    buf = BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    sheet = book.add_worksheet(f"{year}年三重一大")
    head = book.add_format({"bold": True, "border": 1, "text_wrap": True, "valign": "top"})
    cell = book.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    flag = book.add_format(
        {"border": 1, "text_wrap": True, "valign": "top", "font_color": "#C00000"}
    )
    headers = [
        "序号",
        "类别",
        "事项",
        "决策日期",
        "会议",
        "出席",
        "缺席及事由",
        "表态（按发言顺序）",
        "决定",
        "标记",
    ]
    widths = [6, 12, 30, 12, 24, 24, 20, 40, 30, 20]
    for i, (h, w) in enumerate(zip(headers, widths, strict=True)):
        sheet.write(0, i, h, head)
        sheet.set_column(i, i, w)
    for r, m in enumerate(matters, start=1):
        stances = "；".join(
            f"{s['name']}{'（主要负责人）' if s['principal'] else ''}：{s['stance']}"
            for s in m.stances
        )
        values = [
            str(r),
            m.get_category_display(),
            m.title,
            cn_date(m.decided_on),
            m.meeting.title if m.meeting else "",
            "、".join(m.present),
            "；".join(f"{a['name']}（{a['reason']}）" for a in m.absent),
            stances,
            m.decision,
            "未经会议集体决策" if m.outside_meeting else "",
        ]
        for c, v in enumerate(values):
            sheet.write_string(r, c, v, flag if m.outside_meeting else cell)
    sheet.freeze_panes(1, 0)
    book.close()
    _log(user, now, f"major_matters.xlsx {year}")
    return buf.getvalue()
