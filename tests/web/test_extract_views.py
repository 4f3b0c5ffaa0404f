"""Draft tasks from a pasted text or an uploaded .docx in the register form (htmx)."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from docx import Document

from duban.work.models import Directive, TaskStatus
from tests.conftest import County

TEXT = (
    "会议要求，由县发改局牵头，县财政局、县文旅局配合，于2030年6月底前完成项目策划。\n"
    "各乡镇人民政府要落实属地责任，每月5日前报送进展。\n"
)


def post(client: Any, **data: Any) -> Any:
    data.setdefault("received_at", "2026-03-16T09:00")
    return client.post("/directives/extract/", data, HTTP_HX_REQUEST="true")


def test_pasted_text_becomes_prefilled_task_forms(county: County, client_for: Any) -> None:
    response = post(client_for(county.alice), text=TEXT)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="tasks-TOTAL_FORMS" value="2"' in html
    assert "于2030年6月底前完成项目策划。" in html and "落实属地责任，每月5日前报送进展。" in html
    # Known names are chosen: an alias (发改局 → 县发改局) and a group (both townships).
    assert f'name="tasks-0-lead" value="{county.a.pk}"' in html
    assert f'name="tasks-0-co" value="{county.b.pk}"' in html
    assert f'name="tasks-1-lead" value="{county.c.pk}"' in html
    assert f'name="tasks-1-lead" value="{county.d.pk}"' in html
    # The deadline is resolved, the monthly report day is set.
    assert 'name="tasks-0-due" value="2030-06-30"' in html
    assert re.search(r'<option value="monthly" selected>', html)
    assert 'name="tasks-1-cycle_day" value="5"' in html
    # A name the registry lacks is marked, with nothing invented for it.
    assert "单位库中没有“县文旅局”" in html
    assert "有 1 个单位名称不在单位库中" in html


def test_unknown_names_are_offered_the_closest_registry_units(
    county: County, client_for: Any
) -> None:
    response = post(
        client_for(county.alice), text="请县发展改革局会同县财政局于2030年底前报送方案。"
    )
    html = response.content.decode()
    assert "单位库中没有“县发展改革局”" in html
    offered = re.search(r'可能是：<span class="options">(.*?)</span>', html)
    assert offered and "县发改局" in offered.group(1)  # 县发展和改革局, by its short name


def test_an_uploaded_docx_fills_the_text_too(county: County, client_for: Any) -> None:
    doc = Document()
    doc.add_paragraph("请县财政局牵头，于2030年3月底前完成资金清理。")
    buffer = io.BytesIO()
    doc.save(buffer)
    upload = SimpleUploadedFile("批示.docx", buffer.getvalue())
    html = post(client_for(county.alice), source=upload).content.decode()
    assert f'name="tasks-0-lead" value="{county.b.pk}"' in html
    assert 'id="id_text" hx-swap-oob="true">请县财政局牵头' in html


def test_bad_files_and_texts_without_tasks_only_change_the_status(
    county: County, client_for: Any
) -> None:
    client = client_for(county.alice)
    broken = SimpleUploadedFile("坏.docx", b"PK\x03\x04" + b"\x00" * 100)
    for response, words in [
        (post(client, source=broken), "已损坏"),
        (post(client, source=SimpleUploadedFile("图.png", b"\x89PNG....")), "不支持"),
        (post(client, text="全县经济运行总体平稳。"), "没有识别出任务"),
        (post(client, text="  "), "请先粘贴正文"),
    ]:
        assert response.status_code == 200
        assert response["HX-Reswap"] == "none"
        assert words in response.content.decode()


def test_only_supervisors_and_only_post(county: County, client_for: Any) -> None:
    assert post(client_for(county.amy), text=TEXT).status_code == 403
    assert client_for(county.alice).get("/directives/extract/").status_code == 405


def test_the_corrected_drafts_are_registered_through_the_actions(
    county: County, client_for: Any
) -> None:
    client = client_for(county.alice)
    html = post(client, text=TEXT).content.decode()
    # What the browser submits: the prefilled values, with 县文旅局 left out by the supervisor.
    data: dict[str, Any] = {
        "kind": "meeting",
        "urgency": "normal",
        "title": "县政府第3次常务会议议定事项",
        "received_at": (timezone.localtime() - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"),
        "text": TEXT,
        "assign_now": "on",
        "tasks-TOTAL_FORMS": "2",
        "tasks-INITIAL_FORMS": "0",
        "tasks-MIN_NUM_FORMS": "1",
        "tasks-MAX_NUM_FORMS": "1000",
    }
    for i in range(2):
        data[f"tasks-{i}-content"] = re.search(
            rf'name="tasks-{i}-content"[^>]*>([^<]*)</textarea>', html
        ).group(1)  # type: ignore[union-attr]
        for field in ("lead", "co"):
            data[f"tasks-{i}-{field}"] = re.findall(
                rf'name="tasks-{i}-{field}" value="(\d+)"', html
            )
        due = re.search(rf'name="tasks-{i}-due" value="([^"]*)"', html)
        data[f"tasks-{i}-due"] = due.group(1) if due else ""
        cycle = re.search(
            rf'name="tasks-{i}-cycle"[^>]*>.*?<option value="(\w+)" selected', html, re.S
        )
        data[f"tasks-{i}-cycle"] = cycle.group(1) if cycle else "none"
        day = re.search(rf'name="tasks-{i}-cycle_day" value="(\d+)"', html)
        data[f"tasks-{i}-cycle_day"] = day.group(1) if day else ""
    response = client.post("/directives/new/", data)
    assert response.status_code == 302
    first, second = Directive.objects.get().tasks.order_by("number")
    assert first.content == "于2030年6月底前完成项目策划。"
    assert [a.unit for a in first.assignments.order_by("position")] == [county.a, county.b]
    assert str(first.due) == "2030-06-30" and first.status == TaskStatus.ASSIGNED
    assert (second.cycle, second.cycle_day) == ("monthly", 5)
    assert [a.unit for a in second.assignments.order_by("position")] == [county.c, county.d]


def test_a_registered_directive_can_be_read_into_more_tasks(
    county: County, client_for: Any
) -> None:
    from tests.web.test_directive_views import form_data

    client = client_for(county.alice)
    client.post(
        "/directives/new/", form_data(county, text="请县财政局牵头，于2030年5月底前完成审计整改。")
    )
    directive = Directive.objects.get()
    html = client.get(f"/directives/{directive.pk}/").content.decode()
    assert "从正文识别任务" in html
    assert ">请县财政局牵头，于2030年5月底前完成审计整改。</textarea>" in html
    drafts = post(client, text=directive.text).content.decode()
    assert f'name="tasks-0-lead" value="{county.b.pk}"' in drafts
    assert 'name="tasks-0-due" value="2030-05-31"' in drafts


MINUTES_PAST = (
    "二、关于秋冬季森林防火。\n"
    "由县财政局牵头，立即开展隐患排查，2025年11月底前完成。\n"
    "三、请县发改局于2030年6月底前完成项目策划。\n"
)


def test_a_deadline_already_past_is_flagged_on_its_draft(county: County, client_for: Any) -> None:
    response = post(client_for(county.alice), text=MINUTES_PAST, received_at="2026-03-16T09:00")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="tasks-TOTAL_FORMS" value="2"' in html
    first, second = html.split("<legend>第2项任务</legend>")
    # The date stands in the box as the text gives it, flagged on that draft only.
    assert 'name="tasks-0-due" value="2025-11-30"' in first
    assert "识别出的时限已过（2025年11月30日），请核对。" in first
    assert "请核对。</p>" not in second and 'name="tasks-1-due" value="2030-06-30"' in second
    assert "有 1 项识别出的时限已过，已标出，请核对。" in html
    # Nothing at the top of the page: the status says how many were read.
    assert "已识别出 2 项任务" in html


def test_a_past_deadline_sent_uncorrected_is_refused_on_its_own_task(
    county: County, client_for: Any
) -> None:
    from tests.web.test_directive_views import form_data

    client = client_for(county.alice)
    response = client.post("/directives/new/", form_data(county, **{"tasks-1-due": "2025-11-30"}))
    assert response.status_code == 400
    html = response.content.decode()
    top, rest = html.split("<legend>第1项任务</legend>")
    assert "早于交办日期" not in top
    second = rest.split("<legend>第2项任务</legend>")[1]
    assert "第2项任务：完成时限2025年11月30日早于交办日期" in second
    assert not Directive.objects.exists()
