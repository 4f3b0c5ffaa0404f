"""Bad input that used to answer 500 (issue 17 point 11), and uploads (point 15).

Each case posts what a careless or hostile user could send; the answer is a Chinese
message naming the field, never a 500, and nothing is stored half-way.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from duban.work import actions
from duban.work.actions.core import _check_attachments
from duban.work.errors import Invalid
from duban.work.models import Attachment, Directive, Event, Task
from tests.conftest import County
from tests.web.test_directive_views import form_data
from tests.work import flow

HUGE = str(2**63)  # one past the largest BIGINT: overflowed SQLite's INTEGER in the lookup
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def task(county: County) -> Task:
    t = flow.task(county, timezone.now(), due={"date": "2030-06-30"})
    actions.receive(task=t, by=county.amy, now=timezone.now())
    return t


def body(response: Any) -> str:
    return str(response.content.decode())


# ---------------------------------------------------------------- ids past 2^63


def test_a_huge_lead_unit_id_is_refused_in_the_directive_form(
    county: County, client_for: Any
) -> None:
    response = client_for(county.alice).post(
        "/directives/new/", form_data(county, **{"tasks-0-lead": [HUGE]})
    )
    assert response.status_code == 400 and "单位选择无效" in body(response)
    assert not Directive.objects.exists()


def test_a_huge_leader_id_is_refused(county: County, client_for: Any) -> None:
    response = client_for(county.alice).post(
        "/directives/new/", form_data(county, issuer_leader=HUGE)
    )
    assert response.status_code == 400 and "所选领导无效" in body(response)
    assert not Directive.objects.exists()


def test_a_huge_co_unit_id_is_refused_on_reassign(
    county: County, client_for: Any, task: Task
) -> None:
    actions.return_(task=task, reason="不属本单位职责", by=county.amy, now=timezone.now())
    response = client_for(county.alice).post(
        f"/tasks/{task.pk}/reassign/",
        {"lead": county.b.pk, "co": [HUGE], "reason": "改派"},
    )
    assert response.status_code == 200 and "所选单位无效" in body(response)


def test_huge_unit_ids_are_refused_for_spot_checks_and_campaigns(
    county: County, client_for: Any
) -> None:
    alice = client_for(county.alice)
    spot = alice.post("/supervise/spotchecks/new/", {"title": "抽", "size": "1", "units": [HUGE]})
    assert spot.status_code == 400 and "所选单位无效" in body(spot)
    campaign = alice.post(
        "/supervise/campaigns/new/",
        {
            "title": "专项",
            "checklist": "一项",
            "starts_on": "2026-05-01",
            "ends_on": "2026-05-31",
            "units": [HUGE],
        },
    )
    assert campaign.status_code == 400 and "所选单位无效" in body(campaign)
    huge_seed = alice.post(
        "/supervise/spotchecks/new/", {"title": "抽", "size": "1", "seed": "9" * 30}
    )
    assert huge_seed.status_code == 400


# ---------------------------------------------------------------- dates out of range


def test_received_at_of_year_one_is_refused(county: County, client_for: Any) -> None:
    response = client_for(county.alice).post(
        "/directives/new/", form_data(county, received_at="0001-01-01T00:00")
    )
    assert response.status_code == 400 and "日期须在2000年至2100年之间" in body(response)
    assert not Directive.objects.exists()


def test_a_deadline_of_9999_is_refused_at_the_form(county: County, client_for: Any) -> None:
    response = client_for(county.alice).post(
        "/directives/new/", form_data(county, **{"tasks-1-due": "9999-12-31"})
    )
    assert "须在2000年至2100年之间" in body(response)
    assert not Directive.objects.exists()


def test_an_extension_to_9999_is_refused(county: County, client_for: Any, task: Task) -> None:
    asked = client_for(county.amy).post(
        f"/tasks/{task.pk}/extend/", {"new_due": "9999-12-31", "reason": "汛期"}
    )
    assert asked.status_code == 200 and "日期须在2000年至2100年之间" in body(asked)
    ext = actions.request_extension(
        task=task, new_due=date(2030, 9, 30), reason="汛期", by=county.amy, now=timezone.now()
    )
    approved = client_for(county.alice).post(
        f"/extensions/{ext.pk}/decide/", {"approve": "1", "new_due": "9999-12-31"}
    )
    assert approved.status_code == 200 and "日期须在2000年至2100年之间" in body(approved)


def test_a_task_whose_stored_due_is_9999_still_opens(
    county: County, client_for: Any, task: Task
) -> None:
    """Rows stored before the forms were bounded must not break the page for ever."""
    Task.objects.filter(pk=task.pk).update(due=date(9999, 12, 31))
    assert client_for(county.amy).get(f"/tasks/{task.pk}/").status_code == 200


# ---------------------------------------------------------------- NUL characters


def test_a_nul_in_the_unit_search_is_refused_in_chinese(county: County, client_for: Any) -> None:
    response = client_for(county.alice).get("/units/search/", {"q": "发改\x00局"})
    assert response.status_code == 400
    assert "空字符" in body(response) and "（q）" in body(response)


def test_a_nul_in_a_reason_is_refused_and_nothing_changes(
    county: County, client_for: Any, task: Task
) -> None:
    events = Event.objects.count()
    d = task.directive
    response = client_for(county.alice).post(
        f"/directives/{d.pk}/withdraw/", {"reason": "重复\x00登记"}
    )
    assert response.status_code == 400 and "（reason）中含有空字符" in body(response)
    assert Event.objects.count() == events


def test_a_nul_refusal_over_htmx_leaves_the_form_in_place(
    county: County, client_for: Any, task: Task
) -> None:
    response = client_for(county.amy).post(
        f"/tasks/{task.pk}/report/", {"text": "进展\x00"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and response["HX-Reswap"] == "afterbegin"
    assert "空字符" in body(response)


# ---------------------------------------------------------------- uploads


def report(client: Any, task: Task, *files: Any, text: str = "已完成主体工程") -> Any:
    return client.post(f"/tasks/{task.pk}/report/", {"text": text, "attachments": list(files)})


def test_a_name_of_90_four_byte_characters_is_stored_and_served(
    county: County, client_for: Any, task: Task
) -> None:
    name = "𠀀" * 90 + ".pdf"  # 364 bytes of UTF-8: past the file system's 255
    response = report(client_for(county.amy), task, SimpleUploadedFile(name, PDF))
    assert response.status_code == 302, body(response)
    att = Attachment.objects.get()
    assert att.name == name and len(att.file.name.encode()) < 255
    served = client_for(county.amy).get(f"/attachments/{att.pk}/")
    assert served.status_code == 200 and b"".join(served.streaming_content) == PDF


def test_an_exe_renamed_xlsx_is_refused_and_the_text_is_kept(
    county: County, client_for: Any, task: Task
) -> None:
    exe = SimpleUploadedFile("台账.xlsx", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200)
    response = report(client_for(county.amy), task, exe, text="三月进展：完成七成")
    assert response.status_code == 200  # the task page again, the form as it was sent
    assert "不是允许的文件类型" in body(response)
    assert "三月进展：完成七成" in body(response)  # what the user typed is still there
    assert not Attachment.objects.exists()


def test_a_pdf_named_jpg_is_refused(county: County, client_for: Any, task: Task) -> None:
    response = report(client_for(county.amy), task, SimpleUploadedFile("照片.jpg", PDF))
    assert response.status_code == 200 and "内容是PDF 文档" in body(response)


def test_per_report_and_per_task_quotas(
    county: County, client_for: Any, task: Task, settings: Any
) -> None:
    settings.DUBAN_UPLOAD_MAX_FILES = 2
    amy = client_for(county.amy)
    three = [SimpleUploadedFile(f"{i}.pdf", PDF) for i in range(3)]
    assert "一次最多上传 2 个附件" in body(report(amy, task, *three))
    settings.DUBAN_UPLOAD_MAX_REPORT_BYTES = 1024
    big = SimpleUploadedFile("大.pdf", PDF + b"x" * 2000)
    assert "超过每次 0 MB 的上限" in body(report(amy, task, big))
    settings.DUBAN_UPLOAD_MAX_REPORT_BYTES = 10 * 1024 * 1024
    settings.DUBAN_UPLOAD_MAX_TASK_BYTES = 3000
    assert report(amy, task, SimpleUploadedFile("一.pdf", PDF + b"x" * 2000)).status_code == 302
    refused = report(amy, task, SimpleUploadedFile("二.pdf", PDF + b"x" * 2000))
    assert refused.status_code == 200 and "每个事项" in body(refused)
    assert Attachment.objects.count() == 1


def test_a_form_too_large_is_refused_in_chinese(
    county: County, client_for: Any, task: Task, settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client_for(county.amy).post(f"/tasks/{task.pk}/report/", {"text": "长" * 2000})
    assert response.status_code == 413
    assert "提交的内容超过" in body(response) and "Bad Request" not in body(response)


def test_office_files_by_content(county: County) -> None:
    from duban.work.uploads import sniff

    assert sniff(b"PK\x03\x04\x14\x00") == "zip"
    assert sniff(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") == "ole"
    assert sniff("三月进展".encode("gb18030")) == "text"
    assert sniff(b"MZ\x90\x00") is None
    assert sniff(b"\x7fELF\x02\x01\x01\x00\x00\x00") is None
    assert sniff(b"#!/bin/sh\x1b[0m") is None
    with pytest.raises(Invalid, match="空文件"):
        _check_attachments([ContentFile(b"", name="空.pdf")])


def test_an_id_past_2_63_in_a_path_is_not_found(county: County, client_for: Any) -> None:
    for path in (f"/tasks/{HUGE}/", f"/directives/{HUGE}/", f"/supervise/scores/{HUGE}/"):
        response = client_for(county.alice).get(path)
        assert response.status_code == 404 and "页面不存在" in body(response)


def test_an_attachment_changed_on_disk_is_refused_and_logged(
    county: County, client_for: Any, task: Task
) -> None:
    from duban.audit.models import AccessLog

    assert report(client_for(county.amy), task, SimpleUploadedFile("合同.pdf", PDF)).status_code
    att = Attachment.objects.get()
    with open(att.file.path, "ab") as f:
        f.write(b"% a page added behind the record's back")
    response = client_for(county.alice).get(f"/attachments/{att.pk}/")
    assert response.status_code == 409 and "完整性校验失败" in body(response)
    row = AccessLog.objects.get(kind="refused", user=county.alice)
    assert f"attachment {att.pk}" in row.detail and "integrity" in row.detail
