"""Files in and out: the ledger as Excel, the official documents, the ledger import.

Every file is built by `duban.documents` from selectors scoped to the signed-in user; the
views only pick the inputs and send the file back. Files are written to an anonymous
temporary file and streamed from there, so a 100,000-row ledger never sits in memory.
"""

from __future__ import annotations

import re
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import IO, Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from duban.documents import annual, bulletin, ledger_xlsx, pdf, report_back
from duban.documents import ledger_import as ledger_import_module
from duban.documents.models import IssuedDocument
from duban.org.models import Leader, Role, Unit
from duban.web.common import acting_user, roles_required, year_in_range
from duban.web.views.ledger import READERS, LedgerForm, meeting_choices
from duban.work import selectors

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PREVIEW_SECONDS = 24 * 3600  # how long an unconfirmed import preview is kept
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _download(fh: IO[bytes], name: str, mime: str) -> FileResponse:
    fh.seek(0)
    return FileResponse(fh, as_attachment=True, filename=name, content_type=mime)


@require_GET
@roles_required(*READERS)
def ledger_export(request: HttpRequest) -> HttpResponseBase:
    """导出Excel: the ledger page's current filters, read by the same form as the page.

    A filter the form refuses is not dropped here as the page drops it (showing the error
    beside the field): the file would hold more than was asked for. The user goes back to
    the ledger page with the same query, where the error stands next to the field.
    """
    user = acting_user(request)
    units = list(Unit.objects.order_by("-is_active", "order", "id"))
    leaders = list(Leader.objects.order_by("order", "id"))
    form = LedgerForm(request.GET, units=units, leaders=leaders, meetings=meeting_choices(user))
    filters = form.filters()
    if form.errors:
        messages.error(request, "筛选条件有误，未导出。请按提示修改后再导出。")
        return redirect(f"{reverse('ledger')}?{request.GET.urlencode()}")
    now = timezone.now()
    # Not a `with`: FileResponse closes the file after streaming it, which deletes it.
    fh = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    ledger_xlsx.export_ledger(user=user, filters=filters, out=fh, now=now)
    today: date = timezone.localdate(now)
    return _download(fh, f"督办台账-{today:%Y%m%d}.xlsx", XLSX)


# ------------------------------------------------------------------ official documents


class BulletinForm(forms.Form):
    start = forms.DateField(
        label="起始日期",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[year_in_range],
    )
    end = forms.DateField(
        label="截止日期",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[year_in_range],
    )
    doc_no = forms.CharField(
        label="发文字号",
        required=False,
        max_length=60,
        help_text="如 云政办督〔2026〕3号；填写后带版头印发并计入年度通报期数，不填为草稿",
    )
    issued_on = forms.DateField(
        label="成文日期",
        required=False,
        help_text="不填为今天",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[year_in_range],
    )
    copies_to = forms.CharField(
        label="抄送机关", required=False, max_length=300, help_text="多个机关用逗号或顿号分隔"
    )
    output = forms.ChoiceField(label="格式", choices=[("docx", "Word"), ("pdf", "PDF")])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "截止日期不能早于起始日期。")
        return data


class ReportForm(forms.Form):
    doc_no = forms.CharField(
        label="发文字号", required=False, max_length=60, help_text="如 云政办报〔2026〕7号"
    )
    signer = forms.CharField(label="签发人", required=False, max_length=20)
    output = forms.ChoiceField(label="格式", choices=[("docx", "Word"), ("pdf", "PDF")])


def _split(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in re.split(r"[,，、;；\s]+", raw) if part.strip())


def _file(content: bytes, stem: str, output: str) -> FileResponse:
    """The document as a download; raises pdf.PdfUnavailable when a PDF cannot be made."""
    if output == "pdf":
        content = pdf.convert(content)
        fh = tempfile.TemporaryFile(suffix=".pdf")  # noqa: SIM115 (closed by FileResponse)
        fh.write(content)
        return _download(fh, f"{stem}.pdf", "application/pdf")
    fh = tempfile.TemporaryFile(suffix=".docx")  # noqa: SIM115 (closed by FileResponse)
    fh.write(content)
    return _download(fh, f"{stem}.docx", DOCX)


