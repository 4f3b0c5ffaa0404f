"""The county-wide deadline-ordered lists read an index in order (issue 18 defect 5).

PostgreSQL only (EXPLAIN). On a test-sized table the planner rightly prefers reading the
table, so sequential and bitmap scans and sorting are switched off for the query: what is
asserted is that an index yields the rows in the list's order, with no Sort step — the
plan the planner takes at 100,000 tasks (bench/bench_tick.py --explain prints it there).
"""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection

from duban.work import ledger, selectors
from duban.work.models import Task
from tests.conftest import County, at
from tests.work.flow import task


def plan(sql: str, params: tuple[object, ...]) -> str:
    with connection.cursor() as cursor:
        # A plan that sorts is still taken when nothing else can give the order, so "no
        # Sort" below means an index yields the rows in the list's order.
        for switch in ("seqscan", "bitmapscan", "sort"):
            cursor.execute(f"SET LOCAL enable_{switch} = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.fixture
def tasks(county: County) -> County:
    if connection.vendor != "postgresql":
        pytest.skip("EXPLAIN plans are PostgreSQL's; set DATABASE_URL")
    for day in (5, 10, 20):
        task(county, at("2026-03-02 09:00"), due={"date": f"2026-03-{day:02d}"})
    return county


def test_the_ledgers_red_tasks_by_deadline_come_from_an_index(tasks: County) -> None:
    qs = ledger.ledger_tasks(tasks.alice, ledger.LedgerFilters(light="red", sort="due"))
    ordered = qs.order_by(*ledger.order_by(ledger.SORTS["due"]))[:50]
    sql, params = ordered.query.sql_with_params()
    text = plan(sql, params)
    assert "task_light_due" in text, text
    assert "Sort" not in text, text


def test_the_county_overdue_list_comes_from_an_index(tasks: County) -> None:
    qs = (
        selectors.tasks_visible_to(tasks.alice)
        .filter(is_open=True, due__lt=date(2026, 3, 25), submitted_at__isnull=True)
        .order_by("due", "id")[:50]
    )
    sql, params = qs.query.sql_with_params()
    text = plan(sql, params)
    assert "task_open_due" in text, text
    assert "Sort" not in text, text
    # And the selector the pages use gives them oldest first.
    got = selectors.overdue_tasks(tasks.alice, today=date(2026, 3, 25))
    assert [t.due for t in got] == sorted(t.due for t in Task.objects.all())
