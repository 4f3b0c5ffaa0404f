"""The meeting rules without a database: numbering, prior steps, 末位表态, diffs."""

from __future__ import annotations

import pytest

from duban.meetings.rules import (
    Stance,
    check_pattern,
    check_stances,
    cn_number,
    diff_lines,
    meeting_title,
    missing_steps,
    topic_label,
)


@pytest.mark.parametrize(
    ("n", "text"),
    [(1, "一"), (9, "九"), (10, "十"), (12, "十二"), (20, "二十"), (25, "二十五"), (99, "九十九"),
     (100, "一百"), (101, "一百零一"), (110, "一百一十"), (123, "一百二十三")],
)  # fmt: skip
def test_chinese_numbers(n: int, text: str) -> None:
    assert cn_number(n) == text


def test_titles_from_the_numbering_pattern() -> None:
    assert meeting_title("县政府第{n}次常务会议", 12) == "县政府第12次常务会议"
    assert meeting_title("县政府党组第{cn}次会议", 3) == "县政府党组第三次会议"
    assert meeting_title("项目建设推进会", 2) == "项目建设推进会（2）"
    assert topic_label(3) == "议题三" and topic_label(None) == "议题"


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [("", "请填写编号格式。"), ("第{x}次", "编号格式只能使用{n}"), ("第{n}次常务会议", None)],
)
def test_numbering_patterns_are_checked(pattern: str, problem: str | None) -> None:
    found = check_pattern(pattern)
    assert found == problem if problem is None else found is not None and found.startswith(problem)


@pytest.mark.parametrize(
    ("normative", "market", "checked", "missing"),
    [
        (False, False, {}, ["征求意见"]),
        (False, False, {"consultation": "已征求"}, []),
        (True, False, {"consultation": "已征求"}, ["合法性审查"]),
        (True, True, {"consultation": " "}, ["征求意见", "合法性审查", "公平竞争审查"]),
        (False, True, {"consultation": "x", "fair_competition": "y"}, []),
    ],
)
def test_prior_steps_required_by_the_kind_of_topic(
    normative: bool, market: bool, checked: dict[str, str], missing: list[str]
) -> None:
    assert missing_steps(is_normative=normative, affects_market=market, checked=checked) == missing


def test_the_principal_speaks_last() -> None:
    assert check_stances([Stance("王刚", "同意"), Stance("李丽", "同意", principal=True)]) is None
    assert (
        check_stances([Stance("李丽", "同意", principal=True), Stance("王刚", "同意")])
        == "主要负责人李丽须末位表态，不能在其他成员之前表态。"
    )
    assert check_stances([Stance("王刚", "同意")]) == "请标明主要负责人（末位表态）。"
    assert check_stances([]) == "请按发言顺序记录每位成员的表态。"
    assert (
        check_stances([Stance("王刚", "同意", True), Stance("李丽", "同意", True)])
        == "只能有一位主要负责人。"
    )
    assert (
        check_stances(
            [Stance("王刚", "同意"), Stance("王刚", "反对"), Stance("李丽", "同意", True)]
        )
        == "同一成员不能重复表态。"
    )
    assert check_stances([Stance("王刚", ""), Stance("李丽", "同意", True)]) == (
        "请填写每位成员的表态意见。"
    )


def test_versions_differ_line_by_line() -> None:
    assert diff_lines("甲\n乙\n丙", "甲\n丁\n丙") == [
        ("=", "甲"),
        ("-", "乙"),
        ("+", "丁"),
        ("=", "丙"),
    ]
    assert diff_lines("", "新") == [("+", "新")]
