"""The year's 办理工作情况报告 (GB/T 9704), its ledger (.xlsx) and the public replies.

The report goes to the 人大常委会 and the 政协 each year: how many items, how they were
answered (A/B/C/D), on time, the deputies' satisfaction, the C items still owed and the B
promises kept. Figures come from `selectors.year_figures`; the layout from
documents.gbt9704, as documents/annual.py does.
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from pathlib import Path

import xlsxwriter
from django.utils import timezone

from duban.audit.models import AccessKind, AccessLog
from duban.documents.gbt9704 import OfficialDocument
from duban.org.models import County, User
from duban.proposals import selectors
from duban.proposals.models import Body, Category, Reply
from duban.proposals.selectors import SessionFigures, YearFigures


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v:.1f}%"


def what_of(f: YearFigures) -> str:
    bodies = {s.session.body for s in f.sessions}
    what = (
        "、".join(
            label
            for body, label in ((Body.NPC, "人大代表建议"), (Body.CPPCC, "政协委员提案"))
            if body in bodies
        )
        or "人大代表建议和政协委员提案"
    )
    return what.replace("、", "和")


def sentences(s: SessionFigures, today: date) -> list[str]:
    """The figures of one session as the sentences an office drafts from."""
    b = s.body_label
    out = [
        f"{s.session}共交我县政府系统办理{b}{s.assigned}件"
        + (f"（另有{s.items - s.assigned}件尚未交办）" if s.items > s.assigned else "")
        + f"，截至{today.month}月{today.day}日已答复{s.replied}件，答复率{_pct(s.reply_rate)}；"
        f"其中按期答复{s.on_time}件，按期答复率{_pct(s.on_time_rate)}。"
    ]
    cats = s.categories
    answered = sum(cats.values())
    if answered:
        shares = "，".join(
            f"{c}类（{Category(c).label.split(' ', 1)[1]}）{cats[c]}件，"
            f"占{_pct(100 * cats[c] / answered)}"
            for c in Category.values
        )
        out.append(f"从答复类别看，{shares}。")
    fb = s.first_feedback
    total_fb = sum(fb.values())
    if total_fb:
        out.append(
            f"代表委员反馈意见{total_fb}件，首次反馈满意{fb['满意']}件、基本满意{fb['基本满意']}件、"
            f"不满意{fb['不满意']}件，首次满意率（含基本满意）{_pct(s.first_satisfaction_rate)}；"
            f"对不满意的{s.reopened}件均已交承办单位再次办理。"
        )
    return out


def build(f: YearFigures, *, now: datetime | None = None) -> OfficialDocument:
    now = now or timezone.now()
    today = f.today
    office = County.office_name()
    organ = office.removesuffix("办公室") or office
    doc = OfficialDocument()
    what = what_of(f)
    # The organ first: "县人民政府关于2026年 / 人大代表建议办理工作情况的报告" breaks as a 梯形.
    title = f"{organ}关于{f.year}年{what}办理工作情况的报告"
    doc.properties(title=title, author=office, created=now)
    doc.title(title)
    doc.addressee("县人大常委会、县政协")
    if not f.sessions:
        doc.para(f"{f.year}年度未登记人大代表建议和政协委员提案。")
    doc.para(f"现将{f.year}年度县人民政府系统办理{what}工作情况报告如下。")
    n = "一二三四五六七八九十"
    section = 0
    for s in f.sessions:
        doc.heading1(f"{n[section]}、{Body(s.session.body).label}办理情况")
        section += 1
        doc.heading2("（一）总体情况。", run_in="".join(sentences(s, today)))
        doc.heading2("（二）各承办单位办理情况。")
        doc.table(
            ["主办单位", "件数", "已答复", "按期", "满意", "不满意"],
            [
                [
                    r.unit,
                    str(r.items),
                    str(r.replied),
                    str(r.on_time),
                    str(r.satisfied),
                    str(r.dissatisfied),
                ]
                for r in s.units
            ]
            or [["—", "0", "0", "0", "0", "0"]],
            [56, 20, 20, 20, 20, 20],
        )
        doc.heading2("（三）需以后解决的C类事项。")
        if s.c_items:
            for i, c in enumerate(s.c_items, start=1):
                plan = (
                    f"，计划：{c.promise}（{c.due.year}年{c.due.month}月前）" if c.promise else ""
                )
                doc.para(f"{i}. {c.code}《{c.title}》，主办单位{c.unit}{plan}。")
        else:
            doc.para("无。")
        doc.heading2("（四）B类答复承诺落实情况。")
        kept = [p for p in s.promises if p.done]
        late = [p for p in s.promises if p.overdue]
        if s.promises:
            doc.para(
                f"答复中承诺列入计划解决的事项{len(s.promises)}项，已落实{len(kept)}项，"
                f"正在落实{len(s.promises) - len(kept)}项"
                + (f"，其中逾期未落实{len(late)}项" if late else "")
                + "。"
            )
            doc.table(
                ["编号", "承诺事项", "主办单位", "时限", "落实情况"],
                [
                    [
                        p.code,
                        p.promise,
                        p.unit,
                        f"{p.due:%Y-%m-%d}",
                        "已落实" if p.done else ("逾期" if p.overdue else "落实中"),
                    ]
                    for p in s.promises
                ],
                [26, 52, 28, 26, 24],
                left=(1,),
            )
        else:
            doc.para("无。")
    doc.heading1(f"{n[section]}、下一步工作")
    doc.para(
        "对尚未答复和再次办理的事项，督促承办单位按期答复；对C类事项和B类承诺事项，"
        "逐件跟踪落实，并在下次会议前向代表委员通报落实情况。"
    )
    doc.para("特此报告。")
    doc.signature(organ, today)
    return doc


def ledger_xlsx(rows: list[dict[str, object]]) -> bytes:
    """The items of the year as the office's 台账 (one sheet, frozen header, filters)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("建议提案台账")
    head = book.add_format({"bold": True, "bg_color": "#DDDDDD", "border": 1})
    headers = list(rows[0]) if rows else ["编号", "标题"]
    for c, h in enumerate(headers):
        sheet.write(0, c, h, head)
        sheet.set_column(c, c, 30 if h == "标题" else 12)
    for r, row in enumerate(rows, start=1):
        for c, h in enumerate(headers):
            sheet.write(r, c, row[h])
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(rows), 1), len(headers) - 1)
    book.close()
    return out.getvalue()


