"""Chinese deadline and reporting-cycle phrases → dates and a small cycle vocabulary.

This is THE parser for deadline phrases as offices write them (完成时限): the extractor
uses it on free text, and importers (an Excel ledger's 完成时限 column) call
`parse_deadline` on a cell. Pure Python, no Django.

Deadlines (`parse_deadline(raw, base, calendar)`), resolved against `base`, the document's
date (or the day of import):

=====================================  ======================================================
2026年9月30日前, 2026-09-30, 9月30日前  that day (a year-less date takes the year of `base`,
                                       or the next year when it would fall more than half a
                                       year before `base`)
6月底前, 2026年6月底, 月底前, 下月底    the last day of that month
年底前, 在年底, 今年年底, 年内           12-31
一季度, 第三季度末, 上半年, 下半年       the last day of the quarter or half year
10月上旬 / 中旬 / 下旬                  the 10th / 20th / last day of the month
5个工作日内                             the 5th working day after `base` on `calendar`
                                       (statutory holidays and 调休; provisional for a year
                                       the calendar does not know)
一周内, 10天内, 3个月内, 本周五前        `base` + 7 days, 10 days, 3 months; that Friday
即日起                                 kind OPEN: in force from now on, no date
长期坚持, 持续推进, 常态化              kind LONG_TERM: no date
6小时内, 3-7个工作日内                  kind PER_CASE: a service limit per case, no date
=====================================  ======================================================

Without `base`, phrases that need it (year-less dates, N个工作日内) come back UNRESOLVED.

Cycles (`parse_cycle`, `find_cycles`) normalise to a string: ``daily``, ``weekly``,
``weekly:N`` (N = 1 Monday … 7 Sunday), ``monthly``, ``monthly:N`` (day N of each month,
31 meaning the month's end), ``quarterly``, ``semiannual``, ``annual``.
"""

from __future__ import annotations

import calendar as _calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from duban.extract.folding import fold
from duban.extract.numerals import cn_int
from duban.workdays.calendar import WorkCalendar


class Kind(StrEnum):
    DATE = "date"  # `due` holds the date
    OPEN = "open"  # 即日起: from now on, no end date
    LONG_TERM = "long_term"  # 长期坚持, 持续推进: no date by nature
    PER_CASE = "per_case"  # 6小时内办结, 3-7个工作日: a limit per case, not a calendar date
    UNRESOLVED = "unresolved"  # a deadline, but it needs a document date that is unknown


@dataclass(frozen=True)
class Deadline:
    raw: str
    kind: Kind
    due: date | None = None
    provisional: bool = False  # counted on a year without holiday data (weekday rule)


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    raw: str


@dataclass(frozen=True)
class CycleMatch:
    start: int
    end: int
    raw: str
    cycle: str


# Numbers as written: 2026 / 二〇二六 (years), 12 / 十二 (months), 31 / 三十一 (days).
_Y = r"(?P<y>\d{4}|[〇○零一二三四五六七八九]{4})年(?:度)?"
_M = r"(?P<m>1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])月(?:份)?"
_D = (
    r"(?P<d>3[01]|[12]\d|0?[1-9]|[一二]?十[一二三四五六七八九]?|三十[一]?|[一二三四五六七八九])"
    r"[日号]"
)
_N = r"(?P<n>\d{1,3}|[一二两三四五六七八九十百]{1,4})"
_BEFORE = r"(?:前|之前|以前|止|为止)"

_QUARTERS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_WEEKDAYS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "日": 7, "天": 7}
for _i in range(1, 8):
    _WEEKDAYS[str(_i)] = _i

