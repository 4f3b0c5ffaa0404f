"""Reading the 人大/政协's Excel list of a session's items into drafts.

The lists differ by county; the header row is matched by the names offices use (编号 or
序号, 标题 or 案由, 领衔人 or 第一提案人 …). Every bad row is named in Chinese; nothing is
stored here: `actions.import_items` takes the drafts whole or not at all.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

from openpyxl import load_workbook

from duban.proposals.actions import ItemDraft, ProposerDraft

COLUMNS: dict[str, tuple[str, ...]] = {
    "number": ("编号", "序号", "建议编号", "提案编号", "案号"),
    "title": ("标题", "案由", "题目", "建议标题", "提案标题"),
    "lead": ("领衔人", "领衔代表", "第一提案人", "提案人", "代表姓名", "委员姓名"),
    "joined": ("附议人", "联名人", "附议代表", "联名代表", "附议/联名"),
    "delegation": ("代表团", "界别", "所在代表团", "代表团/界别", "界别/代表团"),
    "phone": ("联系电话", "电话", "手机", "手机号"),
    "address": ("通讯地址", "地址", "联系地址"),
    "text": ("内容", "正文", "建议内容", "提案内容", "建议正文", "提案正文"),
    "urgent": ("急办件", "是否急件", "紧急", "急件"),
}
REQUIRED = ("number", "title", "lead", "text")
LABEL = {"number": "编号", "title": "标题", "lead": "领衔人", "text": "内容"}
MAX_ROWS = 2000


class ImportProblem(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _number(text: str) -> int | None:
    m = re.search(r"\d+", text)
    return int(m.group()) if m else None


def _names(text: str) -> list[str]:
    return [n for n in re.split(r"[、,，;；\s]+", text) if n]


def read_items(data: bytes) -> list[ItemDraft]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise ImportProblem(["文件不是有效的Excel（.xlsx）文件。"]) from None
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise ImportProblem(["文件是空的。"])
        names = [_cell(h) for h in header]
        where: dict[str, int] = {}
        for key, aliases in COLUMNS.items():
            for i, n in enumerate(names):
                if n in aliases:
                    where.setdefault(key, i)
        missing = [LABEL[k] for k in REQUIRED if k not in where]
        if missing:
            raise ImportProblem([f"第1行（表头）缺少列：{'、'.join(missing)}。"])
        drafts: list[ItemDraft] = []
        problems: list[str] = []
        for line, values in enumerate(rows, start=2):
            if line > MAX_ROWS + 1:
                problems.append(f"一次最多导入{MAX_ROWS}件，请分批导入。")
                break
            cells = {k: _cell(values[i]) if i < len(values) else "" for k, i in where.items()}
            if not any(cells.values()):
                continue  # a blank line between blocks
            row = f"第{line}行："
            bad = [LABEL[k] for k in REQUIRED if not cells.get(k)]
            if bad:
                problems.append(f"{row}缺少{'、'.join(bad)}。")
                continue
            number = _number(cells["number"])
            if number is None or number < 1:
                problems.append(f"{row}编号“{cells['number']}”无效。")
                continue
            leads = _names(cells["lead"])
            joined = _names(cells.get("joined", "")) + leads[1:]
            drafts.append(
                ItemDraft(
                    number=number,
                    title=cells["title"],
                    text=cells["text"],
                    lead=ProposerDraft(
                        name=leads[0],
                        delegation=cells.get("delegation", ""),
                        phone=cells.get("phone", ""),
                        address=cells.get("address", ""),
                    ),
                    joined=[ProposerDraft(name=n) for n in joined if n != leads[0]],
                    urgent=cells.get("urgent", "") in ("是", "急", "急件", "急办", "√", "1", "Y"),
                    row=row,
                )
            )
        if problems:
            raise ImportProblem(problems)
        return drafts
    finally:
        book.close()
