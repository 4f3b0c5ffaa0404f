"""台账.xlsx: the ledger the office keeps and hands up, streamed row by row.

Sheet 1 "督办台账": a title row, a row saying what was selected and when, the header
(frozen, with an autofilter), then one row per task in the ledger page's order, in the
office's columns (COLUMNS). Dates are Excel dates, not text; the light is the fill colour of
its cell (LIGHT_FILLS) as well as its word, so the sheet still reads in black and white.
Sheet 2 "汇总": counts by status and light, and by lead unit (tasks, closed, on time,
overdue, on-time rate).

Streaming: the task ids are read in the page's order, then the tasks in chunks of CHUNK,
each chunk with one query for its units and one for its latest reports. xlsxwriter
(constant_memory) lays out the workbook; the data rows are written as the same XML to a
temporary file and spliced into the sheet when the package is zipped (`write_workbook`),
so memory does not grow with the ledger (bench/bench_export.py: 100,000 tasks in ~5 s).

The rows come from `work.ledger.ledger_tasks(user, filters)`: the page's "导出Excel" and
`duban ledger export` select exactly what the page lists for that user.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

import xlsxwriter
from django.db import connection
from django.db.models import F, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import RowNumber
from django.utils import timezone

from duban import replica
from duban.audit.models import AccessKind, AccessLog
from duban.documents import filters as ledger_filters
from duban.org.models import Leader, Unit, User
from duban.work import ledger as lq
from duban.work.models import (
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    DirectiveKind,
    Event,
    EventKind,
    Light,
    ProgressReport,
    Task,
    TaskStatus,
)

CHUNK = 2000
SHEET = "督办台账"
SUMMARY_SHEET = "汇总"
# The office's columns (issue 5), with widths in Excel character units.
COLUMNS: tuple[tuple[str, float], ...] = (
    ("序号", 6),
    # The task's own number (2026-0012-1), as the task page, the 督办单 and the reports
    # cite it; not a column the import reads (its "编号" is a row number, like 序号).
    ("督办编号", 13),
    ("事项来源", 12),
    ("来文文号", 18),
    ("交办日期", 11),
    ("事项内容", 48),
    ("牵头领导", 9),
    ("牵头单位", 16),
    ("配合单位", 20),
    ("完成时限", 11),
    ("最新进展", 40),
    ("办理状态", 9),
    ("亮灯", 9),
    ("办结日期", 11),
    ("备注", 22),
)
HEADERS = tuple(name for name, _ in COLUMNS)
# Fill colours of the 亮灯 cell. Offices name their colours differently (office-rules.md);
# the words in the cell are the Light labels, the colours these.
LIGHT_FILLS: dict[str, tuple[str, str]] = {  # light → (fill, font colour)
    Light.GREEN: ("#92D050", "#000000"),
    Light.YELLOW: ("#FFFF00", "#000000"),
    Light.RED: ("#FF0000", "#FFFFFF"),
    Light.ON_TIME: ("#E2EFDA", "#000000"),
    Light.LATE: ("#FCE4D6", "#9C0006"),
}
DATE_FORMAT = "yyyy-mm-dd"
UNIT_SEP = "、"


@dataclass
class UnitFigures:
    tasks: int = 0
    closed: int = 0
    on_time: int = 0
    overdue: int = 0

    @property
    def rate(self) -> float | None:
        return self.on_time / self.closed if self.closed else None


@dataclass
class ExportResult:
    rows: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    lights: Counter[str] = field(default_factory=Counter)
    units: dict[int, UnitFigures] = field(default_factory=lambda: defaultdict(UnitFigures))


@dataclass(frozen=True)
class Row:
    """One ledger row as the sheet shows it (also what the round-trip test compares)."""

    code: str
    kind: str
    doc_no: str
    assigned_on: date | None
    content: str
    leader: str
    leads: str
    co: str
    due: date | None
    latest: str
    status: str
    light: str
    closed_on: date | None
    remark: str
    light_value: str = ""


SH = ZoneInfo("Asia/Shanghai")  # deadlines and days are Asia/Shanghai (settings.TIME_ZONE)


def _local(dt: datetime | None) -> date | None:
    # astimezone directly: timezone.localtime costs a context lookup per call (100,000s here).
    return dt.astimezone(SH).date() if dt is not None else None


TASK_FIELDS = (
    "id",
    "directive__year",
    "directive__serial",
    "number",
    "directive__kind",
    "directive__doc_no",
    "assigned_at",
    "content",
    "leader_id",
    "lead_unit_id",
    "due",
    "due_provisional",
    "due_original",
    "status",
    "light",
    "closed_at",
    "closed_on_time",
    "submitted_at",
    "is_open",
    "is_key",
    "withdrawn_reason",
)


def remark(v: dict[str, Any]) -> str:
    """备注: what the columns do not say: key item, provisional or extended deadline, withdrawal."""
    notes = []
    if v["is_key"]:
        notes.append("重点督办")
    if v["due_original"] and v["due"] and v["due_original"] != v["due"]:
        notes.append(f"原定时限{v['due_original']:%Y-%m-%d}，已延期")
    if v["due_provisional"] and v["is_open"]:
        notes.append("时限暂定")
    if v["status"] == TaskStatus.WITHDRAWN and v["withdrawn_reason"]:
        notes.append(f"撤销原因：{v['withdrawn_reason']}")
    return "；".join(notes)


def ids_in(ids: list[int]) -> RawSQL:
    """`pk IN (…)` for a chunk of ids as ONE parameter: Django prepares each element of a
    plain list separately, which cost more than the query itself at 100,000 rows."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", (ids,))
    return RawSQL("SELECT value FROM json_each(%s)", (json.dumps(ids),))


