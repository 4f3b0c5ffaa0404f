"""情况报告 / 回音: the consolidated answer to whoever issued a directive, task by task.

An upward document (报告, 上行文): with a 发文字号 the 版头 carries the 签发人 on the number's
line (GB/T 9704 7.2.6). It is addressed to the directive's issuer. For each task: what was
asked, who led it and by when, what the lead unit reported (its done report, else its
latest progress report), and how it ended (closed on time or late, withdrawn with the
reason, or still in progress). The office's 回音 text, once given, closes the report.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime, time

from django.utils import timezone

from duban.audit.models import AccessKind, AccessLog
from duban.documents.gbt9704 import Imprint, Masthead, OfficialDocument, check_doc_no, cn_date
from duban.documents.models import DocumentKind, IssuedDocument
from duban.org.models import County, Leader, User
from duban.work import selectors
from duban.work.models import (
    AssignmentRole,
    AssignmentStatus,
    Directive,
    DirectiveKind,
    EventKind,
    ProgressReport,
    Task,
    TaskStatus,
)

_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 25 → 二十五 (层次序数 （一）… up to 99)."""
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")


class ReportError(ValueError):
    """The report cannot be written as asked (the message is Chinese)."""


@dataclass(frozen=True)
class ReportOptions:
    doc_no: str = ""  # 发文字号; with one, the 版头 is printed and the issue recorded
    signer: str = ""  # 签发人 (upward documents)
    addressee: str = ""  # 主送 (default: the directive's issuer)
    issued_on: date | None = None
    office: str = ""


_GENRE = re.compile(r"的(批示|通知|函|意见|建议|提案|决定|请示|报告|方案|实施方案|工作方案|纪要)$")
_INSTRUCTION = re.compile(r"^(?P<who>.+?)对(?P<matter>.+)的批示$")
_COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容")


def _leader(d: Directive) -> Leader | None:
    """The leader who wrote the instruction: the 批示领导 chosen at registration (required for
    a 领导批示 since issue 12 point 3), else a leader whose "职务姓名" is the issuer text
    (directives registered before the field was required)."""
    if d.issuer_leader is not None:
        return d.issuer_leader
    if d.kind == DirectiveKind.INSTRUCTION and d.issuer:
        for leader in Leader.objects.all():
            if d.issuer.strip() in (f"{leader.title}{leader.name}", f"{leader.name}{leader.title}"):
                return leader
    return None


def surname(name: str) -> str:
    return name[:2] if name[:2] in _COMPOUND_SURNAMES else name[:1]


def addressee_for(d: Directive) -> str:
    """主送: a leader is addressed as an office writes to one (林县长); otherwise the issuer."""
    leader = _leader(d)
    if leader is not None:
        return f"{surname(leader.name)}{leader.title}"
    return d.issuer or "县人民政府"


def report_title(directive: Directive) -> str:
    """关于…办理情况的报告, with one 关于 and no 《》 around a title that already reads
    关于…的通知 (the quoted title would double the 关于)."""
    title = directive.title.strip()
    m = _INSTRUCTION.match(title)
    if m:
        return f"关于{m['matter']}批示事项办理情况的报告"
    if title.startswith("关于"):
        core = _GENRE.sub("", title[2:]) or title[2:]
        return f"关于{core}办理情况的报告"
    return f"关于《{title}》办理情况的报告"


def _how_it_came(d: Directive) -> str:
    received = cn_date(timezone.localdate(d.received_at))
    source = f"《{d.title}》" + (f"（{d.doc_no}）" if d.doc_no else "")
    if d.kind == DirectiveKind.INSTRUCTION:
        leader = _leader(d)
        who = f"{leader.name}{leader.title}" if leader else (d.issuer or "县领导")
        m = _INSTRUCTION.match(d.title.strip())
        if m and (leader is None or leader.name in m["who"]):
            # The title already says who and on what: say it once (林建国县长对…作出批示).
            return f"{received}，{who}对{m['matter']}作出批示"
        return f"{received}，{who}在{source}上批示"
    if d.kind == DirectiveKind.MEETING:
        return f"{received}，{source}明确了有关议定事项"
    return f"{received}，{d.issuer or '上级'}交办{source}"


def _units(task: Task) -> tuple[list[str], list[str]]:
    shares = task.assignments.exclude(status=AssignmentStatus.REPLACED).select_related("unit")
    leads = [a.unit.label for a in shares if a.role == AssignmentRole.LEAD]
    co = [a.unit.label for a in shares if a.role == AssignmentRole.CO]
    if not leads and task.lead_unit is not None:
        leads = [task.lead_unit.label]
    return leads, co


def _what_was_reported(task: Task) -> str:
    done = (
        task.events.filter(kind=EventKind.SUBMITTED, actor_unit_id=task.lead_unit_id)
        .order_by("-seq")
        .first()
    )
    if done is not None and done.payload.get("text"):
        return str(done.payload["text"])
    latest = ProgressReport.objects.filter(task=task).order_by("-at", "-id").first()
    return latest.text if latest else ""


def _outcome(task: Task) -> str:
    """How it ended. On time is judged by the day the lead unit reported it done
    (rules.py: submitted on or before the deadline), so that day is the one named."""
    if task.status == TaskStatus.CLOSED and task.closed_at is not None:
        closed = cn_date(timezone.localdate(task.closed_at))
        verdict = "按期完成" if task.closed_on_time else "逾期完成"
        if task.submitted_at is None:
            return f"该项已于{closed}办结，{verdict}。"
        submitted = timezone.localdate(task.submitted_at)
        if submitted == timezone.localdate(task.closed_at):
            return f"牵头单位于{closed}报送办结，当日审核办结，{verdict}。"
        if task.due is not None:
            within = "在完成时限内" if submitted <= task.due else "已超过完成时限"
            verdict = f"{within}，{verdict}"
        return f"牵头单位于{cn_date(submitted)}报送办结，{verdict}；{closed}经审核办结。"
    if task.status == TaskStatus.WITHDRAWN:
        return f"该项已撤销，原因：{task.withdrawn_reason}。"
    if task.status in (TaskStatus.SUBMITTED, TaskStatus.VERIFIED):
        return "牵头单位已报送办结，正在审核。"
    return f"该项正在办理（{task.get_status_display()}）。"


