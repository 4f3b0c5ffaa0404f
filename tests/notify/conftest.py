"""Fixtures shared with the web tests."""

import pytest

from duban.notify import digest
from tests.web.conftest import browser, client_for, page, web_county  # noqa: F401


@pytest.fixture(autouse=True)
def fresh_digest_memory() -> None:
    digest.forget()
