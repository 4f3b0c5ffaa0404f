"""Ledger filters from outside the web form: the ledger page's query string, or CLI flags.

The ledger page and `duban ledger export` select the same rows because both end in
`work.ledger.ledger_tasks` with a `LedgerFilters`; this module builds one from the page's
query-string format (what a saved filter stores, e.g. `status=open&unit=3`), and accepts
a unit or leader by code or name as well as by id, which is what a person types on a
command line. A value that means nothing is an error naming the parameter, never ignored:
an export that silently widened would hand up the wrong ledger.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from urllib.parse import parse_qsl

from duban.org.models import Leader, Unit
from duban.org.selectors import resolve_units
from duban.work import ledger as lq
from duban.work.models import DirectiveKind, Light, TaskStatus


class FilterError(ValueError):
    """A filter value that selects nothing meaningful; the message is Chinese."""


def _unit(raw: str) -> int:
    if raw.isdigit() and Unit.objects.filter(pk=int(raw)).exists():
        return int(raw)
    by_code = Unit.objects.filter(code=raw).first()
    if by_code is not None:
        return by_code.pk
    units = resolve_units(raw)
    if units is None or len(units) != 1:
        raise FilterError(f"承办单位“{raw}”不存在（可填写单位全称、简称、别名或代码）。")
    return units[0].pk


def _leader(raw: str, what: str) -> int:
    if raw.isdigit() and Leader.objects.filter(pk=int(raw)).exists():
        return int(raw)
    found = Leader.objects.filter(code=raw).first() or Leader.objects.filter(name=raw).first()
    if found is None:
        found = next((ld for ld in Leader.objects.all() if str(ld) == raw), None)
    if found is None:
        raise FilterError(f"{what}“{raw}”不存在（可填写姓名或代码）。")
    return found.pk


def _date(raw: str, what: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise FilterError(f"{what}“{raw}”不是有效日期（应为2026-12-31）。") from None


def _choice(raw: str, allowed: Mapping[str, str], what: str) -> str:
    """A value by its code (in_progress) or by its Chinese label (办理中)."""
    if raw in allowed:
        return raw
    for value, label in allowed.items():
        if raw == label:
            return value
    raise FilterError(f"{what}“{raw}”无效，可选：{'、'.join(allowed.values())}。")


def parse(params: Mapping[str, str]) -> lq.LedgerFilters:
    """LedgerFilters from the ledger page's parameters; unknown parameters are refused."""
    unknown = [k for k in params if k not in lq.FILTER_PARAMS]
    if unknown:
        raise FilterError(f"未知的筛选条件：{'、'.join(unknown)}。")
    p = {k: v.strip() for k, v in params.items() if v and v.strip()}
    if "meeting" in p:
        # The meeting's decisions are resolved through the meetings app, which the web
        # does (web/views/ledger.py); a file export by command would silently ignore it.
        raise FilterError("按会议筛选请在台账页面导出，命令行暂不支持。")
    statuses = {lq.OPEN: "在办", **dict(TaskStatus.choices)}
    lights = {v: lbl for v, lbl in Light.choices if v != Light.NONE}
    is_key: bool | None = None
    if "is_key" in p:
        is_key = {"1": True, "0": False, "是": True, "否": False}.get(p["is_key"])
        if is_key is None:
            raise FilterError(f"重点督办“{p['is_key']}”无效（1或0）。")
    if p.get("unit_role", "") not in ("", lq.LEAD, lq.CO):
        raise FilterError(f"承办方式“{p['unit_role']}”无效（lead或co）。")
    if p.get("sort", lq.DEFAULT_SORT) not in lq.SORTS:
        raise FilterError(f"排序“{p['sort']}”无效，可选：{'、'.join(lq.SORTS)}。")
    f = lq.LedgerFilters(
        q=p.get("q", ""),
        kind=_choice(p["kind"], dict(DirectiveKind.choices), "事项来源") if "kind" in p else "",
        unit=_unit(p["unit"]) if "unit" in p else None,
        unit_role=p.get("unit_role", ""),
        leader=_leader(p["leader"], "牵头领导") if "leader" in p else None,
        line=_leader(p["line"], "分管领导") if "line" in p else None,
        status=_choice(p["status"], statuses, "办理状态") if "status" in p else "",
        light=_choice(p["light"], lights, "亮灯") if "light" in p else "",
        is_key=is_key,
        due_from=_date(p["due_from"], "时限起始日期") if "due_from" in p else None,
        due_to=_date(p["due_to"], "时限截止日期") if "due_to" in p else None,
        sort=p.get("sort", lq.DEFAULT_SORT),
    )
    if f.due_from and f.due_to and f.due_to < f.due_from:
        raise FilterError("时限截止日期不能早于起始日期。")
    return f


def parse_query(query: str) -> lq.LedgerFilters:
    """From a query string such as the ledger page's address or a saved filter."""
    return parse(dict(parse_qsl(query.lstrip("?"), keep_blank_values=False)))


def describe(f: lq.LedgerFilters) -> str:
    """The filters in words, for the sheet's second row: 办理状态：在办；亮灯：红灯."""
    parts: list[str] = []
    if f.q:
        parts.append(f"关键词：{f.q}")
    if f.kind:
        parts.append(f"事项来源：{DirectiveKind(f.kind).label}")
    if f.unit is not None:
        unit = Unit.objects.filter(pk=f.unit).first()
        role = {lq.LEAD: "（牵头）", lq.CO: "（配合）"}.get(f.unit_role, "")
        parts.append(f"承办单位：{unit.label if unit else f.unit}{role}")
    for value, what in ((f.leader, "牵头领导"), (f.line, "分管领导")):
        if value is not None:
            leader = Leader.objects.filter(pk=value).first()
            parts.append(f"{what}：{leader.name if leader else value}")
    if f.status:
        label = "在办" if f.status == lq.OPEN else TaskStatus(f.status).label
        parts.append(f"办理状态：{label}")
    if f.light:
        parts.append(f"亮灯：{Light(f.light).label}")
    if f.is_key is not None:
        parts.append("重点督办事项" if f.is_key else "非重点事项")
    if f.due_from or f.due_to:
        start = f"{f.due_from:%Y-%m-%d}" if f.due_from else ""
        end = f"{f.due_to:%Y-%m-%d}" if f.due_to else ""
        parts.append(f"完成时限：{start}至{end}")
    return "；".join(parts) if parts else "全部事项"
