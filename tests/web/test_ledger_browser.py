"""Browser journey: the supervisor filters the ledger to its red tasks, then reads the dashboard."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from duban.coordination.tick import tick
from duban.org.models import Unit, User
from duban.web.models import SavedFilter
from duban.work import actions
from duban.work.models import Light, Task
from tests.conftest import County
from tests.web.conftest import screenshot, sign_in
from tests.web.test_ledger import make


def _closed(c: County, task: Task, by: User, submitted: datetime, closed_at: datetime) -> None:
    actions.receive(task=task, by=by, now=task.assigned_at)
    actions.submit_done(task=task, text="已按要求办结", by=by, now=submitted)
    actions.verify(confirm_silent_co=True, task=task, accept=True, by=c.alice, now=submitted)
    actions.close(task=task, by=c.alice, now=closed_at)


def a_working_county(c: County) -> None:
    """A dozen tasks in every light, some closed, with progress reports."""
    now = timezone.now()

    def ago(days: int) -> datetime:
        return now - timedelta(days=days)

    def day(days: int) -> str:
        return timezone.localdate(now + timedelta(days=days)).isoformat()

    liaison: dict[Unit, User] = {c.a: c.amy, c.b: c.bob, c.c: c.carl}
    plans: list[tuple[str, str, Unit, list[Unit], int, int]] = [
        # content, kind, lead, co, assigned days ago, due in days
        ("推进城东污水处理厂二期工程建设，年底前完成主体工程", "key_work", c.a, [c.b], 20, 40),
        ("开展城区内涝点排查整治，汛期前完成全部点位改造", "instruction", c.c, [c.a], 45, -3),
        ("落实老旧小区改造配套资金，按季度报送拨付进度", "meeting", c.b, [], 30, -8),
        ("编制全县冬季清洁取暖实施方案", "superior", c.a, [c.c], 10, 2),
        ("完成新华乡卫生院改扩建项目前期手续", "key_work", c.d, [c.a], 25, -1),
        ("答复县人大代表关于农村客运班线的建议", "proposal", c.b, [], 15, 60),
        ("整改督查发现的农贸市场消防通道占用问题", "rectification", c.c, [], 12, 20),
    ]
    for content, kind, lead, co, assigned, due in plans:
        t = make(
            c, ago(assigned), kind=kind, content=content, lead=[lead], co=co, due=day(due),
            leader=c.leader_lily if lead in (c.a, c.b) else c.leader_wang,
            is_key=kind == "key_work",
        )  # fmt: skip
        if lead in liaison:
            actions.receive(task=t, by=liaison[lead], now=ago(assigned - 1))
            actions.report_progress(
                task=t, text=f"{content[:8]}：已召开专题会议部署，正在按计划推进。",
                by=liaison[lead], now=ago(max(assigned - 3, 0)),
            )  # fmt: skip
    closed_plans = [
        ("修订县政府工作规则", c.a, 60, 30, 35, 28),
        ("报送上半年重点工作完成情况", c.b, 80, 40, 45, 38),
        ("清理政府网站过期信息", c.c, 50, 25, 20, 18),  # submitted after the deadline: late
        ("制定防汛应急预案", c.a, 120, 90, 95, 92),
    ]
    for content, lead, assigned, due_ago, submitted, closed in closed_plans:
        t = make(c, ago(assigned), content=content, lead=[lead], due=day(-due_ago))
        _closed(c, t, liaison[lead], ago(submitted), ago(closed))
    tick(now=now)


def test_a_supervisor_filters_the_ledger_to_red_and_reads_the_dashboard(
    web_county: County, page: Any
) -> None:
    a_working_county(web_county)
    red = set(Task.objects.filter(light=Light.RED).values_list("content", flat=True))
    assert len(red) == 3
    sign_in(page, "alice")
    page.wait_for_url("**/workbench/")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="台账").click()
    page.wait_for_url("**/ledger/")
    rows = page.locator("#ledger-rows tbody tr")
    assert rows.count() == 11
    page.get_by_label("亮灯").select_option(label="红灯")  # htmx: the rows change, the URL too
    page.wait_for_url("**/ledger/?light=red")  # the short form, without the empty fields
    page.wait_for_function("document.querySelectorAll('#ledger-rows tbody tr').length === 3")
    texts = [rows.nth(i).inner_text() for i in range(rows.count())]
    assert all("红灯" in t for t in texts)
    assert all(any(content in t for content in red) for t in texts)
    assert page.get_by_label("亮灯").input_value() == "red"
    # Save it as a named filter (a plain POST), which comes back listed.
    page.get_by_text("保存当前筛选").click()
    page.get_by_label("常用筛选名称").fill("全部红灯")
    page.get_by_role("button", name="保存", exact=True).click()
    page.wait_for_url("**/ledger/?light=red")
    assert page.get_by_role("link", name="全部红灯").is_visible()
    assert SavedFilter.objects.get(user=web_county.alice).query == "light=red"
    screenshot(page, "ledger")

    page.get_by_role("navigation", name="主导航").get_by_role("link", name="统计").click()
    page.wait_for_url("**/dashboard/")
    assert page.locator("svg.chart").count() == 4
    assert page.get_by_role("img", name="近12个月新交办与办结事项数").is_visible()
    assert page.get_by_role("heading", name="按期办结率").is_visible()
    screenshot(page, "dashboard")


def test_the_ledger_filters_without_javascript(
    web_county: County, browser: Any, live_server: Any
) -> None:
    a_working_county(web_county)
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}, locale="zh-CN"
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.base = live_server.url
    try:
        sign_in(page, "amy")
        page.goto(page.base + "/ledger/")
        page.get_by_label("亮灯").select_option(label="红灯")
        page.get_by_role("button", name="查询").click()  # a plain GET
        page.wait_for_url("**/ledger/?*light=red*")
        rows = page.locator("#ledger-rows tbody tr")
        # 县发改局 takes part in two of the three red tasks (lead of none, co of both).
        assert rows.count() == 2
        assert all("红灯" in rows.nth(i).inner_text() for i in range(rows.count()))
    finally:
        context.close()


def test_the_import_page_follows_a_running_import(web_county: County, page: Any) -> None:
    """An import running from the command line: the page shows how far it got and moves on
    by itself (the fragment polls every 2 s), and lets the finished import go."""
    from duban.documents import ledger_import
    from duban.documents.models import ImportState, LedgerImport

    claimed = ledger_import._claim(
        "1" * 64, name="2026年重点工作台账.xlsx", by=web_county.alice, total=10000, done=0
    )
    assert not isinstance(claimed, str)
    record, _ = claimed
    LedgerImport.objects.filter(pk=record.pk).update(rows_done=2000)
    sign_in(page, "alice")
    page.wait_for_url("**/workbench/")
    page.goto(page.url.replace("/workbench/", "/ledger/import/"))
    progress = page.locator("#import-progress")
    assert "正在导入，已处理2000/10000行" in progress.inner_text()
    assert page.get_by_label("导入进度").get_attribute("value") == "2000"
    # The command line writes its next batches: the page follows without a reload.
    LedgerImport.objects.filter(pk=record.pk).update(rows_done=6200, beat=timezone.now())
    page.locator("#import-progress", has_text="6200/10000").wait_for(timeout=10_000)
    assert "62%" in progress.inner_text()
    screenshot(page, "ledger-import-progress")
    LedgerImport.objects.filter(pk=record.pk).update(
        rows_done=10000, state=ImportState.COMPLETE, finished_at=timezone.now()
    )
    page.get_by_role("heading", name="未完成的导入").wait_for(state="detached", timeout=10_000)
    assert page.locator("#import-progress").inner_text().strip() == ""