def ledger_ids(user: User, f: lq.LedgerFilters) -> list[int]:
    """The ids of the ledger's tasks in the page's order."""
    sort = lq.SORTS.get(f.sort, lq.SORTS[lq.DEFAULT_SORT])
    qs = lq.ledger_tasks(user, f).order_by(*lq.order_by(sort))
    return list(qs.values_list("pk", flat=True))


def iter_rows(ids: list[int], *, today: date, result: ExportResult | None = None) -> Iterator[Row]:
    """The rows of these tasks in this order, read CHUNK tasks at a time (three queries each)."""
    units = {u.pk: u.label for u in Unit.objects.only("id", "name", "short_name")}
    leaders = {ld.pk: ld.name for ld in Leader.objects.only("id", "name")}
    kinds = dict(DirectiveKind.choices)
    statuses = dict(TaskStatus.choices)
    lights = dict(Light.choices)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        tasks = {v["id"]: v for v in Task.objects.filter(pk__in=ids_in(chunk)).values(*TASK_FIELDS)}
        shares: dict[int, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
        for task_id, unit_id, role in (
            Assignment.objects.filter(task_id__in=ids_in(chunk))
            .exclude(status=AssignmentStatus.REPLACED)
            .order_by("task_id", "position")
            .values_list("task_id", "unit_id", "role")
        ):
            shares[task_id][0 if role == AssignmentRole.LEAD else 1].append(unit_id)
        newest = (
            ProgressReport.objects.filter(task_id__in=ids_in(chunk))
            .annotate(
                rank=Window(
                    RowNumber(),
                    partition_by=[F("task_id")],
                    order_by=[F("at").desc(), F("id").desc()],
                )
            )
            .filter(rank=1)
            .values_list("task_id", "text")
        )
        latest = dict(newest)
        # A draft has no shares yet: its units are the plan written at decomposition.
        drafts = [i for i in chunk if tasks[i]["status"] == TaskStatus.DRAFT]
        if drafts:
            created = Event.objects.filter(task_id__in=drafts, kind=EventKind.CREATED)
            for task_id, plan in created.values_list("task_id", "payload__plan"):
                if plan:
                    shares[task_id] = (list(plan["lead"]), list(plan["co"]))
        for task_id in chunk:
            v = tasks[task_id]
            lead_ids, co_ids = shares.get(task_id, ([], []))
            if not lead_ids and v["lead_unit_id"] is not None:
                lead_ids = [v["lead_unit_id"]]
            if result is not None:
                _count(result, v, today)
            yield Row(
                code=f"{v['directive__year']}-{v['directive__serial']:04d}-{v['number']}",
                kind=kinds.get(v["directive__kind"], v["directive__kind"]),
                doc_no=v["directive__doc_no"],
                assigned_on=_local(v["assigned_at"]),
                content=v["content"],
                leader=leaders.get(v["leader_id"], "") if v["leader_id"] else "",
                leads=UNIT_SEP.join(units[i] for i in lead_ids),
                co=UNIT_SEP.join(units[i] for i in co_ids),
                due=v["due"],
                latest=latest.get(task_id, ""),
                status=statuses[v["status"]],
                light="" if v["light"] == Light.NONE else lights[v["light"]],
                closed_on=_local(v["closed_at"]),
                remark=remark(v),
                light_value=v["light"],
            )


def _count(result: ExportResult, v: dict[str, Any], today: date) -> None:
    result.rows += 1
    result.statuses[v["status"]] += 1
    if v["light"] != Light.NONE and v["status"] not in (TaskStatus.DRAFT, TaskStatus.WITHDRAWN):
        result.lights[v["light"]] += 1
    unit_id = v["lead_unit_id"]
    if unit_id is None or v["status"] in (TaskStatus.DRAFT, TaskStatus.WITHDRAWN):
        return
    figures = result.units[unit_id]
    figures.tasks += 1
    if v["status"] == TaskStatus.CLOSED:
        figures.closed += 1
        figures.on_time += bool(v["closed_on_time"])
    # Overdue as in selectors.overdue_tasks: open, past due, not yet reported done.
    elif v["is_open"] and v["due"] and v["due"] < today and v["submitted_at"] is None:
        figures.overdue += 1


class _Formats:
    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        base = {"font_name": "宋体", "font_size": 10, "valign": "top", "border": 1}
        self.title = wb.add_format(
            {"font_name": "方正小标宋简体", "font_size": 18, "align": "center", "valign": "vcenter"}
        )
        self.note = wb.add_format({"font_name": "宋体", "font_size": 10, "align": "left"})
        self.header = wb.add_format(
            {
                **base,
                "bold": True,
                "font_name": "黑体",
                "align": "center",
                "valign": "vcenter",
                "text_wrap": True,
                "bg_color": "#D9E1F2",
            }
        )
        self.text = wb.add_format(base)
        self.wrap = wb.add_format({**base, "text_wrap": True})
        self.center = wb.add_format({**base, "align": "center"})
        self.date = wb.add_format({**base, "num_format": DATE_FORMAT, "align": "center"})
        self.lights = {
            light: wb.add_format(
                {**base, "align": "center", "bg_color": fill, "font_color": font, "bold": True}
            )
            for light, (fill, font) in LIGHT_FILLS.items()
        }
        self.percent = wb.add_format({**base, "num_format": "0.0%", "align": "center"})
        self.number = wb.add_format({**base, "align": "center"})


# Characters XML 1.0 forbids are dropped; &, < and > are escaped.
_XML = {i: None for i in (*range(0, 9), 11, 12, *range(14, 32))} | {
    ord("&"): "&amp;",
    ord("<"): "&lt;",
    ord(">"): "&gt;",
}
_EXCEL_EPOCH = date(1899, 12, 30)
LETTERS = [chr(ord("A") + i) for i in range(len(COLUMNS))]


def _text(ref: str, value: str, style: int) -> str:
    if not value:
        return f'<c r="{ref}" s="{style}"/>'
    value = value.translate(_XML)
    space = ' xml:space="preserve"' if value[0].isspace() or value[-1].isspace() else ""
    return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t{space}>{value}</t></is></c>'


def _date(ref: str, value: date | None, style: int, blank: int) -> str:
    if value is None:
        return f'<c r="{ref}" s="{blank}"/>'
    return f'<c r="{ref}" s="{style}"><v>{(value - _EXCEL_EPOCH).days}</v></c>'


def _stream_rows(fh: IO[str], rows: Iterator[Row], fmt: _Formats, first: int) -> int:
    """Write the data rows' XML as xlsxwriter's constant_memory mode would (inline strings),
    one string per row: xlsxwriter's per-cell path costs ~9 s per 100,000 rows here, this
    about 1 s. Returns the number of rows."""
    x = {name: getattr(fmt, name)._get_xf_index() for name in ("text", "wrap", "center", "date")}
    lights = {light: f._get_xf_index() for light, f in fmt.lights.items()}
    text, wrap, center, day = x["text"], x["wrap"], x["center"], x["date"]
    A, CODE, B, C, D, E, F_, G, H, I_, J, K, L, M, N = LETTERS
    n = 0
    for n, row in enumerate(rows, start=1):
        r = first + n  # 1-based Excel row
        fh.write(
            f'<row r="{r}" spans="1:{len(LETTERS)}">'
            f'<c r="{A}{r}" s="{center}"><v>{n}</v></c>'
            + _text(f"{CODE}{r}", row.code, text)
            + _text(f"{B}{r}", row.kind, text)
            + _text(f"{C}{r}", row.doc_no, text)
            + _date(f"{D}{r}", row.assigned_on, day, text)
            + _text(f"{E}{r}", row.content, wrap)
            + _text(f"{F_}{r}", row.leader, text)
            + _text(f"{G}{r}", row.leads, wrap)
            + _text(f"{H}{r}", row.co, wrap)
            + _date(f"{I_}{r}", row.due, day, text)
            + _text(f"{J}{r}", row.latest, wrap)
            + _text(f"{K}{r}", row.status, center)
            + _text(f"{L}{r}", row.light, lights.get(row.light_value, center))
            + _date(f"{M}{r}", row.closed_on, day, text)
            + _text(f"{N}{r}", row.remark, wrap)
            + "</row>"
        )
    return n


def write_workbook(
    out: str | Path | IO[bytes],
    rows: Iterator[Row],
    *,
    count: int,
    title: str,
    note: str,
    result: ExportResult,
) -> ExportResult:
    """xlsxwriter lays out the workbook (styles, title, header, freeze, filter, print setup,
    the summary sheet); the data rows are streamed to a temporary file and spliced into the
    ledger sheet when the package is zipped. Memory stays flat however long the ledger."""
    with tempfile.TemporaryDirectory(prefix="duban-ledger-") as tmp:
        shell_path = Path(tmp) / "shell.xlsx"
        wb = xlsxwriter.Workbook(
            str(shell_path),
            {
                "constant_memory": True,
                "strings_to_numbers": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "default_date_format": DATE_FORMAT,
                "tmpdir": tmp,
            },
        )
        fmt = _Formats(wb)
        ws = wb.add_worksheet(SHEET)
        last_col = len(COLUMNS) - 1
        for col, (_, width) in enumerate(COLUMNS):
            ws.set_column(col, col, width)
        ws.set_row(0, 32)
        ws.merge_range(0, 0, 0, last_col, title, fmt.title)
        ws.merge_range(1, 0, 1, last_col, note, fmt.note)
        ws.set_row(2, 22)
        for col, name in enumerate(HEADERS):
            ws.write_string(2, col, name, fmt.header)
        ws.freeze_panes(3, 0)
        ws.repeat_rows(2)  # the header on every printed page
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)
        # Page numbers when printed: 第 1 页，共 5 页 at the foot of every page.
        ws.set_footer("&C第 &P 页，共 &N 页")
        if count:
            ws.autofilter(2, 0, 2 + count, last_col)
        rows_path = Path(tmp) / "rows.xml"
        with rows_path.open("w", encoding="utf-8") as fh:
            written = _stream_rows(fh, rows, fmt, first=3)
        if written != count:
            raise RuntimeError(f"ledger changed while exporting: {written} rows, not {count}")
        _write_summary(wb, fmt, result, title=title, note=note)
        wb.close()
        _splice(shell_path, rows_path, out, last_row=3 + count, last_col=LETTERS[-1])
    return result


