"""Attachment preview (issue 12, point 8): images, PDF and .docx open in the page, scoped
exactly like the download."""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from docx import Document

from duban.documents import pdf
from duban.work import actions
from duban.work.models import Attachment, Task
from tests.conftest import County
from tests.work import flow

# A 1×1 PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()  # settings.py makes the real one; keys are written there
    return tmp_path


def docx_bytes(text: str) -> bytes:
    doc = Document()
    doc.add_paragraph(text)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def reported(county: County, *files: ContentFile) -> tuple[Task, list[Attachment]]:
    t = flow.task(county, flow_now(), due={"date": "2030-06-30"})
    actions.receive(task=t, by=county.amy)
    report = actions.report_progress(
        task=t, text="已完成招标", attachments=list(files), by=county.amy
    )
    return t, list(report.event.attachments.order_by("id"))


def flow_now() -> Any:
    from django.utils import timezone

    return timezone.now()


def test_an_image_and_a_pdf_show_inline(county: County, client_for: Any) -> None:
    t, (img, doc) = reported(
        county,
        ContentFile(PNG, name="现场照片.png"),
        ContentFile(b"%PDF-1.4 scan", name="验收报告.PDF"),
    )
    c = client_for(county.alice)
    task_page = c.get(f"/tasks/{t.pk}/").content.decode()
    assert f"/attachments/{img.pk}/preview/" in task_page
    page = c.get(f"/attachments/{img.pk}/preview/").content.decode()
    assert f'<img class="preview" src="/attachments/{img.pk}/inline/"' in page
    assert f'href="/attachments/{img.pk}/"' in page and "下载" in page  # the download stays
    r = c.get(f"/attachments/{img.pk}/inline/")
    assert r["Content-Type"] == "image/png" and r["Content-Disposition"].startswith("inline")
    assert b"".join(r.streaming_content) == PNG
    r = c.get(f"/attachments/{doc.pk}/inline/")
    assert r["Content-Type"] == "application/pdf" and r["Content-Disposition"].startswith("inline")
    assert r["X-Frame-Options"] == "SAMEORIGIN"  # the preview page may frame it
    b"".join(r.streaming_content)
    assert "<iframe" in c.get(f"/attachments/{doc.pk}/preview/").content.decode()
    download = c.get(f"/attachments/{doc.pk}/")
    assert download["Content-Disposition"].startswith("attachment")
    b"".join(download.streaming_content)


def test_preview_is_scoped_like_the_download(county: County, client_for: Any) -> None:
    _, (img,) = reported(county, ContentFile(PNG, name="现场照片.png"))
    for url in (
        f"/attachments/{img.pk}/",
        f"/attachments/{img.pk}/preview/",
        f"/attachments/{img.pk}/inline/",
    ):
        ok = client_for(county.amy).get(url)
        assert ok.status_code == 200, url
        if ok.streaming:  # reading it to the end closes the file (the test client's way)
            b"".join(ok.streaming_content)
        assert client_for(county.carl).get(url).status_code == 404, url  # another unit
        assert client_for(county.sam).get(url).status_code == 403, url  # sysadmin
    anonymous = client_for(county.amy).__class__()
    assert anonymous.get(f"/attachments/{img.pk}/preview/").status_code == 302


def test_other_files_are_download_only(county: County, client_for: Any) -> None:
    # An .svg could run script on our own site; uploads refuse it now (work.uploads), and a
    # spreadsheet has no preview.
    t, (sheet,) = reported(county, ContentFile(b"PK\x03\x04fake", name="台账.xlsx"))
    c = client_for(county.alice)
    task_page = c.get(f"/tasks/{t.pk}/").content.decode()
    assert f"/attachments/{sheet.pk}/preview/" not in task_page
    r = c.get(f"/attachments/{sheet.pk}/inline/")
    assert r["Content-Type"].startswith("text/html") and "不能在页面中预览" in r.content.decode()


@pytest.mark.skipif(not pdf.available(), reason="needs LibreOffice")
def test_a_docx_is_shown_as_pdf_converted_once(county: County, client_for: Any) -> None:
    _, (word,) = reported(county, ContentFile(docx_bytes("整改情况报告正文"), name="整改报告.docx"))
    c = client_for(county.amy)
    page = c.get(f"/attachments/{word.pk}/preview/").content.decode()
    assert "Word文件已转换为PDF显示" in page and "<iframe" in page
    r = c.get(f"/attachments/{word.pk}/inline/")
    assert r["Content-Type"] == "application/pdf"
    body = b"".join(r.streaming_content)
    assert body.startswith(b"%PDF")
    cached = Path(settings.DATA_DIR) / "previews" / f"{word.digest}.pdf"
    assert cached.read_bytes() == body
    stamp = cached.stat().st_mtime_ns
    again = c.get(f"/attachments/{word.pk}/inline/")
    assert b"".join(again.streaming_content) == body and cached.stat().st_mtime_ns == stamp

    assert client_for(county.carl).get(f"/attachments/{word.pk}/inline/").status_code == 404
