"""Read a pasted text or an uploaded .docx into draft tasks for the register form (htmx)."""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST

from duban.extract.reader import ReadError, read_bytes
from duban.org.models import Role
from duban.web.common import roles_required
from duban.web.extract_forms import draft_forms
from duban.work.extraction import extract_for_office


def _base_date(raw: str) -> date:
    """The document's date: the received time typed in the form, else today."""
    try:
        day = datetime.fromisoformat(raw.strip()).date()
    except ValueError:
        return timezone.localdate()
    # A typo such as year 9999 would overflow "次年…" arithmetic: take today instead.
    return day if 2000 <= day.year <= 2100 else timezone.localdate()


def _status(request: HttpRequest, message: str, *, error: bool) -> HttpResponse:
    response = render(request, "web/extract_status.htmx.html", {"message": message, "error": error})
    response["HX-Reswap"] = "none"  # keep the task forms; only the status line changes
    return response


@require_POST
@roles_required(Role.SUPERVISOR)
def draft(request: HttpRequest) -> HttpResponse:
    upload = request.FILES.get("source")
    try:
        if upload is not None:
            text = read_bytes(upload.read(), upload.name or "上传文件")
        else:
            text = request.POST.get("text", "")
            if not text.strip():
                return _status(request, "请先粘贴正文或选择 .docx / .txt 文件。", error=True)
    except ReadError as e:
        return _status(request, e.message, error=True)
    found = extract_for_office(text, base=_base_date(request.POST.get("received_at", "")))
    if not found.tasks:
        return _status(
            request,
            "文中没有识别出任务（未找到“请…”“由…牵头”“…要…”“责任单位：…”等交办语句），请手工分解。",
            error=True,
        )
    forms = draft_forms(found.tasks, found.registry)
    unknown = sum(len(f.lead_unknown) + len(f.co_unknown) for f in forms)
    past = sum(1 for f in forms if f.past_note)
    return render(
        request,
        "web/extract_drafts.htmx.html",
        {
            "forms": forms,
            "unknown": unknown,
            "past": past,
            "text": text if upload is not None else None,
        },
    )
