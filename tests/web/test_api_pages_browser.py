"""In a real browser: the API's docs page needs nothing from outside, and the system
administrator's 对接系统 page issues a token once."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from tests.conftest import County
from tests.web.conftest import screenshot, sign_in


def test_the_docs_page_loads_everything_from_the_server(page: Any, web_county: County) -> None:
    host = urlsplit(page.base).netloc
    outside: list[str] = []
    page.on(
        "request",
        lambda r: (
            outside.append(r.url)
            if urlsplit(r.url).netloc not in (host, "") and not r.url.startswith("data:")
            else None
        ),
    )
    page.set_default_timeout(60_000)  # Swagger UI is 1.4 MB through the test server
    page.goto(page.base + "/api/v1/docs", wait_until="domcontentloaded")
    page.get_by_text("督办系统接口").first.wait_for()
    page.get_by_text("/api/v1/ledger").first.wait_for()
    screenshot(page, "api-docs")
    assert outside == []


def test_the_sysadmin_creates_an_integration(page: Any, web_county: County) -> None:
    sign_in(page, "sam")
    page.goto(page.base + "/integrations/")
    page.get_by_label("对接系统名称").fill("市督查平台")
    page.get_by_label("调用身份").select_option("supervisor")
    page.get_by_role("button", name="新建并签发令牌").click()
    token = page.locator("code.secret").inner_text()
    assert token.startswith("dbn_")
    page.get_by_text("只显示这一次").wait_for()
    screenshot(page, "api-integrations")
    page.goto(page.base + "/integrations/")
    assert token not in page.content()
    page.get_by_role("button", name="吊销").click()
    page.get_by_text("已吊销，立即失效").wait_for()
