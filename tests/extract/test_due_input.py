"""The 完成时限 box reads calendar phrases through the one deadline-phrase parser."""

from __future__ import annotations

from datetime import date

import pytest

from duban.work.deadlines import parse_due_input


@pytest.mark.parametrize(
    ("typed", "spec"),
    [
        ("2026年6月底前", {"date": "2026-06-30"}),
        ("2026年三季度末", {"date": "2026-09-30"}),
        ("2026年底前", {"date": "2026-12-31"}),
        ("二〇二六年九月三十日前", {"date": "2026-09-30"}),
    ],
)
def test_calendar_phrases_with_a_year(typed: str, spec: dict[str, str]) -> None:
    assert parse_due_input(typed) == spec


def test_year_less_phrases_need_today() -> None:
    with pytest.raises(ValueError, match="6月底前"):
        parse_due_input("6月底前")
    assert parse_due_input("6月底前", today=date(2026, 3, 16)) == {"date": "2026-06-30"}
    assert parse_due_input("年底前", today=date(2026, 3, 16)) == {"date": "2026-12-31"}


@pytest.mark.parametrize("typed", ["尽快完成6月底前", "持续推进", "3-7个工作日"])
def test_it_still_refuses_what_is_not_one_deadline(typed: str) -> None:
    with pytest.raises(ValueError, match="无法识别"):
        parse_due_input(typed, today=date(2026, 3, 16))