SHEET_XML = "xl/worksheets/sheet1.xml"


def _splice(
    shell: Path, rows: Path, out: str | Path | IO[bytes], *, last_row: int, last_col: str
) -> None:
    """Copy the shell package to `out`, with the streamed rows added to the ledger sheet."""
    with (
        zipfile.ZipFile(shell) as zin,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zout,
    ):
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename != SHEET_XML:
                zout.writestr(info, data)
                continue
            xml = data.decode("utf-8")
            xml = re.sub(
                r'<dimension ref="[^"]*"/>',
                f'<dimension ref="A1:{last_col}{last_row}"/>',
                xml,
                count=1,
            )
            head, tail = xml.split("</sheetData>", 1)
            target = zipfile.ZipInfo(SHEET_XML, date_time=info.date_time)
            target.compress_type = zipfile.ZIP_DEFLATED
            with zout.open(target, "w", force_zip64=True) as sheet, rows.open("rb") as streamed:
                sheet.write(head.encode("utf-8"))
                shutil.copyfileobj(streamed, sheet, 1 << 20)
                sheet.write(("</sheetData>" + tail).encode("utf-8"))


def _write_summary(
    wb: xlsxwriter.Workbook, fmt: _Formats, result: ExportResult, *, title: str, note: str
) -> None:
    ws = wb.add_worksheet(SUMMARY_SHEET)
    for col, width in enumerate((22, 10, 10, 10, 10, 12)):
        ws.set_column(col, col, width)
    ws.set_row(0, 32)
    ws.merge_range(0, 0, 0, 5, f"{title}汇总", fmt.title)
    ws.merge_range(1, 0, 1, 5, note, fmt.note)
    r = 3
    ws.write_string(r, 0, "办理状态", fmt.header)
    ws.write_string(r, 1, "事项数", fmt.header)
    for value, label in TaskStatus.choices:
        if result.statuses[value]:
            r += 1
            ws.write_string(r, 0, label, fmt.text)
            ws.write_number(r, 1, result.statuses[value], fmt.number)
    r += 1
    ws.write_string(r, 0, "合计", fmt.header)
    ws.write_number(r, 1, result.rows, fmt.number)
    r += 2
    ws.write_string(r, 0, "亮灯", fmt.header)
    ws.write_string(r, 1, "事项数", fmt.header)
    for value, label in Light.choices:
        if value != Light.NONE:
            r += 1
            ws.write_string(r, 0, label, fmt.lights.get(value, fmt.text))
            ws.write_number(r, 1, result.lights[value], fmt.number)
    r += 2
    for col, name in enumerate(
        ("牵头单位", "事项数", "已办结", "按期办结", "逾期未办结", "按期办结率")
    ):
        ws.write_string(r, col, name, fmt.header)
    labels = {u.pk: (u.order, u.pk, u.label) for u in Unit.objects.all()}
    for unit_id in sorted(result.units, key=lambda i: labels[i]):
        figures = result.units[unit_id]
        r += 1
        ws.write_string(r, 0, labels[unit_id][2], fmt.text)
        ws.write_number(r, 1, figures.tasks, fmt.number)
        ws.write_number(r, 2, figures.closed, fmt.number)
        ws.write_number(r, 3, figures.on_time, fmt.number)
        ws.write_number(r, 4, figures.overdue, fmt.number)
        if figures.rate is None:
            ws.write_string(r, 5, "—", fmt.number)
        else:
            ws.write_number(r, 5, figures.rate, fmt.percent)


