"""Find draft tasks in a Chinese government text (会议纪要, 领导批示, 工作方案, 通知).

Three passes over the lines of the text:

0. **Tables** (a .docx table, or rows copied from a web page as ``a | b | c``) whose header
   names a task column and a 牵头/责任单位 column: one task per row.
1. **Responsibility lists** (工作方案, 责任分解): a line such as ``责任单位：A、B`` or a
   trailing ``（牵头单位：A；配合单位：B；完成时限：6月底前）`` assigns the item it belongs
   to. A responsibility line right after an item of the same or a higher level belongs to
   that item; one placed under a heading whose deeper items follow covers each of them.
   Without an explicit 牵头, the first-listed unit leads (the convention of these lists).
   An unlabelled ``（县发改局牵头，县财政局配合）`` closing an item counts too.
2. **Prose** (minutes, instructions, notices), clause by clause, by the grammar of
   directives: ``请X…``, ``由X牵头，Y配合，…``, ``X要会同Y…``, ``X负责…``, ``X将…`` (the
   issuing office's own follow-up), ``X在…期间要…``. A subjectless ``要…`` continues with
   the addressee of its sentence, or of the previous sentence when that sentence opened
   with its addressee (``九龙半岛公司要…。要用活…。``); a chain of subjectless points
   (``要…。要…。``) is not addressed to anyone and yields nothing. ``请以上单位…`` is one
   task per unit named before it.

Across passes: quarterly stage targets (第一季度：…。第二季度：…) and recurring reports
(每季度报送…，每半年报送…) become one task each; a task under a ``关于…`` heading carries
the heading's topic when its own text does not name it; a deadline before the document's
date (or today) is flagged ``deadline_past``.

Each pass has its module: ``tables.py`` (0), ``lists.py`` (1), ``prose.py`` (2);
``draft.py`` turns what a pass found into a DraftTask.

Texts come with full-width or ASCII punctuation; rules read the folded text and every
string returned is sliced from the original, so it stands exactly as written.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from duban.extract.deadline import Kind, parse_deadline
from duban.extract.draft import DraftTask, _Context
from duban.extract.folding import fold
from duban.extract.lists import Line, _lines, _plan_pass
from duban.extract.numerals import cn_int
from duban.extract.prose import _EXHORTATION, _META_LINE, _prose_pass
from duban.extract.tables import _table_pass
from duban.extract.units import (
    Known,
)
from duban.workdays.calendar import WorkCalendar

__all__ = ["DraftTask", "extract", "stated_date"]


def _is_exhortation(task: DraftTask) -> bool:
    """认真贯彻落实…精神 opens an attitude statement, not a task (the annotation rules);
    a page's metadata line (发布时间:… 来源:…) is none either."""
    text = fold(task.text)
    return bool(_EXHORTATION.match(text) or _META_LINE.match(text))


def extract(
    text: str,
    *,
    base: date | None,
    calendar: WorkCalendar | None = None,
    known_names: Iterable[str] = (),
) -> list[DraftTask]:
    """The draft tasks in `text`, in the order they appear.

    `base` is the document's date (None if unknown: year-less dates stay unresolved unless
    the text gives the year); `calendar` counts 个工作日; `known_names` are names the
    registry knows (unit names, short names, aliases, group names), accepted whatever
    their shape.
    """
    ctx = _Context(
        text=text,
        f=fold(text),
        base=base,
        calendar=calendar,
        known=Known(known_names),
    )
    lines = _lines(ctx.f, ctx.known)
    consumed = _table_pass(ctx, lines)
    consumed |= _plan_pass(ctx, [ln for ln in lines if ln.index not in consumed])
    _prose_pass(ctx, lines, consumed)
    seen: set[tuple[str, tuple[str, ...], tuple[str, ...]]] = set()
    out: list[DraftTask] = []
    headings = _headings(ctx.f, lines)
    scopes = _scopes(headings)
    today = base or datetime.now(tz=_SHANGHAI).date()
    text_year = _text_year(ctx.f) if base is None else None
    for task in sorted(ctx.tasks, key=lambda t: t.start):
        key = (fold(task.text), tuple(task.lead), tuple(task.co))
        if key in seen or _is_exhortation(task):
            continue
        seen.add(key)
        task = _with_topic(ctx, task, headings, scopes)
        if text_year is not None:
            task = _in_text_year(task, text_year, calendar)
        if task.deadline is not None and task.deadline < today:
            task = replace(task, deadline_past=True)
        out.append(task)
    return out


_SHANGHAI = ZoneInfo("Asia/Shanghai")
_ABOUT = re.compile(
    r"关于([^。;:,]{2,24}?)(?:的有关问题|有关问题|的问题|问题|有关事项|事项)?(?:。|:|$)"
)


