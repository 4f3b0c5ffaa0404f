"""督查通报: the office's periodic notice of progress, praise and criticism, for a period.

Figures (`period_figures`) are counted from the task rows' timestamps as of the end of
the period, over the tasks the acting user may see (the office sees all):
- in scope: assigned by the end of the period, not withdrawn, and not closed before it
  began (the work that was on the table during the period);
- 新交办: assigned during the period; 已办结 / 按期办结: closed during the period (on time
  as settled at closure, `Task.closed_on_time`); 按期办结率 = on time / closed, as on the
  dashboard (work/stats.py);
- 逾期未办结: not closed by the end of the period, due before its last day and not yet
  reported done by then (selectors.overdue_tasks with today = the last day).
Deadlines are today's (after any approved extension), so a period long past is counted
with the deadlines now in force.

Praise and naming (docs/decisions.md, "Documents"; settings DUBAN_BULLETIN_*): a unit is
praised when it closed at least PRAISE_MIN_CLOSED tasks in the period, at an on-time rate
of at least PRAISE_MIN_RATE %, and has nothing overdue; a unit is named for delay when it
has at least NAME_MIN_OVERDUE overdue tasks. The overdue list shows the OVERDUE_LIST
longest overdue tasks and sends the reader to the ledger for the rest.
"""

from __future__ import annotations

import calendar
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from duban.audit.models import AccessKind, AccessLog
from duban.documents.gbt9704 import Imprint, Masthead, OfficialDocument, check_doc_no, cn_date
from duban.documents.models import DocumentKind, IssuedDocument
from duban.org.models import County, Unit, User
from duban.work import selectors
from duban.work.models import Light, TaskStatus


@dataclass(frozen=True)
class Rules:
    praise_min_closed: int
    praise_min_rate: int  # percent
    name_min_overdue: int

    @classmethod
    def from_settings(cls) -> Rules:
        return cls(
            praise_min_closed=settings.DUBAN_BULLETIN_PRAISE_MIN_CLOSED,
            praise_min_rate=settings.DUBAN_BULLETIN_PRAISE_MIN_RATE,
            name_min_overdue=settings.DUBAN_BULLETIN_NAME_MIN_OVERDUE,
        )


@dataclass
class UnitLine:
    unit_id: int
    label: str
    order: tuple[int, int]
    tasks: int = 0
    closed: int = 0
    on_time: int = 0
    overdue: int = 0
    red_times: int = 0  # times its tasks turned red (Task.red_count)
    missed: int = 0  # periodic reports missing (Task.missing_reports)

    @property
    def rate(self) -> float | None:
        return 100 * self.on_time / self.closed if self.closed else None


@dataclass(frozen=True)
class OverdueItem:
    code: str
    content: str
    unit: str
    due: date
    days_late: int  # calendar days past the deadline at the end of the period


@dataclass
class Figures:
    start: date
    end: date  # the last day counted: the period's end, or today when that is later
    period_end: date | None = None  # the period as asked, when it was cut at today
    tasks: int = 0
    new: int = 0
    closed: int = 0
    on_time: int = 0
    open_at_end: int = 0
    overdue: int = 0
    key: int = 0
    red: int = 0
    yellow: int = 0
    units: list[UnitLine] = field(default_factory=list)
    overdue_items: list[OverdueItem] = field(default_factory=list)
    praised: list[UnitLine] = field(default_factory=list)
    named: list[UnitLine] = field(default_factory=list)
    # 存在问题: why the overdue ones are overdue, as the record shows it.
    causes: dict[str, int] = field(default_factory=dict)
    missed_tasks: int = 0
    missed: int = 0

    @property
    def rate(self) -> float | None:
        return 100 * self.on_time / self.closed if self.closed else None

    @property
    def cut(self) -> bool:
        return self.period_end is not None and self.period_end > self.end

    @property
    def repeated_red(self) -> list[UnitLine]:
        """Units whose tasks turned red twice or more (隆昌/广元 count repeated reds)."""
        return sorted(
            (u for u in self.units if u.red_times >= 2), key=lambda u: (-u.red_times, u.order)
        )

    @property
    def missed_units(self) -> list[UnitLine]:
        return sorted((u for u in self.units if u.missed), key=lambda u: (-u.missed, u.order))


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=timezone.get_current_timezone())


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


# 存在问题: the causes of overdue the record can tell, in the order they are written.
CAUSE_NOT_RECEIVED = "交办后未签收"
CAUSE_URGED = "经催办仍未办结"
CAUSE_EXTENDED = "延期后仍未办结"
CAUSE_SENT_BACK = "办结材料被退回重办"
CAUSE_NO_REPORT = "未按要求报送进展"
CAUSE_OTHER = "推进缓慢"