def export_ledger(
    *,
    user: User,
    filters: lq.LedgerFilters,
    out: str | Path | IO[bytes],
    now: datetime | None = None,
    title: str = "",
) -> ExportResult:
    """Write the user's ledger under `filters` to `out`, and log the export."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    title = title or f"督办事项台账（截至{today.year}年{today.month}月{today.day}日）"
    described = ledger_filters.describe(filters)
    note = f"筛选条件：{described}    导出时间：{timezone.localtime(now):%Y-%m-%d %H:%M}"
    result = ExportResult()
    with replica.reports():  # the streaming replica when it has this person's writes
        ids = ledger_ids(user, filters)
        rows = iter_rows(ids, today=today, result=result)
        write_workbook(out, rows, count=len(ids), title=title, note=note, result=result)
    AccessLog.objects.create(
        at=now,
        kind=AccessKind.EXPORT,
        user=user,
        username=user.username,
        detail=f"ledger.xlsx {result.rows} rows; {described}; {lq.filter_query(_params(filters))}",
    )
    return result


def _params(f: lq.LedgerFilters) -> dict[str, str]:
    """The filters back in the page's query-string form (for the access log)."""
    out: dict[str, str] = {}
    for name in lq.FILTER_PARAMS:
        value = getattr(f, name)
        if value is None or value == "":
            continue
        if isinstance(value, bool):
            out[name] = "1" if value else "0"
        elif isinstance(value, date):
            out[name] = value.isoformat()
        else:
            out[name] = str(value)
    return out


