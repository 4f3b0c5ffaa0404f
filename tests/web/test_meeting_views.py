"""The meeting pages (issue 15): each step through the web, permissions, and the source of
a 会议议定事项 on the directive, task and ledger pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from duban.meetings import actions
from duban.meetings.models import Meeting, MeetingState, MeetingType, Topic
from duban.notify.models import Outbox
from duban.work import actions as work
from tests.conftest import County, at
from tests.meetings.flow import drive_to_issue, party_type, standing_type

pytestmark = pytest.mark.django_db


@pytest.fixture
def standing(county: County) -> MeetingType:
    return standing_type(county)


@pytest.fixture
def party(county: County) -> MeetingType:
    return party_type(county)


def _future(county: County, t: MeetingType) -> Meeting:
    now = timezone.now()
    return actions.plan_meeting(
        type=t,
        starts_at=now + timezone.timedelta(days=10),
        place="县政府第一会议室",
        by=county.alice,
        now=now,
    )


def test_the_office_runs_a_meeting_through_the_pages(
    county: County, standing: MeetingType, client_for: Any
) -> None:
    office, lily, amy = client_for(county.alice), client_for(county.lily), client_for(county.amy)
    starts = (timezone.localtime() + timezone.timedelta(days=10)).strftime("%Y-%m-%dT09:00")
    r = office.post("/meetings/", {"type": standing.pk, "starts_at": starts, "place": "第一会议室"})
    meeting = Meeting.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/meetings/{meeting.pk}/"
    # A unit submits its topic with a material, before the cut-off.
    r = amy.post(
        f"/meetings/{meeting.pk}/topics/new/",
        {
            "title": "关于城区老旧小区改造实施方案的议题",
            "consultation": "已征求各乡镇意见",
            "materials": SimpleUploadedFile("汇报稿.txt", "汇报稿正文".encode(), "text/plain"),
        },
    )
    assert r.status_code == 302
    topic = Topic.objects.get()
    assert topic.unit == county.a and topic.materials.get().name == "汇报稿.txt"
    r = amy.get(f"/meetings/materials/{topic.materials.get().pk}/")
    assert r.status_code == 200 and b"".join(r.streaming_content) == "汇报稿正文".encode()
    assert (
        client_for(county.bob).get(f"/meetings/materials/{topic.materials.get().pk}/").status_code
        == 404
    )
    # The agenda, its approval by the convener, the notice.
    office.post(f"/meetings/{meeting.pk}/agenda/", {f"on_{topic.pk}": "on", f"pos_{topic.pk}": "1"})
    page = lily.get(f"/meetings/{meeting.pk}/").content.decode()
    assert "审定议程" in page
    lily.post(f"/meetings/{meeting.pk}/agenda/decide/", {"decision": "approve"})
    office.post(f"/meetings/{meeting.pk}/notice/")
    assert Outbox.objects.filter(kind="meeting_notice", recipient=county.amy).exists()
    meeting.refresh_from_db()
    rows = {a.name: a for a in meeting.attendance.all()}
    office.post(
        f"/meetings/{meeting.pk}/sign-in/",
        {
            **{f"presence_{a.pk}": "present" for a in rows.values()},
            f"presence_{rows['王刚'].pk}": "leave",
            f"reason_{rows['王刚'].pk}": "外出招商",
        },
    )
    r = office.post(
        f"/meetings/{meeting.pk}/law/", {"law": "行政复议法", "articles": "", "presenter": "司法局"}
    )
    text = "会议原则同意。请县发改局牵头，县财政局配合，于2026年12月31日前完成项目申报。"
    office.post(
        f"/meetings/{meeting.pk}/minutes/",
        {
            "opening": "会议研究了以下事项：",
            f"kind_{topic.pk}": "agreed",
            f"text_{topic.pk}": "初稿",
        },
    )
    office.post(
        f"/meetings/{meeting.pk}/minutes/",
        {"opening": "会议研究了以下事项：", f"kind_{topic.pk}": "agreed", f"text_{topic.pk}": text},
    )
    diff = office.get(f"/meetings/{meeting.pk}/minutes/diff/?a=1&b=2").content.decode()
    assert "<del" in diff and "初稿" in diff and "<ins" in diff
    office.post(f"/meetings/{meeting.pk}/minutes/send/")
    lily.post(f"/meetings/{meeting.pk}/minutes/review/", {"decision": "approve"})
    r = office.post(f"/meetings/{meeting.pk}/minutes/issue/", {"doc_no": "云政纪〔2026〕9号"})
    meeting.refresh_from_db()
    topic.refresh_from_db()
    assert meeting.state == MeetingState.MINUTES_ISSUED
    assert topic.directive is not None
    # Issuing opens the decomposition form pre-filled by the extractor.
    assert r["Location"] == f"/directives/{topic.directive.pk}/?extract=1#decompose"
    page = office.get(f"/directives/{topic.directive.pk}/?extract=1").content.decode()
    assert "已从议定事项中识别出 1 项任务" in page
    assert "县政府第1次常务会议 · 议题一" in page
    assert (
        'value="1" id="id_tasks-TOTAL_FORMS"' in page
        or 'name="tasks-TOTAL_FORMS" value="1"' in page
    )
    r = office.get(f"/meetings/{meeting.pk}/minutes.docx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxml")


def test_pages_refuse_who_may_not(county: County, standing: MeetingType, client_for: Any) -> None:
    meeting = _future(county, standing)
    assert client_for(county.sam).get("/meetings/").status_code == 403
    assert client_for(county.amy).get("/meetings/types/").status_code == 403
    assert client_for(county.amy).get("/meetings/followup/").status_code == 403
    assert client_for(county.alice).get(f"/meetings/{meeting.pk}/notice/").status_code == 405
    r = client_for(county.amy).post(f"/meetings/{meeting.pk}/agenda/")
    assert r.status_code == 403
    assert client_for(county.alice).get("/meetings/999999/").status_code == 404


def test_bad_input_names_the_field(county: County, standing: MeetingType, client_for: Any) -> None:
    office = client_for(county.alice)
    r = office.post("/meetings/", {"type": standing.pk, "starts_at": "明天", "place": ""})
    page = r.content.decode()
    assert r.status_code == 400
    assert "召开时间格式无效" in page and "请填写会议地点" in page
    r = office.post(
        "/meetings/types/",
        {
            "name": "专题会",
            "kind": "special",
            "organ": "县政府",
            "numbering": "第{x}次",
            "convener": county.leader_lily.pk,
            "cutoff_days": 1,
        },
    )
    assert r.status_code == 400 and "{n}" in r.content.decode()


def test_source_on_task_page_and_the_ledger_filter(
    county: County, standing: MeetingType, client_for: Any
) -> None:
    meeting = drive_to_issue(county, standing)
    one = meeting.topics.order_by("position").first()
    assert one is not None and one.directive is not None
    task = work.decompose(
        directive=one.directive,
        tasks=[work.TaskDraft(content="完成项目申报", lead=[county.a], due={"date": "2026-06-30"})],
        by=county.alice,
        now=at("2026-03-07 10:00"),
    )[0]
    work.assign(task=task, by=county.alice, now=at("2026-03-07 10:05"))
    other = work.register(
        kind="other", title="别的来文", urgency="normal", received_at=at("2026-03-07 10:00"),
        by=county.alice, now=at("2026-03-07 10:00"),
    )  # fmt: skip
    t2 = work.decompose(
        directive=other,
        tasks=[work.TaskDraft(content="别的任务", lead=[county.b], due={"date": "2026-06-30"})],
        by=county.alice,
        now=at("2026-03-07 10:00"),
    )[0]
    work.assign(task=t2, by=county.alice, now=at("2026-03-07 10:05"))
    office = client_for(county.alice)
    page = office.get(f"/tasks/{task.pk}/").content.decode()
    assert "县政府第1次常务会议 · 议题一" in page
    ledger = office.get(f"/ledger/?meeting={meeting.pk}").content.decode()
    assert "完成项目申报" in ledger and "别的任务" not in ledger
    assert "别的任务" in office.get("/ledger/").content.decode()
    follow = office.get("/meetings/followup/").content.decode()
    assert "县政府第1次常务会议 · 议题一" in follow and "完成项目申报" in follow
    r = office.get("/meetings/followup/?format=docx")
    assert r.status_code == 200


def test_three_major_matters_page_refuses_a_principal_who_is_not_last(
    county: County, party: MeetingType, client_for: Any
) -> None:
    meeting = _future(county, party)
    office = client_for(county.alice)
    data = {
        "meeting": meeting.pk,
        "category": "funds",
        "title": "县城供水管网改造资金安排",
        "decided_on": "2026-03-05",
        "present": "李丽、王刚",
        "stances": "*李丽：同意\n王刚：同意",
        "decision": "同意安排资金800万元。",
    }
    r = office.post("/meetings/major/", data)
    assert r.status_code == 302
    assert meeting.major_matters.count() == 0
    msgs = [str(m) for m in r.wsgi_request._messages]  # type: ignore[attr-defined]
    assert any("主要负责人李丽须末位表态" in m for m in msgs)
    office.post("/meetings/major/", {**data, "stances": "王刚：同意\n*李丽：同意"})
    assert meeting.major_matters.count() == 1
    r = office.post(
        "/meetings/major/",
        {
            "category": "project",
            "title": "临时决定的项目",
            "decided_on": "2026-04-01",
            "decision": "实施",
        },
    )
    assert r.status_code == 302
    page = office.get("/meetings/major/?year=2026").content.decode()
    assert "未经会议集体决策" in page
    r = office.get("/meetings/major/?year=2026&format=xlsx")
    assert r.status_code == 200
