"""The new-event form's lists, one item a line, fields split by ｜ (or | or a tab).

    点位:   城关镇产业园｜城关镇｜陈卡 13800000001
    日程:   09:00-09:40｜察看标准厂房｜城关镇产业园｜城关镇主要负责同志
    人员:   李丽        (a county leader)   or   县财政局   (an accompanying unit)

Pure: names are returned as written; the caller resolves them against the registry. A bad
line raises LineError naming the list and the line, in Chinese.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

_SPLIT = re.compile(r"[ \u3000]*[｜|\t][ \u3000]*")
_TIME = re.compile(r"^(\d{1,2})[:：](\d{2})$")


class LineError(ValueError):
    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class SiteLine:
    name: str
    host: str
    contact: str


@dataclass(frozen=True)
class ScheduleLine:
    start: time
    end: time | None
    what: str
    site: str
    who: str


def _lines(text: str) -> list[tuple[int, list[str]]]:
    out = []
    for n, raw in enumerate(text.splitlines(), start=1):
        if raw.strip():
            out.append((n, [part.strip() for part in _SPLIT.split(raw.strip())]))
    return out


def parse_time(raw: str) -> time | None:
    m = _TIME.match(raw.strip())
    if m is None:
        return None
    hour, minute = int(m[1]), int(m[2])
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def sites(text: str) -> list[SiteLine]:
    out = []
    for n, parts in _lines(text):
        if len(parts) > 3:
            raise LineError(f"点位第{n}行：最多三栏（点位｜承办单位｜联系人）。", "sites")
        parts += [""] * (3 - len(parts))
        out.append(SiteLine(*parts[:3]))
    return out


def schedule(text: str) -> list[ScheduleLine]:
    out = []
    for n, parts in _lines(text):
        if len(parts) < 2 or len(parts) > 4:
            raise LineError(
                f"日程第{n}行：须为“时间｜内容｜点位｜人员”（点位、人员可省略）。", "schedule"
            )
        when, what, *rest = parts
        rest += [""] * (2 - len(rest))
        start_raw, _, end_raw = when.replace("—", "-").replace("～", "-").partition("-")
        start = parse_time(start_raw)
        end = parse_time(end_raw) if end_raw else None
        if start is None or (end_raw and end is None):
            raise LineError(
                f"日程第{n}行：时间“{when}”无效，应如 09:00 或 09:00-09:40。", "schedule"
            )
        if not what:
            raise LineError(f"日程第{n}行：请填写内容。", "schedule")
        out.append(ScheduleLine(start, end, what, rest[0], rest[1]))
    return out


def names(text: str) -> list[str]:
    """One name a line (or several separated by 、，,)."""
    out: list[str] = []
    for raw in text.splitlines():
        for name in re.split(r"[、，,；;]", raw):
            if name.strip() and name.strip() not in out:
                out.append(name.strip())
    return out
