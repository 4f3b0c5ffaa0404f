"""schemathesis drives every operation of the API from its own OpenAPI document, in-process
through the WSGI app: no 5xx, and every answer (problems included) as the document says."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from duban.api import tokens
from duban.api.v1 import api
from duban.wsgi import application
from tests.conftest import County
from tests.work import flow

schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
schema.app = application


@pytest.fixture(autouse=True)
def keep_the_test_connection() -> Iterator[None]:
    """As Django's test Client does: a request's end must not close the connection that
    holds the test's transaction (on PostgreSQL it would, being in an atomic block)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(county: County) -> str:
    from django.utils import timezone

    # Something to find: a task in progress, one waiting to be verified, an extension asked.
    now = timezone.now()
    t = flow.task(county, now, due={"workdays": 20})
    from duban.work import actions

    actions.receive(task=t, by=county.amy, now=now)
    actions.request_extension(
        task=t,
        new_due=t.due.replace(year=t.due.year + 1),
        reason="资金未到位",
        by=county.amy,
        now=now,
    )
    return tokens.create_integration(
        name="schemathesis", role="supervisor", rate_per_minute=100_000, by=county.sam
    ).raw


@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_keeps_its_document(case: Any, token: str) -> None:
    # positive_data_acceptance is left out on purpose: a request can fit the document and
    # still be refused by a rule the document cannot state (a unit name the registry does
    # not know, a 完成时限 phrase that means no date, a date outside 2000-2100), and that
    # refusal is a 422 problem naming the field, as it should be.
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"},
        excluded_checks=[positive_data_acceptance],
    )