# Order matters: earlier patterns win where matches overlap (a range before its parts).
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("range_workdays", re.compile(r"\d{1,3}\s*[-~至到—]\s*\d{1,3}\s*个?工作日(?:内|以内|之内)?")),
    (
        "range_dates",
        re.compile(rf"(?:{_Y})?{_M}{_D}\s*(?:至|到|—|-|~)\s*(?:\d{{1,2}}月)?\d{{1,2}}[日号]"),
    ),
    (
        "iso",
        re.compile(
            r"(?P<y>\d{4})[-/.](?P<m>1[0-2]|0?[1-9])[-/.](?P<d>3[01]|[12]\d|0?[1-9])(?!\d)(?:日)?"
            + rf"{_BEFORE}?"
        ),
    ),
    ("date", re.compile(rf"(?:{_Y})?{_M}{_D}{_BEFORE}?")),
    # 8月30前: the 日 left out, which only a following 前 makes a date.
    (
        "date",
        re.compile(rf"(?:{_Y})?{_M}(?P<d>3[01]|[12]\d|0?[1-9])(?:前|之前|以前)"),
    ),
    ("xun", re.compile(rf"(?:{_Y})?{_M}(?P<x>上|中|下)旬(?:末)?{_BEFORE}?")),
    ("month_end", re.compile(rf"(?:{_Y})?{_M}(?:底|末|末底){_BEFORE}?")),
    ("month_only", re.compile(rf"{_Y}{_M}(?:{_BEFORE})?(?![\d一二三四五六七八九十上中下底末])")),
    (
        "this_month_end",
        re.compile(rf"(?P<w>本月|当月|下个?月|(?<![\d一二三四五六七八九十])月)(?:底|末){_BEFORE}?"),
    ),
    ("quarter", re.compile(rf"(?:{_Y})?第?(?P<q>[一二三四1-4])季度(?:末|底)?{_BEFORE}?")),
    ("half", re.compile(rf"(?:{_Y})?(?P<h>上|下)半年(?:末|底)?{_BEFORE}?")),
    ("rest_of_year", re.compile(r"(?:剩下|剩余|余下)的?半年(?:时间)?(?:里|内)?")),
    ("year_end", re.compile(rf"(?:{_Y}|今年|本年度?|当年度?|年度|年)(?:底|末|内){_BEFORE}?")),
    ("workdays", re.compile(rf"{_N}个?工作日(?:内|以内|之内|前)?")),
    ("hours", re.compile(rf"{_N}个?(?:小时|钟头)(?:内|以内|之内)")),
    ("weeks", re.compile(rf"{_N}(?:周|个星期|个礼拜)(?:内|以内|之内)")),
    ("months", re.compile(rf"{_N}个月(?:内|以内|之内)")),
    ("years", re.compile(rf"{_N}年(?:内|以内|之内)")),
    ("days", re.compile(rf"(?<![月\d]){_N}(?:天|日)(?:内|以内|之内)")),
    (
        "weekday",
        re.compile(r"(?P<w>本|这|下)(?:周|星期)(?P<wd>[一二三四五六日天1-7])" + rf"{_BEFORE}?"),
    ),
    ("open", re.compile(r"(?:自|从)?即日起|即日开始")),
    ("long_term", re.compile(r"长期坚持|长期推进|长期执行|常态化推进|常态长效|长期")),
]
# Accepted only where the whole phrase is a deadline field (完成时限：持续推进), never in
# free text, where 持续推进 is a verb phrase.
_FIELD_ONLY_LONG = re.compile(r"^(?:持续推进|持续开展|持续实施|常态化|长效|持续|常年)")
_FREE_TEXT_SKIP = {"month_only"}  # 2026年6月 alone is a deadline only in a 完成时限 field

# A bare date in free text is an event ("2月18日上午"), not a deadline, unless it is
# bounded: 前/止, or introduced by 于/在/到/截止 (完成于…). 截至 means "as of": a status date.
_INTRO = re.compile(r"(?:于|在|到|截止|截止到|截止于|最迟|最晚)$")


def _month_end(year: int, month: int) -> date:
    return date(year, month, _calendar.monthrange(year, month)[1])


def _add_months(d: date, months: int) -> date:
    month0 = d.month - 1 + months
    year, month = d.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(d.day, _calendar.monthrange(year, month)[1]))


def _year(groups: dict[str, str | None]) -> int | None:
    raw = groups.get("y")
    return cn_int(raw) if raw else None


def _in_year(explicit: int | None, base: date | None) -> tuple[int | None, bool]:
    """The year a phrase means, and whether it was inferred from `base`."""
    if explicit is not None:
        return explicit, False
    if base is None:
        return None, False
    return base.year, True


def _roll(due: date, inferred: bool, base: date | None) -> date:
    # A year-less date more than half a year before the document is next year's
    # ("1月底前" in a December notice); a date shortly before it is a late-posted document.
    if inferred and base is not None and (base - due).days > 183:
        try:
            return due.replace(year=due.year + 1)
        except ValueError:  # 29 February
            return due.replace(year=due.year + 1, day=28)
    return due


