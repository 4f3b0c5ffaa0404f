"""台账.xlsx (or .csv) in: an office's existing ledger becomes directives and tasks, through the
actions, so every imported task has its events (docs/decisions.md, "Ledger import").

1. Open safely: at most MAX_BYTES on disk and MAX_UNZIPPED inside the zip (a zip bomb is
   refused before openpyxl sees it), at most MAX_ROWS rows; an encrypted (password) file,
   an old .xls or anything that is not an .xlsx is named as such. A file that is text, not a
   zip, is a CSV whatever its name: UTF-8 (with or without BOM), else GB18030. A missing
   or unreadable file is a message, never a traceback.
2. Find the header in the first HEADER_SCAN rows of each sheet: each column is matched by
   its title through SYNONYMS (责任单位/牵头单位/主办单位 …); a two-row header (责任单位 over
   牵头单位 | 配合单位) is read as one. Merged cells count as their top-left value in every
   cell they cover, in the header and in the data.
3. Read every row: units through the registry (name, short name, alias, group), the
   leader by name, the deadline through `parse_deadline`, the status by its label.
4. Check: every row is composed as the actions would write it (`_Composer`: register,
   decompose, assign, then the steps the ledger's status says happened — 签收, 进展,
   办结报告, 审核, 销号, or 撤销 — at the dates the ledger gives), checked by the actions'
   own validators and refused with their messages, writing nothing. Any error in any row:
   nothing is imported. A dry run stops here, so the preview is exactly what the import
   would do. (`through_actions=True` runs every row through the actions themselves
   instead, rehearsed and rolled back, then applied: the slow reference the tests hold
   this path to, record for record.)
5. Apply: whole directives at a time, about BATCH_ROWS rows a transaction, each batch
   composed again inside its transaction and written by the bulk writer (`work/bulk.py`:
   the rows and hash-chained events the actions write, the lights as of the import, and
   the notices the actions would queue except for tasks that are history), so SQLite's
   single write lock is never held for more than about a second (one transaction for a
   1,500-row file held it 80 s and web writes failed "database is locked", issue 17 point
   13). A `LedgerImport` row records the file (by its SM3), the rows done and the state;
   it is moved in each batch's transaction. A crash (or a batch refused because the
   database changed since the check) leaves whole directives and an unfinished record,
   shown on the import page (with its progress while it runs); importing the same file
   again skips the rows already in and finishes it. The import is reported as done only
   when its last batch has committed.

Identity (running the same import twice creates nothing twice): a row is the task with the
same 事项来源, 来文文号, 事项内容 and primary 牵头单位. A row whose task already exists is
skipped and reported as such; a repeated row in the same file is skipped the same way.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time as clock
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from duban.audit.models import AccessKind, AccessLog
from duban.crypto import sm3
from duban.documents.models import ImportState, LedgerImport
from duban.extract import deadline as extract_deadline
from duban.notify.models import Outbox
from duban.org.models import UNIT_ROLES, Leader, Role, Unit, User
from duban.org.selectors import resolve_units
from duban.work import actions, bulk
from duban.work.actions.core import require_text
from duban.work.actions.intake import _check_units, check_cycle, check_due_spec, due_payload
from duban.work.context import rule_context
from duban.work.deadlines import parse_due_input
from duban.work.errors import ActionError, Invalid
from duban.work.keys import key_cycle
from duban.work.models import (
    Cycle,
    DeadlineDefault,
    Directive,
    DirectiveKind,
    EventKind,
    SilentCoUnits,
    Task,
    TaskStatus,
    Urgency,
    loop_config,
)

MAX_BYTES = 20 * 1024 * 1024
MAX_UNZIPPED = 200 * 1024 * 1024
# Sheet rows, headers and section rows (一、…) included: a 10,000-task ledger fits.
MAX_ROWS = 12_000
# The upload page imports inside its request, so it takes fewer rows than the command line.
WEB_MAX_ROWS = 1_000
HEADER_SCAN = 12
# Rows per transaction when importing (whole directives, so a little more): the bulk writer
# takes a few ms a row, so SQLite's write lock is held for about a second at a time, well
# inside the 20 s a waiting web request gives it.
BATCH_ROWS = 200
# The same through the actions (`through_actions`, the tests' reference): about 60 ms a row.
ACTION_BATCH_ROWS = 20
REFRESH_BATCH = 100  # tasks per transaction of the closing refresh
BATCH_PAUSE = 0.2  # seconds between batches on SQLite, for waiting writers to get in
STALE_AFTER = timedelta(minutes=2)  # an import whose record has not moved for this long died
SH = ZoneInfo("Asia/Shanghai")
IMPORT_NOTE = "（据台账导入）"

# Column → the titles offices give it (normalised: no spaces, no line breaks, no asterisks).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "seq": ("序号", "编号", "序"),
    "kind": ("事项来源", "来源", "任务来源", "交办来源", "事项类别", "事项类型", "类别"),
    "title": ("来文标题", "来文名称", "文件名称", "批示件名称", "会议名称"),
    "doc_no": ("来文文号", "文号", "交办文号", "批示文号", "来文字号", "文件文号"),
    "assigned_on": ("交办日期", "交办时间", "下达日期", "下达时间", "立项日期", "登记日期"),
    "content": (
        "事项内容", "工作任务", "任务内容", "督办事项", "督办内容", "工作内容", "具体任务",
        "任务事项", "事项名称", "主要任务", "重点任务", "任务", "督办事项内容",
    ),
    "requirement": ("质量要求", "工作要求", "具体要求", "工作标准"),
    "leader": ("牵头领导", "责任领导", "分管领导", "包抓领导", "县级领导", "牵头县领导"),
    "lead": (
        "牵头单位", "责任单位", "主办单位", "承办单位", "主责单位", "牵头部门", "责任部门",
        "牵头责任单位",
    ),
    "co": ("配合单位", "协办单位", "协同单位", "配合部门", "参与单位", "协办部门"),
    "due": ("完成时限", "办结时限", "时限要求", "完成时间", "截止时间", "时间节点", "办理时限"),
    "latest": ("最新进展", "进展情况", "办理进展", "推进情况", "落实情况"),
    "status": ("办理状态", "状态", "完成状态"),
    # A status word (已办结, 办理中), or a status word and what was done, or progress text.
    "outcome": ("完成情况", "办理情况"),
    "light": ("亮灯", "亮灯情况", "预警", "预警等级"),
    "closed_on": ("办结日期", "办结时间", "完成日期", "销号日期"),
    "remark": ("备注",),
}  # fmt: skip
LABELS = {
    "kind": "事项来源", "title": "来文标题", "doc_no": "来文文号", "assigned_on": "交办日期",
    "content": "事项内容", "requirement": "质量要求", "leader": "牵头领导", "lead": "牵头单位",
    "co": "配合单位", "due": "完成时限", "latest": "最新进展", "status": "办理状态",
    "outcome": "完成情况", "closed_on": "办结日期", "remark": "备注",
}  # fmt: skip
KINDS: dict[str, str] = {
    **{label: value for value, label in DirectiveKind.choices},
    "会议": DirectiveKind.MEETING, "会议纪要": DirectiveKind.MEETING,
    "常务会": DirectiveKind.MEETING, "批示": DirectiveKind.INSTRUCTION,
    "领导批示件": DirectiveKind.INSTRUCTION, "批示件": DirectiveKind.INSTRUCTION,
    "上级交办": DirectiveKind.SUPERIOR, "人大建议": DirectiveKind.PROPOSAL,
    "政协提案": DirectiveKind.PROPOSAL, "建议提案": DirectiveKind.PROPOSAL,
    "重点项目": DirectiveKind.KEY_WORK, "民生实事": DirectiveKind.KEY_WORK,
    "整改": DirectiveKind.RECTIFICATION, "督查整改": DirectiveKind.RECTIFICATION,
}  # fmt: skip
STATUSES: dict[str, str] = {
    **{label: value for value, label in TaskStatus.choices},
    "已交办": TaskStatus.ASSIGNED, "未签收": TaskStatus.ASSIGNED,
    "正在办理": TaskStatus.IN_PROGRESS, "在办": TaskStatus.IN_PROGRESS,
    "推进中": TaskStatus.IN_PROGRESS, "已签收": TaskStatus.IN_PROGRESS,
    "已完成": TaskStatus.CLOSED, "已销号": TaskStatus.CLOSED, "办结": TaskStatus.CLOSED,
    "完成": TaskStatus.CLOSED, "已结": TaskStatus.CLOSED, "已落实": TaskStatus.CLOSED,
    "未完成": TaskStatus.IN_PROGRESS, "正在推进": TaskStatus.IN_PROGRESS,
}  # fmt: skip
# Columns read but not imported, with why (named in the preview, never dropped unseen).
NOT_IMPORTED = {"seq": "系统自动编号", "light": "亮灯由系统按时限重新计算"}
OUTCOME = re.compile(
    "^("
    + "|".join(sorted(map(re.escape, STATUSES), key=len, reverse=True))
    + r")(?:[，,。；;：:\s]+(.*))?$",
    re.S,
)
UNREADABLE_DUE = "无法识别的完成时限（可填日期或“N个工作日”等）。"
UNKNOWN_UNIT = "单位名录中没有该单位（请核对名称，或先在名录中添加别名）。"
UNIT_SPLIT = re.compile(r"[、，,；;/\n]+|\s{2,}")


def _standing(text: str) -> tuple[str, int | None] | None:
    """长期坚持 (no cycle) or a reporting cycle (每季度末, 每月5日前) written as a 完成时限:
    the cycle and its day; None when the phrase is neither."""
    found = extract_deadline.parse_deadline(text, date(2000, 1, 1))
    if found is not None and found.kind == extract_deadline.Kind.LONG_TERM:
        return Cycle.NONE, None
    cycle = extract_deadline.parse_cycle(text)
    if cycle is None:
        return None
    name, _, day = cycle.partition(":")
    return name, int(day) if day else None


LEDGER_DAY = re.compile(r"(20\d{2})\s*[年.\-/_]?\s*(\d{1,2})\s*[月.\-/_]?\s*(\d{1,2})\s*日?")


def ledger_day(*texts: str, today: date) -> date | None:
    """The date a ledger gives itself (截至2026年3月31日, 台账20260331.xlsx): the first
    valid date, not after today, in the given texts."""
    for text in texts:
        for m in LEDGER_DAY.finditer(text):
            try:
                day = date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                continue
            if day <= today:
                return day
    return None


def parse_deadline(text: str, *, assigned_on: date) -> dict[str, Any]:
    """A 完成时限 phrase → a due spec (as actions take it); ValueError with a Chinese message.

    The one place the import reads deadline phrases: the register form's reader
    (`work.deadlines.parse_due_input`), which sends calendar phrases (6月底前, 年底前,
    三季度末 …) to the extractor's parser (`duban.extract.deadline`), counted from the
    row's 交办日期. Dates, N个工作日, N天 and N个月 keep their rule, as typed in the form.
    """
    return parse_due_input(text, today=assigned_on)


# ------------------------------------------------------------------ the report


@dataclass
class Problem:
    row: int  # the Excel row number (1-based), 0 for the file as a whole
    column: str = ""  # "D列（牵头单位）"
    value: str = ""
    message: str = ""

    def __str__(self) -> str:
        where = f"第{self.row}行" if self.row else "文件"
        if self.column:
            where += f" {self.column}"
        shown = f"“{self.value}”" if self.value else ""
        return f"{where}{'：' + shown if shown else ''}：{self.message}"


@dataclass
class RowResult:
    row: int
    content: str
    outcome: str  # "new" | "exists" | "error"
    status: str = ""  # the Chinese status it will have
    note: str = ""


@dataclass
class ImportReport:
    file: str = ""
    sheet: str = ""
    header_rows: tuple[int, ...] = ()
    columns: dict[str, str] = field(default_factory=dict)  # field → "D列（责任单位）"
    rows: list[RowResult] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    dry_run: bool = True
    imported: bool = False
    resumed: bool = False  # finished an import a crash or a refusal had left unfinished
    busy: bool = False  # the same file is being imported by another process
    stopped: LedgerImport | None = None  # a batch was refused: the rows before it are in
    ledger_day: date | None = None  # the date the ledger gives itself (title or file name)
    ledger_day_from: str = ""
    sections: list[tuple[int, str]] = field(default_factory=list)  # 一、城乡建设 rows
    ignored: list[str] = field(default_factory=list)  # "F列（联系人）"

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def new(self) -> int:
        return sum(r.outcome == "new" for r in self.rows)

    @property
    def existing(self) -> int:
        return sum(r.outcome == "exists" for r in self.rows)

    def verdict(self) -> str:
        if self.busy:
            return str(self.problems[0])
        if self.stopped is not None:
            s = self.stopped
            return (
                f"导入中断：{s.error}已导入{s.rows_done}/{s.rows_total}行，其余未导入。"
                "修正后重新导入同一文件，已导入的行会跳过，其余继续导入。"
            )
        if not self.ok and not self.sheet:  # the file itself: say what is wrong with it
            return f"{self.problems[0].message}未导入任何内容。"
        if not self.ok:
            return f"发现{len(self.problems)}处错误，未导入任何内容，数据库保持原样。"
        if self.dry_run:
            return f"检查通过（试导入）：可导入{self.new}项，已存在{self.existing}项，未写入。"
        done = f"已导入{self.new}项，已存在而跳过{self.existing}项。"
        return "已续完上次中断的导入：" + done if self.resumed else done

    def lines(self) -> list[str]:
        out = []
        if self.sheet:
            header = "、".join(str(r) for r in self.header_rows)
            out.append(f"工作表“{self.sheet}”，表头在第{header}行，共{len(self.rows)}行数据。")
            found = "；".join(f"{LABELS[k]}={v}" for k, v in self.columns.items())
            out.append(f"识别的列：{found}")
        if self.ignored:
            out.append(f"未导入的列：{'；'.join(self.ignored)}")
        if self.ledger_day:
            out.append(
                f"台账日期：{self.ledger_day:%Y年%m月%d日}（取自{self.ledger_day_from}），"
                "未填交办日期的事项按此日期交办。"
            )
        if self.sections:
            named = "；".join(f"第{r}行“{t}”" for r, t in self.sections)
            out.append(f"分组行（标题行，不作为事项导入，系统没有存放分组的字段）：{named}")
        out.extend(f"错误：{p}" for p in self.problems)
        out.extend(f"提示：{w}" for w in self.warnings)
        return out


class _Refuse(Exception):
    """The file as a whole cannot be read; the report carries why."""


# ------------------------------------------------------------------ reading the file


def _check_container(path: Path) -> str:
    """What the file is, by its content (not its name): "xlsx" or "csv"; or refused."""
    size = path.stat().st_size
    if size == 0:
        raise _Refuse("文件是空的。")
    if size > MAX_BYTES:
        raise _Refuse(f"文件过大（{size / 1e6:.1f}MB，上限{MAX_BYTES // 2**20}MB），请拆分后导入。")
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        # An OLE container: an encrypted .xlsx (Office wraps it so) or an old .xls.
        data = path.read_bytes()
        if "EncryptionInfo".encode("utf-16-le") in data:
            raise _Refuse("文件设置了打开密码，请在Excel中取消密码后再导入。")
        raise _Refuse("这是旧版Excel（.xls）文件，请在Excel中另存为.xlsx后再导入。")
    if not head.startswith(b"PK"):
        return "csv"  # text: read as CSV, whatever the file is called
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            unzipped = sum(i.file_size for i in z.infolist())
    except zipfile.BadZipFile:
        raise _Refuse("文件已损坏或不是Excel（.xlsx）文件。") from None
    if "xl/workbook.xml" not in names:
        raise _Refuse("文件不是Excel（.xlsx）工作簿。")
    if unzipped > MAX_UNZIPPED:
        raise _Refuse(f"文件解压后过大（{unzipped / 1e6:.0f}MB），请拆分后导入。")
    return "xlsx"


def _decode(data: bytes) -> str:
    """CSV text: UTF-8 (with or without the BOM Excel writes), else GB18030 (Excel's
    "CSV" on a Chinese Windows writes the ANSI code page, GBK, which GB18030 contains)."""
    if b"\0" in data:
        raise _Refuse("文件已损坏或不是Excel（.xlsx）或CSV文件。")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _Refuse("无法识别CSV文件的编码，请另存为“CSV UTF-8”或GB18030（GBK）编码后再导入。")


def _csv_sheet(path: Path, max_rows: int) -> Sheet:
    try:
        text = _decode(path.read_bytes())
    except UnicodeDecodeError:
        raise _Refuse("CSV文件含有不是UTF-8的字符，请另存为“CSV UTF-8”后再导入。") from None
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;，")
    except csv.Error:
        dialect = csv.excel
    try:
        grid: list[list[Any]] = [
            [cell if cell.strip() else None for cell in row]
            for row in csv.reader(io.StringIO(text, newline=""), dialect)
        ]
    except csv.Error as e:
        raise _Refuse(f"CSV文件格式有误，无法读取（{e}）。") from None
    if len(grid) > max_rows:
        raise _Refuse(f"文件有{len(grid)}行，超过单次导入上限{max_rows}行，请拆分后导入。")
    width = max((len(r) for r in grid), default=0)
    for cells in grid:
        cells.extend([None] * (width - len(cells)))
    return Sheet(path.stem, grid)


def _norm(value: Any) -> str:
    text = "" if value is None else str(value)
    return re.sub(r"[\s*＊:：]", "", text)


_FIELD_OF = {syn: name for name, syns in SYNONYMS.items() for syn in syns}


def _match(title: str) -> str | None:
    if not title:
        return None
    if title in _FIELD_OF:
        return _FIELD_OF[title]
    bare = re.sub(r"[（(].*?[）)]", "", title)  # 完成时限（截止日期）
    return _FIELD_OF.get(bare)


def col_letter(col: int) -> str:
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass
class Sheet:
    name: str
    grid: list[list[Any]]  # values, merged cells filled from their top-left cell


def _sheets(path: Path, max_rows: int) -> Iterator[Sheet]:
    from openpyxl import load_workbook

    # Count rows first in read-only mode (streams, flat memory): the full load below, needed
    # for merged cells, costs several KB per cell.
    try:
        ro = load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds on a broken package
        raise _Refuse(f"文件已损坏，无法读取（{type(e).__name__}）。") from None
    try:
        for ws in ro.worksheets:
            rows = sum(1 for _ in ws.iter_rows(values_only=True))
            if rows > max_rows:
                raise _Refuse(
                    f"工作表“{ws.title}”有{rows}行，超过单次导入上限{max_rows}行，请拆分后导入。"
                )
    finally:
        ro.close()
    try:
        wb = load_workbook(path, data_only=True)
    except Exception as e:
        raise _Refuse(f"文件已损坏，无法读取（{type(e).__name__}）。") from None
    for ws in wb.worksheets:
        if not hasattr(ws, "merged_cells"):
            continue  # a chart sheet
        grid = [list(row) for row in ws.iter_rows(values_only=True)]
        width = max((len(r) for r in grid), default=0)
        for cells in grid:
            cells.extend([None] * (width - len(cells)))
        for merged in ws.merged_cells.ranges:
            value = ws.cell(merged.min_row, merged.min_col).value
            for r in range(merged.min_row, min(merged.max_row, len(grid)) + 1):
                for c in range(merged.min_col, min(merged.max_col, width) + 1):
                    grid[r - 1][c - 1] = value
        yield Sheet(ws.title, grid)


@dataclass
class Header:
    rows: tuple[int, ...]  # 1-based
    columns: dict[str, int]  # field → 1-based column
    titles: dict[str, str]  # field → the title as written

    @property
    def first_data_row(self) -> int:
        return self.rows[-1] + 1


def _find_header(sheet: Sheet) -> Header | None:
    """The best one- or two-row header in the first rows: the most columns matched, needing
    事项内容 and 牵头单位."""
    best: Header | None = None
    scan = sheet.grid[:HEADER_SCAN]
    for i, row in enumerate(scan):
        below = scan[i + 1] if i + 1 < len(scan) else None
        for rows in ((i,), (i, i + 1)) if below is not None else ((i,),):
            columns: dict[str, int] = {}
            titles: dict[str, str] = {}
            for c in range(len(row)):
                top = _norm(row[c])
                candidates = [top]
                if len(rows) == 2 and below is not None:
                    sub = _norm(below[c])
                    candidates = [sub, top + sub, top] if sub != top else [top]
                for title in candidates:
                    name = _match(title)
                    if name and name not in columns:
                        columns[name] = c + 1
                        titles[name] = title
                        break
            if "content" in columns and "lead" in columns:
                header = Header(tuple(r + 1 for r in rows), columns, titles)
                if best is None or len(columns) > len(best.columns):
                    best = header
    return best


# ------------------------------------------------------------------ reading a row


@dataclass
class Draft:
    row: int
    kind: str
    title: str
    doc_no: str
    assigned_on: date
    content: str
    requirement: str
    leader: Leader | None
    lead: list[Unit]
    co: list[Unit]
    due: dict[str, Any]
    cycle: str
    cycle_day: int | None
    status: str
    closed_on: date | None
    latest: str
    is_key: bool
    withdrawn_reason: str

    @property
    def identity(self) -> tuple[str, str, str, int]:
        return (self.kind, self.doc_no, self.content, self.lead[0].pk)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _as_date(value: Any) -> date | str | None:
    """A date cell → date; empty → None; anything else → its text (for an error)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text)
    if m:
        try:
            return date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return text
    return text


