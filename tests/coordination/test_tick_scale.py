"""`duban tick` visits only the tasks that can change today, and one tick runs at a time.

The visit filter (work/refresh.candidates) is checked against the full visit: day after
day on a generated workload, a full tick right after the filtered one finds nothing left
to do. The lock (coordination/locks.py) is checked by holding it from another connection.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connections

from bench import workload
from duban.coordination.locks import exclusive
from duban.coordination.tick import tick
from duban.notify.models import Outbox
from duban.work.models import Event


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return workload.ensure_workload(tmp_path_factory.mktemp("workload"), 200)


def test_a_full_visit_after_the_filtered_one_finds_nothing_to_do(db: None, files: Path) -> None:
    org = workload.load_org(files)
    workload.load_tasks(files, org, batch=100)
    start = workload.tick_time(workload.as_of(files))
    visited = []
    for day in range(0, 15):
        now = start + timedelta(days=day)
        filtered = tick(now=now)
        full = tick(now=now, full=True)
        assert (full.light_changes, full.reminders, full.escalations) == (0, 0, 0), day
        assert full.checked == filtered.running
        visited.append((filtered.checked, filtered.running))
    # Green tasks far from their deadline, without report cycle, are left alone. (This
    # workload is mostly overdue; bench/bench_tick.py measures the share at 100,000 tasks.)
    assert all(checked < running for checked, running in visited), visited


def test_a_tick_skips_while_another_holds_the_lock(county: object) -> None:
    held, release = threading.Event(), threading.Event()
    outcome: list[bool] = []

    def other_node() -> None:
        try:
            with exclusive("tick") as got:
                outcome.append(got)
                held.set()
                release.wait(30)
        finally:
            connections.close_all()

    t = threading.Thread(target=other_node)
    t.start()
    try:
        assert held.wait(30) and outcome == [True]
        before = (Event.objects.count(), Outbox.objects.count())
        report = tick()
        assert report.skipped and report.checked == 0
        assert (Event.objects.count(), Outbox.objects.count()) == before
    finally:
        release.set()
        t.join()
    assert not tick().skipped  # released: the next tick runs
