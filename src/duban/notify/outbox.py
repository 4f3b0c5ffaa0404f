"""Writing notifications: rows in the outbox, in the caller's transaction (STYLE.md rule 7)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from duban.notify.models import Outbox
from duban.org.models import UNIT_ROLES, Unit, User

if TYPE_CHECKING:
    from duban.work.models import Directive, Task


def unit_recipients(units: Iterable[Unit]) -> list[User]:
    ids = [u.pk for u in units]
    return list(User.objects.filter(unit_id__in=ids, role__in=UNIT_ROLES, is_active=True))


def enqueue_for_users(
    users: Sequence[User],
    *,
    kind: str,
    title: str,
    body: str,
    now: datetime,
    task: Task | None = None,
    directive: Directive | None = None,
    dedupe: str | None = None,
    known: set[str] | None = None,
) -> int:
    """Queue one message per user. With `dedupe`, a user who already has it gets nothing.

    The key is `dedupe:user-id`; the unique constraint backs the existence check, so
    `duban tick` run twice (or by two cron hosts at once) writes each reminder once.
    `known`: the keys the caller already read from the outbox in one query for many
    messages (the tick, work/refresh.py); the outbox is then not asked again, and the keys
    written here are added to it.
    """
    rows = []
    keys = {u.pk: f"{dedupe}:{u.pk}" for u in users} if dedupe else {}
    existing: set[str] = set()
    if known is not None:
        existing = known
    elif keys:
        existing = {
            k
            for k in Outbox.objects.filter(dedupe_key__in=keys.values()).values_list(
                "dedupe_key", flat=True
            )
            if k
        }
    for user in users:
        key = keys.get(user.pk)
        if key is not None and key in existing:
            continue
        rows.append(
            Outbox(
                created_at=now,
                recipient=user,
                kind=kind,
                title=title[:200],
                body=body,
                task=task,
                directive=directive
                if directive is not None
                else (task.directive if task else None),
                dedupe_key=key,
            )
        )
    if rows:
        Outbox.objects.bulk_create(rows, ignore_conflicts=dedupe is not None)
    if known is not None:
        known.update(row.dedupe_key for row in rows if row.dedupe_key)
    return len(rows)


def enqueue_for_units(
    units: Iterable[Unit],
    *,
    kind: str,
    title: str,
    body: str,
    now: datetime,
    task: Task | None = None,
    dedupe: str | None = None,
) -> int:
    return enqueue_for_users(
        unit_recipients(units),
        kind=kind,
        title=title,
        body=body,
        now=now,
        task=task,
        dedupe=dedupe,
    )
