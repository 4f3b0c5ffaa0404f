"""The supervisor's pages: register and decompose, the directive page, the picker, the inbox."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from duban.notify.models import Notification, Outbox
from duban.notify.worker import deliver
from duban.work import actions
from duban.work.models import Directive, Task, TaskStatus
from tests.conftest import County
from tests.work import flow


def form_data(county: County, **extra: Any) -> dict[str, Any]:
    now = timezone.localtime() - timedelta(minutes=5)
    data = {
        "kind": "instruction",
        "urgency": "urgent",
        "title": "关于城区内涝点整治的批示",
        "doc_no": "云政阅〔2026〕9号",
        "issuer_leader": county.leader_lily.pk,
        "issuer": "",
        "received_at": now.strftime("%Y-%m-%dT%H:%M"),
        "text": "请县发改局牵头研究。",
        "assign_now": "on",
        "tasks-TOTAL_FORMS": "2",
        "tasks-INITIAL_FORMS": "0",
        "tasks-MIN_NUM_FORMS": "1",
        "tasks-MAX_NUM_FORMS": "1000",
        "tasks-0-content": "研究提出整治意见",
        "tasks-0-lead": [str(county.a.pk)],
        "tasks-0-co": [str(county.b.pk), str(county.c.pk)],
        "tasks-0-due": "5个工作日",
        "tasks-0-cycle": "none",
        "tasks-1-content": "落实整治资金",
        "tasks-1-lead": [str(county.b.pk)],
        "tasks-1-due": "2030-12-31",
        "tasks-1-cycle": "monthly",
        "tasks-1-cycle_day": "5",
        "tasks-1-is_key": "on",
    }
    data.update(extra)
    return data


def test_one_form_registers_decomposes_and_assigns(county: County, client_for: Any) -> None:
    response = client_for(county.alice).post("/directives/new/", form_data(county))
    assert response.status_code == 302
    d = Directive.objects.get()
    assert response["Location"] == f"/directives/{d.pk}/"
    t1, t2 = d.tasks.order_by("number")
    assert t1.status == TaskStatus.ASSIGNED and t1.lead_unit == county.a
    assert [a.unit for a in t1.assignments.order_by("position")] == [county.a, county.b, county.c]
    assert t1.leader == county.leader_lily  # the line holding 县发改局
    assert t1.events.get(kind="assigned").payload["due_text"] == "5个工作日内"
    # A key task reports at least as often as the county's key cycle (weekly, Friday).
    assert (t2.cycle, t2.cycle_day, t2.is_key) == ("weekly", 5, True)
    page = client_for(county.alice).get(f"/directives/{d.pk}/")
    assert "研究提出整治意见" in page.content.decode()


def test_lead_order_is_kept(county: County, client_for: Any) -> None:
    data = form_data(
        county, **{"tasks-0-lead": [str(county.b.pk), str(county.a.pk)], "tasks-0-co": []}
    )
    client_for(county.alice).post("/directives/new/", data)
    t = Task.objects.get(content="研究提出整治意见")
    assert t.lead_unit == county.b


def test_errors_appear_next_to_the_field_and_nothing_is_stored(
    county: County, client_for: Any
) -> None:
    data = form_data(county, **{"tasks-1-due": "下个月", "tasks-0-lead": []})
    response = client_for(county.alice).post("/directives/new/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "无法识别完成时限“下个月”" in html and "这个字段是必填项" in html
    assert not Directive.objects.exists()
    # the units already picked are drawn again as chips
    assert "县财政局" in html


def test_an_action_refusal_rolls_back_the_whole_registration(
    county: County, client_for: Any
) -> None:
    data = form_data(county, **{"tasks-1-due": "2020-01-01"})  # before the assignment
    response = client_for(county.alice).post("/directives/new/", data)
    assert response.status_code == 400
    assert "早于交办日期" in response.content.decode()
    assert not Directive.objects.exists() and not Task.objects.exists()
    assert not Outbox.objects.exists()


def test_register_without_assigning_leaves_drafts_in_the_inbox(
    county: County, client_for: Any
) -> None:
    data = form_data(county)
    del data["assign_now"]
    client_for(county.alice).post("/directives/new/", data)
    d = Directive.objects.get()
    assert set(d.tasks.values_list("status", flat=True)) == {"draft"}
    bench = client_for(county.alice).get("/workbench/").content.decode()
    assert d.title in bench and "2 项" in bench and "剩余" in bench
    response = client_for(county.alice).post(f"/directives/{d.pk}/assign/")
    assert response.status_code == 302
    assert set(d.tasks.values_list("status", flat=True)) == {"assigned"}


def test_only_supervisors_register(county: County, client_for: Any) -> None:
    for user in (county.amy, county.lily, county.sam, county.sec, county.aud):
        assert client_for(user).get("/directives/new/").status_code == 403
        assert client_for(user).post("/directives/new/", form_data(county)).status_code == 403
    assert not Directive.objects.exists()


@pytest.mark.parametrize(
    "url",
    ["/directives/{pk}/assign/", "/directives/{pk}/report-back/", "/directives/{pk}/withdraw/"],
)
def test_directive_actions_are_post_only(county: County, client_for: Any, url: str) -> None:
    d = flow.directive(county, timezone.now())
    assert client_for(county.alice).get(url.format(pk=d.pk)).status_code == 405


def test_a_unit_on_a_task_reads_the_directive_and_only_its_own_tasks(
    county: County, client_for: Any
) -> None:
    """Issue 12, point 2: a unit holding a task reads the 来文 — text, 批示领导, files."""
    now = timezone.now()
    d = flow.directive(county, now, text="请县发改局牵头研究城东污水处理厂建设方案。")
    ours, theirs = actions.decompose(
        directive=d,
        by=county.alice,
        now=now,
        tasks=[
            actions.TaskDraft(content="编制建设方案", lead=[county.a], co=[county.b]),
            actions.TaskDraft(content="落实征地拆迁", lead=[county.c]),
        ],
    )
    for t in (ours, theirs):
        actions.assign(task=t, by=county.alice, now=now)
    page = client_for(county.amy).get(f"/directives/{d.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "请县发改局牵头研究城东污水处理厂建设方案" in html and "批示领导" in html
    assert "副县长李丽" in html
    assert "编制建设方案" in html and "落实征地拆迁" not in html  # only what concerns it
    assert "本来文共分解2项任务" in html
    assert "分解任务" not in html and "撤销来文" not in html  # nothing to edit
    # A unit not on any task of it: nothing there (as for tasks).
    assert client_for(county.bob).get(f"/directives/{d.pk}/").status_code == 200  # co-unit
    outsider = client_for(county.carl)  # 城关镇 leads the other task only
    assert "编制建设方案" not in outsider.get(f"/directives/{d.pk}/").content.decode()
    other = flow.directive(county, now)
    assert client_for(county.amy).get(f"/directives/{other.pk}/").status_code == 404
    assert client_for(county.amy).post(f"/directives/{d.pk}/", {}).status_code == 403
    assert client_for(county.lily).get(f"/directives/{d.pk}/").status_code == 200


def test_withdraw_and_report_back_from_the_directive_page(county: County, client_for: Any) -> None:
    now = timezone.now()
    t = flow.task(county, now, due={"date": "2030-01-01"})
    c = client_for(county.alice)
    c.post(f"/directives/{t.directive_id}/report-back/", {"text": "已办结"})
    assert Directive.objects.get(pk=t.directive_id).status == "active"  # refused: open task
    actions.receive(task=t, by=county.amy, now=now)
    actions.submit_done(task=t, text="完成", by=county.amy, now=now)
    actions.verify(confirm_silent_co=True, task=t, accept=True, by=county.alice, now=now)
    actions.close(task=t, by=county.alice, now=now)
    page = c.get(f"/directives/{t.directive_id}/").content.decode()
    assert "回音（汇总上报）" in page
    c.post(f"/directives/{t.directive_id}/report-back/", {"text": "已按批示办结"})
    assert Directive.objects.get(pk=t.directive_id).status == "reported_back"


@pytest.mark.parametrize(
    ("typed", "found"),
    [("fgj", "县发改局"), ("发改", "县发改局"), ("各乡镇", "各乡镇人民政府"), ("cgz", "城关镇")],
)
def test_the_unit_picker_finds_by_name_alias_pinyin_and_group(
    county: County, client_for: Any, typed: str, found: str
) -> None:
    html = client_for(county.alice).get("/units/search/", {"q": typed}).content.decode()
    assert found in html


def test_a_group_option_carries_all_its_members(county: County, client_for: Any) -> None:
    html = client_for(county.alice).get("/units/search/", {"q": "各乡镇"}).content.decode()
    assert f"&quot;id&quot;: {county.c.pk}" in html and f"&quot;id&quot;: {county.d.pk}" in html


def test_the_workbench_uses_a_fixed_number_of_queries(county: County, client_for: Any) -> None:
    c = client_for(county.alice)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert c.get("/workbench/").status_code == 200
        return len(ctx.captured_queries)

    now = timezone.now()
    flow.task(county, now, due={"date": "2030-01-01"}, assign=False)
    few = count()
    for i in range(6):
        t = flow.task(county, now, due={"date": "2030-01-01"}, assign=i % 2 == 0)
        if i % 2 == 0:
            actions.receive(task=t, by=county.amy, now=now)
            actions.submit_done(task=t, text="完成", by=county.amy, now=now)
    assert count() == few


def test_the_inbox_lists_unread_first_and_marks_read(county: County, client_for: Any) -> None:
    now = timezone.now()
    t = flow.task(county, now, due={"date": "2030-01-01"})
    actions.urge(task=t, message="请加快", by=county.alice, now=now + timedelta(minutes=1))
    deliver(now=now)
    c = client_for(county.amy)
    html = c.get("/notifications/").content.decode()
    assert html.index("催办") < html.index("新交办事项")  # newest unread first
    first = Notification.objects.filter(user=county.amy).order_by("-created_at").first()
    assert first is not None
    response = c.post(f"/notifications/{first.pk}/read/")
    assert response["Location"] == f"/tasks/{t.pk}/"
    assert Notification.objects.filter(user=county.amy, read_at__isnull=True).count() == 1
    assert client_for(county.bob).post(f"/notifications/{first.pk}/read/").status_code == 404
    c.post("/notifications/read-all/")
    assert not Notification.objects.filter(user=county.amy, read_at__isnull=True).exists()


def test_a_deadline_without_a_year_counts_from_today(county: County, client_for: Any) -> None:
    response = client_for(county.alice).post(
        "/directives/new/", form_data(county, **{"tasks-0-due": "年底前"})
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    task = Directive.objects.get().tasks.get(content="研究提出整治意见")
    assert task.due == timezone.localdate().replace(month=12, day=31)  # this year's end
