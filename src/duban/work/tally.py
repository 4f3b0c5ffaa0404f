"""The dashboard's counts kept up to date by the actions (TaskTally), instead of a scan per view.

A task counts once in each facet that applies to it: its (status, light); the Asia/Shanghai
month it was assigned; and, once closed, the month it was closed and its (lead unit,
leader, directive kind, on time, month closed). That is everything the county-wide 统计
page groups by (work/stats.py), so its figures are sums over the tally's rows (a few
thousand a year), whatever the number of tasks.

How the rows stay right:
- `added` when a task row is inserted (decompose, the bulk loader), `moved` when
  `actions.store_state` writes a projection whose keys differ. Both only INSERT delta rows
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

# (facet, lead_unit_id, leader_id, kind, status, light, closed_on_time, month)
Key = tuple[str, int | None, int | None, str, str, str, bool | None, date | None]
FIELDS = (
    "facet",
    "lead_unit_id",
    "leader_id",
    "kind",
    "status",
    "light",
    "closed_on_time",
    "month",
)
# A task counts once in each facet that applies to it. One key holding every column would
# multiply the months of assignment and closing by the units and leaders: 64,601 rows for
# the 100,000-task workload, against 36 + ~20 + ~26,000 (of which a year is ~9,000) here.
STATE = "state"  # (status, light): the counts by light and status
ASSIGNED = "assigned"  # (month assigned): 新交办 per month
CLOSED = "closed"  # (lead unit, leader, kind, on time, month closed): on-time rates
CLOSED_IN = "closed_in"  # (month closed): 办结 per month, without summing the rows above


def month_of(at: datetime | None) -> date | None:
    return timezone.localtime(at).date().replace(day=1) if at is not None else None


def keys_of(task: Task) -> list[Key]:
    """The keys a task counts under now (its directive's kind never changes)."""
    keys: list[Key] = [(STATE, None, None, "", task.status, task.light, None, None)]
    if task.assigned_at is not None:
        keys.append((ASSIGNED, None, None, "", "", "", None, month_of(task.assigned_at)))
    if task.closed_at is not None:
        keys.append((CLOSED_IN, None, None, "", "", "", None, month_of(task.closed_at)))
        keys.append(
            (
                CLOSED,
                task.lead_unit_id,
                task.leader_id,
                task.directive.kind,
                "",
                "",
                task.closed_on_time,
                month_of(task.closed_at),
            )
        )
    return keys


def _row(key: Key, n: int) -> TaskTally:
    return TaskTally(n=n, **dict(zip(FIELDS, key, strict=True)))


def added(tasks: Iterable[Task]) -> None:
    """Count tasks just inserted (one row per key)."""
    counts: dict[Key, int] = defaultdict(int)
    for task in tasks:
        for key in keys_of(task):
            counts[key] += 1
    TaskTally.objects.bulk_create([_row(k, n) for k, n in counts.items()], batch_size=2000)


def moved(old: list[Key], new: list[Key]) -> None:
    """A task's projection went from keys `old` to keys `new` (nothing to do when equal)."""
    gone, came = [k for k in old if k not in new], [k for k in new if k not in old]
    if gone or came:
        TaskTally.objects.bulk_create([_row(k, -1) for k in gone] + [_row(k, 1) for k in came])


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
    facet, unit, leader, kind, status, light, on_time, month = key
    return (
        facet,  # type: ignore[return-value]
        unit,
        leader,
        kind,
        status,
        light,
        None if on_time is None else bool(on_time),
        _date(month),
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
    """The same counts taken from the tasks themselves (three grouped reads)."""
    out: dict[Key, int] = {}
    for status, light, n in (
        Task.objects.values_list("status", "light").annotate(t=Count("*")).order_by()
    ):
        out[(STATE, None, None, "", status, light, None, None)] = n
    month = TruncMonth("assigned_at", output_field=DateField())
    for assigned, n in (
        Task.objects.filter(assigned_at__isnull=False)
        .annotate(m=month)
        .values_list("m")
        .annotate(t=Count("*"))
        .order_by()
    ):
        out[(ASSIGNED, None, None, "", "", "", None, _date(assigned))] = n
    month = TruncMonth("closed_at", output_field=DateField())
    for unit, leader, kind, on_time, closed, n in (
        Task.objects.filter(closed_at__isnull=False)
        .annotate(k=F("directive__kind"), m=month)
        .values_list("lead_unit_id", "leader_id", "k", "closed_on_time", "m")
        .annotate(t=Count("*"))
        .order_by()
    ):
        out[(CLOSED, unit, leader, kind, "", "", on_time, _date(closed))] = n
        key = (CLOSED_IN, None, None, "", "", "", None, _date(closed))
        out[key] = out.get(key, 0) + n
    return out


def differences() -> list[str]:
    """Keys where the tally and a recount disagree (empty when they agree)."""
    have, want = counted(), actual()
    return [
        f"{dict(zip(FIELDS, k, strict=True))}: tally {have.get(k, 0)}, tasks {want.get(k, 0)}"
        for k in sorted(set(have) | set(want), key=repr)
        if have.get(k, 0) != want.get(k, 0)
    ]


def recount() -> int:
    """Rewrite the tally from the tasks; returns the rows written. Safe beside writers.

    On PostgreSQL the table is locked against the writers' inserts first (EXCLUSIVE mode
    still lets the dashboard read): a writer that has inserted its deltas is waited for,
    one that has not yet waits for the recount, so every change is counted exactly once —
    either in the recount or as a delta after it. SQLite has one writer at a time anyway.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute(f"LOCK TABLE {TaskTally._meta.db_table} IN EXCLUSIVE MODE")
        TaskTally.objects.all().delete()
        rows = [_row(k, n) for k, n in actual().items()]
        TaskTally.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