def _headings(f: str, lines: list[Line]) -> list[tuple[int, int, int, int]]:
    """Meeting-minute headings of the first two levels: where each starts, its level and its
    topic (二、关于秋冬季森林防火。), or an empty topic (三、请县发改局…) that ends the scope of
    the heading before it."""
    out: list[tuple[int, int, int, int]] = []
    for line in lines:
        if line.level is None or line.level > 2:
            continue
        m = _ABOUT.match(f, line.start, line.end)
        a, b = (m.start(1), m.end(1)) if m else (0, 0)
        out.append((line.start, line.level, a, b))
    return out


def _scopes(headings: list[tuple[int, int, int, int]]) -> list[int]:
    """For each heading, the index of the 关于… heading whose topic is in scope there, or -1:
    a topic lasts until the next heading of its level or higher."""
    out: list[int] = []
    current = -1
    for k, (_, level, a, b) in enumerate(headings):
        if b > a:
            current = k
        elif current >= 0 and level <= headings[current][1]:
            current = -1
        out.append(current)
    return out


def _with_topic(
    ctx: _Context,
    task: DraftTask,
    headings: list[tuple[int, int, int, int]],
    scopes: list[int],
) -> DraftTask:
    """A task under a 关于… heading names the heading's topic when its own text does not:
    立即开展隐患排查 → 秋冬季森林防火：立即开展隐患排查. The heading's scope ends at the next
    heading of its level or higher (三、请县发改局… is not about 森林防火)."""
    # Headings come in text order: the last one at or before the task, by bisection, and
    # the topic in scope there, read from `_scopes` (a scan of every heading per task made
    # a long plan quadratic).
    i = bisect_right(headings, task.start, key=lambda h: h[0]) - 1
    if i < 0 or scopes[i] < 0:
        return task
    _, _, a, b = headings[scopes[i]]
    topic = ctx.text[a:b].strip()
    core = re.sub(r"^(?:做好|加强|推进|进一步|开展|全县|全区|全市|当前|近期)+", "", fold(topic))
    text = fold(task.text)
    if len(core) < 2 or any(core[i : i + 2] in text for i in range(len(core) - 1)):
        return task
    return replace(task, text=f"{topic}：{task.text}")


# A year the text names (2020年全县…, 截止:2019-06-18), for year-less dates when the
# document's own date is unknown.
_YEAR_NAMED = re.compile(r"(?<!\d)((?:19|20)\d{2})(?:年|-\d{1,2}-\d{1,2})")
# A calendar date without a year (3月15日前, 10月底, 第三季度): resolvable from a year alone.
# Relative limits (一个月内, 5个工作日内, 本周五前) need the document's date and stay open.
_CALENDAR_PHRASE = re.compile(r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})月|季度|年底|年内|上半年")
_RELATIVE_PHRASE = re.compile(r"内|工作日|周|星期|本月|下月|天")


def _text_year(f: str) -> int | None:
    """The year the text names most often (the latest of equals)."""
    counts: dict[int, int] = {}
    for m in _YEAR_NAMED.finditer(f):
        year = int(m[1])
        counts[year] = counts.get(year, 0) + 1
    if not counts:
        return None
    return max(counts, key=lambda y: (counts[y], y))


def _in_text_year(task: DraftTask, year: int, calendar: WorkCalendar | None) -> DraftTask:
    """Resolve a year-less calendar date in the year the text names. The middle of that
    year stands for the unknown date: no date of the same year rolls into the next."""
    raw = task.deadline_raw
    if task.deadline is not None or raw is None:
        return task
    folded = fold(raw)
    if not _CALENDAR_PHRASE.search(folded) or _RELATIVE_PHRASE.search(folded):
        return task
    found = parse_deadline(raw, date(year, 7, 1), calendar)
    if found is None or found.kind is not Kind.DATE or found.due is None:
        return task
    return replace(task, deadline=found.due, deadline_kind=Kind.DATE, provisional=found.provisional)


_LABELLED_DATE = re.compile(
    r"(?:成文|发文|印发|公文生成|生成|发布)?日期\s*[:|]?\s*(\d{4})[-年./](\d{1,2})[-月./](\d{1,2})"
)
_SIGNATURE_DATE = re.compile(
    r"(\d{4}|[〇○零一二三四五六七八九]{4})年(\d{1,2}|[一二三四五六七八九十]{1,3})月"
    r"(\d{1,2}|[一二三四五六七八九十]{1,3})日?$"
)


def stated_date(text: str) -> date | None:
    """The date a document gives itself: a 日期/成文日期 field, else the date under the
    signature (a line ending in a full date, 2023年1月3日 / 二〇二三年一月三日)."""
    f = fold(text)
    for m in _LABELLED_DATE.finditer(f):
        try:
            return date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            continue
    found: date | None = None
    for line in f.split("\n"):
        sig = _SIGNATURE_DATE.search(line.strip())
        if sig and len(line.strip()) <= 40:
            y, mo, d = cn_int(sig[1]), cn_int(sig[2]), cn_int(sig[3])
            if y and mo and d:
                try:
                    found = date(y, mo, d)
                except ValueError:
                    continue
                break
    return found
