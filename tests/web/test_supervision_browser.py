"""Browser journey: the office draws a spot check and finds one task untrue; the unit head
sees the deduction with its rule and task, and appeals it."""

from __future__ import annotations

import importlib
from typing import Any

from django.apps import apps
from django.utils import timezone

from duban.supervise.models import ScoreAppeal, SpotCheck
from duban.work import actions
from duban.work.models import Task, TaskStatus
from tests.conftest import County, at
from tests.web.conftest import screenshot, sign_in
from tests.work import flow


def _seed_settings() -> None:
    """Transactional tests flush the tables a migration seeded; put the defaults back."""
    importlib.import_module("duban.supervise.migrations.0002_seed_defaults").seed(apps, None)


def _closed(county: County, lead: Any, who: Any, day: str) -> Task:
    t = flow.task(county, at("2026-03-02 09:00"), lead=[lead], co=[], due={"date": "2026-03-27"})
    actions.receive(task=t, by=who, now=at("2026-03-02 10:00"))
    actions.submit_done(task=t, text="已按要求完成", by=who, now=at(f"{day} 09:00"))
    actions.verify(
        confirm_silent_co=True, task=t, accept=True, by=county.alice, now=at(f"{day} 10:00")
    )
    actions.close(task=t, by=county.alice, now=at(f"{day} 11:00"))
    return t


def test_a_spot_check_finding_reaches_the_units_score(web_county: County, page: Any) -> None:
    c = web_county
    _seed_settings()
    for day in ("2026-03-10", "2026-03-11", "2026-03-12"):
        _closed(c, c.a, c.amy, day)
    _closed(c, c.c, c.carl, "2026-03-13")

    sign_in(page, "alice")
    page.wait_for_url("**/workbench/")
    page.get_by_role("link", name="督查", exact=True).click()
    page.wait_for_url("**/supervise/today/")
    screenshot(page, "supervise_today")
    page.get_by_role("link", name="随机抽查").click()
    page.get_by_label("抽查名称").fill("三月办结事项随机抽查")
    page.get_by_label("办结日期起").fill("2026-03-01")
    page.get_by_label("办结日期止").fill("2026-03-31")
    page.get_by_label("样本量（项）").fill("2")
    page.get_by_label("按牵头单位分层抽取").check()
    page.get_by_label("随机种子（可不填）").fill("20260401")
    page.get_by_role("button", name="抽取样本").click()
    page.wait_for_url("**/supervise/spotchecks/*/")
    check = SpotCheck.objects.get()
    # 可复核 (issue 12, point 10): a button draws again and compares; no command lines.
    assert "duban spotcheck" not in page.content() and "摘要" not in page.content()
    page.get_by_role("button", name="重新抽取核对").click()
    page.wait_for_url("**verify=1**")
    assert page.get_by_text("已重新抽取：结果与记录一致（2项样本逐项相同）。").is_visible()
    screenshot(page, "supervise_spotcheck_verified")
    first = check.items.order_by("position").first()
    assert first is not None
    article = page.locator(f"#item-{first.pk}")
    article.get_by_label("不属实", exact=True).check()
    article.get_by_label("核查情况（基本属实、不属实时必填）").fill("现场核查，台账与实际不符")
    article.get_by_role("button", name="录入核实结果").click()
    page.wait_for_url("**/supervise/spotchecks/*/")
    assert page.get_by_text("已录入核实结果。").is_visible()
    screenshot(page, "supervise_spotcheck")
    task = Task.objects.get(pk=first.task_id)
    assert task.status == TaskStatus.IN_PROGRESS  # reopened
    # The finding is made today (the pages act at the clock's time): it counts this month.
    month = timezone.localdate().strftime("%Y-%m")
    page.goto(page.base + f"/supervise/scores/?period={month}")
    screenshot(page, "supervise_scores")
    page.get_by_role("button", name="退出").click()

    sign_in(page, "adam" if task.lead_unit == c.a else "carl")
    head = task.lead_unit == c.a
    page.get_by_role("link", name="考评", exact=True).first.click()
    page.goto(page.base + f"/supervise/scores/?period={month}")
    page.get_by_role("link", name="查看计分明细与考评细则").click()
    screenshot(page, "supervise_score_unit")
    assert page.get_by_text("抽查核实不属实").first.is_visible()
    assert page.get_by_role("link", name=task.code).is_visible()
    if head:  # the unit head of 县发改局 appeals; 城关镇 has no head among the personas
        page.locator("summary", has_text="申诉").click()
        page.get_by_label("申诉理由").fill("整改已于抽查前完成，附照片")
        page.get_by_role("button", name="提交申诉").click()
        assert page.get_by_text("申诉已提交").is_visible()
        assert ScoreAppeal.objects.get().unit == c.a