class _RowReader:
    def __init__(
        self, header: Header, report: ImportReport, today: date, ledger_day: date | None = None
    ) -> None:
        self.h = header
        self.report = report
        self.today = today
        # Where a row has no 交办日期, its deadline phrase counts from the ledger's own date.
        self.ledger_day = min(ledger_day or today, today)
        self.leaders = list(Leader.objects.all())
        self.unit_cache: dict[str, list[Unit] | None] = {}

    def where(self, name: str) -> str:
        col = self.h.columns[name]
        return f"{col_letter(col)}列（{self.h.titles[name]}）"

    def cell(self, row: list[Any], name: str) -> Any:
        col = self.h.columns.get(name)
        return row[col - 1] if col is not None and col - 1 < len(row) else None

    def problem(self, r: int, name: str, value: Any, message: str) -> None:
        self.report.problems.append(Problem(r, self.where(name), _text(value), message))

    def warn(self, r: int, name: str, value: Any, message: str) -> None:
        self.report.warnings.append(Problem(r, self.where(name), _text(value), message))

    def units(self, r: int, name: str, raw: Any) -> list[Unit]:
        found: list[Unit] = []
        for part in UNIT_SPLIT.split(_text(raw)):
            part = part.strip()
            if not part:
                continue
            if part not in self.unit_cache:
                self.unit_cache[part] = resolve_units(part)
            units = self.unit_cache[part]
            if units is None:
                self.problem(r, name, part, UNKNOWN_UNIT)
                continue
            found.extend(u for u in units if u.pk not in {f.pk for f in found})
        return found

    def leader(self, r: int, raw: Any) -> Leader | None:
        text = _text(raw)
        if not text:
            return None
        for ld in self.leaders:
            if text in (ld.name, str(ld), f"{ld.name}{ld.title}", ld.code):
                return ld
        self.problem(r, "leader", text, "县领导名录中没有该领导。")
        return None

    def read(self, r: int, row: list[Any]) -> Draft | None:
        before = len(self.report.problems)
        content = _text(self.cell(row, "content"))
        if not content:
            self.problem(r, "content", "", "事项内容为空。")
            return None
        kind_text = _text(self.cell(row, "kind"))
        kind = KINDS.get(kind_text, DirectiveKind.OTHER) if kind_text else DirectiveKind.OTHER
        if kind_text and kind_text not in KINDS:
            self.warn(r, "kind", kind_text, "不是系统中的事项来源，按“其他”导入。")
        assigned_raw = self.cell(row, "assigned_on")
        assigned = _as_date(assigned_raw)
        if isinstance(assigned, str):
            self.problem(r, "assigned_on", assigned, "不是有效日期。")
            assigned = None
        elif assigned is not None and assigned > self.today:
            self.problem(r, "assigned_on", assigned_raw, "交办日期晚于今天。")
        due_raw = self.cell(row, "due")
        due_date = _as_date(due_raw)
        status_text = _text(self.cell(row, "status"))
        latest = _text(self.cell(row, "latest"))
        outcome = _text(self.cell(row, "outcome"))
        said = OUTCOME.match(outcome)
        if said and not status_text:
            status_text, outcome = said[1], (said[2] or "").strip()
        elif said and said[2] is None:
            outcome = ""  # the same status word as the 办理状态 column: nothing more to keep
        latest = "；".join(x for x in (latest, outcome) if x)
        closed_raw = self.cell(row, "closed_on")
        closed = _as_date(closed_raw)
        if isinstance(closed, str):
            self.problem(r, "closed_on", closed, "不是有效日期。")
            closed = None
        # No 交办日期 column or cell: the earliest date the row knows (a closed task was
        # assigned by its closing day, a deadline is not before the assignment), else the
        # ledger's own date, else today. Never a date to refuse the row by: nobody wrote it.
        known = [d for d in (closed, due_date) if isinstance(d, date)]
        assigned_on = assigned or min([self.ledger_day, *known])
        lead = self.units(r, "lead", self.cell(row, "lead"))
        if not lead and not _text(self.cell(row, "lead")):
            self.problem(r, "lead", "", "牵头单位为空。")
        co = self.units(r, "co", self.cell(row, "co")) if "co" in self.h.columns else []
        co = [u for u in co if u.pk not in {x.pk for x in lead}]
        leader = self.leader(r, self.cell(row, "leader"))
        due: dict[str, Any] = {}
        cycle: str = Cycle.NONE
        cycle_day: int | None = None
        requirement = _text(self.cell(row, "requirement"))
        if isinstance(due_date, date):
            due = {"date": due_date.isoformat()}
            if due_date < assigned_on:
                self.problem(r, "due", due_raw, "完成时限早于交办日期。")
        elif isinstance(due_date, str):
            try:
                due = parse_deadline(due_date, assigned_on=assigned_on)
            except ValueError:
                standing = _standing(due_date)
                if standing is None:
                    self.problem(r, "due", due_date, UNREADABLE_DUE)
                else:
                    # 长期坚持, 每季度末: no end date written. The task takes the office's
                    # default deadline, as the register form does, and keeps the phrase.
                    cycle, cycle_day = standing
                    requirement = "；".join(x for x in (requirement, f"时限：{due_date}") if x)
                    how = "" if cycle == Cycle.NONE else f"，报送周期{Cycle(cycle).label}"
                    self.warn(r, "due", due_date, f"无具体日期，按系统默认完成时限导入{how}。")
            if assigned is None and "date" in due and due["date"] < assigned_on.isoformat():
                # 6月底前 read in a ledger dated July: the row was assigned by then.
                assigned_on = date.fromisoformat(due["date"])
        status_col = "status" if "status" in self.h.columns else "outcome"
        if status_text:
            status = STATUSES.get(status_text, "")
            if not status:
                self.problem(r, status_col, status_text, "无法识别的办理状态。")
        elif latest:
            # Progress written, no status: the unit is working on it (签收 and a report).
            status = TaskStatus.CLOSED if closed else TaskStatus.IN_PROGRESS
        else:
            status = TaskStatus.CLOSED if closed else TaskStatus.ASSIGNED
        if latest and status in (TaskStatus.DRAFT, TaskStatus.ASSIGNED, TaskStatus.RETURNED):
            label = TaskStatus(status).label
            self.warn(
                r, status_col, status_text, f"事项{label}，尚无签收，进展情况“{latest}”未导入。"
            )
        if status == TaskStatus.CLOSED and closed is None:
            # 已办结 without a date: closed on the ledger's date (or the import day), which
            # is also what on time or late is judged by; the preview says so.
            closed = max(self.ledger_day, assigned_on)
            self.warn(
                r, status_col, status_text,
                f"未填办结日期，按{closed:%Y年%m月%d日}办结导入（按期与否按此日期判定）。",
            )  # fmt: skip
        if closed is not None and closed < assigned_on:
            self.problem(r, "closed_on", closed_raw, "办结日期早于交办日期。")
        if closed is not None and closed > self.today:
            self.problem(r, "closed_on", closed_raw, "办结日期晚于今天。")
        remark = _text(self.cell(row, "remark"))
        withdrawn = re.search(r"撤销原因[:：]\s*([^；;]+)", remark)
        if len(self.report.problems) > before:
            return None
        return Draft(
            row=r,
            kind=kind,
            title=_text(self.cell(row, "title")),
            doc_no=_text(self.cell(row, "doc_no")),
            assigned_on=assigned_on,
            content=content,
            requirement=requirement,
            leader=leader,
            lead=lead,
            co=co,
            due=due,
            cycle=cycle,
            cycle_day=cycle_day,
            status=status,
            closed_on=closed if isinstance(closed, date) else None,
            latest=latest,
            is_key="重点" in remark,
            withdrawn_reason=withdrawn[1].strip() if withdrawn else "",
        )


