"""Batch actions on ticked tasks (issue 12, point 7): each task goes through its action,
and the summary names every task refused and why."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from typing import Any

import openpyxl
from django.contrib.messages import get_messages
from django.utils import timezone

from duban.audit.models import AccessKind, AccessLog
from duban.coordination.tick import tick
from duban.notify.models import Outbox
from duban.work import actions
from duban.work.models import EventKind, Task
from tests.conftest import County
from tests.work import flow


def red_tasks(county: County, n: int, **kw: Any) -> list[Task]:
    start = timezone.now() - timedelta(days=40)
    due = {"date": (start + timedelta(days=5)).date().isoformat()}
    tasks = [flow.task(county, start, due=due, content=f"红灯事项第{i}项", **kw) for i in range(n)]
    tick(now=timezone.now())
    for t in tasks:
        t.refresh_from_db()
        assert t.light == "red"
    return tasks


def said(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_urging_many_sends_one_message_each_and_names_the_refused(
    county: County, client_for: Any
) -> None:
    tasks = red_tasks(county, 4)
    done = tasks[3]
    actions.receive(task=done, by=county.amy)
    actions.submit_done(task=done, text="已完成", by=county.amy)
    c = client_for(county.alice)
    before = Outbox.objects.count()
    r = c.post(
        "/tasks/batch/",
        {
            "op": "urge",
            "task": [t.pk for t in tasks],
            "message": "请于本周五前报送。",
            "next": "/ledger/?light=red",
        },
    )
    assert r.status_code == 302 and r["Location"] == "/ledger/?light=red"
    for t in tasks[:3]:
        [ev] = t.events.filter(kind=EventKind.URGED)
        assert ev.payload["message"] == "请于本周五前报送。"
    assert not done.events.filter(kind=EventKind.URGED).exists()
    assert Outbox.objects.count() > before
    msgs = said(r)
    assert "已催办 3 项。" in msgs
    assert "1 项未能催办：" in msgs
    assert any(m.startswith(f"{done.code}（红灯事项第3项）：") for m in msgs), msgs


def test_a_leader_urges_only_the_tasks_of_the_own_line(county: County, client_for: Any) -> None:
    mine = red_tasks(county, 1)[0]
    other = red_tasks(county, 1, leader=county.leader_wang)[0]
    r = client_for(county.lily).post(
        "/tasks/batch/", {"op": "urge", "task": [mine.pk, other.pk], "next": "/ledger/"}
    )
    assert mine.events.filter(kind=EventKind.URGED).exists()
    assert not other.events.filter(kind=EventKind.URGED).exists()
    msgs = said(r)
    assert "已催办 1 项。" in msgs
    assert any(other.code in m and "只能催办本人牵头的事项" in m for m in msgs), msgs


def test_marking_key_needs_a_reason_and_goes_through_the_supervise_action(
    county: County, client_for: Any
) -> None:
    a, b = red_tasks(county, 2)
    c = client_for(county.alice)
    r = c.post("/tasks/batch/", {"op": "key", "task": [a.pk, b.pk], "reason": " "})
    assert "请填写列为重点督办的理由，未做任何更改。" in said(r)
    assert not Task.objects.filter(is_key=True).exists()
    r = c.post("/tasks/batch/", {"op": "key", "task": [a.pk, b.pk], "reason": "县长批示"})
    assert set(Task.objects.filter(is_key=True)) == {a, b}
    assert a.events.get(kind=EventKind.KEY_CHANGED).payload["reason"] == "县长批示"
    r = c.post("/tasks/batch/", {"op": "key", "task": [a.pk], "reason": "再次"})
    assert f"{a.code}（红灯事项第0项）：该事项已是重点督办事项。" in said(r)


def test_the_slips_print_one_page_per_task(county: County, client_for: Any) -> None:
    tasks = red_tasks(county, 3)
    r = client_for(county.alice).post(
        "/tasks/batch/", {"op": "print", "task": [t.pk for t in tasks]}
    )
    assert r.status_code == 200
    assert "attachment" in r["Content-Disposition"] and ".docx" in r["Content-Disposition"]
    xml = zipfile.ZipFile(io.BytesIO(b"".join(r.streaming_content))).read("word/document.xml")
    body = xml.decode()
    # Red tasks print as 催办通知单 (issue 11, point 16).
    assert body.count("督办通知单") + body.count("催办通知单") == 3
    assert body.count("<w:pageBreakBefore/>") == 2  # pages 2 and 3 start on a new page
    for t in tasks:
        assert t.code in body and t.content in body
    assert "已亮红灯" in body and "县发展和改革局" in body


def test_export_holds_just_the_ticked_tasks(county: County, client_for: Any) -> None:
    tasks = red_tasks(county, 3)
    r = client_for(county.alice).post(
        "/tasks/batch/", {"op": "export", "task": [tasks[0].pk, tasks[2].pk]}
    )
    assert r.status_code == 200 and ".xlsx" in r["Content-Disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(r.streaming_content)))
    cells = [str(c.value) for row in wb.active.iter_rows() for c in row if c.value]
    assert "红灯事项第0项" in cells and "红灯事项第2项" in cells and "红灯事项第1项" not in cells
    assert AccessLog.objects.filter(kind=AccessKind.EXPORT, user=county.alice).exists()


def test_others_tasks_are_skipped_and_roles_are_checked(county: County, client_for: Any) -> None:
    [t] = red_tasks(county, 1)
    assert (
        client_for(county.amy).post("/tasks/batch/", {"op": "urge", "task": [t.pk]}).status_code
        == 403
    )
    assert client_for(county.alice).get("/tasks/batch/").status_code == 405
    r = client_for(county.lily).post("/tasks/batch/", {"op": "print", "task": [t.pk]})
    assert "只有督查室可以列为重点督办或打印督办单。" in said(r)
    r = client_for(county.alice).post("/tasks/batch/", {"op": "urge", "task": [t.pk, 999999]})
    assert "1 项事项不存在或无权查看，已跳过。" in said(r) and "已催办 1 项。" in said(r)
    r = client_for(county.alice).post("/tasks/batch/", {"op": "urge"})
    assert "请先勾选要处理的事项。" in said(r)
    r = client_for(county.alice).post(
        "/tasks/batch/", {"op": "urge", "task": [t.pk], "next": "https://evil.example/"}
    )
    assert r["Location"] == "/ledger/"
    r = client_for(county.alice).post(
        "/tasks/batch/", {"op": "urge", "task": [t.pk], "next": "/ledger/filters/"}
    )
    assert r["Location"] == "/ledger/"  # a POST-only address is no way back
