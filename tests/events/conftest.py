"""The event types are seeded by the app's migration; a transactional test elsewhere in the
suite flushes them, so tests seed them again when they are missing."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from duban.events.models import EventType


def ensure_types() -> None:
    if not EventType.objects.exists():
        importlib.import_module("duban.events.migrations.0001_initial").seed_types(apps, None)


@pytest.fixture(autouse=True)
def event_types(request: pytest.FixtureRequest) -> None:
    if "db" in request.fixturenames or "county" in request.fixturenames:
        ensure_types()
