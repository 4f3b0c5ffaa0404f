"""The documents page, the bulletin and report downloads: roles, methods, errors, files."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.urls import reverse
from docx import Document

from duban.documents.models import IssuedDocument
from tests.conftest import County
from tests.files.office import Office

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def office(county: County) -> Office:
    return Office(county)


def docx_lines(response) -> list[str]:
    body = b"".join(response.streaming_content)
    return [p.text for p in Document(BytesIO(body)).paragraphs]


def test_the_documents_page_is_for_supervisors(county: County, client_for) -> None:
    page = client_for(county.alice).get(reverse("documents"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "督查通报" in html and "年度述职数据" in html and "未登记督办来文。" in html
    assert "本期办结不少于3项、按期办结率不低于100%" in html  # the rules in force
    for who in (county.amy, county.lily, county.sam):
        assert client_for(who).get(reverse("documents")).status_code == 403


def test_the_supervisor_downloads_a_bulletin(office: Office, county: County, client_for):
    r = client_for(county.alice).post(
        reverse("bulletin_download"),
        {"start": "2026-03-01", "end": "2026-03-31", "output": "docx",
         "doc_no": "云政办督〔2026〕3号", "copies_to": "县委办公室，县人大常委会办公室"},
    )  # fmt: skip
    assert r.status_code == 200 and r["Content-Type"] == DOCX
    lines = docx_lines(r)
    assert lines[0] == "县人民政府办公室文件"
    assert "关于2026年3月督办事项办理情况的通报" in lines
    assert IssuedDocument.objects.get().doc_no == "云政办督〔2026〕3号"


def test_a_bad_bulletin_form_comes_back_with_the_error(county: County, client_for) -> None:
    c = client_for(county.alice)
    r = c.post(
        reverse("bulletin_download"),
        {"start": "2026-03-31", "end": "2026-03-01", "output": "docx"},
    )
    assert r.status_code == 400 and "截止日期不能早于起始日期。" in r.content.decode()
    r = c.post(
        reverse("bulletin_download"),
        {"start": "2026-03-01", "end": "2026-03-31", "output": "docx", "doc_no": "3号"},
    )
    assert r.status_code == 400 and "格式应为" in r.content.decode()
    assert not IssuedDocument.objects.exists()


def test_downloads_need_post_and_the_right_role(county: County, client_for) -> None:
    assert client_for(county.alice).get(reverse("bulletin_download")).status_code == 405
    r = client_for(county.amy).post(reverse("bulletin_download"), {})
    assert r.status_code == 403


def test_the_annual_figures_download_as_word(office: Office, county: County, client_for):
    c = client_for(county.alice)
    page = c.get(reverse("documents"), {"year": "2026"})
    html = page.content.decode()
    assert "年内新分解交办任务5项，截至" in html and "其中已办结2项，办结率40.0%。" in html
    r = c.get(reverse("documents"), {"year": "2026", "format": "docx"})
    assert r["Content-Type"] == DOCX
    assert docx_lines(r)[0] == "2026年督查督办工作主要数据"


def test_the_directive_page_offers_the_report(office: Office, county: County, client_for):
    c = client_for(county.alice)
    directive = office.meeting.directive
    page = c.get(reverse("directive_detail", args=[directive.pk]))
    assert reverse("directive_report", args=[directive.pk]) in page.content.decode()
    r = c.post(reverse("directive_report", args=[directive.pk]), {"output": "docx"})
    assert r.status_code == 200
    assert "关于老旧小区改造办理情况的报告" in docx_lines(r)


def test_a_directive_without_assigned_tasks_has_no_report(office: Office, county, client_for):
    c = client_for(county.alice)
    directive = office.draft.directive
    r = c.post(reverse("directive_report", args=[directive.pk]), {"output": "docx"})
    assert r.status_code == 302
    follow = c.get(r["Location"])
    assert "尚未交办任务" in follow.content.decode()


def test_dates_outside_working_years_are_refused_not_a_crash(county: County, client_for) -> None:
    c = client_for(county.alice)
    for start, end in (("0001-01-01", "2026-03-31"), ("2026-03-01", "9999-12-31")):
        r = c.post(reverse("bulletin_download"), {"start": start, "end": end, "output": "docx"})
        assert r.status_code == 400 and "日期须在2000年至2100年之间" in r.content.decode()
    assert c.get(reverse("documents"), {"year": "²"}).status_code == 200


def test_a_bulletin_whose_pdf_fails_is_not_issued(
    office: Office, county: County, client_for, monkeypatch
) -> None:
    from duban.documents import pdf

    def broken(content: bytes) -> bytes:
        raise pdf.PdfUnavailable("PDF转换失败：LibreOffice未生成文件。")

    monkeypatch.setattr(pdf, "convert", broken)  # LibreOffice failing mid-conversion
    r = client_for(county.alice).post(
        reverse("bulletin_download"),
        {"start": "2026-03-01", "end": "2026-03-31", "output": "pdf",
         "doc_no": "云政办督〔2026〕3号"},
    )  # fmt: skip
    assert r.status_code == 302
    assert not IssuedDocument.objects.exists()  # the number is still free for the next try
