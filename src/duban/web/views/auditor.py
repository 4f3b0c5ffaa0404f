"""The auditor's pages (安全审计员): the access log and the administrators' log, searched,
filtered, exported, and their hash chain verified on the page. Read-only: the auditor
changes nothing and never opens a task, a report or an attachment.
"""

from __future__ import annotations

import csv
import io
import time

import xlsxwriter
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from duban.audit.access import record, verify_access_chain
from duban.audit.models import AccessKind, AccessLog
from duban.audit.selectors import VIEWS, LogFilter, log_rows, parse_filter
from duban.org.models import Role
from duban.web.common import acting_user, roles_required

auditor_only = roles_required(Role.AUDITOR)
EXPORT_LIMIT = 200_000
PAGE_CHECK_ROWS = 5_000  # ~1 s on a loaded 2-core machine (bench/bench_access_log.py)
COLUMNS = ["序号", "时间", "类型", "结果", "用户", "地址", "对象", "详情", "校验值"]


def _query_string(f: LogFilter) -> str:
    from urllib.parse import urlencode

    params = {
        "view": f.view,
        "who": f.who,
        "kind": f.kind,
        "outcome": f.outcome,
        "since": f.since.isoformat() if f.since else "",
        "until": f.until.isoformat() if f.until else "",
        "q": f.text,
        "ip": f.ip,
    }
    return urlencode({k: v for k, v in params.items() if v})


@auditor_only
def log(request: HttpRequest) -> HttpResponse:
    f = parse_filter(request.GET.dict())
    rows = log_rows(f).select_related(None)
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    started = time.monotonic()
    # Every load checks the newest rows against the head; the whole chain on request.
    full = request.GET.get("verify") == "all"
    check = verify_access_chain(last=None if full else PAGE_CHECK_ROWS)
    return render(
        request,
        "web/admin/audit_log.html",
        {
            "f": f,
            "qs": _query_string(f),
            "page": page,
            "views": [(k, v[0]) for k, v in VIEWS.items()],
            "kinds": AccessKind.choices,
            "check": check,
            "check_ms": round((time.monotonic() - started) * 1000),
        },
    )


def _safe(value: object) -> str:
    """A cell Excel will not run as a formula (ASVS 1.2.10): = + - @ TAB CR lead with '."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _cells(row: AccessLog) -> list[str]:
    return [
        str(row.seq or ""),
        timezone.localtime(row.at).strftime("%Y-%m-%d %H:%M:%S"),
        row.get_kind_display(),
        "成功" if row.ok else "失败/拒绝",
        row.username,
        row.ip or "",
        row.target,
        row.detail,
        row.hash,
    ]


@auditor_only
def export(request: HttpRequest) -> HttpResponse:
    f = parse_filter(request.GET.dict())
    fmt = "csv" if request.GET.get("format") == "csv" else "xlsx"
    rows = log_rows(f)[:EXPORT_LIMIT]
    record(
        AccessKind.EXPORT,
        user=acting_user(request),
        target="accesslog",
        detail=f"{fmt} {_query_string(f)}",
        request=request,
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        buf = io.StringIO()
        buf.write("\ufeff")  # Excel opens a UTF-8 CSV correctly only with the BOM
        w = csv.writer(buf)
        w.writerow(COLUMNS)
        for row in rows.iterator(chunk_size=2000):
            w.writerow([_safe(c) for c in _cells(row)])
        response = HttpResponse(buf.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="access-log-{stamp}.csv"'
        return response
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet("访问日志")
    sheet.write_row(0, 0, COLUMNS)
    for i, row in enumerate(rows.iterator(chunk_size=2000), start=1):
        sheet.write_row(i, 0, [_safe(c) for c in _cells(row)])
    sheet.set_column(1, 1, 20)
    sheet.set_column(7, 7, 60)
    book.close()
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="access-log-{stamp}.xlsx"'
    return response


@auditor_only
def record_check(request: HttpRequest) -> HttpResponse:
    """The work record's chain too (`duban audit verify`), run from the page on request."""
    from duban.audit.verify import verify_chain

    started = time.monotonic()
    report = verify_chain()
    record(AccessKind.VIEW, user=acting_user(request), target="record-verify", request=request)
    return render(
        request,
        "web/admin/audit_record.html",
        {"report": report, "ms": round((time.monotonic() - started) * 1000)},
    )
