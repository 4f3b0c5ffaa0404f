"""Signed-in clients for the slip's download from the task page."""

from tests.web.conftest import client_for  # noqa: F401