# ------------------------------------------------------------------ writing through actions


def _at(day: date, minute: int, now: datetime) -> datetime:
    """A moment on `day` (09:00 + minutes, Asia/Shanghai), never later than now."""
    moment = datetime.combine(day, time(9, 0), tzinfo=SH) + timedelta(minutes=minute)
    return min(moment, now)


def _unit_user(unit: Unit) -> User | None:
    return (
        User.objects.filter(unit=unit, role__in=list(UNIT_ROLES), is_active=True)
        .order_by("role", "id")  # a liaison before a unit head
        .first()
    )


def existing_task(d: Draft) -> Task | None:
    qs = Task.objects.filter(
        content=d.content, directive__kind=d.kind, directive__doc_no=d.doc_no
    ).select_related("directive")
    for t in qs:
        if t.lead_unit_id == d.lead[0].pk:
            return t
        if t.status == TaskStatus.DRAFT:
            plan_lead = actions.planned_units(t)[0]
            if plan_lead and plan_lead[0].pk == d.lead[0].pk:
                return t
    return None


class _Importer:
    def __init__(self, by: User, now: datetime, known: dict[str, int] | None = None) -> None:
        self.by = by
        self.now = now
        self.directives: dict[tuple[str, str, date], Directive] = {}
        # A resumed import: the directives the interrupted run registered, by key.
        found = Directive.objects.in_bulk([int(pk) for pk in (known or {}).values()])
        for text, pk in (known or {}).items():
            kind, doc_no, day = json.loads(text)
            if int(pk) in found:
                self.directives[(kind, doc_no, date.fromisoformat(day))] = found[int(pk)]
        # Directives registered by the row being imported: if its savepoint rolls back,
        # they are gone, and the next row of the same 文号 must register its own.
        self.pending: list[tuple[str, str, date]] = []
        self.history_only: list[int] = []  # tasks imported closed or withdrawn

    def directive_for(self, d: Draft) -> Directive:
        key = (d.kind, d.doc_no, d.assigned_on)
        if d.doc_no and key in self.directives:
            return self.directives[key]
        received = _at(d.assigned_on, 0, self.now)
        directive = actions.register(
            kind=d.kind,
            title=(d.title or d.content)[:200],
            urgency=Urgency.NORMAL,
            received_at=received,
            doc_no=d.doc_no,
            # A 领导批示件 row names its leader in 牵头领导: that is who the 批示 came from.
            # An old ledger may name none; the row is still history worth taking.
            issuer_leader=d.leader if d.kind == DirectiveKind.INSTRUCTION else None,
            leader_optional=True,
            by=self.by,
            now=received,
        )
        if d.doc_no:
            self.directives[key] = directive
            self.pending.append(key)
        return directive

    def row_done(self, committed: bool) -> None:
        """After a row's savepoint: keep its new directives, or forget them if rolled back."""
        if not committed:
            for key in self.pending:
                self.directives.pop(key, None)
        self.pending.clear()

    def forget(self) -> None:
        """The batch was rolled back: nothing it registered exists any more."""
        self.directives.clear()
        self.pending.clear()
        self.history_only.clear()

    def directive_ids(self) -> dict[str, int]:
        return {
            json.dumps([k, n, d.isoformat()], ensure_ascii=False): v.pk
            for (k, n, d), v in self.directives.items()
        }

    def run(self, d: Draft) -> None:
        directive = self.directive_for(d)
        created = _at(d.assigned_on, 1, self.now)
        [task] = actions.decompose(
            directive=directive,
            tasks=[
                actions.TaskDraft(
                    content=d.content,
                    lead=d.lead,
                    co=d.co,
                    requirement=d.requirement,
                    leader=d.leader,
                    due=d.due,
                    cycle=d.cycle,
                    cycle_day=d.cycle_day,
                    is_key=d.is_key,
                )
            ],
            by=self.by,
            now=created,
        )
        if d.status == TaskStatus.DRAFT:
            return
        actions.assign(task=task, by=self.by, now=created)
        if d.status == TaskStatus.WITHDRAWN:
            reason = d.withdrawn_reason or "台账记载已撤销"
            actions.withdraw(task=task, reason=reason, by=self.by, now=created)
            self.history_only.append(task.pk)
            return
        if d.status in (TaskStatus.ASSIGNED, TaskStatus.RETURNED):
            return
        liaison = _unit_user(d.lead[0])
        if liaison is None:
            raise Invalid(
                f"牵头单位{d.lead[0].label}没有联络员账号，无法记录“签收”等办理过程，"
                "请先为该单位添加联络员，或将办理状态改为“待签收”。",
                log=f"no liaison for unit {d.lead[0].pk}",
            )
        received = _at(d.assigned_on, 2, self.now)
        actions.receive(task=task, by=liaison, now=received)
        if d.latest:
            actions.report_progress(task=task, text=d.latest, by=liaison, now=received)
        if d.status == TaskStatus.IN_PROGRESS:
            return
        done_on = d.closed_on or d.assigned_on
        done = _at(done_on, 3, self.now)
        text = (d.latest or "已办结") + IMPORT_NOTE
        actions.submit_done(task=task, text=text, by=liaison, now=done)
        if d.status == TaskStatus.SUBMITTED:
            return
        # History from the ledger: what the co-units did is not in it; the import confirms.
        actions.verify(task=task, accept=True, confirm_silent_co=True, by=self.by, now=done)
        if d.status == TaskStatus.VERIFIED:
            return
        actions.close(task=task, by=self.by, note="台账导入", now=done)
        self.history_only.append(task.pk)


