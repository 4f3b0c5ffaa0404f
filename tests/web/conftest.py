"""Fixtures for view tests (Django test client) and browser tests (Playwright + chromium).

Browser tests drive Debian's /usr/bin/chromium headless against pytest-django's live
server; no browser is downloaded. Screenshots go to $DUBAN_ARTIFACTS (default
test-artifacts/screenshots/) for a person to look at.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from duban.org.models import User
from tests.conftest import County

CHROMIUM = Path("/usr/bin/chromium")
PASSWORD = "Duban@2026"
ARTIFACTS = Path(os.environ.get("DUBAN_ARTIFACTS", "test-artifacts")) / "screenshots"


@pytest.fixture
def client_for(county: County) -> Any:
    """A test client signed in as the given persona (no password hashing involved)."""

    def make(user: User) -> Client:
        c = Client()
        c.force_login(user)
        return c

    return make


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(
            "browser tests need Debian's chromium at /usr/bin/chromium"
            " (scripts/system-packages installs it)"
        )
    # Playwright's sync API runs an event loop in this thread; Django's ORM (used by the
    # test setup in the same thread) refuses to run inside one unless told it is safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
            # Date and time boxes follow the browser's own language, not the page's: in
            # Chinese (with Debian's chromium-l10n) they read 2026/03/16 09:00 as on the
            # users' machines, not "03/16/2026, 09:00 AM". LANG stays C.UTF-8: a zh_CN
            # locale the system has not generated would make file names ASCII, and a
            # download of 批示原件.pdf arrive as "download".
            env={**os.environ, "LANG": "C.UTF-8", "LANGUAGE": "zh_CN"},
        )
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    pg.base = live_server.url  # type: ignore[attr-defined]
    yield pg
    context.close()


def sign_in(page: Any, username: str, password: str = PASSWORD) -> None:
    page.goto(page.base + "/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def web_county(transactional_db: None) -> County:
    """The small county with the demo password set on every persona (browser tests)."""
    from django.contrib.auth.hashers import make_password

    from duban.org.loader import load
    from tests.conftest import SMALL_COUNTY

    load(SMALL_COUNTY)
    User.objects.update(password=make_password(PASSWORD))
    return County()
