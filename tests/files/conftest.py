"""The web test fixtures (signed-in clients), for the download and upload pages."""

from tests.web.conftest import client_for  # noqa: F401
