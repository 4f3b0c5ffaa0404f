"""Keyboard only: sign in, find a unit in the picker and register a directive, no mouse."""

from __future__ import annotations

import re
from typing import Any

from duban.work.models import Directive
from tests.conftest import County
from tests.web.conftest import screenshot


def tab_to(page: Any, selector: str, limit: int = 60) -> None:
    """Press Tab until the element matching `selector` has the focus (it is in tab order)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} is not reachable with Tab")


def test_a_supervisor_registers_a_directive_with_the_keyboard(
    web_county: County, page: Any
) -> None:
    page.goto(page.base + "/login/")
    page.keyboard.type("alice")  # the user name box has the focus on arrival
    page.keyboard.press("Tab")
    page.keyboard.type("Duban@2026")
    page.keyboard.press("Enter")
    page.wait_for_url("**/workbench/")

    page.goto(page.base + "/directives/new/")
    tab_to(page, "#id_title")
    page.keyboard.type("关于做好冬季供暖保障工作的批示")
    tab_to(page, "textarea[name$='-content']")
    page.keyboard.type("做好城区冬季供暖保障")
    tab_to(page, ".unit-picker input[type=search]")
    page.keyboard.type("czj")  # pinyin initials of 县财政局
    page.get_by_role("option", name="县财政局").wait_for()
    page.keyboard.press("ArrowDown")  # from the box to the first option
    assert page.evaluate("document.activeElement.textContent").strip() == "县财政局"
    page.keyboard.press("Enter")
    chips = page.locator(".unit-picker").first.locator(".chip")
    assert chips.inner_text().startswith("县财政局")
    tab_to(page, "input[name$='-due']")
    page.keyboard.type("10个工作日")
    screenshot(page, "keyboard_register")
    tab_to(page, "form button[type=submit].primary")
    assert page.evaluate("document.activeElement.textContent") == "登记"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/directives/\d+/$"))
    assert page.get_by_text("已登记并已交办").is_visible()
    task = Directive.objects.get().tasks.get()
    assert task.lead_unit is not None and task.lead_unit.short_name == "县财政局"
