"""Tables: a .docx table, or rows copied from a web page as ``a | b | c``."""

from __future__ import annotations

import functools
import re

from duban.extract.draft import _Context
from duban.extract.lists import Line, Spec, _spec_task, _split_values

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