_CLOSING = re.compile(r"[，,；;]?\s*特此报告[。.]?\s*$")


def closing_paragraphs(text: str) -> list[str]:
    """The 回音 text as paragraphs, without a 特此报告 of its own: the report adds one."""
    paragraphs = [p.strip() for p in text.splitlines() if p.strip()]
    if paragraphs:
        last = _CLOSING.sub("", paragraphs[-1]).rstrip("，,；;")
        if last and last[-1] not in "。！？":
            last += "。"
        paragraphs[-1:] = [last] if last else []
    return paragraphs


def build(
    d: Directive, tasks: list[Task], o: ReportOptions, *, today: date, now: datetime | None = None
) -> OfficialDocument:
    office = o.office or County.office_name()
    issued_on = o.issued_on or today
    doc = OfficialDocument()
    doc.properties(
        title=report_title(d),
        author=office,
        created=now or datetime.combine(issued_on, time(9), tzinfo=timezone.get_current_timezone()),
    )
    if o.doc_no:
        doc.masthead(Masthead(organ_mark=f"{office}文件", doc_no=o.doc_no, signer=o.signer))
    doc.title(report_title(d))
    doc.addressee(o.addressee or addressee_for(d))
    live = [t for t in tasks if t.status != TaskStatus.WITHDRAWN]
    leads = []
    for t in live:
        for name in _units(t)[0]:
            if name not in leads:
                leads.append(name)
    doc.para(
        f"{_how_it_came(d)}。{office}及时将其分解为{len(tasks)}项任务，"
        + (f"交由{'、'.join(leads)}牵头办理" if leads else "安排办理")
        + "，并跟踪督办。现将办理情况报告如下。"
    )
    closed = [t for t in tasks if t.status == TaskStatus.CLOSED]
    on_time = [t for t in closed if t.closed_on_time]
    withdrawn = len(tasks) - len(live)
    doc.heading1("一、总体情况")
    summary = f"{len(tasks)}项任务中，已办结{len(closed)}项，其中按期办结{len(on_time)}项"
    if withdrawn:
        summary += f"；撤销{withdrawn}项"
    still = len(live) - len(closed)
    summary += f"；尚在办理{still}项。" if still else "。"
    doc.para(summary)
    doc.heading1("二、各项任务办理情况")
    for i, t in enumerate(tasks, start=1):
        doc.heading2(f"（{cn_number(i)}）{t.content}")
        leads_t, co_t = _units(t)
        facts = f"牵头单位：{'、'.join(leads_t) or '—'}"
        if co_t:
            facts += f"；配合单位：{'、'.join(co_t)}"
        if t.due:
            facts += f"；完成时限：{cn_date(t.due)}"
        doc.para(facts + "。")
        reported = _what_was_reported(t)
        if reported:
            doc.para(f"办理情况：{reported.rstrip('。')}。")
        doc.para(_outcome(t))
    if d.report_back_text:
        doc.heading1("三、综合意见")
        for paragraph in closing_paragraphs(d.report_back_text):
            doc.para(paragraph)
    doc.para("特此报告。")
    doc.signature(office, issued_on)
    doc.imprint(Imprint(printer=office, printed_on=issued_on))
    return doc


def generate(
    *, user: User, directive: Directive, options: ReportOptions, now: datetime | None = None
) -> bytes:
    """The .docx of the report; with a 发文字号, the issue is recorded (IssuedDocument)."""
    now = now or timezone.now()
    if not selectors.directives_visible_to(user).filter(pk=directive.pk).exists():
        raise ReportError("您无权查看该来文。")
    if options.doc_no:
        try:
            check_doc_no(options.doc_no)
        except ValueError as e:
            raise ReportError(str(e)) from None
    tasks = list(
        selectors.tasks_visible_to(user)
        .filter(directive=directive)
        .exclude(status=TaskStatus.DRAFT)
        .select_related("lead_unit")
        .order_by("number")
    )
    if not tasks:
        raise ReportError(f"来文{directive.code}尚未交办任务，无可报告的办理情况。")
    today = timezone.localdate(now)
    content = build(directive, tasks, options, today=today, now=now).to_bytes()
    if options.doc_no:
        existing = IssuedDocument.objects.filter(doc_no=options.doc_no).first()
        if existing is not None and existing.directive_id != directive.pk:
            raise ReportError(
                f"发文字号“{options.doc_no}”已用于《{existing.title}》，请使用新的文号。"
            )
        IssuedDocument.objects.update_or_create(
            doc_no=options.doc_no,
            defaults={
                "kind": DocumentKind.REPORT_BACK,
                "title": report_title(directive)[:200],
                "directive": directive,
                "issued_on": options.issued_on or today,
                "issued_by": user,
                "generated_at": now,
                "sha256": hashlib.sha256(content).hexdigest(),
            },
        )
    AccessLog.objects.create(
        at=now,
        kind=AccessKind.EXPORT,
        user=user,
        username=user.username,
        detail=f"report_back.docx {directive.code} {options.doc_no or '(draft)'}",
    )
    return content
