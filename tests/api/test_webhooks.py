"""Webhooks against a local receiver that checks the signature: retries, backoff, timeouts,
the dead list, scope and kinds."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone

from duban.api import tokens, webhooks
from duban.api.models import Integration, WebhookDelivery
from duban.work import actions
from duban.work.models import Task
from tests.api.conftest import Caller
from tests.api.receiver import Receiver
from tests.conftest import County
from tests.work import flow


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def _city(county: County, receiver: Receiver, **hook: object) -> tuple[Caller, Integration]:
    issued = tokens.create_integration(name="市督查平台", role="supervisor", by=county.sam)
    integration = issued.token.integration
    receiver.secret = tokens.set_webhook(
        integration=integration,
        url=receiver.url,
        by=county.sam,
        **hook,  # type: ignore[arg-type]
    )
    return Caller(issued.raw), integration


def _register(city: Caller) -> int:
    r = city.post(
        "/api/v1/directives",
        {"kind": "superior", "title": "交办函", "tasks": [{"content": "排查", "lead": ["fgj"]}]},
    )
    assert r.status_code == 201
    return int(r.json()["tasks"][0]["id"])


def test_a_failed_delivery_is_retried_with_backoff(county: County, receiver: Receiver) -> None:
    city, _ = _city(county, receiver, kinds=["assigned"])
    _register(city)
    receiver.fail_next = 2
    now = timezone.now()
    assert webhooks.deliver_webhooks(now=now).failed == 1
    d = WebhookDelivery.objects.get()
    assert (d.attempts, d.last_status, d.next_attempt_at) == (1, 503, now + timedelta(minutes=1))
    # Not due yet: nothing is sent.
    assert webhooks.deliver_webhooks(now=now + timedelta(seconds=30)).failed == 0
    assert webhooks.deliver_webhooks(now=now + timedelta(minutes=1)).failed == 1
    d.refresh_from_db()
    assert d.next_attempt_at == now + timedelta(minutes=1) + timedelta(minutes=5)
    result = webhooks.deliver_webhooks(now=now + timedelta(minutes=6))
    assert result.delivered == 1 and receiver.kinds() == ["assigned"]
    d.refresh_from_db()
    assert d.delivered_at is not None and d.attempts == 3


def test_a_receiver_that_never_answers_ends_on_the_dead_list(
    county: County, receiver: Receiver
) -> None:
    city, _ = _city(county, receiver, kinds=["assigned"])
    _register(city)
    receiver.delay = 1.0
    now = timezone.now()
    result = webhooks.deliver_webhooks(now=now, timeout=0.2)
    d = WebhookDelivery.objects.get()
    assert result.failed == 1 and "timed out" in d.last_error.lower()
    receiver.delay = 0
    receiver.fail_next = 100
    at = now
    for _ in range(webhooks.MAX_ATTEMPTS - 1):
        at += timedelta(days=2)
        webhooks.deliver_webhooks(now=at)
    d.refresh_from_db()
    assert d.dead_at is not None and d.attempts == webhooks.MAX_ATTEMPTS
    assert webhooks.deliver_webhooks(now=at + timedelta(days=9)).failed == 0  # given up
    # The system administrator sees it and sends it again.
    receiver.fail_next = 0
    webhooks.retry(delivery=d, by=county.sam, now=at)
    assert webhooks.deliver_webhooks(now=at).delivered == 1
    assert receiver.kinds() == ["assigned"]


def test_a_wrong_secret_is_refused_by_the_receiver(county: County, receiver: Receiver) -> None:
    city, _ = _city(county, receiver, kinds=["assigned"])
    receiver.secret = "not-the-secret"
    _register(city)
    assert webhooks.deliver_webhooks(now=timezone.now()).failed == 1
    assert receiver.rejected == ["bad signature"] and receiver.received == []


def test_own_scope_sends_only_what_the_integration_registered(
    county: County, receiver: Receiver
) -> None:
    city, _ = _city(county, receiver)
    flow.task(county, timezone.now(), due={"workdays": 10})  # the county's own work
    _register(city)
    webhooks.deliver_webhooks(now=timezone.now())
    assert receiver.kinds() == ["registered", "created", "assigned"]


def test_a_unit_integration_follows_its_units_tasks(
    county: County, receiver: Receiver, oa_a: Caller
) -> None:
    issued = tokens.create_integration(
        name="县财政局OA", role="liaison", unit=county.b, by=county.sam
    )
    receiver.secret = tokens.set_webhook(
        integration=issued.token.integration, url=receiver.url, scope="visible", by=county.sam
    )
    now = timezone.now()
    theirs = flow.task(county, now, lead=[county.b], co=[], due={"workdays": 10})
    flow.task(county, now, lead=[county.a], co=[], due={"workdays": 10})  # not B's
    actions.urge(task=theirs, message="请加快进度", by=county.alice, now=now)
    webhooks.deliver_webhooks(now=now)
    # What the unit sees on the task page: the timeline from registration on.
    assert receiver.kinds() == ["registered", "created", "assigned", "urged"]
    tasks = {r["body"]["task"]["id"] for r in receiver.received if r["body"]["task"]}
    assert tasks == {theirs.pk}


def test_a_late_commit_is_still_found(county: County, receiver: Receiver) -> None:
    """Events are rescanned for SCAN_LAG, so one with a lower id committed late is sent."""
    city, integration = _city(county, receiver, kinds=["urged"])
    task_id = _register(city)
    now = timezone.now()
    webhooks.deliver_webhooks(now=now)
    task = Task.objects.get(pk=task_id)
    actions.urge(task=task, message="第一次催办", by=county.alice, now=now)
    # Pretend the worker already saw up to the newest event (a later id committed first).
    Integration.objects.filter(pk=integration.pk).update(webhook_mark=10**9, webhook_mark_at=now)
    webhooks.deliver_webhooks(now=now + timedelta(seconds=5))
    assert receiver.kinds() == ["urged"]
