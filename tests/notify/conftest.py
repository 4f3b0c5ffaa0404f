"""Fixtures for the notify tests. The browser test lives in tests/web/, beside the one
session-wide browser (a second Playwright in the same process cannot start)."""

import pytest

from duban.notify import digest
from tests.web.conftest import client_for  # noqa: F401


@pytest.fixture(autouse=True)
def fresh_digest_memory() -> None:
    digest.forget()