def reply_document(r: Reply) -> OfficialDocument:
    """One public reply as published: the 答复函 without the deputy's contact details
    (国办发〔2014〕46号; office-rules.md: contact details removed)."""
    p = r.proposal
    doc = OfficialDocument()
    title = f"关于{p.session.year}年{p.code}《{p.title}》的答复"
    doc.properties(title=title, author=r.unit.name, created=r.sent_at or timezone.now())
    doc.title(title)
    lead = p.proposers.filter(role="lead").first()
    who = "代表" if p.session.body == Body.NPC else "委员"
    doc.addressee(f"{lead.name}{who}" if lead else f"各位{who}")
    for para in [x.strip() for x in r.text.splitlines() if x.strip()]:
        doc.para(para)
    doc.para(f"答复类别：{r.category}类。")
    doc.signature(r.unit.name, timezone.localdate(r.sent_at or None))
    return doc


def public_replies_xlsx(replies: list[Reply]) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("公开答复")
    head = book.add_format({"bold": True, "bg_color": "#DDDDDD", "border": 1})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    headers = ["类别", "编号", "标题", "领衔人", "承办单位", "答复类别", "答复日期", "答复内容"]
    for c, h in enumerate(headers):
        sheet.write(0, c, h, head)
    widths = [12, 12, 36, 10, 20, 8, 12, 80]
    for c, w in enumerate(widths):
        sheet.set_column(c, c, w)
    for i, r in enumerate(replies, start=1):
        p = r.proposal
        lead = p.proposers.filter(role="lead").first()
        values = [
            Body(p.session.body).label,
            p.code,
            p.title,
            lead.name if lead else "",
            r.unit.name,
            r.category,
            f"{timezone.localdate(r.sent_at):%Y-%m-%d}" if r.sent_at else "",
            r.text,
        ]
        for c, v in enumerate(values):
            sheet.write(i, c, v, wrap)
    sheet.freeze_panes(1, 0)
    book.close()
    return out.getvalue()


def safe_name(text: str) -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', "_", text)[:60]


def publish(*, year: int, out: Path, user: User, now: datetime | None = None) -> list[Path]:
    """Write the year's public replies into `out`: one .docx each and an index .xlsx."""
    now = now or timezone.now()
    replies = selectors.public_replies(year)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for r in replies:
        path = out / f"{safe_name(r.proposal.code)}_{safe_name(r.proposal.title)}.docx"
        reply_document(r).save(path)
        written.append(path)
    index = out / f"{year}年建议提案公开答复.xlsx"
    index.write_bytes(public_replies_xlsx(replies))
    written.append(index)
    log_export(user, now, f"proposals publish {year}: {len(replies)} replies")
    return written


def generate(*, user: User, year: int, now: datetime | None = None) -> YearFigures:
    now = now or timezone.now()
    f = selectors.year_figures(user, year, today=timezone.localdate(now))
    log_export(user, now, f"proposals report {year}")
    return f


def log_export(user: User, now: datetime, detail: str) -> None:
    AccessLog.objects.create(
        at=now, kind=AccessKind.EXPORT, user=user, username=user.username, detail=detail
    )
