"""The supervisor's workbench: each item is decided from the page, and the page stays cheap."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from duban.coordination.tick import tick
from duban.work import actions
from duban.work.models import EventKind, ExtensionRequest, Task, TaskStatus
from tests.conftest import County
from tests.work import flow

FAR = {"date": "2030-01-01"}


def _submitted(county: County, **kw: Any) -> Task:
    now = timezone.now()
    t = flow.task(county, now, due=FAR, **kw)
    actions.receive(task=t, by=county.amy, now=now)
    if t.assignments.filter(unit=county.b).exists():  # the co-unit does its part
        actions.receive(task=t, by=county.bob, now=now)
        actions.submit_done(task=t, text="资金已拨付。", by=county.bob, now=now)
    actions.submit_done(task=t, text="主体工程已完工，已通过验收。", by=county.amy, now=now)
    t.refresh_from_db()
    return t


def test_a_submission_is_accepted_and_closed_without_leaving_the_workbench(
    county: County, client_for: Any
) -> None:
    t = _submitted(county)
    c = client_for(county.alice)
    page = c.get("/workbench/").content.decode()
    assert "待审核办结（1）" in page and f"审核通过：{t.code}" in page

    response = c.post(f"/tasks/{t.pk}/verify/", {"accept": "1", "next": "workbench"})
    assert response.status_code == 302 and response["Location"] == "/workbench/"
    t.refresh_from_db()
    assert t.status == TaskStatus.VERIFIED
    page = c.get("/workbench/").content.decode()
    assert "待审核办结（0）" in page and "待销号（1）" in page
    assert f"{t.code}：审核通过。" in page  # the message says which task

    response = c.post(f"/tasks/{t.pk}/close/", {"next": "workbench"})
    assert response["Location"] == "/workbench/"
    t.refresh_from_db()
    assert t.status == TaskStatus.CLOSED
    assert "待销号（0）" in c.get("/workbench/").content.decode()


def test_sending_back_needs_a_reason_on_the_task_page(county: County, client_for: Any) -> None:
    t = _submitted(county)
    c = client_for(county.alice)
    page = c.get("/workbench/").content.decode()
    assert f"/tasks/{t.pk}/?open=verify#act-verify" in page
    response = c.post(f"/tasks/{t.pk}/verify/", {"accept": "0", "reason": "", "next": "workbench"})
    assert response.status_code == 200  # the task page again, the reason asked for there
    assert "请填写退回重办的理由" in response.content.decode()
    t.refresh_from_db()
    assert t.status == TaskStatus.SUBMITTED


def test_an_extension_is_approved_from_the_workbench(county: County, client_for: Any) -> None:
    now = timezone.now()
    due = timezone.localdate(now) + timedelta(days=20)
    t = flow.task(county, now, due={"date": due.isoformat()})
    actions.receive(task=t, by=county.amy, now=now)
    wanted = due + timedelta(days=30)
    ext = actions.request_extension(
        task=t, new_due=wanted, reason="设备到货推迟", by=county.amy, now=now
    )
    c = client_for(county.alice)
    assert "延期申请（1）" in c.get("/workbench/").content.decode()
    response = c.post(f"/extensions/{ext.pk}/decide/", {"approve": "1", "next": "workbench"})
    assert response["Location"] == "/workbench/"
    t.refresh_from_db()
    assert t.due == wanted
    assert ExtensionRequest.objects.get(pk=ext.pk).status == "approved"
    assert "延期申请（0）" in c.get("/workbench/").content.decode()


def test_a_red_task_is_urged_in_one_click(county: County, client_for: Any) -> None:
    start = timezone.now() - timedelta(days=40)
    t = flow.task(county, start, due={"date": (start + timedelta(days=5)).date().isoformat()})
    tick(now=timezone.now())
    t.refresh_from_db()
    assert t.light == "red"
    c = client_for(county.alice)
    assert f"催办：{t.code}" in c.get("/workbench/").content.decode()
    response = c.post(
        f"/tasks/{t.pk}/urge/", {"message": "请抓紧办理，按时报送办理情况。", "next": "workbench"}
    )
    assert response["Location"] == "/workbench/"
    assert t.events.filter(kind=EventKind.URGED).count() == 1


def test_a_returned_task_waits_for_reassignment(county: County, client_for: Any) -> None:
    t = flow.task(county, timezone.now(), due=FAR)
    actions.return_(task=t, reason="不属于本单位职责", by=county.amy, now=timezone.now())
    page = client_for(county.alice).get("/workbench/").content.decode()
    assert "单位退回（1）" in page and f"/tasks/{t.pk}/?open=reassign" in page


def test_next_only_goes_to_known_pages(county: County, client_for: Any) -> None:
    t = _submitted(county)
    response = client_for(county.alice).post(
        f"/tasks/{t.pk}/verify/", {"accept": "1", "next": "https://evil.example"}
    )
    assert response["Location"] == f"/tasks/{t.pk}/"


def test_another_unit_cannot_use_the_one_click_forms(county: County, client_for: Any) -> None:
    t = _submitted(county)
    assert client_for(county.bob).post(
        f"/tasks/{t.pk}/verify/", {"accept": "1", "next": "workbench"}
    ).status_code in (403, 404)
    t.refresh_from_db()
    assert t.status == TaskStatus.SUBMITTED


def test_the_workbench_reads_a_fixed_number_of_queries(county: County, client_for: Any) -> None:
    c = client_for(county.alice)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert c.get("/workbench/").status_code == 200
        return len(ctx.captured_queries)

    now = timezone.now()
    today = timezone.localdate(now)
    _submitted(county)
    few = count()
    for i in range(4):
        t = _submitted(county)
        if i % 2:
            actions.verify(
                confirm_silent_co=True, task=t, accept=True, reason="", by=county.alice, now=now
            )
        r = flow.task(county, now, due=FAR)
        actions.return_(task=r, reason="非本单位职责", by=county.amy, now=now)
        e = flow.task(county, now, due={"date": (today + timedelta(days=9)).isoformat()})
        actions.receive(task=e, by=county.amy, now=now)
        actions.request_extension(
            task=e, new_due=today + timedelta(days=40), reason="等待批复", by=county.amy, now=now
        )
    assert count() == few
