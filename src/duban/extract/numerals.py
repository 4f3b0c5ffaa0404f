"""Chinese numerals as written in official documents: 十五, 二十一, 二〇二六, 两, 1-99."""

from __future__ import annotations

DIGITS = {
    "零": 0,
    "〇": 0,
    "○": 0,
    "Ｏ": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
NUMERAL_CHARS = "".join(DIGITS) + "十百"


def cn_int(text: str) -> int | None:
    """'15', '十五', '三十', '二十一', '一百二十' → int; '二〇二六' → 2026 (digit by digit).

    None if `text` is not a number. Years are written digit by digit (二〇二六年), counts with
    十 and 百 (十五个工作日); both forms are read.
    """
    text = text.strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():
        return int(text)
    if any(c not in DIGITS and c not in "十百" for c in text):
        return None
    if "十" not in text and "百" not in text:
        return int("".join(str(DIGITS[c]) for c in text))
    total = 0
    rest = text
    if "百" in rest:
        hundreds, _, rest = rest.partition("百")
        if len(hundreds) != 1 or hundreds not in DIGITS:
            return None
        total += DIGITS[hundreds] * 100
        rest = rest.lstrip("零〇")
    if "十" in rest:
        tens, _, ones = rest.partition("十")
        if len(tens) > 1 or len(ones) > 1:
            return None
        total += (DIGITS[tens] if tens else 1) * 10 + (DIGITS[ones] if ones else 0)
    elif rest:
        if len(rest) > 1:
            return None
        total += DIGITS[rest]
    return total