@dataclass
class Composed:
    """One ledger row as the actions would write it: its directive's key and fields, the
    task's whole history, and the notices its actions would queue (none for history)."""

    key: tuple[str, str, date] | tuple[int]
    directive: bulk.DirectiveSpec
    task: bulk.TaskSpec
    notices: list[tuple[list[int], str, str, str, datetime]]  # users, kind, title, body, at
    history_only: bool


class _Composer:
    """A ledger row → what `_Importer.run` would write through the actions, without writing.

    The same steps at the same moments (登记, 分解, 交办, 签收, 进展, 办结报告, 审核, 销号 or
    撤销), checked by the actions' own validators and refused with their Chinese messages;
    the payloads are the actions'. Reads the database once, when made (the units' first
    account, who is a unit head, the county's loop settings, the default deadlines): the
    check makes one, and each applied batch makes its own inside its transaction, so a row
    the database no longer allows is refused there and the batch is not written.
    """

    def __init__(self, by: User, now: datetime) -> None:
        self.by, self.now = by, now
        self.ctx = rule_context()
        config = loop_config()
        self.unit_review, self.review_progress = config.unit_review, config.unit_review_progress
        self.block_silent = config.silent_co_units == SilentCoUnits.BLOCK
        self.first_user: dict[int, User] = {}  # as `_unit_user`: a liaison before a head
        self.heads: set[int] = set()
        self.recipients: dict[int, list[int]] = {}  # unit → its active accounts
        users = User.objects.filter(role__in=list(UNIT_ROLES), is_active=True)
        for u in users.order_by("role", "id"):
            assert u.unit_id is not None  # unit_role_has_unit
            self.first_user.setdefault(u.unit_id, u)
            self.recipients.setdefault(u.unit_id, []).append(u.pk)
            if u.role == Role.UNIT_HEAD:
                self.heads.add(u.unit_id)
        self.supervisors = list(
            User.objects.filter(role=Role.SUPERVISOR, is_active=True).values_list("pk", flat=True)
        )
        self.defaults = {
            (r.kind, r.urgency): {r.unit: r.amount} for r in DeadlineDefault.objects.all()
        }

    def _held(self, liaison: User, what: str) -> None:
        """`actions.unit._require_not_held`, from what was read."""
        if liaison.role != Role.LIAISON or liaison.unit_id is None or not self.unit_review:
            return
        if what == "progress" and not self.review_progress:
            return
        if liaison.unit_id in self.heads:
            raise Invalid(
                "本县要求联络员的报送经单位负责人审核，请送单位审核。",
                log=f"{what} by liaison {liaison.username} must go through unit review",
            )

    def compose(self, d: Draft) -> Composed:
        by, unit_id = self.by, self.by.unit_id
        received = _at(d.assigned_on, 0, self.now)
        directive = bulk.DirectiveSpec(
            kind=d.kind,
            title=(d.title or d.content)[:200],
            urgency=Urgency.NORMAL,
            received_at=received,
            registered_at=received,
            registered_by_id=by.pk,
            actor_unit_id=unit_id,
            doc_no=d.doc_no,
            issuer_leader_id=d.leader.pk
            if d.leader and d.kind == DirectiveKind.INSTRUCTION
            else None,
        )
        require_text(directive.title, "title", "标题")
        key: tuple[str, str, date] | tuple[int] = (
            (d.kind, d.doc_no, d.assigned_on) if d.doc_no else (d.row,)
        )
        # 分解 (actions.decompose, its checks and its message prefix for the first task).
        row = "第1项任务："
        created = _at(d.assigned_on, 1, self.now)
        content = require_text(d.content, "content", f"{row}事项内容")
        due_spec = check_due_spec(d.due, row)
        cycle, cycle_day = key_cycle(d.cycle, check_cycle(d.cycle, d.cycle_day, row), d.is_key)
        _check_units(d.lead, d.co, row)
        lead, co = [u.pk for u in d.lead], [u.pk for u in d.co]
        events = [
            bulk.EventSpec(
                EventKind.CREATED,
                created,
                by.pk,
                unit_id,
                {
                    "content": content,
                    "requirement": d.requirement.strip(),
                    "leader": d.leader.pk if d.leader else None,
                    "is_key": d.is_key,
                    "due_spec": due_spec,
                    "cycle": cycle,
                    "cycle_day": cycle_day,
                    "plan": {"lead": lead, "co": co},
                    "source_paragraph": None,
                },
            )
        ]
        out = Composed(key, directive, bulk.TaskSpec(events), [], False)
        if d.status == TaskStatus.DRAFT:
            return out
        # 交办 (actions.assign): the row's deadline, else the office's default.
        spec = due_spec or self.defaults.get((d.kind, Urgency.NORMAL)) or {"days": 30}
        resolved = actions.resolve_due_from(spec, timezone.localdate(created), self.ctx)
        assigned = {"lead": lead, "co": co, **due_payload(spec, resolved)}
        events.append(bulk.EventSpec(EventKind.ASSIGNED, created, by.pk, unit_id, assigned))
        units = [*lead, *co]
        body = f"完成时限：{resolved.due:%Y年%m月%d日}" + (
            "（暂定）" if resolved.provisional else ""
        )
        recipients = [pk for u in units for pk in self.recipients.get(u, [])]
        out.notices.append((recipients, "assigned", f"新交办事项：{content[:40]}", body, created))
        if d.status == TaskStatus.WITHDRAWN:
            reason = require_text(d.withdrawn_reason or "台账记载已撤销", "reason", "撤销原因")
            events.append(
                bulk.EventSpec(EventKind.WITHDRAWN, created, by.pk, unit_id, {"reason": reason})
            )
            out.history_only = True
            return out
        if d.status in (TaskStatus.ASSIGNED, TaskStatus.RETURNED):
            return out
        liaison = self.first_user.get(d.lead[0].pk)
        if liaison is None:
            raise Invalid(
                f"牵头单位{d.lead[0].label}没有联络员账号，无法记录“签收”等办理过程，"
                "请先为该单位添加联络员，或将办理状态改为“待签收”。",
                log=f"no liaison for unit {d.lead[0].pk}",
            )
        lead_at = _at(d.assigned_on, 2, self.now)
        events.append(bulk.EventSpec(EventKind.RECEIVED, lead_at, liaison.pk, lead[0], {}))
        if d.latest:
            self._held(liaison, "progress")
            payload = bulk.progress_payload(text=d.latest)
            events.append(bulk.EventSpec(EventKind.PROGRESS, lead_at, liaison.pk, lead[0], payload))
        if d.status == TaskStatus.IN_PROGRESS:
            return out
        done = _at(d.closed_on or d.assigned_on, 3, self.now)
        self._held(liaison, "submit")
        payload = bulk.submitted_payload(text=(d.latest or "已办结") + IMPORT_NOTE)
        events.append(bulk.EventSpec(EventKind.SUBMITTED, done, liaison.pk, lead[0], payload))
        out.notices.append(
            (self.supervisors, "submitted", f"待审核：{content[:40]}", payload["text"][:200], done)
        )
        if d.status == TaskStatus.SUBMITTED:
            return out
        # 审核 (actions.verify): the co-units never signed in a ledger's history: silent.
        verified: dict[str, Any] = {"reason": ""}
        if co:
            if self.block_silent:
                names = "、".join(u.label for u in d.co)
                raise Invalid(
                    f"配合单位{names}尚未签收或未报送办理情况，按本县设置不能审核通过。",
                    log="silent co-units block verification",
                    field="confirm_co",
                )
            verified |= {"silent_co": co, "silent_co_confirmed": True}
        events.append(bulk.EventSpec(EventKind.VERIFIED, done, by.pk, unit_id, verified))
        if d.status == TaskStatus.VERIFIED:
            return out
        events.append(bulk.EventSpec(EventKind.CLOSED, done, by.pk, unit_id, {"note": "台账导入"}))
        out.history_only = True
        return out


