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
) -> int:
    """Queue one message per user. With `dedupe`, a user who already has it gets nothing.

    The key is `dedupe:user-id`; the unique constraint backs the existence check, so
    `duban tick` run twice (or by two cron hosts at once) writes each reminder once.
    """
    rows = []
    keys = {u.pk: f"{dedupe}:{u.pk}" for u in users} if dedupe else {}
    existing = (
        set(
            Outbox.objects.filter(dedupe_key__in=keys.values()).values_list("dedupe_key", flat=True)
        )
        if keys
        else set()
    )
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
    Outbox.objects.bulk_create(rows, ignore_conflicts=dedupe is not None)
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