def _resolve(
    name: str, m: re.Match[str], base: date | None, calendar: WorkCalendar | None
) -> Deadline:
    raw = m.group(0)
    g = m.groupdict()

    def known(due: date) -> Deadline:
        provisional = calendar is not None and not calendar.is_known_year(due.year)
        return Deadline(raw, Kind.DATE, due, provisional)

    unresolved = Deadline(raw, Kind.UNRESOLVED)
    if name in ("range_workdays", "hours", "range_dates"):
        return Deadline(raw, Kind.PER_CASE)
    if name == "open":
        return Deadline(raw, Kind.OPEN)
    if name == "long_term":
        return Deadline(raw, Kind.LONG_TERM)
    if name in ("iso", "date", "xun", "month_end", "month_only"):
        month = cn_int(g["m"] or "")
        year, inferred = _in_year(_year(g), base)
        if year is None or month is None or not 1 <= month <= 12:
            return unresolved
        if name in ("iso", "date"):
            day = cn_int(g["d"] or "")
            if day is None:
                return unresolved
            try:
                due = date(year, month, day)
            except ValueError:
                return unresolved
        elif name == "xun":
            due = (
                date(year, month, 10 if g["x"] == "上" else 20)
                if g["x"] != "下"
                else _month_end(year, month)
            )
        else:
            due = _month_end(year, month)
        return known(_roll(due, inferred, base))
    if name == "this_month_end":
        if base is None:
            return unresolved
        first = base.replace(day=1)
        if g.get("w") and g["w"].startswith("下"):
            first = _add_months(first, 1)
        return known(_month_end(first.year, first.month))
    if name in ("quarter", "half"):
        year, inferred = _in_year(_year(g), base)
        if year is None:
            return unresolved
        month = 3 * _QUARTERS[g["q"]] if name == "quarter" else (6 if g["h"] == "上" else 12)
        due = _month_end(year, month)
        return known(_roll(due, inferred, base))
    if name in ("rest_of_year", "year_end"):
        year, _ = _in_year(_year(g), base)
        return known(date(year, 12, 31)) if year is not None else unresolved
    if name == "weekday":
        if base is None:
            return unresolved
        monday = base - timedelta(days=base.weekday())
        if g["w"] == "下":
            monday += timedelta(days=7)
        return known(monday + timedelta(days=_WEEKDAYS[g["wd"]] - 1))
    n = cn_int(g.get("n") or "")
    if n is None or n < 1:
        return unresolved
    if base is None:
        return unresolved
    if name == "workdays":
        if calendar is None:
            return unresolved
        r = calendar.add_workdays(base, n)
        return Deadline(raw, Kind.DATE, r.day, r.provisional)
    if name == "weeks":
        return known(base + timedelta(days=7 * n))
    if name == "days":
        return known(base + timedelta(days=n))
    if name == "months":
        return known(_add_months(base, n))
    if name == "years":
        return known(_add_months(base, 12 * n))
    return unresolved  # pragma: no cover - every pattern is handled above


# Every deadline phrase holds one of these; most clauses hold none, so this check saves
# running twenty patterns over them.
_DEADLINE_HINT = re.compile(
    r"[\d〇○零一二两三四五六七八九十]|即日|长期|常态|半年|季度|年[底末内]|月[底末]"
)
_CYCLE_HINT = re.compile(r"[每按]|年中|半年")


def find_deadlines(text: str) -> list[Span]:
    """Deadline phrases in free text, in order, without overlaps.

    Bare dates count only when bounded (…前, 于…); validity windows (1月21日至1月28日)
    and 截至 status dates are left out.
    """
    folded = fold(text)
    if not _DEADLINE_HINT.search(folded):
        return []
    taken: list[tuple[int, int, str]] = []
    for name, pattern in _PATTERNS:
        if name in _FREE_TEXT_SKIP:
            continue
        for m in pattern.finditer(folded):
            s, e = m.span()
            if any(s < te and ts < e for ts, te, _ in taken):
                continue
            taken.append((s, e, name))
    spans = []
    for s, e, name in sorted(taken):
        raw = text[s:e]
        if name == "range_dates":
            continue  # a window (禁火令 1月21日至1月28日), not a time limit
        if name in ("date", "iso") and not re.search(_BEFORE + "$", fold(raw)):
            before = folded[max(0, s - 4) : s]
            if not _INTRO.search(before) or folded[max(0, s - 2) : s] == "截至":
                continue
        if (
            name == "long_term"
            and raw == "长期"
            and folded[e : e + 1] not in ("", ",", ";", "。", ")")
        ):
            continue  # 长期 as an adjective (长期项目), not 长期 as the time limit
        spans.append(Span(s, e, raw))
    return spans