def _existing(drafts: list[Draft]) -> dict[int, Task]:
    """`existing_task` for many rows at once (row → task), a query per 500 contents."""
    contents = sorted({d.content for d in drafts})
    by_content: dict[str, list[Task]] = {}
    for start in range(0, len(contents), 500):
        chunk = contents[start : start + 500]
        for t in Task.objects.filter(content__in=chunk).select_related("directive"):
            by_content.setdefault(t.content, []).append(t)
    found: dict[int, Task] = {}
    for d in drafts:
        for t in by_content.get(d.content, []):
            if t.directive.kind != d.kind or t.directive.doc_no != d.doc_no:
                continue
            if t.lead_unit_id == d.lead[0].pk or (
                t.status == TaskStatus.DRAFT
                and (plan_lead := actions.planned_units(t)[0])
                and plan_lead[0].pk == d.lead[0].pk
            ):
                found[d.row] = t
                break
    return found


def import_file(
    source: str | Path | IO[bytes],
    *,
    by: User,
    dry_run: bool = False,
    now: datetime | None = None,
    name: str = "",
    max_rows: int | None = None,
    progress: Progress | None = None,
    through_actions: bool = False,
) -> ImportReport:
    """Check, and unless `dry_run` import, a ledger; the report names every problem.

    `progress(phase, done, total)` is called as rows are checked and as batches commit.
    `through_actions` runs every row through the actions themselves, twice (rehearsed and
    rolled back, then applied 20 rows a transaction): the slow reference the tests hold the
    bulk path to (about 60 ms a row against about 1 ms).
    """
    now = now or timezone.now()
    path = Path(source) if isinstance(source, (str, Path)) else None
    report = ImportReport(file=name or (path.name if path else ""), dry_run=dry_run)
    if by.role != "supervisor" or not by.is_active:
        report.problems.append(Problem(0, message="只有督查人员可以导入台账。"))
        return report
    if path is None:
        import tempfile

        with tempfile.NamedTemporaryFile(suffix=".xlsx") as tmp:
            tmp.write(source.read())  # type: ignore[union-attr]
            tmp.flush()
            name = name or "上传文件"
            return import_file(
                tmp.name,
                by=by,
                dry_run=dry_run,
                now=now,
                name=name,
                max_rows=max_rows,
                progress=progress,
                through_actions=through_actions,
            )
    try:
        if not path.exists():
            raise _Refuse(f"找不到文件“{path}”，请核对文件名和路径。")
        if not path.is_file():
            raise _Refuse(f"“{path}”不是文件（是文件夹？），请指定台账文件。")
        limit = MAX_ROWS if max_rows is None else max_rows
        try:
            kind = _check_container(path)
            sheets = [_csv_sheet(path, limit)] if kind == "csv" else _sheets(path, limit)
        except OSError as e:
            why = e.strerror or type(e).__name__
            raise _Refuse(f"无法读取文件“{path.name}”（{why}）。") from None
        found = None
        for sheet in sheets:
            header = _find_header(sheet)
            if header is not None:
                found = (sheet, header)
                break
        if found is None:
            raise _Refuse("没有找到台账表头：至少需要“事项内容”（或工作任务、任务内容）和"
                          "“牵头单位”（或责任单位、主办单位）两列。")  # fmt: skip
    except _Refuse as e:
        report.problems.append(Problem(0, message=str(e)))
        return report
    sheet, header = found
    report.sheet, report.header_rows = sheet.name, header.rows
    above = " ".join(_text(v) for row in sheet.grid[: header.first_data_row - 1] for v in row)
    today = timezone.localdate(now)
    for source, text in (("表格标题", above), ("工作表名", sheet.name), ("文件名", report.file)):
        report.ledger_day = ledger_day(text, today=today)
        if report.ledger_day:
            report.ledger_day_from = source
            break
    report.columns = {
        k: f"{col_letter(c)}列（{header.titles[k]}）"
        for k, c in sorted(header.columns.items(), key=lambda kv: kv[1])
        if k in LABELS
    }
    report.ignored = _ignored_columns(sheet, header)
    file_sm3 = sm3(path.read_bytes())
    _import_rows(
        sheet,
        header,
        report,
        by=by,
        now=now,
        dry_run=dry_run,
        file_sm3=file_sm3,
        progress=progress,
        through_actions=through_actions,
    )
    AccessLog.objects.create(
        at=now,
        kind=AccessKind.ADMIN,
        user=by,
        username=by.username,
        detail=f"ledger import {report.file} {'dry-run' if dry_run else ''} {report.verdict()}",
    )
    return report


