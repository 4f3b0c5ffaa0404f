"""Integrations for the API tests: a city platform acting as the office, and unit A's OA."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from duban.api import tokens
from tests.conftest import County

# The browser tests of the API pages live in tests/web/test_api_pages_browser.py: a second
# import of the session-scoped browser fixture here would start a second Playwright, which
# fails every browser test that runs after it.


class Caller:
    """A test client that sends one integration's token with every request."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(path, params)

    def post(self, path: str, body: Any = None) -> Any:
        return self.client.post(path, body or {}, content_type="application/json")

    def form(self, path: str, data: dict[str, Any]) -> Any:
        return self.client.post(path, data)  # multipart


@pytest.fixture
def city(county: County) -> Caller:
    """市督查平台: acts as the office's supervisor (registers, assigns, verifies, closes)."""
    issued = tokens.create_integration(name="市督查平台", role="supervisor", by=county.sam)
    return Caller(issued.raw)


@pytest.fixture
def oa_a(county: County) -> Caller:
    """县发改局 OA: acts as unit A's liaison."""
    issued = tokens.create_integration(
        name="县发改局OA", role="liaison", unit=county.a, by=county.sam
    )
    return Caller(issued.raw)


@pytest.fixture
def oa_b(county: County) -> Caller:
    issued = tokens.create_integration(
        name="县财政局OA", role="liaison", unit=county.b, by=county.sam
    )
    return Caller(issued.raw)
