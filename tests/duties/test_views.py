"""The duties pages: who may see them, bad input named by field, the exports."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from duban.duties import actions
from duban.duties.models import (
    BranchActivity,
    CatalogueVersion,
    DutyFile,
    DutyPost,
    DutyReportVersion,
    IntegrityTalk,
    PartyBranch,
    ReformMeasures,
    ResponsibilityList,
    Study,
)
from duban.work import actions as work
from tests.duties.conftest import Duties, hold

PAGES = ["/duties/", "/duties/talks/", "/duties/work/"]


@pytest.mark.parametrize("url", PAGES)
def test_the_office_and_leaders_read_units_do_not(
    duties: Duties, client_for: Any, url: str
) -> None:
    c = duties.county
    assert client_for(c.alice).get(url).status_code == 200
    assert client_for(c.lily).get(url).status_code == 200
    assert client_for(c.amy).get(url).status_code == 403


def test_the_report_page_is_the_offices(duties: Duties, client_for: Any) -> None:
    assert client_for(duties.county.lily).get("/duties/report/").status_code == 403
    page = client_for(duties.county.alice).get("/duties/report/")
    assert page.status_code == 200
    assert "duties.selectors.talks_held()" in page.content.decode()


def test_writes_are_post_only(duties: Duties, client_for: Any) -> None:
    alice = client_for(duties.county.alice)
    for url in ("/duties/sessions/", "/duties/rotation/", "/duties/talks/plan/"):
        assert alice.get(url).status_code == 405


def test_a_session_with_bad_numbers_is_named_by_field(duties: Duties, client_for: Any) -> None:
    today = timezone.localdate()
    r = client_for(duties.county.alice).post(
        "/duties/sessions/",
        {
            "branch": duties.branches[0].pk, "kind": "committee", "held_on": today.isoformat(),
            "topic": "学习", "expected": "6", "attended": "8",
        },
    )  # fmt: skip
    assert r.status_code == 400
    assert "实到人数须在0至6之间。" in r.content.decode()
    assert not BranchActivity.objects.exists()


def test_a_session_is_recorded_from_the_page(duties: Duties, client_for: Any) -> None:
    today = timezone.localdate()
    r = client_for(duties.county.alice).post(
        "/duties/sessions/",
        {
            "branch": duties.branches[0].pk, "kind": "committee", "held_on": today.isoformat(),
            "topic": "研究发展党员工作", "expected": "6", "attended": "6",
        },
    )  # fmt: skip
    assert r.status_code == 302
    assert BranchActivity.objects.get().topic == "研究发展党员工作"


def test_a_talk_outside_its_quarter_is_refused_on_the_page(duties: Duties, client_for: Any) -> None:
    talk = IntegrityTalk.objects.get(post=duties.posts[0], year=2026, quarter=1)
    r = client_for(duties.county.alice).post(
        f"/duties/talks/{talk.pk}/",
        {"held_on": "2026-05-01", "talker": "主任", "points": "廉洁"},
    )
    assert r.status_code == 400
    assert "约谈日期须在2026年第1季度内。" in r.content.decode()


def test_the_year_exports_as_xlsx(duties: Duties, client_for: Any) -> None:
    hold(duties, 0, "congress", "2026-03-25")
    r = client_for(duties.county.alice).get("/duties/export/?year=2026")
    assert r.status_code == 200
    wb = load_workbook(BytesIO(b"".join(r.streaming_content)))
    rows = list(wb["三会一课记录"].iter_rows(values_only=True))
    assert rows[1][:4] == ("机关第一党支部", "支部党员大会", "2026-03-25", "学习贯彻党的二十大精神")
    states = {
        r[1]: r[3] for r in wb["应开展情况"].iter_rows(values_only=True) if r[0] == "机关第二党支部"
    }
    assert states["2026年第1季度支部党员大会"] == "逾期未开展"
    assert "廉政约谈" in wb.sheetnames


def test_saving_the_draft_keeps_a_version_and_the_docx_uses_it(
    duties: Duties, client_for: Any
) -> None:
    alice = client_for(duties.county.alice)
    form = {"year": "2026"}
    for key, heading in (("study", "一、学习"), ("duty", "二、履职"), ("integrity", "三、廉洁")):
        form[f"heading-{key}"] = heading
        form[f"text-{key}"] = f"{heading}的第一段。\n\n第二段。"
    form["heading-next"], form["text-next"] = "四、问题与打算", ""
    r = alice.post("/duties/report/?year=2026", form)
    assert r.status_code == 302
    v = DutyReportVersion.objects.get()
    assert v.sections[0]["paragraphs"] == ["一、学习的第一段。", "第二段。"]
    got = alice.get("/duties/report/?year=2026&format=docx")
    texts = [p.text for p in Document(BytesIO(b"".join(got.streaming_content))).paragraphs]
    assert "一、学习的第一段。" in texts and "四、问题与打算" in texts
    empty = {k: ("" if k.startswith("text-") else v) for k, v in form.items()}
    r = alice.post("/duties/report/?year=2026", empty, follow=True)
    assert "报告正文不能为空。" in r.content.decode()
    assert DutyReportVersion.objects.count() == 1


def test_branches_and_posts_are_set_up_on_the_settings_page(
    duties: Duties, client_for: Any
) -> None:
    c = duties.county
    alice = client_for(c.alice)
    assert client_for(c.lily).get("/duties/settings/").status_code == 403
    r = alice.post(
        "/duties/settings/branches/",
        {
            "name": "机关第四党支部",
            "members": [c.alice.pk, c.sam.pk],
            "other_members": "老党员甲",
            "order": "4",
        },
    )
    assert r.status_code == 302
    b = PartyBranch.objects.get(name="机关第四党支部")
    assert (set(b.members.all()), b.member_count()) == ({c.alice, c.sam}, 3)
    again = alice.post("/duties/settings/branches/", {"name": "机关第四党支部", "order": "4"})
    assert again.status_code == 400 and "已有名为“机关第四党支部”的支部。" in again.content.decode()
    r = alice.post(
        "/duties/settings/posts/",
        {
            "title": "办公室副主任",
            "holder": "王五",
            "category": "section_head",
            "unit": c.a.pk,
            "order": "3",
        },
    )
    assert r.status_code == 302 and DutyPost.objects.filter(title="办公室副主任").exists()
    page = alice.get("/duties/settings/").content.decode()
    assert "机关第四党支部" in page and "办公室副主任" in page


def test_a_draft_goes_in_and_out_through_the_page(duties: Duties, client_for: Any) -> None:
    c = duties.county
    today = timezone.localdate()
    a = actions.assign_drafting(
        year=today.year, kind="speech", title="讲话稿", drafter=c.alice, reviewer=c.lily,
        due=today, by=c.alice,
    )  # fmt: skip
    doc = Document()
    doc.add_paragraph("第一稿正文")
    buf = BytesIO()
    doc.save(buf)
    upload = SimpleUploadedFile("讲话稿.docx", buf.getvalue())
    r = client_for(c.alice).post(f"/duties/drafts/{a.pk}/upload/", {"file": upload})
    assert r.status_code == 302
    f = DutyFile.objects.get(stream=a.stream)
    assert f.text == "第一稿正文"
    got = client_for(c.lily).get(f"/duties/files/{f.pk}/")
    assert got.status_code == 200 and b"".join(got.streaming_content) == buf.getvalue()
    assert client_for(c.amy).get(f"/duties/files/{f.pk}/").status_code == 403
    r = client_for(c.lily).post(f"/duties/drafts/{a.pk}/review/", {"accept": "0", "note": ""})
    assert r.status_code == 302
    a.refresh_from_db()
    assert a.status == "reviewing"  # a return without a reason is refused
    client_for(c.lily).post(f"/duties/drafts/{a.pk}/review/", {"accept": "1", "note": ""})
    a.refresh_from_db()
    assert a.status == "final"
    # A file changed on disk since upload is not served.
    with open(f.file.path, "ab") as fh:
        fh.write(b"x")
    assert client_for(c.lily).get(f"/duties/files/{f.pk}/").status_code == 409


def test_the_work_page_forms_register_through_the_actions(duties: Duties, client_for: Any) -> None:
    c = duties.county
    alice = client_for(c.alice)
    year = timezone.localdate().year
    r = alice.post(
        "/duties/lists/",
        {
            "year": year,
            "post": duties.posts[0].pk,
            "items": f"研究廉政风险｜{year}-12-31\n\n警示教育|{year}-12-31",
        },
    )
    assert r.status_code == 302
    rl = ResponsibilityList.objects.get()
    assert [t.content for t in rl.directive.tasks.order_by("number")] == [
        "研究廉政风险",
        "警示教育",
    ]
    r = alice.post(
        "/duties/measures/",
        {"year": year, "title": "40条措施", "items": "容缺审批｜发改局｜2026-13-01"},
        follow=True,
    )
    assert "改革措施中“2026-13-01”不是有效日期（应为2026-06-30）。" in r.content.decode()
    r = alice.post(
        "/duties/measures/",
        {"year": year, "title": "40条措施", "items": f"容缺审批｜县发改局｜{year}-12-31"},
    )
    assert ReformMeasures.objects.get().directive.tasks.get().lead_unit == c.a
    r = alice.post(
        "/duties/catalogues/",
        {"year": year, "kind": "items", "name": "事项清单", "items": "开办企业｜城关镇"},
    )
    assert CatalogueVersion.objects.get().items == [{"name": "开办企业", "unit": "cgz"}]
    r = alice.post(
        "/duties/catalogues/",
        {"year": year, "kind": "items", "name": "事项清单", "items": "开办企业｜不存在局"},
        follow=True,
    )
    assert "找不到单位“不存在局”。" in r.content.decode()
    r = alice.post("/duties/studies/", {"year": year, "topic": "调研课题一", "staff": c.alice.pk})
    assert Study.objects.get().topic == "调研课题一"
    r = alice.post(
        "/duties/drafts/",
        {
            "year": year,
            "kind": "speech",
            "title": "讲话",
            "drafter": c.alice.pk,
            "reviewer": c.alice.pk,
            "due": f"{year}-12-31",
        },
        follow=True,
    )
    assert "起草人和审核人不能是同一人。" in r.content.decode()
    assert client_for(c.lily).post("/duties/studies/", {}).status_code == 403


def test_a_study_is_followed_on_the_page(duties: Duties, client_for: Any) -> None:
    c = duties.county
    today = timezone.localdate()
    study = actions.open_study(year=today.year, topic="营商环境调研", staff=c.alice, by=c.alice)
    alice = client_for(c.alice)
    base = f"/duties/studies/{study.pk}"
    alice.post(
        f"{base}/visit/", {"on": today.isoformat(), "place": "政务服务中心", "notes": "座谈"}
    )
    doc = Document()
    doc.add_paragraph("报告正文")
    buf = BytesIO()
    doc.save(buf)
    alice.post(f"{base}/report/", {"file": SimpleUploadedFile("报告.docx", buf.getvalue())})
    alice.post(f"{base}/review/", {"accept": "1", "note": ""})
    d = work.register(
        kind="other", title="关于优化营商环境的通知", urgency="normal",
        received_at=timezone.now(), by=c.alice,
    )  # fmt: skip
    bad = alice.post(f"{base}/link/", {"code": "2026-9999"}, follow=True)
    assert "找不到该来文编号。" in bad.content.decode()
    alice.post(f"{base}/link/", {"code": d.code})
    study.refresh_from_db()
    assert (study.status, len(study.visits), list(study.directives.all())) == ("accepted", 1, [d])
    page = alice.get(f"/duties/work/?year={today.year}").content.decode()
    assert "第1稿 报告.docx" in page and "关于优化营商环境的通知" in page