SECTION = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十]+[）)]|第[一二三四五六七八九十\d]+(?:部分|类|章))"
)


def _section(row: list[Any], header: Header) -> str | None:
    """A grouping row (一、城乡建设): one text, in a column other than 事项内容, or merged
    across the row, or numbered as a section. A lone text in 事项内容 is a task row (and its
    missing 牵头单位 is reported), so no task is ever taken for a heading."""
    filled = [i for i, v in enumerate(row) if _text(v)]
    texts = {_text(row[i]) for i in filled}
    if len(texts) != 1:
        return None
    [text] = texts
    if SECTION.match(text) or len(filled) > 1 or filled[0] != header.columns["content"] - 1:
        return text
    return None


def _ignored_columns(sheet: Sheet, header: Header) -> list[str]:
    """Every titled column the import does not take, by letter and title, with why."""
    used = {c: k for k, c in header.columns.items()}
    out = []
    width = max((len(r) for r in sheet.grid), default=0)
    for c in range(1, width + 1):
        # The lowest title: the row above may be the table's title over every column.
        titles = [_text(sheet.grid[r - 1][c - 1]) for r in reversed(header.rows)]
        title = next((t for t in titles if t), "")
        kind = used.get(c)
        if kind in NOT_IMPORTED:
            out.append(f"{col_letter(c)}列（{header.titles[kind]}，{NOT_IMPORTED[kind]}）")
        elif kind is None and title:
            out.append(f"{col_letter(c)}列（{title}）")
    return out


