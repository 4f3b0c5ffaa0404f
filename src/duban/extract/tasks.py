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

Texts come with full-width or ASCII punctuation; rules read the folded text and every
string returned is sliced from the original, so it stands exactly as written.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from duban.extract.deadline import Deadline, Kind, find_cycles, find_deadlines, parse_deadline
from duban.extract.folding import fold
from duban.extract.numerals import cn_int
from duban.extract.units import (
    Found,
    Known,
    UnitList,
    mentions,
    split_conjoined,
    unit_ends,
    unit_list_at,
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


# ---------------------------------------------------------------------------------------
# Lines and numbering

_NUMBERING = [
    # (level, pattern): 一、 (一) 1. (1) ①; 第一, and 一是 belong to prose.
    (1, re.compile(r"[一二三四五六七八九十]{1,3}[、.．]")),
    (2, re.compile(r"\([一二三四五六七八九十]{1,3}\)[、.]?")),
    (3, re.compile(r"\d{1,2}(?:[、．]|\.(?!\d))")),
    (4, re.compile(r"\(\d{1,2}\)[、.]?")),
    (5, re.compile(r"[①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳]")),
]
_FIELD = (
    r"牵头单位|牵头部门|主办单位|主责单位|责任单位|责任部门|承办单位|配合单位|协办单位|"
    r"配合部门|参与单位|协同单位|完成时限|完成时间|办结时限|时间节点|时限要求|时限|"
    r"责任领导|牵头领导|分管领导|联系领导|督办领导|报送要求|报送时间|调度频次"
)
_FIELD_RE = re.compile(rf"({_FIELD})\s*:")
_LEAD_FIELDS = {"牵头单位", "牵头部门", "主办单位", "主责单位"}
_LIST_FIELDS = {"责任单位", "责任部门", "承办单位"}
_CO_FIELDS = {"配合单位", "协办单位", "配合部门", "参与单位", "协同单位"}
_TIME_FIELDS = {"完成时限", "完成时间", "办结时限", "时间节点", "时限要求", "时限"}
_CYCLE_FIELDS = {"报送要求", "报送时间", "调度频次"}


@dataclass
class Line:
    index: int
    start: int  # content start, after numbering
    end: int  # content end (a trailing responsibility parenthetical excluded)
    level: int | None
    spec: Spec | None = None
    spec_only: bool = False  # the line is nothing but responsibility fields


@dataclass
class Spec:
    lead: list[Found] = field(default_factory=list)
    co: list[Found] = field(default_factory=list)
    time: tuple[int, int] | None = None
    cycle: tuple[int, int] | None = None


def _split_values(text: str, start: int, end: int) -> list[Found]:
    """Unit names in a field value: split on 、，, and on 和/及 between two whole names."""
    out: list[Found] = []
    pos = start
    depth = 0
    cuts: list[tuple[int, int]] = []
    for i in range(start, end):
        c = text[i]
        if c == "(":
            depth += 1
        elif c == ")":
            depth = max(0, depth - 1)
        elif depth == 0 and c in "、,;/ ":
            cuts.append((i, i + 1))
    for cut_start, cut_end in [*cuts, (end, end)]:
        piece_start, piece_end = pos, cut_start
        pos = cut_end
        # Drop a long annotation: (列第一位者为工作牵头单位或汇总单位,下同), and 等.
        seg = text[piece_start:piece_end]
        paren = seg.find("(")
        if paren >= 0 and (len(seg) - paren > 9 or "," in seg[paren:]):
            piece_end = piece_start + paren
        while piece_end > piece_start and text[piece_end - 1] in " 等。.":
            piece_end -= 1
        while piece_start < piece_end and text[piece_start] == " ":
            piece_start += 1
        if piece_end <= piece_start:
            continue
        out.extend(split_conjoined(text, piece_start, piece_end))
    return out


def _parse_spec(text: str, start: int, end: int) -> Spec | None:
    labels = list(_FIELD_RE.finditer(text, start, end))
    if not labels or labels[0].start() != start:
        return None
    spec = Spec()
    for k, m in enumerate(labels):
        v_start = m.end()
        v_end = labels[k + 1].start() if k + 1 < len(labels) else end
        while v_end > v_start and text[v_end - 1] in ";,。 ":
            v_end -= 1
        while v_start < v_end and text[v_start] == " ":
            v_start += 1
        name = m.group(1)
        if name in _LEAD_FIELDS:
            spec.lead.extend(_split_values(text, v_start, v_end))
        elif name in _LIST_FIELDS:
            units = _split_values(text, v_start, v_end)
            if spec.lead:
                spec.co.extend(units)
            else:
                spec.lead.extend(units[:1])
                spec.co.extend(units[1:])
        elif name in _CO_FIELDS:
            spec.co.extend(_split_values(text, v_start, v_end))
        elif name in _TIME_FIELDS and v_end > v_start:
            spec.time = (v_start, v_end)
        elif name in _CYCLE_FIELDS and v_end > v_start:
            spec.cycle = (v_start, v_end)
    return spec


_ROLE_WORD = re.compile(r"(牵头|负责|主办|主责|配合|协助|协办|参与)?(?:等)?$")


def _unit_paren(text: str, start: int, end: int, known: Known) -> Spec | None:
    """An unlabelled responsibility parenthetical: (县发改局牵头，县财政局、县住建局配合),
    (县发改局、县财政局). Every part must be a list of unit names, or it is not one."""
    spec = Spec()
    parts: list[tuple[int, int]] = []
    pos = start
    for m in re.finditer(r"[,;]", text[start:end]):
        parts.append((pos, start + m.start()))
        pos = start + m.end()
    parts.append((pos, end))
    for a, b in parts:
        piece = text[a:b].strip()
        if not piece:
            return None
        offset = a + (len(text[a:b]) - len(text[a:b].lstrip()))
        found = unit_list_at(piece, 0, known, follow=_ROLE_WORD)
        if found is None or found.anaphor:
            return None
        role = _ROLE_WORD.match(piece, found.end)
        if role is None or role.end() != len(piece):
            return None
        units = [Found(offset + u.start, offset + u.end) for u in found.units]
        word = role.group(1) or ""
        if word in ("牵头", "负责", "主办", "主责"):
            spec.lead.extend(units)
        elif word:
            spec.co.extend(units)
        elif len(parts) == 1:
            spec.lead, spec.co = units[:1], units[1:]
        else:
            return None
    if not spec.lead:
        return None
    return spec


def _trailing_spec(
    text: str, start: int, end: int, known: Known | None = None
) -> tuple[int, Spec] | None:
    """A closing (牵头单位:…;配合单位:…) or (A牵头，B配合) on an item: where it starts, and
    what it says."""
    stop = end
    while stop > start and text[stop - 1] in "。;. ":
        stop -= 1
    if stop <= start or text[stop - 1] != ")":
        return None
    depth = 0
    for i in range(stop - 1, start - 1, -1):
        if text[i] == ")":
            depth += 1
        elif text[i] == "(":
            depth -= 1
            if depth == 0:
                spec = _parse_spec(text, i + 1, stop - 1)
                if spec is None and known is not None and i > start:
                    spec = _unit_paren(text, i + 1, stop - 1, known)
                return (i, spec) if spec else None
    return None


def _lines(text: str, known: Known) -> list[Line]:
    lines: list[Line] = []
    pos = 0
    for index, raw in enumerate(text.split("\n")):
        start, end = pos, pos + len(raw)
        pos = end + 1
        while start < end and text[start] in " \t\r\u2022•·-*>":
            start += 1
        while end > start and text[end - 1] in " \t\r":
            end -= 1
        level = None
        for lvl, pattern in _NUMBERING:
            m = pattern.match(text, start, end)
            if m:
                level, start = lvl, m.end()
                while start < end and text[start] == " ":
                    start += 1
                break
        line = Line(index, start, end, level)
        spec = _parse_spec(text, start, end)
        if spec is not None:
            line.spec, line.spec_only = spec, True
        else:
            trailing = _trailing_spec(text, start, end, known)
            if trailing is not None:
                line.end, line.spec = trailing[0], trailing[1]
        lines.append(line)
    # 责任单位：A / 完成时限：B on consecutive lines are one set of fields.
    merged: list[Line] = []
    for line in lines:
        if line.end <= line.start:
            merged.append(line)
            continue
        prev = next((m for m in reversed(merged) if m.end > m.start), None)
        if line.spec_only and prev is not None and prev.spec_only and prev.spec and line.spec:
            prev.spec.lead.extend(line.spec.lead)
            prev.spec.co.extend(line.spec.co)
            prev.spec.time = prev.spec.time or line.spec.time
            prev.spec.cycle = prev.spec.cycle or line.spec.cycle
            line.end = line.start  # now empty; its fields live on `prev`
            continue
        merged.append(line)
    for line in merged:
        if line.spec is not None and line.spec_only and not line.spec.lead and not line.spec.co:
            # Only a leader or a time: not a responsibility line of its own.
            line.spec, line.spec_only = None, False
    return merged


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
        return parse_deadline(ctx.text[spec_time[0] : spec_time[1]], ctx.base, ctx.calendar)
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


# ---------------------------------------------------------------------------------------
# Pass 1: responsibility lists


def _plan_pass(ctx: _Context, lines: list[Line]) -> set[int]:
    consumed: set[int] = set()
    content = [ln for ln in lines if ln.end > ln.start]

    def children(k: int, parent_level: int) -> list[int]:
        out: list[int] = []
        for j in range(k + 1, len(content)):
            ln = content[j]
            if ln.spec_only:
                if out:
                    break
                continue
            if ln.level is None or ln.level <= parent_level:
                if ln.level is None and out:
                    continue  # a body line under the last child
                break
            out.append(j)
        return out

    for k, ln in enumerate(content):
        if ln.spec is None or ln.index in consumed:
            continue
        spec = ln.spec
        if ln.spec_only:
            prev = next((j for j in range(k - 1, -1, -1) if not content[j].spec_only), None)
            nxt = next((j for j in range(k + 1, len(content)) if not content[j].spec_only), None)
            if prev is None:
                continue
            p = content[prev]
            if (
                nxt is not None
                and p.level is not None
                and content[nxt].level is not None
                and content[nxt].level > p.level  # type: ignore[operator]
                and p.spec is None
            ):
                # A heading's responsibility line covers the measures listed under it.
                kids = [j for j in children(prev, p.level) if content[j].spec is None]
                for j in kids:
                    _spec_task(ctx, [content[j]], spec)
                    consumed.add(content[j].index)
                consumed.update({p.index, ln.index})
                continue
            # Otherwise it belongs to the item just above (and that item's body lines).
            owner = [p]
            j = prev
            while content[j].level is None and j > 0:
                above = content[j - 1]
                if above.spec is not None or j - 1 < 0:
                    break
                owner.insert(0, above)
                j -= 1
                if above.level is not None or len(owner) >= 6:
                    break
            if owner[0].level is None and len(owner) > 1:
                owner = owner[-1:]  # no numbered item above: the line just before
            _spec_task(ctx, owner, spec)
            consumed.update(o.index for o in owner)
            consumed.add(ln.index)
        else:
            kids = (
                [j for j in children(k, ln.level) if content[j].spec is None]
                if ln.level is not None
                else []
            )
            if kids:
                for j in kids:
                    _spec_task(ctx, [content[j]], spec)
                    consumed.add(content[j].index)
            else:
                _spec_task(ctx, [ln], spec)
            consumed.add(ln.index)
    return consumed


def _spec_task(ctx: _Context, owner: list[Line], spec: Spec) -> None:
    if not spec.lead:
        return
    draft = _Draft(
        spec.lead,
        spec.co,
        [(o.start, o.end) for o in owner],
        spec_time=spec.time,
        spec_cycle=spec.cycle,
    )
    _finish(ctx, draft, split_milestones=False)


# ---------------------------------------------------------------------------------------
# Pass 1b: tables (a .docx table, or rows copied from a web page as "a | b | c")

_COL_TASK = re.compile(r"任务|内容|事项|措施|目标|工作")
_COL_LEAD = re.compile(r"牵头|主办|主责")
_COL_LIST = re.compile(r"责任单位|责任部门|承办单位|落实单位")
_COL_CO = re.compile(r"配合|协办|参与")
_COL_TIME = re.compile(r"时限|完成时间|时间节点|进度安排")
_COL_CYCLE = re.compile(r"报送|频次|周期|调度")


def _cells(f: str, start: int, end: int) -> list[tuple[int, int]] | None:
    sep = "\t" if "\t" in f[start:end] else "|"
    if f[start:end].count(sep) < 2 and not (sep == "\t" and f[start:end].count(sep) >= 1):
        return None
    cells: list[tuple[int, int]] = []
    pos = start
    for i in [*(k for k in range(start, end) if f[k] == sep), end]:
        a, b = pos, i
        while a < b and f[a] in " ":
            a += 1
        while b > a and f[b - 1] in " ":
            b -= 1
        cells.append((a, b))
        pos = i + 1
    if cells and cells[0][1] <= cells[0][0] and f[start] == "|":
        cells = cells[1:]
    if cells and cells[-1][1] <= cells[-1][0]:
        cells = cells[:-1]
    return cells if len(cells) >= 2 else None


def _cell(
    columns: dict[str, int], cells: list[tuple[int, int]], key: str
) -> tuple[int, int] | None:
    i = columns.get(key)
    if i is None or i >= len(cells):
        return None
    a, b = cells[i]
    return (a, b) if b > a else None


def _table_pass(ctx: _Context, lines: list[Line]) -> set[int]:
    consumed: set[int] = set()
    f = ctx.f
    columns: dict[str, int] | None = None
    for line in lines:
        # Table rows keep their numbering cell; look at the whole raw line.
        start = ctx.f.rfind("\n", 0, line.start) + 1
        end = ctx.f.find("\n", line.start)
        end = len(f) if end < 0 else end
        cells = _cells(f, start, end)
        if cells is None:
            columns = None
            continue
        heads = [f[a:b] for a, b in cells]
        found: dict[str, int] = {}
        for i, h in enumerate(heads):
            if len(h) > 10:
                continue
            for key, pattern in (
                ("lead", _COL_LEAD),
                ("list", _COL_LIST),
                ("co", _COL_CO),
                ("time", _COL_TIME),
                ("cycle", _COL_CYCLE),
                ("task", _COL_TASK),
            ):
                if key not in found and pattern.search(h):
                    found[key] = i
                    break
        if "task" in found and ("lead" in found or "list" in found):
            columns = found
            consumed.add(line.index)
            continue
        if columns is None:
            continue
        consumed.add(line.index)
        cell = functools.partial(_cell, columns, cells)
        task = cell("task")
        if task is None:
            continue
        spec = Spec()
        if (c := cell("lead")) is not None:
            spec.lead = _split_values(f, *c)
        if (c := cell("list")) is not None:
            units = _split_values(f, *c)
            if spec.lead:
                spec.co.extend(units)
            else:
                spec.lead, spec.co = units[:1], units[1:]
        if (c := cell("co")) is not None:
            spec.co.extend(_split_values(f, *c))
        spec.time = cell("time")
        spec.cycle = cell("cycle")
        _spec_task(ctx, [Line(line.index, task[0], task[1], None)], spec)
    return consumed


# ---------------------------------------------------------------------------------------
# Pass 2: prose


@dataclass
class _Clause:
    start: int
    end: int
    delim: str  # the punctuation that closes it: , ; : 。 ! ? or "" at the end of a line


_OPEN, _CLOSE = "(“《‘「【[", ")”》’」】]"


def _sentences(f: str, start: int, end: int) -> list[list[_Clause]]:
    sentences: list[list[_Clause]] = []
    clauses: list[_Clause] = []
    depth = 0
    c_start = start
    for i in range(start, end):
        ch = f[i]
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif depth == 0 and ch in ",;:。!?":
            if ch in ",:" and 0 < i < end - 1 and f[i - 1].isdigit() and f[i + 1].isdigit():
                continue  # 8:30, 1,000
            clauses.append(_Clause(c_start, i, ch))
            c_start = i + 1
            if ch in "。!?":
                sentences.append(clauses)
                clauses = []
    if c_start < end:
        clauses.append(_Clause(c_start, end, ""))
    if clauses:
        sentences.append(clauses)
    return sentences


_ENUM = re.compile(
    r"(?:[一二三四五六七八九十]{1,3}是|第[一二三四五六七八九十]{1,3}[,、]?|"
    r"[一二三四五六七八九十]{1,3}[、.]|\([一二三四五六七八九十\d]{1,3}\)|\d{1,2}[、.](?!\d)|"
    r"[①②③④⑤⑥⑦⑧⑨⑩]|其中|同时|此外|另外|最后|首先|其次)\s*"
)
_LEAD_IN_WHOLE = re.compile(
    r"(?:会议|会上|会议还|他|她|其|[\u4e00-\u9fff]{2,4}?)?(?:还|并|同时|特别|进一步|再次|最后)?"
    r"(?:要求|强调|指出|提出|明确|议定|决定|部署|表示)$"
)
_LEAD_IN_INLINE = re.compile(
    r"(?:会议|会上|他|她)?(?:还|并|同时|特别|进一步|再次)?(?:强调|指出|要求)(?:,|:)?"
)
_LABEL = re.compile(r"[^,;。]{1,12}$")  # "咨询类" before a colon

_MODAL = re.compile(r"要(?!求|素|点|闻|件|害)|应当|应该|应(?!急)|必须|务必|须|需要|需(?!求)")
_LEAD_DECL = re.compile(r"(?:要|应)?(?:主动|统一)?(?:牵头抓总|牵头|负责|主办|主责|协调|抓总)$")
_CO_DECL = re.compile(
    r"(?:要|应)?(?:积极|主动|密切|全力|大力|做好|全面)?(?:配合|协助|协办|参与|协同配合)$"
)
_WITH = re.compile(
    r"(?:要|应|须)?(?:牵头|负责)?(?:[,]?)(?:会同|联合|协同|商请?|协调|组织|督促|指导)"
)
_CO_IN_ACTION = re.compile(r"(?:充分|主动|积极|及时)?(?:会同|协调|联合|商请?)")
_PERSON = re.compile(
    r"(?:全体|主要|分管|有关|相关)?[\u4e00-\u9fff]{0,10}?"
    r"(?:班子成员|工作人员|负责人|负责同志|干部职工|干部|同志|职工|工作者|党员)"
)
_ADVERBIAL_START = re.compile(
    r"对|在|于|从|按|按照|根据|结合|围绕|针对|把|就|以|务必|进一步|切实|认真|积极|主动|"
    r"全力|要|今年|年内|近期|当前|下一步|在此期间"
)
_TIME_LIMIT = re.compile(r"\d{1,3}(?:\s*[-~至]\s*\d{1,3})?\s*个?(?:小时|工作日|天|日)(?:内|以内)?")
_BARE_VERB = re.compile(
    r"进入|做好|加强|落实|开展|完成|组织|抓好|加快|推进|制定|建立|立即|迅速|全力|切实|认真|"
    r"积极|主动|务必|进一步|严格|及时|督促|统筹|全面|深入|持续|强化|坚持|确保|着力|做到|"
    r"负责|牵头|实行|实施|按月|按季|按周|按照|根据|对|每|定期|会同|联合|抓紧|尽快|加紧|继续|依法"
)
_SCOPE = re.compile(r"(?:对于|对|针对)[^,;:。]{2,30}$")
_GROUP_WORD = re.compile(r"各|全体|所有|有关|相关|其他|其它")
_BY_INSIDE = re.compile(r"由")
_OWNER_WORD = re.compile(r"牵头|负责|承办|主办|主责")
_STATUS = re.compile(r"了|已经|已|正在|均已|截至|截止目前")
_PROGRESS_START = re.compile(r"\s*(?:已|已经|均已|正在|基本完成)")
_PROGRESS_PAST = re.compile(r"(?<!为)了(?!解)")


def _is_progress(f: str, start: int, end: int) -> bool:
    """已完成… / 编制了…: a report of what was done, not an instruction."""
    return bool(_PROGRESS_START.match(f, start, end) or _PROGRESS_PAST.search(f, start, end))


_EXHORTATION = re.compile(r"(?:认真|深入|全面|坚决)?(?:学习)?贯彻(?:落实)?[^,;。]{0,60}精神")
_AFTER_UNITS = re.compile(r"[^、和及与]")


@dataclass
class _Subject:
    units: UnitList
    co: list[Found]
    action: int  # where the action text starts (may equal the clause end)
    kind: str  # "task" | "lead_decl" | "co_decl"


def _continuation(ctx: _Context, units: UnitList, end: int, *, invited: bool) -> _Subject | None:
    """What follows a unit list decides whether it is the addressee of a directive."""
    f = ctx.f
    q = units.end
    while q < end and f[q] == " ":
        q += 1
    rest = f[q:end]
    if _CO_DECL.match(rest):
        # Its action, should no lead unit come before it: 交通等部门要密切配合，加强沟通…
        modal = re.match(r"要|应", rest)
        return _Subject(units, [], q + (modal.end() if modal else 0), "co_decl")
    if _LEAD_DECL.match(rest):
        return _Subject(units, [], end, "lead_decl")
    if rest.startswith("要求"):
        # 县政府要求各乡镇于3月底前完成排查: the units after 要求 are the addressees.
        asked = unit_list_at(f, q + 2, ctx.known)
        if asked is not None and not asked.anaphor:
            return _continuation(ctx, asked, end, invited=True)
        return None
    m = _WITH.match(rest)
    if m:
        co = unit_list_at(f, q + m.end(), ctx.known)
        if co is not None:
            return _Subject(units, co.units, co.end, "task")
    person = _PERSON.match(rest)
    if person and unit_ends(f, q, ctx.known) == []:
        after = q + person.end()
        m = _MODAL.match(f, after)
        if m:
            return _Subject(units, [], m.end(), "task")
    m = _MODAL.match(rest)
    if m or rest.startswith("将"):
        return _Subject(units, [], q + (m.end() if m else 1), "task")
    if rest.startswith(("负责", "牵头")) and not rest.startswith(("负责人", "负责同志")):
        return _Subject(units, [], q, "task")
    if _TIME_LIMIT.match(rest):
        return _Subject(units, [], q, "task")
    if _ADVERBIAL_START.match(rest):
        modal = _MODAL.search(rest)
        if modal and not re.search(r"[了]", rest[: modal.start()]):
            return _Subject(units, [], q, "task")
    if invited:
        return _Subject(units, [], q, "task")
    if _BARE_VERB.match(rest):
        return _Subject(units, [], q, "bare")
    return None


def _subject_at(ctx: _Context, p: int, end: int) -> _Subject | None:
    f = ctx.f
    invited = False
    if f.startswith("请", p):
        invited, p = True, p + 1
    elif f.startswith("由", p):
        p += 1
        units = unit_list_at(f, p, ctx.known)
        if units is None:
            return None
        rest = f[units.end : end]
        if re.match(r"(?:牵头|负责|承办|主办)的", rest):
            return None  # 由县民政局负责的第1件: a mention, not an instruction
        subject = _continuation(ctx, units, end, invited=True)
        return subject
    units = unit_list_at(f, p, ctx.known, follow=_AFTER_UNITS)
    if units is None:
        return None
    return _continuation(ctx, units, end, invited=invited)


def _subject_inside(ctx: _Context, p: int, end: int) -> _Subject | None:
    """城区停车场建设由县住建局负责: the work first, then 由 + the lead unit.

    The action text keeps the work, so it starts at the clause.
    """
    f = ctx.f
    for m in _BY_INSIDE.finditer(f, p + 1, end):
        units = unit_list_at(f, m.end(), ctx.known)
        if units is None or units.anaphor:
            continue
        owner = _OWNER_WORD.match(f, units.end)
        if owner is None or f.startswith("的", owner.end()):
            continue  # 由县民政局负责的第1件 names an owner; it gives no instruction
        return _Subject(units, [], p, "task")
    return None


def _core_start(ctx: _Context, clause: _Clause) -> tuple[int, bool, bool]:
    """Skip enumerators and lead-ins (会议要求，他强调).

    Returns the position, whether a lead-in was skipped and whether an enumerator was.
    """
    f = ctx.f
    p = clause.start
    lead_in = enumerated = False
    while True:
        while p < clause.end and f[p] in " \t":
            p += 1
        m = _ENUM.match(f, p, clause.end)
        if m and m.end() > p:
            p, enumerated = m.end(), True
            continue
        m = _LEAD_IN_INLINE.match(f, p, clause.end)
        if m and m.end() > p and m.end() < clause.end:
            p, lead_in = m.end(), True
            continue
        break
    return p, lead_in, enumerated


Topic = tuple[list[Found], list[Found]]


@dataclass
class _Sentence:
    """State while reading one sentence."""

    current: _Draft | None = None
    blocked: bool = False  # a subjectless 要 came before any addressee
    subject: Topic | None = None  # the last addressee named in the sentence
    directive: bool = False  # opened by 会议强调 / 他要求 …
    start: int = 0  # where the sentence starts
    first_core: bool = True
    prefix: int | None = None  # a leading 对…/3月25日前 clause that belongs to the next task


def _clause_end(f: str, start: int, limit: int) -> int:
    """End of the prefix clauses: up to the punctuation before the subject clause."""
    end = limit
    while end > start and f[end - 1] in ",;: ":
        end -= 1
    return end


def _is_dated(ctx: _Context, start: int, end: int) -> bool:
    for span in find_deadlines(ctx.text[start:end]):
        d = parse_deadline(ctx.text[start + span.start : start + span.end], ctx.base, None)
        if d is not None and d.kind in (Kind.DATE, Kind.UNRESOLVED):
            return True
    return False


def _prose_pass(ctx: _Context, lines: list[Line], consumed: set[int]) -> None:
    f = ctx.f
    for line in lines:
        if line.index in consumed or line.end <= line.start:
            continue
        topic: Topic | None = None
        prev: tuple[int, int] = (line.start, line.start)  # the previous sentence
        for clauses in _sentences(f, line.start, line.end):
            st = _Sentence(start=clauses[0].start)
            for n, clause in enumerate(clauses):
                _clause(ctx, st, clauses, n, clause, topic, prev)
            if st.current is not None:
                _finish(ctx, st.current)
            if st.subject is not None:
                topic = None if st.blocked else st.subject
            prev = (clauses[0].start, clauses[-1].end)


def _clause(
    ctx: _Context,
    st: _Sentence,
    clauses: list[_Clause],
    n: int,
    clause: _Clause,
    topic: Topic | None,
    prev: tuple[int, int],
) -> None:
    f = ctx.f
    p, lead_in, enumerated = _core_start(ctx, clause)
    st.directive = st.directive or lead_in
    whole = f[p : clause.end]
    if not whole:
        return
    if clause.delim == ":":
        label = unit_list_at(f, p, ctx.known)
        if (
            label is not None
            and label.end == clause.end
            and not label.anaphor
            and n < len(clauses) - 1
        ):
            # 县住建局：1.加快…；2.推进…: the label names the addressee of what follows.
            if st.current is not None:
                _finish(ctx, st.current)
            st.current = _Draft(label.units[:1], label.units[1:], [])
            st.subject = (label.units[:1], label.units[1:])
            return
        if (_LEAD_IN_WHOLE.match(whole) or _LABEL.match(whole)) and _subject_at(
            ctx, p, clause.end
        ) is None:
            st.directive = st.directive or bool(_LEAD_IN_WHOLE.match(whole))
            return
    if _LEAD_IN_WHOLE.match(whole) and clause.delim in (",", ""):
        st.directive = True
        return
    subject = _subject_at(ctx, p, clause.end)
    if subject is not None and subject.kind == "bare":
        # A bare "units + verb" is a directive only when it addresses a group (各…, 有关…)
        # at the head of a sentence that reports no progress (了, 已):
        # 各乡镇森林消防队伍进入戒备状态。 "县住建局全面推进改造，完成投资2亿元" is a report.
        sentence_text = f[clauses[0].start : clauses[-1].end]
        first = subject.units.units[0]
        if (
            st.first_core
            and _GROUP_WORD.match(f, first.start)
            and not _STATUS.search(sentence_text)
        ):
            subject = replace(subject, kind="task")
        else:
            subject = None
    if subject is None:
        subject = _subject_inside(ctx, p, clause.end)
    if (
        subject is not None
        and subject.kind == "task"
        and _is_progress(f, subject.action, clause.end)
    ):
        subject = None  # 县发改局牵头编制了…方案: a progress report, not an instruction
    first_core = st.first_core
    st.first_core = False
    if subject is not None:
        _addressed(ctx, st, subject, p, clause, prev)
        return
    # No addressee in this clause.
    starts_with_modal = bool(re.match(r"要(?!求|素|点)", whole))
    current = st.current
    if current is not None:
        if (starts_with_modal or enumerated) and current.has_action(f):
            # X要A，要B / X：一是A；二是B — one task per point, same addressee.
            _finish(ctx, current)
            action = p + 1 if starts_with_modal else p
            st.current = _Draft(current.lead, list(current.co), [(action, clause.end)])
            return
        first_action = not current.has_action(f)
        current.clauses.append((p, clause.end))
        if len(current.clauses) <= 3:
            # 对照目标任务，充分协调其他责任单位…: a co-unit named in the action.
            with_co = _CO_IN_ACTION.match(f, p, clause.end)
            co_list = unit_list_at(f, with_co.end(), ctx.known) if with_co else None
            if co_list is not None:
                current.co.extend(co_list.units)
                if first_action and with_co is not None and with_co.start() == p:
                    # 请A牵头，会同B研究提出意见: the action starts after the co-units.
                    current.clauses[-1] = (co_list.end, clause.end)
        return
    if (
        topic is not None
        and first_core
        and (starts_with_modal or st.directive or _is_dated(ctx, p, clauses[-1].end))
    ):
        action = p + 1 if starts_with_modal else p
        st.current = _Draft(topic[0], list(topic[1]), [(action, clause.end)])
        return
    if starts_with_modal:
        st.blocked = True
    elif (
        st.prefix is None
        and not st.blocked
        and (
            _SCOPE.match(whole) or (_ADVERBIAL_ONLY.match(whole) and _is_dated(ctx, p, clause.end))
        )
    ):
        # 对未达到序时进度的任务，相关责任单位要… / 3月25日前，各乡镇要…
        st.prefix = p


def _addressed(
    ctx: _Context,
    st: _Sentence,
    subject: _Subject,
    p: int,
    clause: _Clause,
    prev: tuple[int, int],
) -> None:
    f = ctx.f
    units = subject.units.units
    if subject.units.anaphor:
        # 请以上责任单位加快…: one task for each unit named before.
        antecedents = mentions(f, st.start, p, ctx.known) or mentions(f, *prev, ctx.known)
        if antecedents:
            if st.current is not None:
                _finish(ctx, st.current)
            st.current = _Draft(
                antecedents[:1], [], [(subject.action, clause.end)], each=antecedents
            )
            return
    lead, co = units[:1], units[1:] + subject.co
    current = st.current
    if (
        subject.kind == "co_decl"
        and current is not None
        and (not current.has_action(f) or len(current.clauses) == 1)
    ):
        # 由A牵头，B配合 / A要主动协调，B要积极配合: B joins the task as a co-unit.
        current.co.extend(units)
        return
    if current is not None and _names(ctx, current.lead) == _names(ctx, lead):
        current.clauses.append((subject.action, clause.end))  # the same unit again
        return
    if current is not None:
        _finish(ctx, current)
    if subject.kind == "lead_decl" or clause.delim == ":":
        # 县交通运输局要做到：一是…；二是… — the points after the colon are the tasks.
        st.current = _Draft(lead, co, [])
    else:
        st.current = _Draft(lead, co, [(subject.action, clause.end)])
    if st.prefix is not None:
        st.current.clauses.insert(0, (st.prefix, _clause_end(ctx.f, st.prefix, clause.start)))
        st.prefix = None
    st.subject = (lead, co)


def _is_exhortation(task: DraftTask) -> bool:
    """认真贯彻落实…精神 opens an attitude statement, not a task (the annotation rules)."""
    return bool(_EXHORTATION.match(fold(task.text)))


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
    for task in sorted(ctx.tasks, key=lambda t: t.start):
        key = (fold(task.text), tuple(task.lead), tuple(task.co))
        if key in seen or _is_exhortation(task):
            continue
        seen.add(key)
        out.append(task)
    return out


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