def _cause(t: Any) -> str:
    if t.received_at is None:
        return CAUSE_NOT_RECEIVED
    if t.sent_back_count:
        return CAUSE_SENT_BACK
    if t.extension_count:
        return CAUSE_EXTENDED
    if t.urge_count:
        return CAUSE_URGED
    if t.missing_reports:
        return CAUSE_NO_REPORT
    return CAUSE_OTHER


def period_figures(
    user: User,
    start: date,
    end: date,
    rules: Rules | None = None,
    *,
    today: date | None = None,
) -> Figures:
    """The bulletin's figures for [start, end] (both days included), as the user sees them.

    A figure never describes the future: a period ending after `today` is counted up to
    today (Figures.cut), and one starting after it is refused."""
    if end < start:
        raise ValueError("截止日期不能早于起始日期。")
    period_end = end
    if today is not None:
        if start > today:
            raise ValueError(f"统计期间尚未开始（起始日期{cn_date(start)}晚于今天），无法通报。")
        end = min(end, today)
    rules = rules or Rules.from_settings()
    begin, after = _midnight(start), _midnight(end + timedelta(days=1))
    tasks = (
        selectors.tasks_visible_to(user)
        .filter(assigned_at__lt=after)
        .exclude(status=TaskStatus.WITHDRAWN)
        .exclude(closed_at__lt=begin)
        .select_related("directive")
    )
    units = {u.pk: u for u in Unit.objects.all()}
    lines: dict[int, UnitLine] = {}
    f = Figures(start=start, end=end, period_end=period_end if period_end != end else None)
    causes: Counter[str] = Counter()
    overdue_before = end  # overdue at the end of the period: due before its last day
    for t in tasks.order_by("due", "id").filter(Q(lead_unit__isnull=False)):
        assert t.lead_unit_id is not None and t.assigned_at is not None
        unit = units[t.lead_unit_id]
        line = lines.setdefault(unit.pk, UnitLine(unit.pk, unit.label, (unit.order, unit.pk)))
        f.tasks += 1
        line.tasks += 1
        f.new += t.assigned_at >= begin
        f.key += t.is_key
        closed_in_period = t.closed_at is not None and t.closed_at < after
        if closed_in_period:
            f.closed += 1
            line.closed += 1
            if t.closed_on_time:
                f.on_time += 1
                line.on_time += 1
            continue
        f.open_at_end += 1
        line.red_times += t.red_count
        line.missed += t.missing_reports
        if t.missing_reports:
            f.missed_tasks += 1
            f.missed += t.missing_reports
        if t.light == Light.RED:
            f.red += 1
        elif t.light == Light.YELLOW:
            f.yellow += 1
        submitted = t.submitted_at is not None and t.submitted_at < after
        if t.due is not None and t.due < overdue_before and not submitted:
            f.overdue += 1
            line.overdue += 1
            f.overdue_items.append(
                OverdueItem(t.code, t.content, unit.label, t.due, (end - t.due).days)
            )
            causes[_cause(t)] += 1
    f.causes = dict(causes.most_common())
    f.units = sorted(lines.values(), key=lambda u: u.order)
    f.praised = [
        u
        for u in f.units
        if u.closed >= rules.praise_min_closed
        and u.rate is not None
        and u.rate >= rules.praise_min_rate
        and u.overdue == 0
    ]
    f.named = sorted(
        (u for u in f.units if u.overdue >= max(rules.name_min_overdue, 1)),
        key=lambda u: (-u.overdue, u.order),
    )
    return f


