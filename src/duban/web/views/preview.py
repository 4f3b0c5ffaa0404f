"""预览: an attachment opened in the page (images, PDF, and .docx shown as PDF).

Scoped exactly like the download, because it IS the download: each view here calls
`tasks.attachment` (role check, visibility of the task or directive, 404 otherwise) and
only turns its answer from "save as" into "show inline". Whatever rule decides who may
download a file decides who may preview it, now and after that rule changes.

A .docx is converted to PDF with LibreOffice (documents/pdf.py) once, and the PDF is
kept under DATA_DIR/previews/<digest>.pdf: an attachment never changes (its hash is in
the event), so the cache needs no invalidation. The browser's own PDF viewer shows it in
an iframe; nothing is fetched from outside.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.views.decorators.clickjacking import xframe_options_sameorigin

from duban.documents import pdf
from duban.web.preview_kinds import IMAGE_TYPES, PDF, preview_kind
from duban.web.views import tasks
from duban.work.models import Attachment


def _download(request: HttpRequest, pk: int) -> FileResponse:
    """The download's own answer: raises 403/404 exactly where the download would."""
    response = tasks.attachment(request, pk)
    if not isinstance(response, FileResponse):  # a redirect to sign in, for instance
        raise _NotAFile(response)
    return response


class _NotAFile(Exception):
    def __init__(self, response: HttpResponseBase) -> None:
        self.response = response


def preview(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The page: the file in the middle, 下载 and 返回 beside it."""
    try:
        _discard(_download(request, pk))
    except _NotAFile as e:
        return e.response
    att = get_object_or_404(Attachment, pk=pk)
    back = ("task_detail", att.task_id) if att.task_id else ("directive_detail", att.directive_id)
    context = {"att": att, "kind": preview_kind(att.name), "back": back}
    return render(request, "web/attachment_preview.html", context)


def _frameable(response: HttpResponseBase) -> HttpResponseBase:
    """Let our own preview page frame this response.

    The site-wide CSP says frame-ancestors 'none', which browsers obey over
    X-Frame-Options; the CSP middleware leaves a response's own policy alone.
    """
    policy: str = settings.CONTENT_SECURITY_POLICY
    if policy:
        response["Content-Security-Policy"] = policy.replace(
            "frame-ancestors 'none'", "frame-ancestors 'self'"
        )
    return response


@xframe_options_sameorigin
def inline(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The file itself, to be shown by the browser (img or iframe on the preview page)."""
    return _frameable(_inline(request, pk))


def _inline(request: HttpRequest, pk: int) -> HttpResponseBase:
    try:
        response = _download(request, pk)
    except _NotAFile as e:
        return e.response
    att = get_object_or_404(Attachment, pk=pk)
    kind = preview_kind(att.name)
    if kind == "docx":
        data = b"".join(response.streaming_content)  # type: ignore[arg-type]
        _discard(response)
        try:
            path = _as_pdf(att, data)
        except pdf.PdfUnavailable:
            return _unavailable("此Word文件暂时无法转换预览，请下载后查看。")
        return FileResponse(path.open("rb"), content_type=PDF, filename=_pdf_name(att.name))
    if kind == "":
        _discard(response)
        return _unavailable("此类文件不能在页面中预览，请下载后查看。")
    ext = att.name.lower()[att.name.rfind(".") :]
    response["Content-Type"] = PDF if kind == "pdf" else IMAGE_TYPES[ext]
    response["Content-Disposition"] = response["Content-Disposition"].replace(
        "attachment", "inline", 1
    )
    return response


def _discard(response: FileResponse) -> None:
    """Close the file the download opened. Not `response.close()`: that sends
    `request_finished`, which closes this request's database connection under it."""
    stream = getattr(response, "file_to_stream", None)
    if stream is not None:
        stream.close()


def _pdf_name(name: str) -> str:
    return name[: name.rfind(".")] + ".pdf"


def _as_pdf(att: Attachment, data: bytes) -> Path:
    cache = Path(settings.DATA_DIR) / "previews"
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"{att.digest}.pdf"
    if not path.exists():
        converted = pdf.convert(data)
        # Written aside and renamed: a reader never sees half a file, and two processes
        # converting the same file at once both rename a whole one.
        fd, tmp = tempfile.mkstemp(dir=cache, suffix=".part")
        with os.fdopen(fd, "wb") as fh:
            fh.write(converted)
        os.replace(tmp, path)
    return path


def _unavailable(text: str) -> HttpResponse:
    body = (
        '<!doctype html><html lang="zh-CN"><meta charset="utf-8">'
        '<body style="font-family:sans-serif;padding:1rem">'
        f"<p>{text}</p></body></html>"
    )
    return HttpResponse(body)
