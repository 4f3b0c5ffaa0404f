"""The year's figures for the office director's annual 述职 report: JSON and plain sentences.

Each figure counts what happened in the calendar year (Asia/Shanghai), over what the
acting user may see:
- directives registered, by source kind (withdrawn ones counted apart);
- tasks assigned in the year; of those, closed by now (办结率 = closed / assigned, less
  the withdrawn); tasks closed in the year, on time (按期办结率 = on time / closed, as on
  the dashboard);
- 当日交办率 (即批即转, 不隔夜): directives first assigned on the day they were registered,
  over the directives of the year that were assigned;
- key items (重点督办) assigned, and closed; progress reports and done reports received;
  urges sent; extensions approved; answers sent back (回音);
- bulletins issued: 督查通报 generated with a 发文字号 (documents.IssuedDocument).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import F
from django.utils import timezone

from duban.audit.models import AccessKind, AccessLog
from duban.documents.gbt9704 import OfficialDocument
from duban.documents.models import DocumentKind, IssuedDocument
from duban.org.models import County, User
from duban.work import selectors
from duban.work.models import (
    DirectiveKind,
    DirectiveStatus,
    Event,
    EventKind,
    ProgressReport,
    TaskStatus,
)

SH = ZoneInfo("Asia/Shanghai")


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass
class AnnualFigures:
    year: int
    directives: int = 0
    directives_by_kind: dict[str, int] = field(default_factory=dict)  # Chinese label → n
    directives_withdrawn: int = 0
    tasks_assigned: int = 0
    tasks_assigned_closed: int = 0
    completion_rate: float | None = None  # 办结率, %
    tasks_closed: int = 0
    tasks_closed_on_time: int = 0
    on_time_rate: float | None = None  # 按期办结率, %
    directives_assigned: int = 0
    directives_same_day: int = 0
    same_day_rate: float | None = None  # 当日交办率, %
    key_tasks: int = 0
    key_tasks_closed: int = 0
    progress_reports: int = 0
    done_reports: int = 0
    urges: int = 0
    extensions_approved: int = 0
    reported_back: int = 0
    bulletins: int = 0
    as_of: date | None = None  # the year is not over: counted up to this day

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["as_of"] = self.as_of.isoformat() if self.as_of else None
        return data


class AnnualError(ValueError):
    """Figures that cannot be given as asked (the message is Chinese)."""


def annual_figures(user: User, year: int, *, today: date | None = None) -> AnnualFigures:
    """The year's figures; a year not yet over is counted up to `today` and says so, and a
    year not yet begun is refused (a figure never describes the future)."""
    begin = datetime.combine(date(year, 1, 1), time(0), tzinfo=SH)
    end = datetime.combine(date(year + 1, 1, 1), time(0), tzinfo=SH)
    f = AnnualFigures(year=year)
    if today is not None:
        if year > today.year:
            raise AnnualError(f"{year}年尚未开始，无年度数据。")
        if year == today.year:
            f.as_of = today
    labels = dict(DirectiveKind.choices)
    directives = selectors.directives_visible_to(user).filter(
        registered_at__gte=begin, registered_at__lt=end
    )
    kinds: Counter[str] = Counter()
    for kind, status, registered, first_assigned in directives.values_list(
        "kind", "status", "registered_at", "first_assigned_at"
    ):
        if status == DirectiveStatus.WITHDRAWN and first_assigned is None:
            f.directives_withdrawn += 1
            continue
        kinds[kind] += 1
        if first_assigned is not None:
            f.directives_assigned += 1
            same_day = registered.astimezone(SH).date() == first_assigned.astimezone(SH).date()
            f.directives_same_day += same_day
    f.directives = sum(kinds.values())
    f.directives_by_kind = {labels[k]: kinds[k] for k in DirectiveKind.values if kinds[k]}
    f.same_day_rate = _rate(f.directives_same_day, f.directives_assigned)

    tasks = selectors.tasks_visible_to(user)
    assigned = tasks.filter(assigned_at__gte=begin, assigned_at__lt=end).exclude(
        status=TaskStatus.WITHDRAWN
    )
    f.tasks_assigned = assigned.count()
    f.tasks_assigned_closed = assigned.filter(status=TaskStatus.CLOSED).count()
    f.completion_rate = _rate(f.tasks_assigned_closed, f.tasks_assigned)
    f.key_tasks = assigned.filter(is_key=True).count()
    f.key_tasks_closed = assigned.filter(is_key=True, status=TaskStatus.CLOSED).count()
    closed = tasks.filter(status=TaskStatus.CLOSED, closed_at__gte=begin, closed_at__lt=end)
    f.tasks_closed = closed.count()
    f.tasks_closed_on_time = closed.filter(closed_on_time=True).count()
    f.on_time_rate = _rate(f.tasks_closed_on_time, f.tasks_closed)

    visible = tasks.values("pk")
    f.progress_reports = ProgressReport.objects.filter(
        task__in=visible, at__gte=begin, at__lt=end
    ).count()
    events = Event.objects.filter(task__in=visible, at__gte=begin, at__lt=end)
    # 办结报告: one per task, from its lead unit (a co-unit's submission to the lead unit
    # and a report sent again after a send-back are not another 办结报告).
    f.done_reports = (
        events.filter(kind=EventKind.SUBMITTED, actor_unit_id=F("task__lead_unit_id"))
        .values("task_id")
        .distinct()
        .count()
    )
    f.urges = events.filter(kind=EventKind.URGED).count()
    f.extensions_approved = events.filter(
        kind=EventKind.EXTENSION_DECIDED, payload__approved=True
    ).count()
    # 回音 given in the year, whenever the directive came in: a year's figure that does not
    # change afterwards, and no directive counted in two years.
    f.reported_back = (
        selectors.directives_visible_to(user)
        .filter(reported_back_at__gte=begin, reported_back_at__lt=end)
        .count()
    )
    # Issued bulletins only: a draft (no 发文字号) is never recorded, and a number
    # generated again is one row (IssuedDocument).
    f.bulletins = IssuedDocument.objects.filter(
        kind=DocumentKind.BULLETIN, issued_on__year=year
    ).count()
    return f


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def _until(f: AnnualFigures) -> str:
    return f"截至{f.as_of.month}月{f.as_of.day}日" if f.as_of else "截至年底"


def sentences(f: AnnualFigures) -> list[str]:
    """The figures as the plain sentences a director drafts from. Two task figures are
    kept apart and each is defined where it is given: tasks assigned in the year (and how
    many of them are closed), and tasks closed in the year (whenever assigned)."""
    out = []
    year = f"{f.year}年" + (f"（{_until(f)}）" if f.as_of else "")
    if f.directives:
        kinds = "，".join(f"{label}{n}件" for label, n in f.directives_by_kind.items())
        out.append(f"{year}共登记督办来文{f.directives}件，其中{kinds}。")
    else:
        out.append(f"{year}未登记督办来文。")
    out.append(
        f"年内新分解交办任务{f.tasks_assigned}项，{_until(f)}其中已办结{f.tasks_assigned_closed}项，"
        f"办结率{_pct(f.completion_rate)}。"
    )
    out.append(
        f"年内办结销号事项{f.tasks_closed}项（含以前年度交办的事项），"
        f"其中按期办结{f.tasks_closed_on_time}项，按期办结率{_pct(f.on_time_rate)}。"
    )
    if f.directives_assigned:
        out.append(
            f"坚持即批即转，{f.directives_assigned}件来文中当日交办{f.directives_same_day}件，"
            f"当日交办率{_pct(f.same_day_rate)}。"
        )
    if f.key_tasks:
        out.append(
            f"年内交办重点督办事项{f.key_tasks}项，{_until(f)}已办结{f.key_tasks_closed}项。"
        )
    out.append(
        f"年内收到承办单位进展报告{f.progress_reports}份、牵头单位办结报告{f.done_reports}份，"
        f"发出催办{f.urges}次，同意延期{f.extensions_approved}项。"
    )
    out.append(f"向交办领导和单位回音{f.reported_back}件，印发督查通报{f.bulletins}期。")
    return out


def build(f: AnnualFigures, *, author: str = "", now: datetime | None = None) -> OfficialDocument:
    """A draft section, not a whole 公文: a title, one heading and the sentences."""
    doc = OfficialDocument()
    title = f"{f.year}年督查督办工作主要数据"
    doc.properties(
        title=title, author=author or County.office_name(), created=now or timezone.now()
    )
    doc.title(title)
    doc.heading1("一、督查督办工作情况")
    for sentence in sentences(f):
        doc.para(sentence)
    last = f"{f.as_of.month}月{f.as_of.day}日" if f.as_of else "12月31日"
    doc.para(
        f"（以上数据由督办系统按{f.year}年1月1日至{last}统计，"
        "供起草年度述职报告参考，引用前请核对。）"
    )
    return doc


def generate(*, user: User, year: int, now: datetime | None = None) -> AnnualFigures:
    now = now or timezone.now()
    f = annual_figures(user, year, today=timezone.localdate(now))
    AccessLog.objects.create(
        at=now,
        kind=AccessKind.EXPORT,
        user=user,
        username=user.username,
        detail=f"annual {year}",
    )
    return f