def period_words(start: date, end: date) -> str:
    """2026年3月 / 2026年第一季度 / 2026年 / 2026年3月1日至4月15日."""
    last = calendar.monthrange(end.year, end.month)[1]
    if start.year == end.year and start.day == 1 and end.day == last:
        if (start.month, end.month) == (1, 12):
            return f"{start.year}年"
        if start.month == end.month:
            return f"{start.year}年{start.month}月"
        if start.month % 3 == 1 and end.month == start.month + 2:
            quarter = "一二三四"[start.month // 3]
            return f"{start.year}年第{quarter}季度"
        if (start.month, end.month) in ((1, 6), (7, 12)):
            return f"{start.year}年{'上' if start.month == 1 else '下'}半年"
    tail = f"{end.month}月{end.day}日" if end.year == start.year else cn_date(end)
    return f"{cn_date(start)}至{tail}"


@dataclass(frozen=True)
class BulletinOptions:
    doc_no: str = ""  # 发文字号; with one, the 版头 is printed and the issue recorded
    issued_on: date | None = None  # 成文日期 (default: today)
    addressee: str = ""  # 主送机关 (default: settings.DUBAN_BULLETIN_ADDRESSEE)
    copies_to: tuple[str, ...] = ()  # 抄送
    office: str = ""  # 署名 and 印发机关 (default: County.office_name())


def _unit_row(u: UnitLine) -> list[str]:
    return [u.label, str(u.tasks), str(u.closed), str(u.on_time), str(u.overdue), percent(u.rate)]


def units_phrase(names: list[str]) -> str:
    """One unit is named; two are both named; three or more are named and counted
    (A、B、C等3个单位): "等1个单位" is never written."""
    if len(names) >= 3:
        return f"{'、'.join(names)}等{len(names)}个单位"
    return "、".join(names)


def _some_units(names: list[str], top: int) -> str:
    """The first `top` named, all counted: A、B、C等11个单位."""
    if len(names) <= top:
        return units_phrase(names)
    return f"{'、'.join(names[:top])}等{len(names)}个单位"


def as_of(f: Figures) -> str:
    """截至3月31日: the last day the figures count."""
    return f"截至{f.end.month}月{f.end.day}日"


def problems(f: Figures) -> list[str]:
    """存在问题, written from the record: why the overdue ones are overdue, units whose
    tasks turned red repeatedly, reports that were not sent. Empty when nothing stands out."""
    out = []
    if f.causes:
        parts = "、".join(f"{cause}{n}项" for cause, n in f.causes.items())
        out.append(
            f"逾期事项较多。{as_of(f)}，逾期未办结事项{f.overdue}项，从原因看，{parts}，"
            "一些单位对督办事项重视不够、推进措施不实。"
        )
    top = 5  # the units named in a problem; the rest are counted (…等N个单位)
    if f.repeated_red:
        names = _some_units([f"{u.label}（{u.red_times}次）" for u in f.repeated_red], top)
        out.append(f"部分单位多次亮红灯。{names}承办事项多次亮红灯，办理进度长期滞后。")
    if f.missed:
        names = _some_units([u.label for u in f.missed_units], top)
        out.append(
            f"进展报送不及时。{f.missed_tasks}项事项未按规定周期报送进展，累计缺报{f.missed}次，"
            f"涉及{names}。"
        )
    return out


def title_of(f: Figures) -> str:
    return f"关于{period_words(f.start, f.period_end or f.end)}督办事项办理情况的通报"


def build(
    f: Figures, o: BulletinOptions, *, today: date, now: datetime | None = None
) -> OfficialDocument:
    limit = settings.DUBAN_BULLETIN_OVERDUE_LIST
    office = o.office or County.office_name()
    issued_on = o.issued_on or today
    period = period_words(f.start, f.period_end or f.end)
    if f.cut:  # the period is not over: say up to when it is counted
        period += f"（{as_of(f)}）"
    doc = OfficialDocument()
    doc.properties(title=title_of(f), author=office, created=now or _midnight(issued_on))
    if o.doc_no:
        doc.masthead(Masthead(organ_mark=f"{office}文件", doc_no=o.doc_no))
    doc.title(title_of(f))
    doc.addressee(o.addressee or settings.DUBAN_BULLETIN_ADDRESSEE)
    doc.para(
        f"为推动县委、县政府各项决策部署落地见效，根据督查督办工作有关规定，"
        f"现将{period}督办事项办理情况通报如下。"
    )
    doc.heading1("一、总体情况")
    sentence = (
        f"{period}，{office}共督办事项{f.tasks}项，其中新交办{f.new}项、重点督办{f.key}项。"
        f"已办结{f.closed}项，其中按期办结{f.on_time}项，按期办结率{percent(f.rate)}；"
        f"{as_of(f)}，尚在办理{f.open_at_end}项，"
        f"其中逾期未办结{f.overdue}项。"
    )
    if f.end >= today:
        sentence += f"目前亮红灯{f.red}项、黄灯{f.yellow}项。"
    doc.para(sentence)
    doc.heading1("二、各单位办理情况")
    if f.units:
        doc.para("各牵头单位办理情况如下表（按单位排序）。")
        doc.table(
            ["牵头单位", "督办事项", "已办结", "按期办结", "逾期未办结", "按期办结率"],
            [_unit_row(u) for u in f.units],
            [38, 22, 20, 22, 27, 27],  # 逾期未办结 and 按期办结率 on one line,
        )
    else:
        doc.para("本期无督办事项。")
    doc.heading1("三、逾期未办结事项")
    if f.overdue_items:
        # The longest overdue first; a long list is cut and the rest left to the ledger.
        shown = sorted(f.overdue_items, key=lambda i: (-i.days_late, i.code))[:limit]
        if len(f.overdue_items) > len(shown):
            doc.para(
                f"逾期未办结事项共{len(f.overdue_items)}项，现将逾期时间最长的{len(shown)}项"
                "列出如下，其余事项详见督办台账。"
            )
        for i, item in enumerate(shown, start=1):
            doc.para(
                f"{i}. {item.unit}：{item.content}（完成时限{cn_date(item.due)}，"
                f"已逾期{item.days_late}天）。"
            )
    else:
        doc.para("本期无逾期未办结事项。")
    doc.heading1("四、存在问题")
    found = problems(f)
    for i, text in enumerate(found, start=1):
        head, _, rest = text.partition("。")
        doc.heading2(f"（{'一二三四五'[i - 1]}）{head}。", rest)
    if not found:
        doc.para("本期督办事项总体推进有序，未发现逾期集中、多次亮红灯或缺报进展等突出问题。")
    doc.heading1("五、表扬和通报")
    if f.praised:
        doc.heading2(
            "（一）予以表扬。",
            f"{units_phrase([u.label for u in f.praised])}办结事项多、按期办结率高，"
            "无逾期未办结事项，予以通报表扬。",
        )
    else:
        doc.heading2("（一）予以表扬。", "本期无符合表扬条件的单位。")
    if f.named:
        named = "、".join(f"{u.label}（{u.overdue}项）" for u in f.named)
        doc.heading2(
            "（二）予以通报。",
            f"{named}存在逾期未办结事项，予以通报，请相关单位认真分析原因，限期办结。",
        )
    else:
        doc.heading2("（二）予以通报。", "本期无逾期未办结事项的单位。")
    doc.heading1("六、下步工作要求")
    doc.para(
        "各单位要进一步提高思想认识，严格落实督办事项办理责任，对照完成时限倒排工期、"
        "挂图作战，按要求及时报送办理进展；对逾期未办结事项，要逐项明确整改措施和完成时限，"
        "确保件件有着落、事事有回音。县政府办公室将持续跟踪督办，定期通报办理情况。"
    )
    doc.signature(office, issued_on)
    doc.imprint(Imprint(printer=office, printed_on=issued_on, copies_to=o.copies_to))
    return doc


class BulletinError(ValueError):
    """A bulletin that cannot be issued as asked (the message is Chinese)."""


def generate(
    *, user: User, start: date, end: date, options: BulletinOptions, now: datetime | None = None
) -> tuple[bytes, Figures]:
    """The .docx of the bulletin; with a 发文字号, the issue is recorded (IssuedDocument)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    if options.doc_no:
        try:
            check_doc_no(options.doc_no)
        except ValueError as e:
            raise BulletinError(str(e)) from None
    if end < start:
        raise BulletinError("截止日期不能早于起始日期。")
    try:
        f = period_figures(user, start, end, today=today)
    except ValueError as e:
        raise BulletinError(str(e)) from None
    issued_on = options.issued_on or today
    if issued_on < f.end:
        raise BulletinError(
            f"成文日期{cn_date(issued_on)}早于统计截止日{cn_date(f.end)}，"
            "通报不能在所述期间结束前成文。"
        )
    if options.doc_no:
        year = int(options.doc_no.split("〔", 1)[1][:4])
        if year != issued_on.year:
            raise BulletinError(
                f"发文字号“{options.doc_no}”的年份{year}与成文日期{cn_date(issued_on)}不一致。"
            )
    content = build(f, options, today=today, now=now).to_bytes()
    title = title_of(f)
    if options.doc_no:
        _record(options.doc_no, title, start, end, options.issued_on or today, user, now, content)
    AccessLog.objects.create(
        at=now,
        kind=AccessKind.EXPORT,
        user=user,
        username=user.username,
        detail=f"bulletin.docx {start}..{end} {options.doc_no or '(draft)'}",
    )
    return content, f


def _record(
    doc_no: str,
    title: str,
    start: date,
    end: date,
    issued_on: date,
    user: User,
    now: datetime,
    content: bytes,
) -> None:
    existing = IssuedDocument.objects.filter(doc_no=doc_no).first()
    if existing is not None and (
        existing.kind != DocumentKind.BULLETIN
        or (existing.period_start, existing.period_end) != (start, end)
    ):
        raise BulletinError(f"发文字号“{doc_no}”已用于《{existing.title}》，请使用新的文号。")
    IssuedDocument.objects.update_or_create(
        doc_no=doc_no,
        defaults={
            "kind": DocumentKind.BULLETIN,
            "title": title,
            "period_start": start,
            "period_end": end,
            "issued_on": issued_on,
            "issued_by": user,
            "generated_at": now,
            "sha256": hashlib.sha256(content).hexdigest(),
        },
    )
