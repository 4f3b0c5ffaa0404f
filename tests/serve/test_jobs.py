"""`duban serve` runs the outbox worker and tick itself; workers never deliver one row twice.

(issue 13 §1, issue 18 "processes")
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from bench.http_site import Site, free_ports
from django.db import connection, connections

from duban.notify.models import Notification, Outbox
from duban.notify.outbox import enqueue_for_users
from duban.notify.worker import deliver
from tests.conftest import SMALL_COUNTY, County, at
from tests.serve.test_concurrency import Writer


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Site]:
    """A SQLite site served as `duban serve` runs by default: web, worker and tick."""
    site = Site(root=tmp_path, ports=free_ports(18130, 18149, 1))
    try:
        site.create()
        site.start("--workers", "1")
        yield site
    finally:
        site.stop()


@pytest.mark.slow
def test_a_unit_hears_of_its_task_within_seconds_with_nothing_else_started(
    served: Site,
) -> None:
    office = Writer(served, 0, shared=0)
    assert office.register("请县第1局牵头落实的批示", 1, assign=True)
    inbox = served.browser("lly_u1", 0)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        page = inbox.get("/notifications/").body
        if "请县第1局牵头落实的批示" in page:
            break
        time.sleep(0.5)
    else:
        pytest.fail("the liaison's inbox stayed empty for 30 s")
    office.close()
    inbox.close()
    assert "worker: 已投递" in served.log_text()
    # The tick child runs its first round at start, beside the web and the worker: on a
    # loaded machine the worker can deliver before that round is over and logged.
    deadline = time.monotonic() + 60
    while "tick: visited" not in served.log_text():
        if time.monotonic() > deadline:
            pytest.fail("the tick child logged no round within a minute of the delivery")
        time.sleep(0.5)


@pytest.mark.django_db(transaction=True)
def test_four_workers_at_once_deliver_each_row_exactly_once() -> None:
    """PostgreSQL: four connections claim from one outbox at the same moment.

    (pytest-django's SQLite test database is shared-cache memory, where concurrent writers
    fail at once instead of waiting; there one process delivers at a time anyway.)
    """
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")
    from duban.org.loader import load

    load(SMALL_COUNTY)
    county = County()
    now = at("2026-03-10 09:00")
    for i in range(50):
        enqueue_for_users(
            [county.amy, county.bob, county.carl, county.alice],
            kind="test",
            title=f"通知{i}",
            body="",
            now=now,
        )
    assert Outbox.objects.count() == 200
    start = threading.Barrier(4)
    delivered: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            delivered.append(deliver(now=now))
        except BaseException as e:
            errors.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(delivered) == 200
    assert Notification.objects.count() == 200
    assert not Outbox.objects.filter(delivered_at__isnull=True).exists()
