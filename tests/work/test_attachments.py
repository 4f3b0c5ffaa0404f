"""Attachments: the 来文 itself and a unit's evidence, recorded in the event by hash."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile

from duban.crypto import sm3
from duban.work import actions
from duban.work.errors import Invalid
from duban.work.models import Attachment, Directive, EventKind, ProgressReport
from tests.conftest import County, at
from tests.work import flow

NOW = at("2026-03-02 09:00")


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_a_directive_keeps_its_attachments(county: County, media: Path) -> None:
    scan = ContentFile(b"%PDF-1.4 fake scan", name="云政阅〔2026〕3号.pdf")
    d = flow.directive(county, NOW, attachments=[scan])
    [att] = Attachment.objects.filter(directive=d)
    assert att.name == "云政阅〔2026〕3号.pdf" and att.size == 18
    # SM3 (GB/T 32905), through the one crypto module.
    assert (att.algorithm, att.digest) == ("sm3", sm3(b"%PDF-1.4 fake scan"))
    assert att.digest != hashlib.sha256(b"%PDF-1.4 fake scan").hexdigest()
    assert (media / att.file.name).read_bytes() == b"%PDF-1.4 fake scan"
    ev = d.events.get(kind=EventKind.REGISTERED)
    assert ev.payload["attachments"] == [{"name": att.name, "size": 18, "sm3": att.digest}]
    assert att.event == ev


def test_progress_and_done_reports_carry_evidence(county: County) -> None:
    t = flow.task(county, NOW)
    actions.receive(task=t, by=county.amy, now=NOW)
    report = actions.report_progress(
        task=t,
        text="已完成招标",
        by=county.amy,
        now=NOW,
        attachments=[ContentFile(b"\xff\xd8\xff\xe0photo", name="现场照片.jpg")],
    )
    assert [a.name for a in report.event.attachments.all()] == ["现场照片.jpg"]
    actions.submit_done(
        task=t,
        text="已完工",
        by=county.amy,
        now=NOW,
        attachments=[ContentFile(b"PK\x03\x04minutes", name="验收纪要.docx")],
    )
    assert sorted(Attachment.objects.filter(task=t).values_list("name", flat=True)) == [
        "现场照片.jpg",
        "验收纪要.docx",
    ]


def test_a_bad_attachment_refuses_the_whole_action(county: County) -> None:
    t = flow.task(county, NOW)
    actions.receive(task=t, by=county.amy, now=NOW)
    with pytest.raises(Invalid, match=r"“空\.txt”是空文件"):
        actions.report_progress(
            task=t,
            text="进展",
            by=county.amy,
            now=NOW,
            attachments=[ContentFile(b"ok", name="好.txt"), ContentFile(b"", name="空.txt")],
        )
    assert not ProgressReport.objects.exists() and not Attachment.objects.exists()
    directives = Directive.objects.count()
    with pytest.raises(Invalid, match="超过20MB"):
        flow.directive(
            county,
            NOW,
            attachments=[ContentFile(b"%PDF-" + b"x" * (20 * 1024 * 1024), name="大.pdf")],
        )
    assert Directive.objects.count() == directives
