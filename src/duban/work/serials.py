"""登记序号: the per-year serial of a directive, allocated without a race.

The old scheme ("highest serial + 1, retry on the unique constraint") loses on PostgreSQL:
under READ COMMITTED a transaction cannot see the numbers that concurrent transactions hold
uncommitted, so eight concurrent registrations keep picking the same number and five retries
are not enough (issue 18, defect 1).

Here a counter row per year (`SerialCounter`) is locked by its UPDATE inside the
caller's transaction. Concurrent registrations of one year queue on that row for the few
milliseconds until the holder commits; a rolled-back registration rolls its number back, so
the office's numbering stays gapless. On SQLite the transaction already holds the database
write lock (BEGIN IMMEDIATE, see settings).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, Max

from duban.work.models import Directive, SerialCounter


def allocate(year: int, n: int = 1) -> int:
    """Reserve n consecutive serials of `year`; return the first. Call inside a transaction."""
    if n < 1:
        raise ValueError("n must be at least 1")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("serials.allocate must run inside the registering transaction")
    # The UPDATE locks the row until the transaction ends (as SELECT … FOR UPDATE did); the
    # read after it sees this transaction's own number.
    if not SerialCounter.objects.filter(year=year).update(last=F("last") + n):
        _ensure_counter(year)
        SerialCounter.objects.filter(year=year).update(last=F("last") + n)
    last = SerialCounter.objects.filter(year=year).values_list("last", flat=True).get()
    return int(last) - n + 1


def _ensure_counter(year: int) -> None:
    """Create the year's row once, starting after any serial already on record.

    ON CONFLICT DO NOTHING: when two transactions create the same year's row, the second
    waits for the first to commit and then inserts nothing, so both then lock the one row.
    """
    last = Directive.objects.filter(year=year).aggregate(m=Max("serial"))["m"] or 0
    SerialCounter.objects.bulk_create([SerialCounter(year=year, last=last)], ignore_conflicts=True)