def _send(request: HttpRequest, content: bytes, stem: str, output: str) -> HttpResponseBase:
    try:
        return _file(content, stem, output)
    except pdf.PdfUnavailable as e:
        messages.error(request, str(e))
        return redirect("documents")


def _year(raw: str | None, today: date) -> int:
    # ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
    return (
        int(raw)
        if raw and re.fullmatch(r"[0-9]{4}", raw) and 2000 <= int(raw) <= 2100
        else today.year
    )


@roles_required(Role.SUPERVISOR)
def documents(request: HttpRequest, form: BulletinForm | None = None) -> HttpResponseBase:
    """督查通报, the year's figures and how to get a 情况报告, on one page."""
    user = acting_user(request)
    today = timezone.localdate()
    year = _year(request.GET.get("year"), today)
    if year > today.year:  # a year not yet begun has no figures
        year = today.year
    figures = annual.annual_figures(user, year, today=today)
    if request.GET.get("format") == "docx":
        annual.generate(user=user, year=year)  # the access-log row
        return _send(request, annual.build(figures).to_bytes(), f"{year}年督查督办工作数据", "docx")
    first = today.replace(day=1)
    last_month_end = first - timedelta(days=1)
    initial = {"start": last_month_end.replace(day=1), "end": last_month_end, "output": "docx"}
    return render(
        request,
        "web/files/documents.html",
        {
            "form": form or BulletinForm(initial=initial),
            "figures": figures,
            "sentences": annual.sentences(figures),
            "year": year,
            "years": list(range(today.year, today.year - 5, -1)),
            "pdf_available": pdf.available(),
            "rules": bulletin.Rules.from_settings(),
            "issued": IssuedDocument.objects.select_related("issued_by")[:20],
        },
        status=400 if form is not None else 200,
    )


@require_POST
@roles_required(Role.SUPERVISOR)
def bulletin_download(request: HttpRequest) -> HttpResponseBase:
    form = BulletinForm(request.POST)
    if not form.is_valid():
        return documents(request, form)
    d = form.cleaned_data
    options = bulletin.BulletinOptions(
        doc_no=d["doc_no"].strip(), issued_on=d["issued_on"], copies_to=_split(d["copies_to"])
    )
    stem = f"督查通报-{d['start']:%Y%m%d}-{d['end']:%Y%m%d}"
    try:
        # One transaction: a bulletin whose PDF could not be made was not issued.
        with transaction.atomic():
            content, _ = bulletin.generate(
                user=acting_user(request), start=d["start"], end=d["end"], options=options
            )
            return _file(content, stem, d["output"])
    except bulletin.BulletinError as e:
        form.add_error("doc_no" if options.doc_no else None, str(e))
        return documents(request, form)
    except pdf.PdfUnavailable as e:
        messages.error(request, str(e))
        return redirect("documents")


@require_POST
@roles_required(Role.SUPERVISOR)
def report_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    """情况报告/回音 of one directive (from the directive's page)."""
    user = acting_user(request)
    directive = selectors.directives_visible_to(user).filter(pk=pk).first()
    if directive is None:
        raise Http404
    form = ReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, "发文字号或签发人格式有误。")
        return redirect("directive_detail", pk=pk)
    d = form.cleaned_data
    options = report_back.ReportOptions(doc_no=d["doc_no"].strip(), signer=d["signer"].strip())
    try:
        with transaction.atomic():  # a report whose PDF could not be made was not issued
            content = report_back.generate(user=user, directive=directive, options=options)
            return _file(content, f"情况报告-{directive.code}", d["output"])
    except (report_back.ReportError, pdf.PdfUnavailable) as e:
        messages.error(request, str(e))
        return redirect("directive_detail", pk=pk)


# ------------------------------------------------------------------ ledger import


