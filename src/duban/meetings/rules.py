"""The meeting rules that need no database: titles, prior steps, 末位表态, version diffs.

Kept free of Django so they are tested exhaustively and fast (STYLE.md rule 6).
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 25 → 二十五, 100 → 一百 (议题三, 第十二次)."""
    if n < 0:
        raise ValueError("n must not be negative")
    if n < 10:
        return _DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")
    hundreds, rest = divmod(n, 100)
    if rest == 0:
        return _DIGITS[hundreds] + "百"
    tail = cn_number(rest)
    if rest < 10:
        tail = "零" + tail
    elif rest < 20:
        tail = "一" + tail
    return _DIGITS[hundreds] + "百" + tail


def meeting_title(pattern: str, number: int) -> str:
    """The meeting's name from the type's pattern: {n} → 12, {cn} → 十二.

    "县政府第{n}次常务会议" with 12 → "县政府第12次常务会议". A pattern without a
    placeholder gets the number appended (专题会议 → 专题会议（12）).
    """
    if "{n}" in pattern or "{cn}" in pattern:
        return pattern.replace("{n}", str(number)).replace("{cn}", cn_number(number))
    return f"{pattern}（{number}）"


def check_pattern(pattern: str) -> str | None:
    """A Chinese problem with a numbering pattern, or None."""
    if not pattern.strip():
        return "请填写编号格式。"
    rest = pattern.replace("{n}", "").replace("{cn}", "")
    if "{" in rest or "}" in rest:
        return "编号格式只能使用{n}（阿拉伯数字）或{cn}（汉字数字）。"
    if len(meeting_title(pattern, 999)) > 100:
        return "编号格式过长。"
    return None


def topic_label(position: int | None) -> str:
    """议题三 (the agenda number in Chinese), or 议题 when not yet on the agenda."""
    return f"议题{cn_number(position)}" if position else "议题"


PRIOR_STEP_LABELS = {
    "legality": "合法性审查",
    "consultation": "征求意见",
    "fair_competition": "公平竞争审查",
}


def required_steps(*, is_normative: bool, affects_market: bool) -> list[str]:
    """The prior steps a standing meeting's topic must have passed.

    Every topic is consulted on (征求意见, 重大行政决策程序暂行条例 第14-16条); a normative
    document needs the legality review (第25条; 规范性文件 合法性审核); a measure touching
    market actors' economic activity needs the fair-competition review (公平竞争审查条例 第2条).
    """
    steps = ["consultation"]
    if is_normative:
        steps.append("legality")
    if affects_market:
        steps.append("fair_competition")
    return steps


def missing_steps(
    *, is_normative: bool, affects_market: bool, checked: dict[str, str]
) -> list[str]:
    """The required steps not recorded as checked, by their Chinese names."""
    need = required_steps(is_normative=is_normative, affects_market=affects_market)
    return [PRIOR_STEP_LABELS[s] for s in need if not str(checked.get(s) or "").strip()]


@dataclass(frozen=True)
class Stance:
    name: str
    stance: str
    principal: bool = False


def check_stances(stances: Sequence[Stance]) -> str | None:
    """末位表态: every member states a view, the principal exactly once and last.

    (中共中央办公厅《关于进一步推进“三重一大”决策制度贯彻落实的意见》; 党政主要负责人
    末位表态制: the principal speaks after all others, so as not to steer them.)
    Returns the Chinese problem, or None when the record is in order.
    """
    if not stances:
        return "请按发言顺序记录每位成员的表态。"
    names = [s.name.strip() for s in stances]
    if any(not n for n in names):
        return "表态人姓名不能为空。"
    if len(set(names)) != len(names):
        return "同一成员不能重复表态。"
    if any(not s.stance.strip() for s in stances):
        return "请填写每位成员的表态意见。"
    principals = [i for i, s in enumerate(stances) if s.principal]
    if not principals:
        return "请标明主要负责人（末位表态）。"
    if len(principals) > 1:
        return "只能有一位主要负责人。"
    if principals[0] != len(stances) - 1:
        return f"主要负责人{stances[principals[0]].name}须末位表态，不能在其他成员之前表态。"
    return None


def diff_lines(old: str, new: str) -> list[tuple[str, str]]:
    """The difference of two versions line by line: ("=", "-", "+") and the line."""
    out: list[tuple[str, str]] = []
    a, b = old.splitlines(), new.splitlines()
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out += [("=", line) for line in a[i1:i2]]
            continue
        out += [("-", line) for line in a[i1:i2]]
        out += [("+", line) for line in b[j1:j2]]
    return out
