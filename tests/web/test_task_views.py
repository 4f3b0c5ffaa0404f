"""The task page, its action URLs, the attachment download, and `available_actions`."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from duban.org.models import User
from duban.work import actions
from duban.work.available import ACTIONS, available_actions, permitted
from duban.work.errors import ActionError, Refused
from duban.work.models import (
    Assignment,
    AssignmentStatus,
    Attachment,
    EventKind,
    ExtensionRequest,
    ExtensionStatus,
    ProgressReport,
    Task,
    TaskStatus,
)
from tests.conftest import County
from tests.work import flow

DUE = {"date": "2026-12-31"}  # after today (the tests run in late 2026 or earlier)
TASK_URLS = [
    "receive",
    "return",
    "report",
    "extend",
    "urge",
    "submit",
    "verify",
    "close",
    "withdraw",
    "reassign",
    "comment",
]


def now() -> Any:
    return timezone.now()


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def task(county: County) -> Task:
    """Led by unit A (amy, adam), unit B (bob) co-operating; lily is the leader in charge."""
    return flow.task(county, now(), due={"date": "2030-06-30"})


def received(county: County, t: Task, *users: User) -> Task:
    for u in users or (county.amy, county.bob):
        actions.receive(task=t, by=u, now=now())
    t.refresh_from_db()
    return t


def submitted(county: County, t: Task) -> Task:
    received(county, t, county.amy)
    actions.submit_done(task=t, text="已完成", by=county.amy, now=now())
    t.refresh_from_db()
    return t


def verified(county: County, t: Task) -> Task:
    submitted(county, t)
    actions.verify(confirm_silent_co=True, task=t, accept=True, by=county.alice, now=now())
    t.refresh_from_db()
    return t


def pending_extension(county: County, t: Task) -> ExtensionRequest:
    received(county, t, county.amy)
    return actions.request_extension(
        task=t, new_due=date(2030, 9, 30), reason="汛期停工", by=county.amy, now=now()
    )


def url(t: Task, name: str) -> str:
    return f"/tasks/{t.pk}/{name}/"


# ---------------------------------------------------------------- 405 and 403


@pytest.mark.parametrize("name", TASK_URLS)
def test_every_action_url_refuses_get(
    county: County, client_for: Any, task: Task, name: str
) -> None:
    assert client_for(county.amy).get(url(task, name)).status_code == 405
    assert client_for(county.alice).get(url(task, name)).status_code == 405


def test_the_extension_decision_refuses_get(county: County, client_for: Any, task: Task) -> None:
    req = pending_extension(county, task)
    assert client_for(county.alice).get(f"/extensions/{req.pk}/decide/").status_code == 405


# Complete, valid input for every action, so only the actor can be the problem.
FULL = {
    "reason": "理由",
    "text": "内容",
    "message": "请抓紧",
    "new_due": "2030-09-30",
    "accept": "1",
    "approve": "1",
    "note": "",
}


@pytest.mark.parametrize("name", TASK_URLS)
@pytest.mark.parametrize("data", [FULL, {}], ids=["complete", "empty"])
def test_a_unit_not_on_the_task_gets_403(
    county: County, client_for: Any, task: Task, name: str, data: dict[str, str]
) -> None:
    carl = client_for(county.carl)
    assert carl.get(f"/tasks/{task.pk}/").status_code == 404  # he cannot even see it
    before = task.event_seq
    body = {**data, "lead": str(county.c.pk)} if data else {}
    response = carl.post(url(task, name), body)
    assert response.status_code == 403
    assert "无权" in response.content.decode()
    task.refresh_from_db()
    assert task.event_seq == before


@pytest.mark.parametrize("data", [FULL, {}], ids=["complete", "empty"])
def test_only_the_office_decides_extensions(
    county: County, client_for: Any, task: Task, data: dict[str, str]
) -> None:
    req = pending_extension(county, task)
    for who in (county.carl, county.amy, county.lily):
        response = client_for(who).post(f"/extensions/{req.pk}/decide/", data)
        assert response.status_code == 403, who
    req.refresh_from_db()
    assert req.status == ExtensionStatus.PENDING


@pytest.mark.parametrize("name", ["verify", "close", "withdraw", "reassign"])
def test_a_unit_on_the_task_cannot_use_the_offices_actions(
    county: County, client_for: Any, task: Task, name: str
) -> None:
    response = client_for(county.amy).post(url(task, name), {**FULL, "lead": county.b.pk})
    assert response.status_code == 403
    assert "您（联络员）无权" in response.content.decode()
    task.refresh_from_db()
    assert task.status == TaskStatus.ASSIGNED


def test_a_co_unit_may_not_ask_for_an_extension(
    county: County, client_for: Any, task: Task
) -> None:
    received(county, task)
    response = client_for(county.bob).post(url(task, "extend"), FULL)
    assert response.status_code == 403
    assert "只有牵头单位可以申请延期" in response.content.decode()


def test_a_leader_urges_only_the_tasks_they_lead(
    county: County, client_for: Any, task: Task
) -> None:
    response = client_for(county.wang).post(url(task, "urge"), {"message": "请抓紧"})
    assert response.status_code == 403
    assert "县领导只能催办本人牵头的事项" in response.content.decode()
    assert client_for(county.lily).post(url(task, "urge"), {"message": "请抓紧"}).status_code == 302
    task.refresh_from_db()
    assert task.urge_count == 1


def test_who_may_not_see_the_page(county: County, client_for: Any, task: Task) -> None:
    assert client_for(county.carl).get(f"/tasks/{task.pk}/").status_code == 404
    for admin in (county.sam, county.sec, county.aud):  # 三员 never read task content
        assert client_for(admin).get(f"/tasks/{task.pk}/").status_code == 403
    for who in (county.alice, county.lily, county.wang, county.amy, county.bob):
        assert client_for(who).get(f"/tasks/{task.pk}/").status_code == 200
    assert client_for(county.alice).get("/tasks/999999/").status_code == 404
    assert client_for(county.alice).post("/tasks/999999/close/").status_code == 404


# ---------------------------------------------------------------- every action succeeds


def last_event(t: Task) -> str:
    ev = t.events.order_by("-seq").first()
    assert ev is not None
    return ev.kind


def test_receive(county: County, client_for: Any, task: Task) -> None:
    amy = client_for(county.amy)
    response = amy.post(url(task, "receive"))
    assert response.status_code == 302 and response["Location"] == f"/tasks/{task.pk}/"
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS and last_event(task) == EventKind.RECEIVED
    page = amy.get(response["Location"]).content.decode()
    assert "已签收。" in page


def test_quick_receive_from_the_unit_home_returns_to_it(
    county: County, client_for: Any, task: Task
) -> None:
    response = client_for(county.bob).post(url(task, "receive"), {"next": "unit_home"})
    assert response.status_code == 302 and response["Location"] == "/unit/"
    assert task.assignments.get(unit=county.b).status == AssignmentStatus.RECEIVED
    again = client_for(county.bob).post(url(task, "receive"), {"next": "unit_home"}, follow=True)
    assert "无需再签收" in again.content.decode()
    # `next` is not a free redirect target
    response = client_for(county.amy).post(url(task, "receive"), {"next": "https://evil"})
    assert response["Location"] == f"/tasks/{task.pk}/"


def test_return(county: County, client_for: Any, task: Task) -> None:
    response = client_for(county.amy).post(url(task, "return"), {"reason": "不属于本单位职责"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.RETURNED and last_event(task) == EventKind.RETURNED
    assert task.assignments.get(unit=county.a).return_reason == "不属于本单位职责"


def test_report_with_several_attachments(county: County, client_for: Any, task: Task) -> None:
    received(county, task)
    files = [
        ContentFile(b"\xff\xd8\xff\xe0jpg", name="现场.jpg"),
        ContentFile(b"%PDF-1.4 pdf", name="合同.pdf"),
    ]
    response = client_for(county.amy).post(
        url(task, "report"), {"text": "完成招标", "attachments": files}
    )
    assert response.status_code == 302
    report = ProgressReport.objects.get(task=task)
    assert report.text == "完成招标" and report.event.kind == EventKind.PROGRESS
    assert sorted(a.name for a in report.event.attachments.all()) == ["合同.pdf", "现场.jpg"]


def test_extend(county: County, client_for: Any, task: Task) -> None:
    received(county, task, county.amy)
    response = client_for(county.adam).post(
        url(task, "extend"), {"new_due": "2030-09-30", "reason": "汛期停工"}
    )
    assert response.status_code == 302
    req = task.extensions.get()
    assert req.requested_due == date(2030, 9, 30) and req.status == ExtensionStatus.PENDING
    assert last_event(task) == EventKind.EXTENSION_REQUESTED


def test_urge(county: County, client_for: Any, task: Task) -> None:
    response = client_for(county.alice).post(url(task, "urge"), {"message": "请本周内报送"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.urge_count == 1 and last_event(task) == EventKind.URGED


def test_submit_with_evidence(county: County, client_for: Any, task: Task) -> None:
    received(county, task, county.amy)
    response = client_for(county.adam).post(
        url(task, "submit"),
        {"text": "主体完工", "attachments": [ContentFile(b"PK\x03\x04doc", name="验收纪要.docx")]},
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.SUBMITTED and last_event(task) == EventKind.SUBMITTED
    assert Attachment.objects.get(task=task).name == "验收纪要.docx"


def test_verify_accept_and_send_back(county: County, client_for: Any, task: Task) -> None:
    submitted(county, task)
    alice = client_for(county.alice)
    response = alice.post(url(task, "verify"), {"accept": "0", "reason": "缺少验收材料"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS and task.sent_back_count == 1
    assert last_event(task) == EventKind.SENT_BACK
    actions.submit_done(task=task, text="已补材料", by=county.amy, now=now())
    # The co-unit never signed: the page asks the verifier to confirm (issue 12, point 5).
    asked = alice.post(url(task, "verify"), {"accept": "1"})
    assert asked.status_code == 400 or "请勾选确认" in asked.content.decode()
    assert "已知悉上述配合单位未签收或未报送" in asked.content.decode()
    assert alice.post(url(task, "verify"), {"accept": "1", "confirm_co": "on"}).status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.VERIFIED and last_event(task) == EventKind.VERIFIED


def test_close(county: County, client_for: Any, task: Task) -> None:
    verified(county, task)
    response = client_for(county.alice).post(url(task, "close"), {"note": "周例会销号"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.CLOSED and task.light == "on_time"
    assert last_event(task) == EventKind.CLOSED


def test_withdraw(county: County, client_for: Any, task: Task) -> None:
    response = client_for(county.alice).post(url(task, "withdraw"), {"reason": "上级已撤回"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.WITHDRAWN and task.withdrawn_reason == "上级已撤回"


def test_reassign(county: County, client_for: Any, task: Task) -> None:
    actions.return_(task=task, reason="不是我们的", by=county.amy, now=now())
    response = client_for(county.alice).post(
        url(task, "reassign"),
        {
            "lead": county.c.pk,
            "co": [county.b.pk, county.c.pk],  # the lead is dropped from the co-units
            "reason": "改由属地办理",
            "due": "10个工作日",
        },
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.lead_unit == county.c and task.status == TaskStatus.ASSIGNED
    assert last_event(task) == EventKind.REASSIGNED
    roles = {a.unit_id: (a.role, a.status) for a in Assignment.objects.filter(task=task)}
    assert roles[county.c.pk] == ("lead", AssignmentStatus.PENDING)
    assert roles[county.b.pk][0] == "co"
    assert roles[county.a.pk][1] == AssignmentStatus.REPLACED


def test_comment(county: County, client_for: Any, task: Task) -> None:
    response = client_for(county.wang).post(url(task, "comment"), {"text": "请加快进度"})
    assert response.status_code == 302  # any leader may comment on any task
    task.refresh_from_db()
    assert last_event(task) == EventKind.COMMENTED
    page = client_for(county.amy).get(f"/tasks/{task.pk}/").content.decode()
    assert "领导批示" in page and "请加快进度" in page and "王刚" in page


def test_an_extension_is_approved_or_rejected(county: County, client_for: Any) -> None:
    alice = client_for(county.alice)
    t1 = flow.task(county, now(), due={"date": "2030-06-30"})
    req = pending_extension(county, t1)
    response = alice.post(f"/extensions/{req.pk}/decide/", {"approve": "1"})
    assert response.status_code == 302 and response["Location"] == f"/tasks/{t1.pk}/"
    t1.refresh_from_db()
    assert t1.due == date(2030, 9, 30) and t1.due_original == date(2030, 6, 30)
    page = alice.get(f"/tasks/{t1.pk}/").content.decode()
    assert "原定2030年6月30日" in page and "已延期1次" in page

    t2 = flow.task(county, now(), due={"date": "2030-06-30"})
    req = pending_extension(county, t2)
    response = alice.post(f"/extensions/{req.pk}/decide/", {"approve": "0", "reason": "理由不足"})
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == ExtensionStatus.REJECTED and req.decision_reason == "理由不足"
    t2.refresh_from_db()
    assert t2.due == date(2030, 6, 30) and last_event(t2) == EventKind.EXTENSION_DECIDED


# ---------------------------------------------------------------- refusals come back to the page

Setup = Callable[[County, Task], Any]

# For each action: a state it refuses, who tries, the data, and the Chinese message.
WRONG_STATE: dict[str, tuple[Setup, str, dict[str, Any], str]] = {
    "receive": (lambda c, t: received(c, t), "amy", {}, "无需再签收"),
    "return": (submitted, "amy", {"reason": "x"}, "不能退回"),
    "report": (lambda c, t: None, "amy", {"text": "x"}, "当前为“待签收”，不能报送进展"),
    "extend": (lambda c, t: None, "amy", {"new_due": "2030-09-30", "reason": "x"}, "不能申请延期"),
    "urge": (submitted, "alice", {"message": "x"}, "当前为“待审核”，不能催办"),
    "submit": (lambda c, t: None, "adam", {"text": "x"}, "不能报送办结"),
    "verify": (lambda c, t: received(c, t), "alice", {"accept": "1"}, "不能审核"),
    "close": (submitted, "alice", {}, "当前为“待审核”，不能销号"),
    "withdraw": (
        lambda c, t: (verified(c, t), actions.close(task=t, by=c.alice, now=now())),
        "alice",
        {"reason": "x"},
        "当前为“已办结”，不能撤销",
    ),
    "reassign": (submitted, "alice", {"lead": "C", "reason": "x"}, "不能改派"),
    "comment": (
        lambda c, t: actions.withdraw(task=t, reason="x", by=c.alice, now=now()),
        "lily",
        {"text": "x"},
        "当前为“已撤销”，不能批示",
    ),
}


@pytest.mark.parametrize("name", TASK_URLS)
def test_an_action_the_state_refuses_shows_the_message_on_the_page(
    county: County, client_for: Any, task: Task, name: str
) -> None:
    setup, who, data, message = WRONG_STATE[name]
    setup(county, task)
    task.refresh_from_db()
    before = (task.status, task.event_seq)
    if data.get("lead") == "C":
        data = {**data, "lead": county.c.pk}
    response = client_for(getattr(county, who)).post(url(task, name), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html and 'role="alert"' in html
    assert '<h2 id="h-tl">流转记录</h2>' in html  # it is the task page
    task.refresh_from_db()
    assert (task.status, task.event_seq) == before


def test_a_decided_extension_cannot_be_decided_again(
    county: County, client_for: Any, task: Task
) -> None:
    req = pending_extension(county, task)
    alice = client_for(county.alice)
    alice.post(f"/extensions/{req.pk}/decide/", {"approve": "1"})
    response = alice.post(f"/extensions/{req.pk}/decide/", {"approve": "0", "reason": "x"})
    assert response.status_code == 200 and "该延期申请已审批" in response.content.decode()


def test_a_missing_field_is_marked_next_to_it_and_the_text_is_kept(
    county: County, client_for: Any, task: Task
) -> None:
    received(county, task)
    response = client_for(county.amy).post(url(task, "return"), {"reason": "  "})
    html = response.content.decode()
    assert response.status_code == 200
    assert '<p class="error" role="alert" id="return_reason_error">请填写退回理由。</p>' in html
    assert "“退回”未能提交" in html and re.search(r'<details id="act-return"[^>]* open>', html)
    response = client_for(county.amy).post(url(task, "report"), {"text": ""})
    assert 'id="report_text_error">请填写进展情况。' in response.content.decode()


def test_the_actions_own_field_error_lands_next_to_the_field(
    county: County, client_for: Any, task: Task
) -> None:
    received(county, task, county.amy)
    response = client_for(county.amy).post(
        url(task, "extend"), {"new_due": "2030-06-01", "reason": "汛期停工"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="extend_new_due_error">申请的新时限须晚于现时限2030年06月30日。' in html
    assert "汛期停工" in html  # what was typed stays in the form
    assert not task.extensions.exists()


def test_a_bad_attachment_is_refused_next_to_the_file_field(
    county: County, client_for: Any, task: Task
) -> None:
    received(county, task)
    response = client_for(county.amy).post(
        url(task, "report"), {"text": "进展", "attachments": [ContentFile(b"", name="空.txt")]}
    )
    assert 'id="report_attachments_error">所提交的是空文件。' in response.content.decode()
    assert not ProgressReport.objects.exists()


# ---------------------------------------------------------------- what the page shows


def test_the_page_shows_everything_about_the_task(county: County, client_for: Any) -> None:
    d = flow.directive(county, now(), doc_no="云政阅〔2026〕3号", issuer="县长")
    draft = actions.TaskDraft(
        content="完成城东污水管网改造",
        requirement="管网全部通水并通过验收",
        lead=[county.a],
        co=[county.b],
        due={"date": "2030-06-30"},  # a year without holiday data: provisional
        leader=county.leader_lily,
        cycle="weekly",
        cycle_day=5,
        source_excerpt="会议要求，县发改局牵头，县财政局配合，完成城东污水管网改造。",
    )
    [t] = actions.decompose(directive=d, tasks=[draft], by=county.alice, now=now())
    actions.assign(task=t, by=county.alice, now=now())
    received(county, t, county.amy)
    actions.report_progress(
        task=t,
        text="完成招标",
        by=county.amy,
        now=now(),
        attachments=[ContentFile(b"%PDF-1.4 x", name="中标通知书.pdf")],
    )
    actions.urge(task=t, message="请加快施工", by=county.alice, now=now())
    actions.request_extension(
        task=t, new_due=date(2030, 9, 30), reason="汛期停工", by=county.amy, now=now()
    )
    html = client_for(county.alice).get(f"/tasks/{t.pk}/").content.decode()
    for text in [
        "完成城东污水管网改造",
        "管网全部通水并通过验收",
        "2030年6月30日",
        "（暂定）",
        "每周（周五前）",
        "副县长李丽",
        d.code,
        d.title,
        "云政阅〔2026〕3号",
        "领导批示 · 平件",  # kind and urgency
        "县长",
        "会议要求，县发改局牵头",
        "县发改局",
        "县财政局",
        "已签收",
        "待签收",
        "（主办）",
        "汛期停工",
        "待审批",
        "延期审批",  # the office's decision form
        "同意延期",
        "中标通知书.pdf",
        "完成招标",
        "请加快施工",
        "交办",
        "签收",
        "报送进展",
        "催办",
        "申请延期",
        "安梅（县发改局）",
        "艾丽（督查室）",
    ]:
        assert text in html, text
    # times are local (Asia/Shanghai)
    assert timezone.localtime(t.assigned_at).strftime("%Y-%m-%d %H:%M") in html
    # the unit sees the task, but not the office's forms
    amy = client_for(county.amy).get(f"/tasks/{t.pk}/").content.decode()
    assert "同意延期" not in amy and "审核办结" not in amy and "撤销事项" not in amy
    assert 'enctype="multipart/form-data"' in amy and 'type="file"' in amy and "multiple" in amy


def test_the_page_offers_only_the_viewers_actions(
    county: County, client_for: Any, task: Task
) -> None:
    def forms_for(user: User) -> set[str]:
        html = client_for(user).get(f"/tasks/{task.pk}/").content.decode()
        return {name for name in ACTIONS if f'id="act-{name}"' in html}

    assert forms_for(county.amy) == {"receive", "return"}
    assert forms_for(county.bob) == {"receive", "return"}
    assert forms_for(county.lily) == {"comment", "urge"}
    assert forms_for(county.wang) == {"comment"}
    assert forms_for(county.alice) == {"urge", "comment", "reassign", "withdraw"}
    html = client_for(county.lily).get(f"/tasks/{task.pk}/").content.decode()
    assert '<label for="comment_text">批示内容</label>' in html
    assert re.search(r'<details id="act-comment"[^>]* open>', html)  # a leader's first step
    html = client_for(county.amy).get(f"/tasks/{task.pk}/").content.decode()
    assert not re.search(r'<details id="act-return"[^>]* open>', html)
    html = client_for(county.amy).get(f"/tasks/{task.pk}/?open=return").content.decode()
    assert re.search(r'<details id="act-return"[^>]* open>', html)


def test_the_page_reads_a_fixed_number_of_queries(
    county: County, client_for: Any, task: Task
) -> None:
    clients = {who: client_for(getattr(county, who)) for who in ("alice", "amy", "lily")}

    def counts() -> dict[str, int]:
        result = {}
        for who, c in clients.items():
            with CaptureQueriesContext(connection) as ctx:
                assert c.get(f"/tasks/{task.pk}/").status_code == 200
            result[who] = len(ctx.captured_queries)
        return result

    received(county, task)
    actions.report_progress(
        task=task, text="第1次", by=county.amy, now=now(), attachments=[ContentFile(b"1", "1.txt")]
    )
    before = counts()
    for i in range(2, 8):
        actions.report_progress(
            task=task,
            text=f"第{i}次",
            by=county.bob,
            now=now(),
            attachments=[ContentFile(b"x", name=f"{i}.txt")],
        )
        actions.urge(task=task, message=f"催{i}", by=county.alice, now=now())
        actions.comment(task=task, text=f"批示{i}", by=county.lily, now=now())
    assert task.events.count() > 20
    assert counts() == before


# ---------------------------------------------------------------- attachments


def test_an_attachment_is_served_only_to_those_who_see_the_task(
    county: County, client_for: Any, task: Task
) -> None:
    received(county, task, county.amy)
    report = actions.report_progress(
        task=task,
        text="照片",
        by=county.amy,
        now=now(),
        attachments=[ContentFile(b"\xff\xd8\xff\xe0jpeg-bytes", name="现场照片.jpg")],
    )
    att = report.event.attachments.get()
    for who in (county.amy, county.bob, county.alice, county.lily):
        response = client_for(who).get(f"/attachments/{att.pk}/")
        assert response.status_code == 200
        assert "attachment;" in response["Content-Disposition"]
        # Reading the stream to its end closes the file (and response.close() would
        # close the test's database connection on PostgreSQL).
        assert b"".join(response.streaming_content) == b"\xff\xd8\xff\xe0jpeg-bytes"
    assert client_for(county.carl).get(f"/attachments/{att.pk}/").status_code == 404
    assert client_for(county.sam).get(f"/attachments/{att.pk}/").status_code == 403
    assert client_for(county.amy).get("/attachments/999999/").status_code == 404


def test_a_directives_attachment_follows_the_directive(county: County, client_for: Any) -> None:
    d = flow.directive(county, now(), attachments=[ContentFile(b"%PDF-1.4", name="来文.pdf")])
    draft = actions.TaskDraft(content="事项", lead=[county.a], co=[], due=DUE)
    [t] = actions.decompose(directive=d, tasks=[draft], by=county.alice, now=now())
    actions.assign(task=t, by=county.alice, now=now())
    att = Attachment.objects.get(directive=d)
    assert "来文.pdf" in client_for(county.amy).get(f"/tasks/{t.pk}/").content.decode()
    ok = client_for(county.amy).get(f"/attachments/{att.pk}/")
    assert ok.status_code == 200 and b"".join(ok.streaming_content) == b"%PDF-1.4"
    assert client_for(county.bob).get(f"/attachments/{att.pk}/").status_code == 404


# ---------------------------------------------------------------- available_actions


def _rollback(fn: Callable[[], Any]) -> ActionError | None:
    """Try an action and undo it: None if it succeeded, else its refusal."""

    class Undo(Exception):
        pass

    try:
        with transaction.atomic():
            fn()
            raise Undo
    except Undo:
        return None
    except ActionError as e:
        return e


def _attempts(task: Task, user: User, name: str, county: County) -> list[Callable[[], Any]]:
    """Every way the page lets `name` be done (both buttons where there are two)."""
    t, by, n = task, user, now()
    later = (task.due or date(2030, 6, 30)) + timedelta(days=30)
    pending = [e for e in task.extensions.all() if e.status == ExtensionStatus.PENDING]
    calls: dict[str, list[Callable[[], Any]]] = {
        "receive": [lambda: actions.receive(task=t, by=by, now=n)],
        "return": [lambda: actions.return_(task=t, reason="理由", by=by, now=n)],
        "report": [lambda: actions.report_progress(task=t, text="进展", by=by, now=n)],
        "extend": [
            lambda: actions.request_extension(task=t, new_due=later, reason="理由", by=by, now=n)
        ],
        "urge": [lambda: actions.urge(task=t, message="催", by=by, now=n)],
        "submit": [lambda: actions.submit_done(task=t, text="办结", by=by, now=n)],
        "verify": [
            lambda: actions.verify(confirm_silent_co=True, task=t, accept=True, by=by, now=n),
            lambda: actions.verify(
                confirm_silent_co=True, task=t, accept=False, reason="缺材料", by=by, now=n
            ),
        ],
        "close": [lambda: actions.close(task=t, by=by, now=n)],
        "withdraw": [lambda: actions.withdraw(task=t, reason="理由", by=by, now=n)],
        "reassign": [
            lambda: actions.reassign(task=t, lead=[county.d], co=[], reason="改派", by=by, now=n)
        ],
        "comment": [lambda: actions.comment(task=t, text="批示", by=by, now=n)],
        "decide_extension": [],
    }
    ext = pending[0] if pending else task.extensions.order_by("-id").first()
    if ext is None and user.role != "supervisor":
        # Nothing to decide on this task: borrow any request, the role check comes first.
        ext = ExtensionRequest.objects.order_by("id").first()
    if ext is not None:
        request = ext
        calls["decide_extension"].append(
            lambda: actions.decide_extension(
                request=request, approve=False, reason="不同意", by=by, now=n
            )
        )
        if task.due is not None and ext.requested_due > task.due:
            calls["decide_extension"].append(
                lambda: actions.decide_extension(request=request, approve=True, by=by, now=n)
            )
    return calls[name]


def _states(county: County) -> dict[str, Task]:
    n = now()
    states: dict[str, Task] = {}
    states["assigned"] = flow.task(county, n, due={"date": "2030-06-30"})
    states["lead received"] = received(
        county, flow.task(county, n, due={"date": "2030-06-30"}), county.amy
    )
    states["all received"] = received(county, flow.task(county, n, due={"date": "2030-06-30"}))
    co_done = received(county, flow.task(county, n, due={"date": "2030-06-30"}))
    actions.submit_done(task=co_done, text="配合部分已完成", by=county.bob, now=n)
    states["co done"] = co_done
    ext = flow.task(county, n, due={"date": "2030-06-30"})
    pending_extension(county, ext)
    states["extension pending"] = ext
    states["submitted"] = submitted(county, flow.task(county, n, due={"date": "2030-06-30"}))
    states["verified"] = verified(county, flow.task(county, n, due={"date": "2030-06-30"}))
    closed = verified(county, flow.task(county, n, due={"date": "2030-06-30"}))
    actions.close(task=closed, by=county.alice, now=n)
    states["closed"] = closed
    sent_back = submitted(county, flow.task(county, n, due={"date": "2030-06-30"}))
    actions.verify(
        confirm_silent_co=True,
        task=sent_back,
        accept=False,
        reason="缺材料",
        by=county.alice,
        now=n,
    )
    states["sent back"] = sent_back
    returned = flow.task(county, n, due={"date": "2030-06-30"})
    actions.return_(task=returned, reason="非本单位职责", by=county.amy, now=n)
    states["returned by lead"] = returned
    moved = received(county, flow.task(county, n, due={"date": "2030-06-30"}))
    actions.reassign(task=moved, lead=[county.c], co=[county.b], reason="改派", by=county.alice)
    states["reassigned to C"] = moved
    withdrawn = flow.task(county, n, due={"date": "2030-06-30"})
    actions.withdraw(task=withdrawn, reason="撤回", by=county.alice, now=n)
    states["withdrawn"] = withdrawn
    past = flow.task(
        county,
        n - timedelta(days=40),
        due={"date": (timezone.localdate() - timedelta(days=2)).isoformat()},
    )
    actions.receive(task=past, by=county.amy, now=n - timedelta(days=39))
    states["overdue"] = past
    states["other leader"] = flow.task(
        county, n, due={"date": "2030-06-30"}, leader=county.leader_wang
    )
    return states


PERSONAS = ["alice", "lily", "wang", "amy", "adam", "bob", "carl", "sam", "aud"]


def test_the_page_offers_exactly_what_the_actions_allow(county: County) -> None:
    """For every persona and state: each offered action succeeds (every button of it),
    each action not offered is refused; and `permitted` predicts Refused exactly."""
    today = timezone.localdate()
    offered_somewhere: set[str] = set()
    for state, task in _states(county).items():
        for who in PERSONAS:
            user = getattr(county, who)
            task = Task.objects.get(pk=task.pk)
            offered = available_actions(user, task, today=today)
            may = permitted(user, task)
            offered_somewhere |= offered
            assert offered <= may
            for name in ACTIONS:
                for attempt in _attempts(task, user, name, county):
                    error = _rollback(attempt)
                    where = (state, who, name, error and error.message)
                    assert (error is None) == (name in offered), where
                    assert isinstance(error, Refused) == (name not in may), where
    assert offered_somewhere == set(ACTIONS)


def test_no_query_per_check_when_the_task_is_prefetched(county: County, task: Task) -> None:
    from django.db.models import prefetch_related_objects

    prefetch_related_objects([task], "assignments", "extensions")
    with CaptureQueriesContext(connection) as ctx:
        for who in PERSONAS:
            available_actions(getattr(county, who), task)
    assert len(ctx.captured_queries) == 0
