"""Lists typed one item a line on the pages: "内容｜单位｜日期" (pure, no Django).

Fields are split on "|" or "｜"; a date is YYYY-MM-DD. Errors name the line, in Chinese.
"""

from __future__ import annotations

import re
from datetime import date


class LineError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def split(text: str, *, fields: int, label: str) -> list[list[str]]:
    rows = []
    for n, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        parts = [p.strip() for p in re.split(r"[|｜]", raw)]
        if len(parts) != fields or not all(parts):
            raise LineError(f"{label}第{n}行应为{fields}项，用“｜”分隔：{raw.strip()[:30]}")
        rows.append(parts)
    if not rows:
        raise LineError(f"请填写{label}，每行一项。")
    return rows


def day(value: str, n: int, label: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise LineError(f"{label}中“{value}”不是有效日期（应为2026-06-30）。") from None
