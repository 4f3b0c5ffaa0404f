"""Fixtures shared with the web tests."""

from tests.web.conftest import browser, client_for, page, web_county  # noqa: F401
