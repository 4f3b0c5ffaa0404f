"""A draft task and how one is built from the clauses a pass found."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from duban.extract.deadline import Deadline, Kind, find_cycles, find_deadlines, parse_deadline
from duban.extract.folding import fold
from duban.extract.units import (
    Found,
    Known,
)
from duban.workdays.calendar import WorkCalendar


@dataclass(frozen=True)
class DraftTask:
    text: str
    lead: list[str]
    co: list[str]
    deadline_raw: str | None = None
    deadline: date | None = None
    deadline_kind: Kind | None = None
    provisional: bool = False
    cycle_raw: str | None = None
    cycle: str | None = None
    start: int = 0  # offset of `text` in the input, for ordering and highlighting
    # The resolved deadline lies before the document's date (or today, when the date is
    # unknown): shown to the user as such, never proposed silently.
    deadline_past: bool = False


# ---------------------------------------------------------------------------------------
# Building a task


@dataclass
class _Draft:
    lead: list[Found]
    co: list[Found]
    clauses: list[tuple[int, int]] = field(default_factory=list)  # action clauses
    spec_time: tuple[int, int] | None = None
    spec_cycle: tuple[int, int] | None = None
    each: list[Found] = field(default_factory=list)  # 请以上单位…: one task per unit

    def has_action(self, f: str) -> bool:
        """True once a clause says what to do (not only when: 在剩下的半年时间里)."""
        return any(e > s and not _ADVERBIAL_ONLY.match(f[s:e].strip()) for s, e in self.clauses)


@dataclass
class _Context:
    text: str  # original
    f: str  # folded
    base: date | None
    calendar: WorkCalendar | None
    known: Known
    tasks: list[DraftTask] = field(default_factory=list)


_ADVERBIAL_ONLY = re.compile(
    r"(?:在|于|从|自)?[^,;。]{0,14}?(?:时间里|期间|以内|之内|内|前|里|时|后|起)$"
)
_START_SPAN = re.compile(r"(?:从|自)[^,;。]{0,20}?(?:开始|起)")
_PER_CASE_CONTEXT = re.compile(
    r"原则上|(?:受理|接到|收到|交办|转办|派单|接件|派送)[^,;。]{0,6}(?:后|之日起)"
)


def _names(ctx: _Context, units: Sequence[Found]) -> list[str]:
    out: list[str] = []
    for u in units:
        name = ctx.text[u.start : u.end].strip()
        if name and name not in out:
            out.append(name)
    return out


def _time_of(
    ctx: _Context, start: int, end: int, spec_time: tuple[int, int] | None
) -> Deadline | None:
    if spec_time is not None:
        raw = ctx.text[spec_time[0] : spec_time[1]]
        if re.match(r"\s*(?:全年|年内)", fold(raw)):
            # 完成时限：全年 — the whole year, due at its end.
            year_end = parse_deadline("年底", ctx.base, ctx.calendar)
            return replace(year_end, raw=raw.strip()) if year_end else None
        return parse_deadline(raw, ctx.base, ctx.calendar)
    excluded = [(c.start + start, c.end + start) for c in find_cycles(ctx.text[start:end])]
    excluded += [(m.start(), m.end()) for m in _START_SPAN.finditer(ctx.f, start, end)]
    chosen = None
    for span in find_deadlines(ctx.text[start:end]):
        s, e = span.start + start, span.end + start
        if any(s < xe and xs < e for xs, xe in excluded):
            continue
        chosen = (s, e)
    if chosen is None:
        return None
    found = parse_deadline(ctx.text[chosen[0] : chosen[1]], ctx.base, ctx.calendar)
    if found is None:
        return None
    if found.kind == Kind.DATE and _PER_CASE_CONTEXT.search(ctx.f, start, end):
        raw = ctx.f[chosen[0] : chosen[1]]
        if re.search(r"工作日|天|日内|小时|周内", raw):
            return replace(found, kind=Kind.PER_CASE, due=None, provisional=False)
    return found


def _finish(ctx: _Context, draft: _Draft, *, split_milestones: bool = True) -> None:
    if draft.each:
        for unit in draft.each:
            _finish(
                ctx, replace(draft, lead=[unit], co=[], each=[]), split_milestones=split_milestones
            )
        return
    clauses = [(s, e) for s, e in draft.clauses if e > s]
    if not clauses or not draft.lead:
        return
    if _is_progress(ctx.f, *clauses[0]):
        return  # 由A牵头，B配合，已完成项目申报: a progress report, not an instruction
    if _split_stages(ctx, draft, clauses):
        return
    if (
        draft.spec_cycle is None
        and len(clauses) > 1
        and len(find_cycles(ctx.text[clauses[0][0] : clauses[-1][1]])) > 1
    ):
        # 每季度报送一次进展情况，每半年报送一次阶段性总结: one task per recurring report.
        cyclic = [i for i, (s, e) in enumerate(clauses) if find_cycles(ctx.text[s:e]) and i > 0]
        if cyclic and find_cycles(ctx.text[clauses[0][0] : clauses[cyclic[0] - 1][1]]):
            cuts = [0, *cyclic, len(clauses)]
            for a, b in itertools.pairwise(cuts):
                _finish(
                    ctx,
                    _Draft(draft.lead, draft.co, clauses[a:b], spec_time=draft.spec_time),
                    split_milestones=split_milestones,
                )
            return
    if (
        split_milestones
        and draft.spec_time is None
        and len(clauses) > 1
        and len(find_deadlines(ctx.text[clauses[0][0] : clauses[-1][1]])) > 1
    ):
        # 争取3月底主体完工，4月中旬竣工，4月下旬通过验收: one task per dated milestone.
        dated = [
            i
            for i, (s, e) in enumerate(clauses)
            if (d := _time_of(ctx, s, e, None)) is not None and d.kind == Kind.DATE
        ]
        if dated and dated[0] == 0 and _ADVERBIAL_ONLY.match(ctx.f[slice(*clauses[0])].strip()):
            dated = dated[1:]  # a leading 3月25日前， belongs with the clause after it
        if len(dated) > 1:
            cuts = [0, *dated[1:], len(clauses)]
            for a, b in itertools.pairwise(cuts):
                part = _Draft(draft.lead, draft.co, clauses[a:b])
                _finish(ctx, part, split_milestones=False)
            return
    start, end = clauses[0][0], clauses[-1][1]
    # Keep a closing full stop (the sentence ends with the task); drop a comma or semicolon.
    if end < len(ctx.f) and ctx.f[end] in "。!?":
        end += 1
    while start < end and ctx.f[start] in " ,;:":
        start += 1
    text = ctx.text[start:end].strip()
    if not text or not re.search(r"[\u4e00-\u9fff]", text):
        return
    if _PROGRESS_FIELD.search(ctx.f, start, end):
        return  # …项目责任人:尹文德 实际完成情况:已于5月30日通车: a progress row, not a task
    deadline = _time_of(ctx, start, end, draft.spec_time)
    if draft.spec_cycle is not None:
        cyc_text = ctx.text[draft.spec_cycle[0] : draft.spec_cycle[1]]
        cycles = find_cycles(cyc_text)
        cycle_raw: str | None = cycles[0].raw if cycles else cyc_text
        cycle = cycles[0].cycle if cycles else None
    else:
        cycles = find_cycles(ctx.text[start:end])
        cycle_raw = cycles[0].raw if cycles else None
        cycle = cycles[0].cycle if cycles else None
    ctx.tasks.append(
        DraftTask(
            text=text,
            lead=_names(ctx, draft.lead),
            co=[n for n in _names(ctx, draft.co) if n not in _names(ctx, draft.lead)],
            deadline_raw=deadline.raw if deadline else None,
            deadline=deadline.due if deadline else None,
            deadline_kind=deadline.kind if deadline else None,
            provisional=deadline.provisional if deadline else False,
            cycle_raw=cycle_raw,
            cycle=cycle,
            start=start,
        )
    )


_PROGRESS_START = re.compile(r"\s*(?:已|已经|均已|正在|基本完成)")
_PROGRESS_PAST = re.compile(r"(?<!为)了(?!解)")


def _is_progress(f: str, start: int, end: int) -> bool:
    """已完成… / 编制了…: a report of what was done, not an instruction."""
    return bool(_PROGRESS_START.match(f, start, end) or _PROGRESS_PAST.search(f, start, end))


_PROGRESS_FIELD = re.compile(r"(?:完成|推进|进展|进度)情况\s*:")
_STAGE = re.compile(r"(?:第?[一二三四1-4]季度|[上下]半年)(?:末|底)?(?:前)?\s*:")


def _split_stages(ctx: _Context, draft: _Draft, clauses: list[tuple[int, int]]) -> bool:
    """第一季度：完成摸底。第二季度：完成设计。: one task per stage, due at the stage's end,
    its text led by the item's topic (推进老旧小区改造：第一季度：完成摸底)."""
    start, end = clauses[0][0], clauses[-1][1]
    marks = list(_STAGE.finditer(ctx.f, start, end))
    if len(marks) < 2:
        return False
    topic = ctx.text[start : marks[0].start()].strip().rstrip("。,;:，；：")
    bounds = [m.start() for m in marks] + [end]
    for k, m in enumerate(marks):
        a, b = m.start(), bounds[k + 1]
        piece = ctx.text[a:b].strip()
        if not re.search(r"[\u4e00-\u9fff]", ctx.f[m.end() : b]):
            continue
        due = parse_deadline(ctx.text[m.start() : m.end()].rstrip(":：").strip(), ctx.base)
        ctx.tasks.append(
            DraftTask(
                text=f"{topic}：{piece}" if topic else piece,
                lead=_names(ctx, draft.lead),
                co=[n for n in _names(ctx, draft.co) if n not in _names(ctx, draft.lead)],
                deadline_raw=due.raw if due else None,
                deadline=due.due if due else None,
                deadline_kind=due.kind if due else None,
                provisional=due.provisional if due else False,
                start=a,
            )
        )
    return True
