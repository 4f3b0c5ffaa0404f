"""Browser journeys for the daily loop as an office runs it (issue 12, points 1, 2, 3, 5, 6)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from duban.notify.worker import deliver
from duban.work import actions
from duban.work.models import Directive, ExtensionStatus, LoopConfig, Task, TaskStatus
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
    actions.verify(confirm_silent_co=True, task=t, accept=True, by=c.alice)
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


def test_a_liaison_reads_the_directive_its_task_came_from(web_county: County, page: Any) -> None:
    """Point 2: from the task, the unit opens the 来文: text, 批示领导, files, its own tasks."""
    c = web_county
    now = timezone.now()
    d = actions.register(
        kind="instruction",
        title="林建国县长关于城东污水处理厂建设的批示",
        urgency="urgent",
        received_at=now,
        issuer_leader=c.leader_lily,
        text="请县发改局牵头，抓紧研究提出建设方案；城关镇做好征地拆迁。",
        attachments=[ContentFile(b"%PDF-1.4 scan", name="批示原件.pdf")],
        by=c.alice,
        now=now,
    )
    ours, theirs = actions.decompose(
        directive=d,
        by=c.alice,
        now=now,
        tasks=[
            actions.TaskDraft(content="研究提出建设方案", lead=[c.a], due={"workdays": 10}),
            actions.TaskDraft(content="做好征地拆迁", lead=[c.c], due={"workdays": 10}),
        ],
    )
    for t in (ours, theirs):
        actions.assign(task=t, by=c.alice, now=now)
    sign_in(page, "amy")
    page.goto(page.base + f"/tasks/{ours.pk}/")
    assert page.get_by_text("副县长李丽").first.is_visible()
    page.get_by_text("批示内容").click()
    assert page.get_by_text("抓紧研究提出建设方案").is_visible()
    page.get_by_role("link", name="林建国县长关于城东污水处理厂建设的批示").click()
    page.wait_for_url(f"**/directives/{d.pk}/")
    assert page.get_by_role("heading", name="本单位承办的任务（1）").is_visible()
    assert page.get_by_role("link", name="研究提出建设方案").is_visible()
    assert page.get_by_role("link", name="做好征地拆迁").count() == 0  # another unit's task
    assert page.get_by_text("本来文共分解2项任务").is_visible()
    screenshot(page, "loop_liaison_reads_directive")
    with page.expect_download() as got:
        page.get_by_role("link", name="批示原件.pdf", exact=True).click()
    assert got.value.suggested_filename == "批示原件.pdf"


def test_the_instruction_leader_is_required_shown_and_told_of_the_answer(
    web_county: County, page: Any
) -> None:
    """Point 3: 批示领导 is required for a 领导批示, shown, and notified of the 回音."""
    c = web_county
    sign_in(page, "alice")
    page.wait_for_url("**/workbench/")
    page.goto(page.base + "/directives/new/")
    page.get_by_label("标题").fill("李丽副县长关于春耕备耕的批示")
    page.get_by_label("事项来源").select_option("instruction")
    page.get_by_label("事项内容").fill("做好春耕备耕农资保障")
    lead = page.get_by_label("牵头单位（第一个为主办）")
    lead.fill("fgj")
    page.get_by_role("option", name="县发改局").click()
    page.get_by_label("完成时限").fill("5个工作日")
    page.get_by_role("button", name="登记", exact=True).click()
    assert page.get_by_text("领导批示须选择批示领导").is_visible()
    page.get_by_label("批示领导").select_option(label="副县长李丽")
    page.get_by_role("button", name="登记", exact=True).click()
    page.wait_for_url("**/directives/*/")
    assert page.get_by_text("批示领导").first.is_visible()
    assert page.get_by_text("副县长李丽").first.is_visible()
    d = Directive.objects.get()
    t = d.tasks.get()
    actions.receive(task=t, by=c.amy)
    actions.submit_done(task=t, text="农资已备足", by=c.amy)
    actions.verify(confirm_silent_co=True, task=t, accept=True, by=c.alice)
    actions.close(task=t, by=c.alice)
    page.goto(page.base + f"/directives/{d.pk}/")
    page.get_by_label("回音内容").fill("春耕农资已全部落实到位。")
    page.get_by_role("button", name="回音", exact=True).click()
    deliver(now=timezone.now())
    page.get_by_role("button", name="退出").click()
    sign_in(page, "lily")
    page.goto(page.base + "/notifications/")
    assert page.get_by_text("回音：李丽副县长关于春耕备耕的批示").is_visible()
    screenshot(page, "loop_leader_told_of_report_back")


def test_a_liaisons_done_report_waits_for_the_unit_head_then_reaches_the_office(
    web_county: County, page: Any
) -> None:
    """Point 6 (单位审核): with the county's setting on, amy's 办结报告 waits on adam's home;
    the office sees it waiting at the unit; adam sends one back with a reason, approves the
    next, and the office has it to verify."""
    c = web_county
    LoopConfig.objects.update_or_create(pk=1, defaults={"unit_review": True})
    t = _running(c)

    sign_in(page, "amy")
    page.wait_for_url("**/unit/")
    page.goto(page.base + f"/tasks/{t.pk}/?open=submit")
    panel = page.locator("#act-submit")
    assert "先送本单位负责人审核" in panel.inner_text()  # said before, not only after
    panel.get_by_label("办结情况").fill("主体工程已完工，附验收报告")
    panel.get_by_role("button", name="报送办结").click()
    assert page.get_by_text("办结报告已送单位负责人审核，审核同意后报送督查室。").is_visible()
    assert page.get_by_text("正等待单位负责人审核").is_visible()
    page.context.clear_cookies()

    # The office: the task is not on its 待审核 list, but the task page says where it is.
    sign_in(page, "alice")
    page.wait_for_url("**/workbench/")
    assert page.get_by_role("heading", name="待审核办结（0）").is_visible()
    held = page.locator("#held-at-units")
    assert "另有1件办结报告在承办单位审核中" in held.inner_text() and t.code in held.inner_text()
    page.goto(page.base + f"/tasks/{t.pk}/")
    waiting = page.get_by_role("status").filter(has_text="待单位审核")
    assert "县发改局" in waiting.inner_text() and "办结报告" in waiting.inner_text()
    screenshot(page, "loop_unit_review_office_sees_it_waiting")
    page.context.clear_cookies()

    # The head: the queue on his home; send it back first.
    sign_in(page, "adam")
    page.wait_for_url("**/unit/")
    queue = page.get_by_role("region", name="待本单位审核（1）")
    assert "主体工程已完工，附验收报告" in queue.inner_text()
    screenshot(page, "loop_unit_review_head_queue")
    queue.get_by_label("审核意见（退回时必填）").fill("请补充验收报告扫描件")
    queue.get_by_role("button", name="退回经办人").click()
    assert page.get_by_text("办结报告已退回经办人。").is_visible()
    assert page.get_by_role("heading", name="待本单位审核（0）").is_visible()
    page.context.clear_cookies()

    # amy sees why, sends it again; adam approves.
    sign_in(page, "amy")
    page.wait_for_url("**/unit/")
    back = page.get_by_role("region", name="被退回的事项（1）")
    assert "请补充验收报告扫描件" in back.inner_text()
    back.get_by_role("link", name="修改后重新送审").click()
    panel = page.locator("#act-submit")
    panel.get_by_label("办结情况").fill("主体工程已完工，验收报告已补")
    panel.get_by_role("button", name="报送办结").click()
    assert page.get_by_text("已送单位负责人审核").is_visible()
    page.context.clear_cookies()

    sign_in(page, "adam")
    page.wait_for_url("**/unit/")
    queue = page.get_by_role("region", name="待本单位审核（1）")
    queue.get_by_role("button", name="同意报送").click()
    assert page.get_by_text("已同意，办结报告已报送督查室。").is_visible()
    page.context.clear_cookies()

    sign_in(page, "alice")
    page.wait_for_url("**/workbench/")
    assert page.get_by_role("heading", name="待审核办结（1）").is_visible()
    assert page.locator("#held-at-units").count() == 0
    page.goto(page.base + f"/tasks/{t.pk}/")
    assert page.get_by_role("status").filter(has_text="待单位审核").count() == 0
    timeline = page.locator("body").inner_text()
    assert "单位审核" in timeline and "同意报送" in timeline
    assert "主体工程已完工，验收报告已补" in timeline
    screenshot(page, "loop_unit_review_reached_the_office")
    t.refresh_from_db()
    assert t.status == TaskStatus.SUBMITTED