def export_selected(
    *,
    user: User,
    task_ids: Iterable[int],
    out: str | Path | IO[bytes],
    now: datetime | None = None,
) -> ExportResult:
    """The ledger of just these tasks (a batch 导出所选), in the ledger's default order.

    Scoped like the ledger: an id the user may not see is left out, as the page never
    offered it."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    sort = lq.SORTS[lq.DEFAULT_SORT]
    qs = lq.ledger_tasks(user, lq.LedgerFilters()).filter(pk__in=ids_in(list(set(task_ids))))
    ids = list(qs.order_by(*lq.order_by(sort)).values_list("pk", flat=True))
    result = ExportResult()
    title = f"督办事项台账（所选{len(ids)}项，截至{today.year}年{today.month}月{today.day}日）"
    note = f"所选事项 {len(ids)} 项    导出时间：{timezone.localtime(now):%Y-%m-%d %H:%M}"
    write_workbook(
        out,
        iter_rows(ids, today=today, result=result),
        count=len(ids),
        title=title,
        note=note,
        result=result,
    )
    AccessLog.objects.create(
        at=now,
        kind=AccessKind.EXPORT,
        user=user,
        username=user.username,
        detail=f"ledger.xlsx {result.rows} selected rows: {','.join(map(str, ids))[:900]}",
    )
    return result
