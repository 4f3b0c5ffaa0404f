"""The new-event form's one-item-a-line lists (events/lines.py, pure)."""

from __future__ import annotations

from datetime import time

import pytest

from duban.events import lines


def test_schedule_lines_with_times_sites_and_people() -> None:
    got = lines.schedule(
        "08:30｜集合出发\n\n 09:00-09:40 | 察看标准厂房 | 城关镇产业园 | 城关镇\n"
        "10:05\t座谈\t\t各单位"
    )
    assert got == [
        lines.ScheduleLine(time(8, 30), None, "集合出发", "", ""),
        lines.ScheduleLine(time(9, 0), time(9, 40), "察看标准厂房", "城关镇产业园", "城关镇"),
        lines.ScheduleLine(time(10, 5), None, "座谈", "", "各单位"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("9点｜出发", "日程第1行：时间“9点”无效"),
        ("08:00｜出发\n25:00｜返回", "日程第2行：时间“25:00”无效"),
        ("08:00", "日程第1行：须为"),
        ("08:00-8:6｜出发", "日程第1行：时间“08:00-8:6”无效"),
    ],
)
def test_a_bad_schedule_line_is_named(text: str, message: str) -> None:
    with pytest.raises(lines.LineError) as e:
        lines.schedule(text)
    assert e.value.message.startswith(message) and e.value.field == "schedule"


def test_sites_and_names() -> None:
    assert lines.sites("产业园｜城关镇｜陈卡\n县医院") == [
        lines.SiteLine("产业园", "城关镇", "陈卡"),
        lines.SiteLine("县医院", "", ""),
    ]
    with pytest.raises(lines.LineError, match="点位第1行"):
        lines.sites("a｜b｜c｜d")
    assert lines.names("李丽、王刚\n县财政局，李丽") == ["李丽", "王刚", "县财政局"]
