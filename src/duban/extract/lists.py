"""Responsibility lists: item lines with 牵头单位:/责任单位: fields or a closing
(A牵头，B配合) parenthetical (工作方案, 责任分解)."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from duban.extract.draft import _Context, _Draft, _finish
from duban.extract.units import (
    Found,
    Known,
    split_conjoined,
    unit_list_at,
)

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
    r"牵头责任单位|协同责任单位|责任主体与协同单位|责任主体|"
    r"牵头\s?单位|牵头部门|主办单位|主责单位|责任单位|责任部门|承办单位|配合单位|协办单位|"
    r"配合部门|参与单位|协同单位|完成时限|完成时间|办结时限|时间节点|时限要求|时限|"
    r"牵头负责领导|责任领导|牵头领导|分管领导|联系领导|督办领导|项目责任人|责任人|"
    r"实际完成情况|完成情况|推进情况|进展情况|"
    r"报送要求|报送时间|调度频次"
)
_FIELD_RE = re.compile(rf"({_FIELD})\s*:")
_LEAD_FIELDS = {"牵头单位", "牵头 单位", "牵头部门", "主办单位", "主责单位", "牵头责任单位"}
# The first listed leads, the rest assist (责任主体与协同单位: the subject, then its helpers).
_LIST_FIELDS = {"责任单位", "责任部门", "承办单位", "责任主体", "责任主体与协同单位"}
_CO_FIELDS = {"配合单位", "协办单位", "配合部门", "参与单位", "协同单位", "协同责任单位"}
# Leaders and contact people (people, never units) and progress columns: read past them.
_TIME_FIELDS = {"完成时限", "完成时间", "办结时限", "时间节点", "时限要求", "时限"}
_CYCLE_FIELDS = {"报送要求", "报送时间", "调度频次"}


_TASK_LABEL = re.compile(
    r"(?:重点工作|主要任务|工作任务|目标任务|重点任务|工作内容|任务内容)\s*:\s*\|?\s*"
)


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
    seg_start = start
    for i in range(start, end):
        c = text[i]
        if c == "(":
            depth += 1
        elif c == ")":
            depth = max(0, depth - 1)
        elif depth == 0 and c in "、,;/ |":
            left, seg_start = text[seg_start:i], i + 1
            if c == "、" and (len(left) == 1 or (len(left) == 2 and left[0] == "各")):
                continue  # 各县、市、区政府: one group name, not 各县 + 市 + 区政府
            cuts.append((i, i + 1))
    for cut_start, cut_end in [*cuts, (end, end)]:
        piece_start, piece_end = pos, cut_start
        pos = cut_end
        # Drop a long annotation: (列第一位者为工作牵头单位或汇总单位,下同), and 等.
        seg = text[piece_start:piece_end]
        paren = seg.find("(")
        if paren >= 0 and (len(seg) - paren > 9 or "," in seg[paren:]):
            piece_end = piece_start + paren
        while piece_end > piece_start and text[piece_end - 1] in " 等。.|":
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
        while v_end > v_start and text[v_end - 1] in ";,。 |":
            v_end -= 1
        while v_start < v_end and text[v_start] in " |":
            v_start += 1
        name = re.sub(r"\s", "", m.group(1))
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


# Fields run together on one line of a web page ("1.建成…。 牵头领导:王某 责任单位:市公安局
# 配合单位:市城管局 实际完成情况:…"): each field, and each numbered item after one, is a
# line of its own.
_INLINE_FIELD = re.compile(
    r"(?<= )(?:牵头单位|责任单位|配合单位|协办单位|牵头领导|责任领导|分管领导|项目责任人|"
    r"完成时限|实际完成情况|完成情况|进展情况)\s*:"
)
_INLINE_ITEM = re.compile(r"(?<=[。 ] )\d{1,2}\.(?!\d)")


def _segments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    if _INLINE_FIELD.search(text, start, end) is None:
        return [(start, end)]
    cuts = sorted(
        {m.start() for m in _INLINE_FIELD.finditer(text, start, end)}
        | {m.start() for m in _INLINE_ITEM.finditer(text, start, end)}
    )
    bounds = [start, *cuts, end]
    return [(a, b) for a, b in itertools.pairwise(bounds) if b > a]


def _lines(text: str, known: Known) -> list[Line]:
    lines: list[Line] = []
    pos = 0
    spans: list[tuple[int, int]] = []
    for raw in text.split("\n"):
        spans.extend(_segments(text, pos, pos + len(raw)))
        pos += len(raw) + 1
    for index, (start, end) in enumerate(spans):
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
        label = _TASK_LABEL.match(text, start, end)
        if label:
            # Key–value tables: "重点工作: | 建成… |" — the cell is the item.
            start = label.end()
            while end > start and text[end - 1] in " |":
                end -= 1
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
            if prev.spec.lead:  # 牵头单位：A / 责任单位：B、C — B and C assist
                prev.spec.co.extend(line.spec.lead + line.spec.co)
            else:
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
