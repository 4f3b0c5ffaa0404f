"""Browser journeys for the daily loop as an office runs it (issue 12, points 1, 2, 3, 5, 6)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from duban.work import actions
from duban.work.models import ExtensionStatus, Task
from tests.conftest import County
from tests.web.conftest import screenshot, sign_in
from tests.work import flow


def _running(c: County) -> Task:
    """A task at 县发改局 (lead) and 县财政局 (co), both signed, due in 20 working days."""
    now = timezone.now()
    t = flow.task(c, now, lead=[c.a], co=[c.b], due={"workdays": 20})
    actions.receive(task=t, by=c.amy, now=now)
    actions.receive(task=t, by=c.bob, now=now)
    t.refresh_from_db()
    return t


def _extend(c: County, t: Task) -> Any:
    assert t.due is not None
    return actions.request_extension(
        task=t, new_due=t.due + timedelta(days=30), reason="征地手续未批", by=c.amy
    )


def test_an_extension_asked_before_done_is_still_decided_on_the_workbench(
    web_county: County, page: Any
) -> None:
    """Point 1: the unit asks for more time, then submits 办结; the office can still answer."""
    c = web_county
    t = _running(c)
    req = _extend(c, t)
    actions.submit_done(task=t, text="主体工程已完工", by=c.amy)
    sign_in(page, "alice")
    page.wait_for_url("**/workbench/")
    assert page.get_by_role("heading", name="延期申请（1）").is_visible()
    page.get_by_role("link", name="不同意…").click()
    panel = page.locator("#act-decide_extension")
    assert panel.is_visible()  # the link lands on a form that exists, open
    assert "申请由" in panel.inner_text() and "征地手续未批" in panel.inner_text()
    panel.get_by_label("审批意见（不同意时必填）").fill("已报送办结，无需延期")
    screenshot(page, "loop_extension_on_submitted_task")
    panel.get_by_role("button", name="不同意").click()
    assert page.get_by_text("未同意").first.is_visible()
    req.refresh_from_db()
    assert req.status == ExtensionStatus.REJECTED
    page.get_by_role("link", name="工作台", exact=True).click()
    assert page.get_by_role("heading", name="延期申请（0）").is_visible()


def test_closing_a_task_lapses_its_extension_and_clears_the_lists(
    web_county: County, page: Any
) -> None:
    """Point 1: 销号 ends a request nobody answered; it says so, and no list keeps it."""
    c = web_county
    t = _running(c)
    req = _extend(c, t)
    actions.submit_done(task=t, text="主体工程已完工", by=c.amy)
    actions.verify(task=t, accept=True, by=c.alice)
    sign_in(page, "alice")
    page.wait_for_url("**/workbench/")
    page.goto(page.base + f"/tasks/{t.pk}/")
    page.get_by_role("button", name="办结销号").click()
    assert page.get_by_text("已失效").first.is_visible()
    assert page.get_by_text("事项已办结销号，延期申请不再审批").first.is_visible()
    screenshot(page, "loop_extension_lapsed")
    req.refresh_from_db()
    assert req.status == ExtensionStatus.LAPSED
    page.goto(page.base + "/workbench/")
    assert page.get_by_role("heading", name="延期申请（0）").is_visible()
    page.goto(page.base + "/supervise/today/")
    assert page.get_by_role("heading", name="待审批延期（0）").is_visible()
