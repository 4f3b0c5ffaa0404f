"""Every main page fits a phone's screen: nothing but a table's own box scrolls sideways."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps
from django.utils import timezone

from duban.work import actions
from tests.conftest import County
from tests.web.conftest import screenshot, sign_in
from tests.work import flow

PHONE = {"width": 390, "height": 844}

PAGES = {
    "alice": [
        "/workbench/",
        "/directives/new/",
        "/ledger/",
        "/dashboard/",
        "/supervise/today/",
        "/supervise/lines/",
        "/supervise/spotchecks/",
        "/supervise/campaigns/",
        "/supervise/scores/",
        "/supervise/settlement/",
        "/documents/",
        "/ledger/import/",
        "/notifications/",
    ],
    "lily": ["/leader/", "/supervise/"],
    "amy": ["/unit/", "/supervise/scores/"],
}


@pytest.mark.parametrize("who", sorted(PAGES))
def test_the_pages_fit_a_phone(web_county: County, page: Any, who: str) -> None:
    importlib.import_module("duban.supervise.migrations.0002_seed_defaults").seed(apps, None)
    now = timezone.now()
    t = flow.task(web_county, now, due={"date": "2030-06-30"}, content="推进城东污水处理厂二期建设")
    actions.receive(task=t, by=web_county.amy, now=now)
    actions.report_progress(
        task=t, text="管网招标已完成，施工单位进场。", by=web_county.amy, now=now
    )
    page.set_viewport_size(PHONE)
    sign_in(page, who)
    page.wait_for_load_state()
    for url in PAGES[who]:
        response = page.goto(page.base + url)
        assert response is not None and response.status == 200, url
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            screenshot(page, "phone_too_wide" + url.replace("/", "_"))
        assert width <= PHONE["width"], (url, width)
    screenshot(page, f"phone_{who}")