def parse_deadline(
    raw: str, base: date | None, calendar: WorkCalendar | None = None
) -> Deadline | None:
    """Read the deadline in `raw`, a time-limit phrase or a 完成时限 field.

    `base` is the date relative phrases count from (the document's date, or None when it
    is unknown); `calendar` counts working days (without it, 个工作日 is UNRESOLVED).
    A bare date counts here, unlike in free text, because the whole value is a time limit.
    None when `raw` holds no deadline phrase at all.
    """
    folded = fold(raw).strip()
    if not folded:
        return None
    if _FIELD_ONLY_LONG.match(folded):
        return Deadline(raw.strip(), Kind.LONG_TERM)
    best: tuple[int, int, str, re.Match[str]] | None = None
    for name, pattern in _PATTERNS:
        m = pattern.search(folded)
        if m is None:
            continue
        # The earliest match wins; at the same start, the pattern listed first.
        if best is None or m.start() < best[0]:
            best = (m.start(), m.end(), name, m)
    if best is None:
        return None
    s, e, name, m = best
    found = _resolve(name, m, base, calendar)
    return Deadline(
        raw.strip()[s:e] if raw.strip() else found.raw, found.kind, found.due, found.provisional
    )


# ---------------------------------------------------------------------------------------
# Reporting cycles

_CYCLE_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(
            r"每(?:个)?季度?(?:的)?(?:最后一个月|末月|第[一二三]个月)的?\d{1,2}[日号](?:前|之前)?"
        ),
        "quarterly",
    ),
    (
        re.compile(
            r"每(?:个)?月(?:的)?(?P<d>\d{1,2}|[一二三]?十[一二三四五六七八九]?|[一二三四五六七八九])[日号](?:前|之前)?"
        ),
        "monthly:{d}",
    ),
    (re.compile(r"每(?:个)?月(?:的)?(?P<x>上|中|下)旬"), "monthly:{x}"),
    (re.compile(r"每(?:个)?月(?:的)?月?(?:底|末)(?:前)?"), "monthly:31"),
    (re.compile(r"每(?:个)?季度?(?:末|底)(?:前)?"), "quarterly"),
    (re.compile(r"每(?:个)?(?:周|星期)(?P<w>[一二三四五六日天1-7])(?:前|之前)?"), "weekly:{w}"),
    (re.compile(r"每(?:个)?半年(?:度)?(?![度的])"), "semiannual"),
    (re.compile(r"每(?:个)?(?:季度|季)(?![度的])"), "quarterly"),
    (re.compile(r"每(?:个)?月(?![度的])"), "monthly"),
    (re.compile(r"每(?:个)?(?:周|星期)(?!的)"), "weekly"),
    (re.compile(r"每(?:个)?(?:工作日|天|日)(?!的)"), "daily"),
    (
        re.compile(
            r"每年(?:度)?(?=\d{1,2}月|[一二三四五六七八九十]{1,2}月|年底|年末|一次|开展|组织|报)"
        ),
        "annual",
    ),
    (
        re.compile(r"按(?:周|星期)(?:调度|报送|上报|报告|通报|督查|督办|检查|汇报|更新|统计|报)"),
        "weekly",
    ),
    (
        re.compile(r"按月(?:度)?(?:调度|报送|上报|报告|通报|督查|督办|检查|汇报|更新|统计|报)"),
        "monthly",
    ),
    (
        re.compile(r"按季(?:度)?(?:调度|报送|上报|报告|通报|督查|督办|检查|汇报|更新|统计|报)"),
        "quarterly",
    ),
    (
        re.compile(r"按(?:半年|年度)(?:调度|报送|上报|报告|通报|督查|督办|检查|汇报|更新|统计|报)"),
        "semiannual",
    ),
    (re.compile(r"(?:年中|半年|上半年)[、和及与,](?:年末|年底|全年)"), "semiannual"),
]
_XUN_DAY = {"上": 10, "中": 20, "下": 31}


def _cycle_value(template: str, m: re.Match[str]) -> str:
    if "{d}" in template:
        day = cn_int(m["d"]) or 0
        return f"monthly:{day}" if 1 <= day <= 31 else "monthly"
    if "{x}" in template:
        return f"monthly:{_XUN_DAY[m['x']]}"
    if "{w}" in template:
        return f"weekly:{_WEEKDAYS[m['w']]}"
    return template


def find_cycles(text: str) -> list[CycleMatch]:
    """Reporting or checking cycles in free text, in order, without overlaps.

    每季度的形象进度 (a quarterly milestone, not a report) and 24小时 are not cycles.
    """
    folded = fold(text)
    if not _CYCLE_HINT.search(folded):
        return []
    taken: list[CycleMatch] = []
    for pattern, template in _CYCLE_PATTERNS:
        for m in pattern.finditer(folded):
            s, e = m.span()
            if any(s < c.end and c.start < e for c in taken):
                continue
            taken.append(CycleMatch(s, e, text[s:e], _cycle_value(template, m)))
    return sorted(taken, key=lambda c: c.start)


def parse_cycle(raw: str) -> str | None:
    """The normalised cycle of a phrase such as 每月5日前, 每周五, 每季度末, 按月调度."""
    found = find_cycles(raw)
    return found[0].cycle if found else None
