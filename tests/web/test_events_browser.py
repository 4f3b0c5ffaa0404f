"""Issue 19 point 3: the office on the day of an event, on a phone — one tap per mark, a
problem with its note, and a change of time and place told to the people concerned."""

from __future__ import annotations

from datetime import time
from typing import Any

from django.utils import timezone

from duban.events import actions
from duban.events.models import Activity, ActivityState, EventType, Mark
from duban.notify.models import Outbox
from tests.conftest import County
from tests.events.conftest import ensure_types
from tests.web.conftest import screenshot, sign_in

PHONE = {"width": 390, "height": 844}


def _today_event(c: County) -> Activity:
    ensure_types()
    now = timezone.now()
    ev = actions.create(
        event_type=EventType.objects.get(code="investor"),
        title="深圳客商考察城关镇产业园",
        day=timezone.localdate(now),
        leader=c.leader_lily,
        sites=[
            actions.SiteDraft("城关镇产业园", c.c, "陈卡 13800000001"),
            actions.SiteDraft("县发改局项目展厅", c.a, "安梅"),
        ],
        schedule=[
            actions.ItemDraft(time(9, 0), "迎接客商", "城关镇产业园", "城关镇主要负责同志"),
            actions.ItemDraft(time(9, 30), "察看标准厂房", "城关镇产业园", "城关镇"),
            actions.ItemDraft(time(10, 30), "参观项目展厅", "县发改局项目展厅", "县发改局"),
            actions.ItemDraft(time(11, 30), "投资洽谈座谈会", "城关镇产业园", "县领导、客商"),
        ],
        participants=[
            actions.ParticipantDraft(leader=c.leader_lily),
            actions.ParticipantDraft(unit=c.b),
        ],
        by=c.alice,
        now=now,
    )
    return actions.issue_plan(activity=ev, by=c.alice, now=now)


def test_the_office_marks_the_day_on_a_phone(web_county: County, page: Any) -> None:
    c = web_county
    ev = _today_event(c)
    page.set_viewport_size(PHONE)
    sign_in(page, "alice")
    page.wait_for_load_state()
    page.goto(f"{page.base}/events/{ev.pk}/day/")
    assert page.get_by_role("heading", name="深圳客商考察城关镇产业园").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "events_day_before")

    first, second, third = (page.locator(".day-item").nth(i) for i in range(3))
    first.get_by_role("button", name="已到达").click()
    first = page.locator(".day-item").first
    first.locator(".mark.arrived").wait_for()  # swapped in place by htmx, no reload
    first.get_by_role("button", name="已开始").click()
    page.locator(".day-item").first.locator(".mark.started").wait_for()

    second.get_by_role("button", name="有问题").click()
    page.get_by_role("alert").filter(has_text="请说明出现的问题。").wait_for()
    second = page.locator(".day-item").nth(1)
    second.get_by_placeholder("情况说明（有问题时必填）").fill("厂房钥匙未到")
    second.get_by_role("button", name="有问题").click()
    page.locator(".day-item").nth(1).locator(".mark.problem").wait_for()
    assert "厂房钥匙未到" in page.locator(".day-item").nth(1).inner_text()
    screenshot(page, "events_day_marked")

    third.get_by_text("调整时间或点位").click()
    third.get_by_label("新时间").fill("10:50")
    third.get_by_label("新点位").select_option(label="城关镇产业园")
    third.get_by_label("原因").fill("展厅停电")
    third.get_by_role("button", name="调整并通知").click()
    page.get_by_text("日程已调整，已通知相关领导、陪同单位和点位承办单位。").wait_for()
    moved = page.locator(".day-item").nth(2)
    assert "10:50" in moved.inner_text() and "城关镇产业园" in moved.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "events_day_changed")

    ev.refresh_from_db()
    assert ev.state == ActivityState.ON_THE_DAY
    marks = dict(ev.schedule.values_list("what", "mark"))
    assert marks["迎接客商"] == Mark.STARTED and marks["察看标准厂房"] == Mark.PROBLEM
    told = {o.recipient.username for o in Outbox.objects.filter(kind="event_changed")}
    assert told == {"lily", "bob", "carl", "amy", "adam"}


def test_the_follow_up_form_comes_pre_filled_from_the_notes(web_county: County, page: Any) -> None:
    c = web_county
    ev = _today_event(c)
    now = timezone.now()
    item = ev.schedule.order_by("start").first()
    assert item is not None
    actions.mark(item=item, state=Mark.DONE, by=c.alice, now=now)
    actions.record_notes(
        activity=ev,
        notes="客商提出：请城关镇牵头，县财政局配合，于12月30日前完成厂房水电配套。",
        by=c.alice,
        now=now,
    )
    sign_in(page, "alice")
    page.wait_for_load_state()
    page.goto(f"{page.base}/events/{ev.pk}/")
    page.get_by_role("link", name="从活动记录登记后续事项").click()
    page.wait_for_url(f"**/events/{ev.pk}/follow-up/")
    assert "厂房水电配套" in page.get_by_label("事项内容").input_value()
    form = page.locator(".task-form").first
    assert "城关镇" in form.inner_text() and "县财政局" in form.inner_text()
    screenshot(page, "events_follow_up_form")
    page.get_by_role("button", name="登记", exact=True).click()
    page.get_by_text("后续落实事项已登记为来文").wait_for()
    assert page.get_by_role("heading", name="后续落实（0/1项已办结）").is_visible()
    screenshot(page, "events_detail_follow_up")
    assert ev.follow_ups.count() == 1