def _plan(
    sheet: Sheet,
    header: Header,
    report: ImportReport,
    today: date,
    ledger_day: date | None = None,
) -> list[tuple[Draft, str]]:
    """Read every row; the drafts to import, each with its status label (repeats reported)."""
    reader = _RowReader(header, report, today, ledger_day)
    drafts: list[Draft] = []
    for i, row in enumerate(sheet.grid[header.first_data_row - 1 :], start=header.first_data_row):
        if all(_text(v) == "" for v in row):
            continue
        if any(_text(v) in ("合计", "总计") for v in row[:3]) and not _text(
            reader.cell(row, "lead")
        ):
            continue  # a totals line under the table
        section = _section(row, header)
        if section is not None:
            report.sections.append((i, section))
            report.rows.append(RowResult(i, section, "section", note="分组行，不导入"))
            continue
        d = reader.read(i, row)
        if d is None:
            content = _text(reader.cell(row, "content"))
            report.rows.append(RowResult(i, content, "error"))
        else:
            drafts.append(d)
    seen: dict[tuple[str, str, str, int], int] = {}
    status_labels = dict(TaskStatus.choices)
    plan = []
    for d in drafts:
        label = status_labels[d.status]
        if d.identity in seen:
            report.rows.append(
                RowResult(d.row, d.content, "exists", label, f"与第{seen[d.identity]}行重复")
            )
            report.warnings.append(
                Problem(d.row, message=f"与第{seen[d.identity]}行是同一事项，跳过。")
            )
            continue
        seen[d.identity] = d.row
        plan.append((d, label))
    return plan


def _batches(items: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), ACTION_BATCH_ROWS):
        yield items[start : start + ACTION_BATCH_ROWS]


def _between_batches() -> None:
    # SQLite has one write lock and no queue: a writer that waits polls it (sleeping up
    # to 100 ms between tries), so without a pause the import takes the lock back before
    # any waiting web request wakes. PostgreSQL locks rows and needs no pause.
    if connection.vendor == "sqlite":
        clock.sleep(BATCH_PAUSE)


def _check_through_actions(
    plan: list[tuple[Draft, str]], report: ImportReport, importer: _Importer
) -> list[Draft]:
    """Run every row through the actions, BATCH_ROWS at a time, and roll each batch back.

    This is the whole import, rehearsed: what it reports is what the apply will do. Each row
    runs in its own savepoint so one refused row does not hide the others' problems.
    Returns the rows to apply.
    """
    new: list[Draft] = []
    for batch in _batches(plan):
        with transaction.atomic():
            for d, label in batch:
                task = existing_task(d)
                if task is not None:
                    report.rows.append(
                        RowResult(d.row, d.content, "exists", label, f"已存在（{task.code}）")
                    )
                    continue
                try:
                    with transaction.atomic():
                        importer.run(d)
                    importer.row_done(committed=True)
                except ActionError as e:
                    importer.row_done(committed=False)
                    report.problems.append(Problem(d.row, message=e.message))
                    report.rows.append(RowResult(d.row, d.content, "error", label))
                    continue
                report.rows.append(RowResult(d.row, d.content, "new", label))
                new.append(d)
            transaction.set_rollback(True)
        importer.forget()  # what the batch registered is gone with it
        _between_batches()
    report.rows.sort(key=lambda r: r.row)
    return new


def _claim(
    file_sm3: str, *, name: str, by: User, total: int, done: int
) -> tuple[LedgerImport, bool] | str:
    """The import record for this file: a new one, or the unfinished one taken over (True).

    A string (the message) when another process is importing the same file right now.
    """
    now = timezone.now()
    with transaction.atomic():
        old = (
            LedgerImport.objects.select_for_update()
            .filter(file_sm3=file_sm3)
            .exclude(state=ImportState.COMPLETE)
            .first()
        )
        if old is not None and old.state == ImportState.RUNNING and now - old.beat < STALE_AFTER:
            return (
                f"该文件正在导入中（{old.by}于{timezone.localtime(old.started_at):%H:%M}"
                f"开始，已处理{old.rows_done}/{old.rows_total}行），请稍后刷新查看，勿重复导入。"
            )
        if old is not None:
            old.state, old.beat, old.by, old.error = ImportState.RUNNING, now, by, ""
            old.rows_total, old.rows_done = total, done
            old.save(update_fields=["state", "beat", "by", "error", "rows_total", "rows_done"])
            return old, True
        try:
            with transaction.atomic():
                made = LedgerImport.objects.create(
                    file_sm3=file_sm3,
                    name=name[:255],
                    by=by,
                    state=ImportState.RUNNING,
                    started_at=now,
                    beat=now,
                    rows_total=total,
                    rows_done=done,
                )
            return made, False
        except IntegrityError:  # another process claimed it between our read and insert
            return "该文件正在导入中，请稍后刷新查看，勿重复导入。"


def _apply_through_actions(
    new: list[Draft], record: LedgerImport, report: ImportReport, importer: _Importer
) -> bool:
    """Apply the checked rows in short transactions; False when a batch was refused.

    Each batch commits its tasks (each with all its events), drops the notices about the
    batch's history-only tasks and moves the import record, together; a crash between
    batches leaves whole tasks and a record that says the import is unfinished.
    """
    for batch in _batches(new):
        saved = dict(importer.directives)
        try:
            with transaction.atomic():
                marker = Outbox.objects.order_by("-id").values_list("id", flat=True).first() or 0
                done = 0
                for d in batch:
                    done += 1
                    if existing_task(d) is not None:
                        continue  # imported by the run this one resumes
                    importer.run(d)
                # Closed or withdrawn tasks are history, not news: their units are not
                # notified. These outbox rows were written in this very transaction.
                Outbox.objects.filter(id__gt=marker, task_id__in=importer.history_only).delete()
                record.rows_done += done
                record.beat = timezone.now()
                record.directives = importer.directive_ids()
                record.save(update_fields=["rows_done", "beat", "directives"])
        except ActionError as e:
            importer.directives = saved
            row = batch[done - 1].row
            report.problems.append(Problem(row, message=e.message))
            record.state, record.error = ImportState.STOPPED, f"第{row}行：{e.message}"
            record.save(update_fields=["state", "error"])
            report.stopped = record
            return False
        finally:
            importer.history_only.clear()
        _between_batches()
    record.state, record.finished_at = ImportState.COMPLETE, timezone.now()
    record.save(update_fields=["state", "finished_at"])
    return True


