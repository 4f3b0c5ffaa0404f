"""Deadline and cycle phrases, with the document's date as a parameter (no clock)."""

from __future__ import annotations

from datetime import date

import pytest

from duban.extract.deadline import Kind, find_cycles, find_deadlines, parse_cycle, parse_deadline
from duban.workdays.calendar import WorkCalendar

CAL = WorkCalendar()
SUNDAY = date(2026, 3, 15)


@pytest.mark.parametrize(
    ("raw", "base", "due"),
    [
        ("2026年9月30日前", SUNDAY, date(2026, 9, 30)),
        ("二〇二六年九月三十日前", SUNDAY, date(2026, 9, 30)),
        ("2026-09-30", SUNDAY, date(2026, 9, 30)),
        ("9月30日前", SUNDAY, date(2026, 9, 30)),
        ("十二月三十一日前", SUNDAY, date(2026, 12, 31)),
        ("6月底前", SUNDAY, date(2026, 6, 30)),
        ("2023年6月底前", SUNDAY, date(2023, 6, 30)),
        ("2月底前", date(2028, 1, 10), date(2028, 2, 29)),  # a leap year
        ("月底前", SUNDAY, date(2026, 3, 31)),
        ("下月底前", SUNDAY, date(2026, 4, 30)),
        ("年底前", SUNDAY, date(2026, 12, 31)),
        ("在年底", date(2010, 8, 23), date(2010, 12, 31)),
        ("年内", SUNDAY, date(2026, 12, 31)),
        ("一季度", SUNDAY, date(2026, 3, 31)),
        ("第三季度末", SUNDAY, date(2026, 9, 30)),
        ("二季度末前", SUNDAY, date(2026, 6, 30)),
        ("上半年", SUNDAY, date(2026, 6, 30)),
        ("下半年", SUNDAY, date(2026, 12, 31)),
        ("在剩下的半年时间里", date(2022, 8, 19), date(2022, 12, 31)),
        ("10月上旬", SUNDAY, date(2026, 10, 10)),
        ("10月中旬", SUNDAY, date(2026, 10, 20)),
        ("10月下旬", SUNDAY, date(2026, 10, 31)),
        ("一周内", SUNDAY, date(2026, 3, 22)),
        ("10天内", SUNDAY, date(2026, 3, 25)),
        ("3个月内", SUNDAY, date(2026, 6, 15)),
        ("本周五前", date(2026, 3, 10), date(2026, 3, 13)),
        # A year-less date more than half a year back means next year's.
        ("1月底前", date(2026, 12, 20), date(2027, 1, 31)),
        # … but one a few days back is this year's (a notice posted late).
        ("3月10日前", SUNDAY, date(2026, 3, 10)),
    ],
)
def test_dates(raw: str, base: date, due: date) -> None:
    found = parse_deadline(raw, base, CAL)
    assert found is not None
    assert (found.kind, found.due) == (Kind.DATE, due)


@pytest.mark.parametrize(
    ("base", "n", "due"),
    [
        # Counted strictly after the document date: from a Sunday, Mon-Fri is 5.
        (SUNDAY, "5个工作日内", date(2026, 3, 20)),
        (SUNDAY, "五个工作日内", date(2026, 3, 20)),
        # Across National Day 2026: 10-01..07 off, Saturday 10-10 is a working day.
        (date(2026, 9, 28), "5个工作日内", date(2026, 10, 10)),
        # Across the Spring Festival 2026 (02-15..23 off, 02-14 and 02-28 worked).
        (date(2026, 2, 12), "3个工作日内", date(2026, 2, 24)),
    ],
)
def test_working_days_follow_the_holiday_calendar(base: date, n: str, due: date) -> None:
    found = parse_deadline(n, base, CAL)
    assert found is not None and found.due == due and not found.provisional


def test_a_year_without_holiday_data_is_provisional() -> None:
    found = parse_deadline("5个工作日内", date(2026, 12, 29), CAL)
    assert found is not None and found.provisional
    assert found.due == date(2027, 1, 5)  # Monday-Friday rule, marked as a guess


def test_an_office_override_moves_a_working_day_deadline() -> None:
    local = WorkCalendar(overrides={date(2026, 3, 16): False})  # a local day off
    found = parse_deadline("1个工作日内", SUNDAY, local)
    assert found is not None and found.due == date(2026, 3, 17)


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("即日起", Kind.OPEN),
        ("自即日起", Kind.OPEN),
        ("长期坚持", Kind.LONG_TERM),
        ("持续推进", Kind.LONG_TERM),
        ("6小时内", Kind.PER_CASE),
        ("3-7个工作日内", Kind.PER_CASE),
    ],
)
def test_phrases_without_a_date(raw: str, kind: Kind) -> None:
    found = parse_deadline(raw, SUNDAY, CAL)
    assert found is not None and found.kind == kind and found.due is None


@pytest.mark.parametrize("raw", ["6月底前", "5个工作日内", "一周内", "三季度末"])
def test_without_a_document_date_relative_phrases_stay_unresolved(raw: str) -> None:
    found = parse_deadline(raw, None, CAL)
    assert found is not None and found.kind == Kind.UNRESOLVED and found.due is None


def test_an_explicit_year_needs_no_document_date() -> None:
    found = parse_deadline("2026年6月底前", None, CAL)
    assert found is not None and found.due == date(2026, 6, 30)


@pytest.mark.parametrize("raw", ["尽快", "及时", "立即", "按时", "", "报县政府"])
def test_words_that_are_not_deadlines(raw: str) -> None:
    assert parse_deadline(raw, SUNDAY, CAL) is None


def test_free_text_skips_windows_events_and_status_dates() -> None:
    text = "发布森林防火禁火令（1月21日至1月28日）。2月18日上午召开会议，截至9月14日已办结6件。"
    assert find_deadlines(text) == []


def test_free_text_finds_bounded_dates() -> None:
    text = "并于2023年1月15日前将工作方案报区政府办公室，4月中旬竣工"
    assert [s.raw for s in find_deadlines(text)] == ["2023年1月15日前", "4月中旬"]


@pytest.mark.parametrize(
    ("raw", "cycle"),
    [
        ("每月5日前报送进展", "monthly:5"),
        ("每月底前报送", "monthly:31"),
        ("每周五报送", "weekly:5"),
        ("每周一调度", "weekly:1"),
        ("每季度末报送", "quarterly"),
        ("每季度最后一个月的30日前报送", "quarterly"),
        ("按月调度", "monthly"),
        ("按季度通报", "quarterly"),
        ("每半年报告一次", "semiannual"),
        ("年中、年末进行专项督查", "semiannual"),
        ("每天报告火情", "daily"),
    ],
)
def test_cycles(raw: str, cycle: str) -> None:
    assert parse_cycle(raw) == cycle


@pytest.mark.parametrize(
    "raw", ["明确每季度的形象进度", "24小时集结待命", "适时开展督查", "定时调度"]
)
def test_not_cycles(raw: str) -> None:
    assert find_cycles(raw) == []
