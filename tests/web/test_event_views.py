"""The major-event pages (issue 19): permissions, the new-event form's messages, and the
office's path through them with the test client."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from duban.events.models import Activity, ActivityState, EventType, Mark
from duban.notify.models import Outbox
from tests.conftest import County
from tests.events.conftest import ensure_types

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _types(county: County) -> None:
    ensure_types()


def _new_event(client: Any, county: County, **over: str) -> Any:
    day = timezone.localdate() + timedelta(days=14)
    data = {
        "event_type": str(EventType.objects.get(code="research").pk),
        "title": "李丽副县长调研产业园",
        "day": day.isoformat(),
        "leader": str(county.leader_lily.pk),
        "sites": "城关镇产业园｜城关镇｜陈卡\n重点项目现场｜县发改局｜安梅",
        "schedule": "08:30｜集合出发\n09:00-09:40｜察看标准厂房｜城关镇产业园｜城关镇\n"
        "10:00｜察看项目｜重点项目现场｜县发改局",
        "participants": "李丽、县财政局",
        **over,
    }
    return client.post(reverse("event_new"), data)


def test_units_may_not_open_the_pages(county: County, client_for: Any) -> None:
    amy = client_for(county.amy)
    assert amy.get(reverse("event_list")).status_code == 403
    assert amy.get(reverse("event_new")).status_code == 403
    lily = client_for(county.lily)
    assert lily.get(reverse("event_list")).status_code == 200
    assert lily.get(reverse("event_new")).status_code == 403


def test_writes_need_post(county: County, client_for: Any) -> None:
    alice = client_for(county.alice)
    _new_event(alice, county)
    pk = Activity.objects.get().pk
    for name in ("event_issue", "event_notes", "event_close", "event_units"):
        assert alice.get(reverse(name, args=[pk])).status_code == 405


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("schedule", "9点｜出发", "日程第1行：时间“9点”无效"),
        ("sites", "产业园｜不存在局", "点位第1行：单位“不存在局”不在单位库中。"),
        ("participants", "张三", "参加人员“张三”既不是县领导，也不在单位库中。"),
        ("schedule", "08:00｜出发｜没有的点位", "日程第1项的点位“没有的点位”不在点位清单中。"),
        ("day", "2000-01-01", "活动日期不能早于今天。"),
    ],
)
def test_bad_input_is_named_in_chinese(
    county: County, client_for: Any, field: str, value: str, message: str
) -> None:
    response = _new_event(client_for(county.alice), county, **{field: value})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Activity.objects.exists()


def test_the_office_runs_an_event_through_the_pages(county: County, client_for: Any) -> None:
    alice = client_for(county.alice)
    response = _new_event(alice, county)
    ev = Activity.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "event_detail", args=[ev.pk]
    )
    page = alice.get(reverse("event_detail", args=[ev.pk])).content.decode()
    assert "印发方案并交办" in page and "调研点位汇报材料" in page
    alice.post(reverse("event_issue", args=[ev.pk]), {"doc_no": ""})
    ev.refresh_from_db()
    assert ev.state == ActivityState.PLAN_ISSUED
    docx = alice.get(reverse("event_plan", args=[ev.pk, "docx"]))
    assert docx.status_code == 200 and docx["Content-Disposition"].startswith("attachment")
    assert b"".join(docx.streaming_content)[:2] == b"PK"
    assert alice.get(reverse("event_plan", args=[ev.pk, "odt"])).status_code == 404

    day = alice.get(reverse("event_day", args=[ev.pk])).content.decode()
    assert "已到达" in day and "调整时间或点位" in day
    item = ev.schedule.order_by("start").first()
    assert item is not None
    mark = reverse("event_mark", args=[item.pk])
    row = alice.post(mark, {"state": "problem", "note": ""}, HTTP_HX_REQUEST="true")
    assert "请说明出现的问题。" in row.content.decode() and "<html" not in row.content.decode()
    row = alice.post(mark, {"state": "arrived", "note": ""}, HTTP_HX_REQUEST="true")
    item.refresh_from_db()
    assert item.mark == Mark.ARRIVED and "已到达" in row.content.decode()

    site = ev.sites.get(name="重点项目现场")
    alice.post(
        reverse("event_change", args=[item.pk]),
        {
            f"c{item.pk}-start": "08:45",
            f"c{item.pk}-site": str(site.pk),
            f"c{item.pk}-reason": "堵车",
        },
    )
    assert Outbox.objects.filter(kind="event_changed", recipient=county.lily).exists()

    alice.post(
        reverse("event_notes", args=[ev.pk]),
        {"notes": "李丽副县长要求：请城关镇牵头，于12月30日前完成产业园道路硬化。"},
    )
    form = alice.get(reverse("event_follow_up", args=[ev.pk])).content.decode()
    assert "产业园道路硬化" in form and 'value="' + str(county.c.pk) + '"' in form
    response = alice.post(
        reverse("event_follow_up", args=[ev.pk]),
        {
            "kind": "key_work",
            "urgency": "normal",
            "title": "调研产业园后续落实事项",
            "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "text": "",
            "assign_now": "on",
            "tasks-TOTAL_FORMS": "1",
            "tasks-INITIAL_FORMS": "0",
            "tasks-MIN_NUM_FORMS": "1",
            "tasks-MAX_NUM_FORMS": "1000",
            "tasks-0-content": "完成产业园道路硬化",
            "tasks-0-lead": [str(county.c.pk)],
            "tasks-0-due": "",
            "tasks-0-cycle": "none",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    page = alice.get(reverse("event_detail", args=[ev.pk])).content.decode()
    assert "调研产业园后续落实事项" in page and "后续落实（0/1项已办结）" in page
    listing = alice.get(reverse("event_list")).content.decode()
    assert "李丽副县长调研产业园" in listing
    export = alice.get(reverse("event_export"))
    assert "李丽副县长调研产业园" in export.content.decode("utf-8-sig")