class ImportForm(forms.Form):
    file = forms.FileField(
        label="台账文件（.xlsx或.csv）",
        help_text="Excel台账或CSV（UTF-8、GB18030编码均可），表头含“事项内容”“牵头单位”等列；先检查预览，确认后导入",
    )


def _imports_dir() -> Path:
    path = Path(settings.DATA_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _upload_path(user_pk: int, token: str) -> Path | None:
    """The stored upload of this user under this token, if there is one (a token names a
    file only in the user's own folder, so one person cannot import another's upload)."""
    if not re.fullmatch(r"[0-9a-f]{32}", token):
        return None
    path = _imports_dir() / str(user_pk) / f"{token}.xlsx"
    return path if path.exists() else None


@roles_required(Role.SUPERVISOR)
def ledger_import(request: HttpRequest) -> HttpResponseBase:
    """台账导入: upload → a dry run whose report is the preview → confirm."""
    user = acting_user(request)
    if request.method != "POST":
        return render(request, "web/files/import.html", _import_context(form=ImportForm()))
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "web/files/import.html", _import_context(form=form), status=400)
    upload = form.cleaned_data["file"]
    token = uuid.uuid4().hex
    folder = _imports_dir() / str(user.pk)
    folder.mkdir(exist_ok=True)
    # A preview nobody confirmed within a day is dropped, so uploads do not pile up.
    stale = time.time() - PREVIEW_SECONDS
    for old in [*folder.glob("*.xlsx"), *folder.glob("*.name")]:
        if old.stat().st_mtime < stale:
            old.unlink(missing_ok=True)
    path = folder / f"{token}.xlsx"  # .xlsx or .csv: the importer reads the content
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    # The name as uploaded: its date (台账20260331.csv) is the ledger's own date, and the
    # confirmed import must read the file exactly as the preview did.
    path.with_suffix(".name").write_text(upload.name or "", encoding="utf-8")
    report = ledger_import_module.import_file(
        path,
        by=user,
        dry_run=True,
        name=upload.name,
        max_rows=ledger_import_module.WEB_MAX_ROWS,
    )
    if not report.ok:
        path.unlink(missing_ok=True)
        path.with_suffix(".name").unlink(missing_ok=True)
    context = _import_context(form=ImportForm(), report=report, token=token if report.ok else "")
    return render(request, "web/files/import.html", context, status=200 if report.ok else 400)


@require_POST
@roles_required(Role.SUPERVISOR)
def ledger_import_confirm(request: HttpRequest) -> HttpResponseBase:
    user = acting_user(request)
    path = _upload_path(user.pk, request.POST.get("token", ""))
    if path is None:
        messages.error(request, "导入文件已失效，请重新上传。")
        return redirect("ledger_import")
    named = path.with_suffix(".name")
    name = named.read_text(encoding="utf-8") if named.exists() else ""
    try:
        report = ledger_import_module.import_file(
            path, by=user, name=name or "上传文件", max_rows=ledger_import_module.WEB_MAX_ROWS
        )
    finally:
        path.unlink(missing_ok=True)
        named.unlink(missing_ok=True)
    if report.ok:
        messages.success(request, report.verdict())
        return redirect("ledger")
    messages.error(request, report.verdict())
    return render(
        request,
        "web/files/import.html",
        _import_context(form=ImportForm(), report=report),
        status=400,
    )


@require_GET
@roles_required(Role.SUPERVISOR)
def ledger_import_progress(request: HttpRequest) -> HttpResponseBase:
    """The imports not complete, with their progress (the import page polls it, htmx)."""
    return render(request, "web/files/import_progress.htmx.html", _import_context())


def _import_context(**context: Any) -> dict[str, Any]:
    # An import a crash or a refusal left half-applied is shown until the same file is
    # imported again: never silently taken for a complete one. One running (here from
    # the command line, or another tab) is shown with its progress, polled every 2 s.
    unfinished = ledger_import_module.unfinished_imports()
    running = any(not u.dead for u in unfinished)
    return {"unfinished": unfinished, "running": running, **context}