Progress = Callable[[str, int, int], None]  # phase ("check" | "apply"), rows done, rows in all
PROGRESS_EVERY = 500  # rows between two progress calls of the check


def _check(
    plan: list[tuple[Draft, str]],
    report: ImportReport,
    composer: _Composer,
    progress: Progress | None = None,
) -> list[Draft]:
    """Compose every row as the actions would write it, writing nothing; the rows to apply.

    What it reports is what the apply will do: the apply composes each row again the same
    way (inside its batch's transaction) and writes exactly that. Every row is checked, so
    one refused row does not hide the others' problems.
    """
    new: list[Draft] = []
    existing = _existing([d for d, _ in plan])
    for i, (d, label) in enumerate(plan, start=1):
        task = existing.get(d.row)
        if task is not None:
            report.rows.append(
                RowResult(d.row, d.content, "exists", label, f"已存在（{task.code}）")
            )
        else:
            try:
                composer.compose(d)
            except ActionError as e:
                report.problems.append(Problem(d.row, message=e.message))
                report.rows.append(RowResult(d.row, d.content, "error", label))
            else:
                report.rows.append(RowResult(d.row, d.content, "new", label))
                new.append(d)
        if progress is not None and (i % PROGRESS_EVERY == 0 or i == len(plan)):
            progress("check", i, len(plan))
    report.rows.sort(key=lambda r: r.row)
    return new


def _groups(rows: list[Draft]) -> Iterator[list[Draft]]:
    """Batches of about BATCH_ROWS rows that never split a directive (rows sharing 事项来源,
    来文文号 and 交办日期), so each directive is written whole, with all its tasks, by one
    transaction; in the order of each directive's first row."""
    groups: dict[tuple[str, str, date] | tuple[int], list[Draft]] = {}
    for d in rows:
        key: tuple[str, str, date] | tuple[int] = (
            (d.kind, d.doc_no, d.assigned_on) if d.doc_no else (d.row,)
        )
        groups.setdefault(key, []).append(d)
    batch: list[Draft] = []
    for group in groups.values():
        batch.extend(group)
        if len(batch) >= BATCH_ROWS:
            yield batch
            batch = []
    if batch:
        yield batch


def _apply(
    new: list[Draft],
    record: LedgerImport,
    report: ImportReport,
    *,
    by: User,
    now: datetime,
    progress: Progress | None = None,
) -> bool:
    """Write the checked rows, whole directives at a time, through the bulk writer; False
    when a batch was refused.

    Each batch is one transaction: its directives, tasks, events (chained as the actions
    chain them, lights as of `now` as the closing refresh would record them), progress
    reports, the notices the actions would queue (none for tasks that are history: closed
    or withdrawn), and the import record moved on. A crash between batches leaves whole
    directives and a record that says the import is unfinished.
    """
    total = record.rows_total
    for batch in _groups(new):
        d = batch[0]
        try:
            with transaction.atomic():
                composer = _Composer(by, now)  # the database as it is now, in this transaction
                existing = _existing(batch)  # imported meanwhile, or by the run this one resumes
                specs: dict[tuple[str, str, date] | tuple[int], bulk.DirectiveSpec] = {}
                composed: list[Composed] = []
                for d in batch:
                    if d.row in existing:
                        continue
                    c = composer.compose(d)
                    specs.setdefault(c.key, c.directive).tasks.append(c.task)
                    composed.append(c)
                # write_batch writes directive by directive, each one's tasks in order.
                order = sorted(composed, key=lambda c: list(specs).index(c.key))
                counts = bulk.write_batch(list(specs.values()), ctx=composer.ctx, tick_at=now)
                notices: list[Outbox] = []
                keys: dict[str, int] = {}
                for c, (task, _events) in zip(order, counts.written, strict=True):
                    if c.key and len(c.key) == 3:
                        kind, doc_no, day = c.key
                        keys[json.dumps([kind, doc_no, day.isoformat()], ensure_ascii=False)] = (
                            task.directive_id
                        )
                    if c.history_only:
                        continue  # closed or withdrawn: history, not news for its units
                    for users, kind_, title, body, at in c.notices:
                        notices.extend(
                            Outbox(
                                created_at=at,
                                recipient_id=user,
                                kind=kind_,
                                title=title[:200],
                                body=body,
                                task_id=task.pk,
                                directive_id=task.directive_id,
                            )
                            for user in users
                        )
                Outbox.objects.bulk_create(notices)
                record.rows_done += len(batch)
                record.beat = timezone.now()
                record.directives = {**record.directives, **keys}
                record.save(update_fields=["rows_done", "beat", "directives"])
        except ActionError as e:
            report.problems.append(Problem(d.row, message=e.message))
            record.refresh_from_db(fields=["rows_done", "directives"])
            record.state, record.error = ImportState.STOPPED, f"第{d.row}行：{e.message}"
            record.save(update_fields=["state", "error"])
            report.stopped = record
            return False
        if progress is not None:
            progress("apply", record.rows_done, total)
        _between_batches()
    record.state, record.finished_at = ImportState.COMPLETE, timezone.now()
    record.save(update_fields=["state", "finished_at"])
    return True


@dataclass
class Unfinished:
    record: LedgerImport
    dead: bool  # the process stopped: nobody is working on it

    @property
    def percent(self) -> int:
        r = self.record
        return 100 * r.rows_done // r.rows_total if r.rows_total else 0

    def __str__(self) -> str:
        r = self.record
        started = timezone.localtime(r.started_at)
        head = f"{r.name or '台账'}（{r.by}于{started:%Y-%m-%d %H:%M}开始）"
        done = f"已处理{r.rows_done}/{r.rows_total}行"
        if not self.dead:
            return f"{head}正在导入，{done}。"
        why = f"因{r.error}" if r.error else "因进程意外终止"
        return f"{head}{why}中断，{done}，导入尚未完成。请重新导入同一文件以完成导入。"


def unfinished_imports(*, now: datetime | None = None) -> list[Unfinished]:
    """Imports not complete: running now, or left unfinished by a crash or a refusal."""
    now = now or timezone.now()
    return [
        Unfinished(r, r.state == ImportState.STOPPED or now - r.beat >= STALE_AFTER)
        for r in LedgerImport.objects.exclude(state=ImportState.COMPLETE).select_related("by")
    ]


def _import_rows(
    sheet: Sheet,
    header: Header,
    report: ImportReport,
    *,
    by: User,
    now: datetime,
    dry_run: bool,
    file_sm3: str,
    progress: Progress | None = None,
    through_actions: bool = False,
) -> None:
    plan = _plan(sheet, header, report, timezone.localdate(now), report.ledger_day)
    if through_actions:
        new = _check_through_actions(plan, report, _Importer(by, now))
    else:
        new = _check(plan, report, _Composer(by, now), progress)
    if dry_run or not report.ok:
        return
    claimed = _claim(file_sm3, name=report.file, by=by, total=len(plan), done=len(plan) - len(new))
    if isinstance(claimed, str):
        report.problems.append(Problem(0, message=claimed))
        report.busy = True
        return
    record, report.resumed = claimed
    if through_actions:
        importer = _Importer(by, now, known=record.directives)
        applied = _apply_through_actions(new, record, report, importer)
    else:
        applied = _apply(new, record, report, by=by, now=now, progress=progress)
    if not applied:
        return
    report.imported = True
    from duban.work.refresh import refresh

    # The lights and reminders as of today, not as of the imported dates. The ladders climb
    # at the next `duban tick` (coordination sits above documents/). The bulk writer has
    # already recorded the imported tasks' lights as of now, so this writes their reminders
    # (and refreshes the county's other tasks). Small batches: the refresh must not hold
    # SQLite's write lock any longer than a batch of rows does.
    refresh(now=now, batch=REFRESH_BATCH)
