"""Attachments are checked on every download against the digest recorded at upload, with
the algorithm it was recorded with (issue 17 point 5): SM3 for new uploads, SHA-256 for
the files uploaded before SM3, whose chained events keep saying "sha256"."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from duban.audit.models import AccessLog
from duban.audit.rows import verify_rows
from duban.audit.verify import verify_chain
from duban.crypto import file_digest, sm3
from duban.work import actions, uploads
from duban.work.models import Attachment, Task
from tests.conftest import County
from tests.work import flow

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def task(county: County) -> Task:
    t = flow.task(county, timezone.now(), due={"date": "2030-06-30"})
    actions.receive(task=t, by=county.amy, now=timezone.now())
    return t


@pytest.fixture
def uploaded_before_sm3(monkeypatch: pytest.MonkeyPatch) -> None:
    """Uploads recorded as the code before SM3 did: SHA-256 in the row and the event."""
    real = uploads.check_files

    def check_files(*args: Any, **kwargs: Any) -> list[uploads.Checked]:
        out = []
        for c in real(*args, **kwargs):
            c.file.seek(0)
            digest = hashlib.sha256(c.file.read()).hexdigest()
            c.file.seek(0)
            out.append(replace(c, algorithm="sha256", digest=digest))
        return out

    monkeypatch.setattr(uploads, "check_files", check_files)


def upload(client: Any, task: Task) -> Attachment:
    file = SimpleUploadedFile("验收报告.pdf", PDF)
    response = client.post(f"/tasks/{task.pk}/report/", {"text": "已验收", "attachments": [file]})
    assert response.status_code == 302
    return Attachment.objects.get()


def download(client: Any, att: Attachment) -> Any:
    return client.get(f"/attachments/{att.pk}/")


def served(response: Any) -> bytes:
    # Read, then close the file; response.close() would also send request_finished, which
    # closes the test's database connection on PostgreSQL.
    content = b"".join(response.streaming_content)
    for close in response._resource_closers:
        close()
    return content


def tamper(att: Attachment) -> None:
    with open(att.file.path, "ab") as f:
        f.write(b"% a page added behind the record's back")


def test_a_new_upload_records_sm3_in_the_row_and_the_event(
    county: County, client_for: Any, task: Task
) -> None:
    att = upload(client_for(county.amy), task)
    assert (att.algorithm, att.digest) == ("sm3", sm3(PDF))
    assert att.event.payload["attachments"] == [
        {"name": "验收报告.pdf", "size": len(PDF), "sm3": sm3(PDF)}
    ]
    response = download(client_for(county.alice), att)
    assert response.status_code == 200 and served(response) == PDF
    assert verify_chain().ok and verify_rows() == []


def test_an_attachment_recorded_with_sha256_is_still_checked_with_sha256(
    county: County, client_for: Any, task: Task, uploaded_before_sm3: None
) -> None:
    att = upload(client_for(county.amy), task)
    assert (att.algorithm, att.digest) == ("sha256", hashlib.sha256(PDF).hexdigest())
    assert att.event.payload["attachments"][0]["sha256"] == att.digest
    response = download(client_for(county.alice), att)
    assert response.status_code == 200 and served(response) == PDF
    assert verify_chain().ok and verify_rows() == []

    tamper(att)
    response = download(client_for(county.alice), att)
    assert response.status_code == 409
    assert "附件“验收报告.pdf”完整性校验失败" in response.content.decode()


def test_a_tampered_sm3_attachment_is_refused_in_chinese_and_logged(
    county: County, client_for: Any, task: Task
) -> None:
    att = upload(client_for(county.amy), task)
    tamper(att)
    response = download(client_for(county.alice), att)
    assert response.status_code == 409
    page = response.content.decode()
    assert "完整性校验失败（文件内容与上传时登记的不一致），已拒绝下载并记入日志" in page
    row = AccessLog.objects.get(kind="refused", user=county.alice)
    assert row.target == f"attachment:{att.pk}" and "integrity check failed" in row.detail


def test_a_digest_changed_in_the_database_to_match_a_changed_file_is_caught_by_verify(
    county: County, client_for: Any, task: Task
) -> None:
    att = upload(client_for(county.amy), task)
    tamper(att)
    with open(att.file.path, "rb") as f:
        forged = file_digest(iter(lambda: f.read(4096), b""))
    Attachment.objects.filter(pk=att.pk).update(digest=forged)
    # The download now passes (the row agrees with the file), but the chained event does not.
    response = download(client_for(county.alice), att)
    assert response.status_code == 200
    served(response)
    assert verify_rows() == [
        f"附件 #{att.pk}“验收报告.pdf”：名称、大小或校验值与流转记录不一致，被改动。"
    ]


def test_file_digest_knows_both_algorithms_and_no_other() -> None:
    assert file_digest([b"a", b"bc"]) == sm3(b"abc")
    assert file_digest([b"abc"], "sm3") == (
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    )
    assert file_digest([b"ab", b"c"], "sha256") == hashlib.sha256(b"abc").hexdigest()
    with pytest.raises(ValueError, match="md5"):
        file_digest([b"abc"], "md5")
