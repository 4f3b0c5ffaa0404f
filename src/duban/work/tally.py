"""The dashboard's counts kept up to date by the actions (TaskTally), instead of a scan per view.

A task counts once under the key of its projection: lead unit, leader, the directive's kind,
status, light, on time or not, and the Asia/Shanghai months of assignment and closing. That
is everything the county-wide 统计 page groups by (work/stats.py), so its figures are sums
over a few thousand tally rows whatever the number of tasks.

How the rows stay right:
- `added` when a task row is inserted (decompose, the bulk loader), `moved` when
  `actions.store_state` writes a projection whose key differs. Both only INSERT delta rows
  (+1/-1) in the caller's transaction: a rolled-back action leaves no count behind, and
  concurrent writers never lock a shared counter row (an UPSERT on "assigned, green, this
  month" would serialise every create in the county and could deadlock against `tick`).
- `compact` folds the delta rows into one row per key (the daily tick calls it). It deletes
  only rows it can see, with RETURNING, and writes their sums back in the same transaction,
  so rows of transactions still running are left for the next time and counted once.
- `recount` rebuilds the table from the tasks (`duban rebuild --fix`); `differences`
  compares the two (`duban rebuild`, and the tests after random histories).

The tally is derived data, like the projection: it is deleted and rewritten freely, and
never shown as a record. Scoped users (a unit's liaison) are not served from it: their
dashboard counts the few hundred tasks their unit takes part in directly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime

from django.db import connection, transaction
from django.db.models import Count, DateField, F, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from duban.work.models import Task, TaskTally

# (lead_unit_id, leader_id, kind, status, light, closed_on_time, assigned_month, closed_month)
Key = tuple[int | None, int | None, str, str, str, bool | None, date | None, date | None]
FIELDS = (
    "lead_unit_id",
    "leader_id",
    "kind",
    "status",
    "light",
    "closed_on_time",
    "assigned_month",
    "closed_month",
)


def month_of(at: datetime | None) -> date | None:
    return timezone.localtime(at).date().replace(day=1) if at is not None else None


def key_of(task: Task) -> Key:
    """The key a task counts under now (its directive's kind never changes)."""
    return (
        task.lead_unit_id,
        task.leader_id,
        task.directive.kind,
        task.status,
        task.light,
        task.closed_on_time,
        month_of(task.assigned_at),
        month_of(task.closed_at),
    )


def _row(key: Key, n: int) -> TaskTally:
    return TaskTally(n=n, **dict(zip(FIELDS, key, strict=True)))


def added(tasks: Iterable[Task]) -> None:
    """Count tasks just inserted (one row per key)."""
    counts: dict[Key, int] = defaultdict(int)
    for task in tasks:
        counts[key_of(task)] += 1
    TaskTally.objects.bulk_create([_row(k, n) for k, n in counts.items()])


def moved(old: Key, new: Key) -> None:
    """A task's projection went from key `old` to key `new` (nothing to do when equal)."""
    if old != new:
        TaskTally.objects.bulk_create([_row(old, -1), _row(new, 1)])


def compact() -> int:
    """Fold the rows into one per key; returns the rows left. Safe beside running writers."""
    table = TaskTally._meta.db_table
    cols = ", ".join(FIELDS)
    with transaction.atomic(), connection.cursor() as cur:
        # DELETE … RETURNING (PostgreSQL; SQLite ≥ 3.35): exactly the rows this transaction
        # could see are folded; later or uncommitted rows stay as they are.
        cur.execute(f"DELETE FROM {table} RETURNING {cols}, n")
        sums: dict[Key, int] = defaultdict(int)
        for *key, n in cur.fetchall():
            sums[_normal(key)] += n
        TaskTally.objects.bulk_create([_row(k, n) for k, n in sums.items() if n], batch_size=2000)
    return TaskTally.objects.count()


def _normal(key: list[object]) -> Key:
    """A key read back with raw SQL: SQLite returns dates as text and booleans as ints."""
    unit, leader, kind, status, light, on_time, assigned, closed = key
    return (
        unit,  # type: ignore[return-value]
        leader,
        kind,
        status,
        light,
        None if on_time is None else bool(on_time),
        _date(assigned),
        _date(closed),
    )


def _date(value: object) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def counted() -> dict[Key, int]:
    """The tally as it stands: the sum per key, keys summing to 0 left out."""
    rows = TaskTally.objects.values_list(*FIELDS).annotate(total=Sum("n")).order_by()
    return {_normal(list(key)): total for *key, total in rows if total}


def actual() -> dict[Key, int]:
    """The same counts taken from the tasks themselves."""
    months = {
        "assigned_month": TruncMonth("assigned_at", output_field=DateField()),
        "closed_month": TruncMonth("closed_at", output_field=DateField()),
    }
    rows = (
        Task.objects.annotate(kind=F("directive__kind"), **months)
        .values_list(*FIELDS)
        .annotate(total=Count("*"))
        .order_by()
    )
    return {_normal(list(key)): total for *key, total in rows}


def differences() -> list[str]:
    """Keys where the tally and a recount disagree (empty when they agree)."""
    have, want = counted(), actual()
    return [
        f"{dict(zip(FIELDS, k, strict=True))}: tally {have.get(k, 0)}, tasks {want.get(k, 0)}"
        for k in sorted(set(have) | set(want), key=repr)
        if have.get(k, 0) != want.get(k, 0)
    ]


def recount() -> int:
    """Rewrite the tally from the tasks; returns the rows written."""
    with transaction.atomic():
        TaskTally.objects.all().delete()
        rows = [_row(k, n) for k, n in actual().items()]
        TaskTally.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
