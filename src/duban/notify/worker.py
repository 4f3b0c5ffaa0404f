"""`duban worker`: delivers outbox rows to the users' inboxes.

Rows are claimed with a conditional UPDATE (delivered_at IS NULL) so two workers never
deliver the same row twice. Email and webhooks would be further deliveries here.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from duban.notify.models import Notification, Outbox


def deliver(*, now: datetime, limit: int = 500) -> int:
    delivered = 0
    ids = list(
        Outbox.objects.filter(delivered_at__isnull=True)
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )
    for pk in ids:
        with transaction.atomic():
            claimed = Outbox.objects.filter(pk=pk, delivered_at__isnull=True).update(
                delivered_at=now
            )
            if not claimed:
                continue  # another worker took it
            row = Outbox.objects.get(pk=pk)
            Notification.objects.create(
                user_id=row.recipient_id,
                created_at=row.created_at,
                kind=row.kind,
                title=row.title,
                body=row.body,
                task_id=row.task_id,
                directive_id=row.directive_id,
                source=row,
            )
            delivered += 1
    return delivered
