"""Row locks of the actions on PostgreSQL: what an action on a task may wait for.

The notify worker and the tick insert rows that reference tasks and directives (notifications,
events, reminders), many in one transaction; each insert takes a KEY SHARE lock on the rows
it references. An action that took FOR UPDATE on the task's directive (the plain
`select_for_update()` of a join) waited for such a transaction, while that transaction
waited for the action's task: PostgreSQL broke the cycle with "deadlock detected" and the
user got a 500 (the batch-urge test, stop 21). Actions now lock FOR NO KEY UPDATE of the
task alone, so a transaction that only references the task or its directive never holds
them up."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from duban.work import actions
from duban.work.models import Directive, EventKind, Task
from tests.conftest import County, at
from tests.work import flow

NOW = at("2026-03-10 09:00")
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def pg_county() -> County:
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises every writer")
    from duban.org.loader import load
    from tests.conftest import SMALL_COUNTY

    load(SMALL_COUNTY)
    return County()


def test_an_action_does_not_wait_for_a_transaction_that_references_its_task(
    pg_county: County,
) -> None:
    county = pg_county
    first = flow.task(county, NOW, content="第一项")
    # A second task of the same directive, as in a batch over one directive's tasks.
    [second] = actions.decompose(
        directive=first.directive,
        tasks=[actions.TaskDraft(content="第二项", lead=[county.a], due={"date": "2026-06-30"})],
        by=county.alice,
        now=NOW,
    )
    actions.assign(task=second, by=county.alice, now=NOW)

    held, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def worker_like() -> None:
        """What the worker's fan-out does to the rows: reference the directive and the first
        task (KEY SHARE, as its inserts do), then, still in the transaction, the second."""
        try:
            with connections["default"].cursor() as cur:
                cur.execute("BEGIN")
                for table, pk in ((Directive, first.directive_id), (Task, first.pk)):
                    cur.execute(
                        f"SELECT 1 FROM {table._meta.db_table} WHERE id = %s FOR KEY SHARE", [pk]
                    )
                held.set()
                release.wait(30)
                cur.execute(
                    f"SELECT 1 FROM {Task._meta.db_table} WHERE id = %s FOR KEY SHARE",
                    [second.pk],
                )
                cur.execute("COMMIT")
        except BaseException as e:  # reported below
            errors.append(e)
        finally:
            connections["default"].close()

    def urge(task: Task) -> None:
        try:
            actions.urge(task=task, message="请抓紧办理", by=county.alice, now=NOW)
        except BaseException as e:  # reported below
            errors.append(e)
        finally:
            connections["default"].close()

    other = threading.Thread(target=worker_like)
    other.start()
    assert held.wait(30)
    urgers = [threading.Thread(target=urge, args=(t,)) for t in (second, first)]
    for u in urgers:
        u.start()
    for u in urgers:
        # Both urges end while the other transaction still holds its locks: they do not wait.
        u.join(timeout=20)
    stuck = [u for u in urgers if u.is_alive()]
    release.set()
    other.join(timeout=30)
    for u in stuck:
        u.join(timeout=30)
    assert not stuck, "an urge waited for a transaction that only referenced its rows"
    assert errors == []
    for t in (first, second):
        assert t.events.filter(kind=EventKind.URGED).count() == 1


def test_a_directive_level_action_still_waits_for_an_action_on_one_of_its_tasks(
    pg_county: County,
) -> None:
    """Withdrawing a directive locks the directive, then its tasks: it waits for a task
    action in progress and then sees that action's result."""
    county = pg_county
    task = flow.task(county, NOW)
    locked, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def hold_task() -> None:
        try:
            with connections["default"].cursor() as cur:
                cur.execute("BEGIN")
                cur.execute(
                    f"SELECT 1 FROM {Task._meta.db_table} WHERE id = %s FOR NO KEY UPDATE",
                    [task.pk],
                )
                locked.set()
                release.wait(30)
                cur.execute("COMMIT")
        except BaseException as e:  # reported below
            errors.append(e)
        finally:
            connections["default"].close()

    def withdraw() -> None:
        try:
            actions.withdraw_directive(
                directive=task.directive, reason="重复登记", by=county.alice, now=NOW
            )
        except BaseException as e:  # reported below
            errors.append(e)
        finally:
            connections["default"].close()

    holder = threading.Thread(target=hold_task)
    holder.start()
    assert locked.wait(30)
    w = threading.Thread(target=withdraw)
    w.start()
    w.join(timeout=3)
    waited = w.is_alive()
    release.set()
    holder.join(timeout=30)
    w.join(timeout=30)
    assert waited, "withdrawing the directive did not wait for the task's lock"
    assert errors == []
    task.refresh_from_db()
    assert task.status == "withdrawn"
