"""`duban worker`: one pass delivers what is due (`deliver_due`), the loop repeats it.

1. Daily digests that are due are written to the outbox (notify/digest.py).
2. Fan-out: each undelivered outbox row is claimed with a conditional UPDATE
   (delivered_at IS NULL), becomes an inbox `Notification` and one `Delivery` per
   channel the recipient chose (preferences, quiet hours, 特急, digest).
3. Sending: due deliveries are claimed with a lease (`claimed_until`) — FOR UPDATE SKIP
   LOCKED on PostgreSQL, a conditional UPDATE on SQLite — so two workers never send one
   twice; sent outside any transaction (a slow SMTP server holds no lock); the result
   is written back only by the holder of the lease. A temporary failure is tried again
   with exponential backoff, and after the channel's maximum number of attempts the
   delivery is dead (死信) until the administrator retries it; a refusal fails at once.
Actions never wait on any of this: they only write outbox rows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from duban.notify import digest
from duban.notify.channels import Message, Refused, Retry, build
from duban.notify.events import group_of
from duban.notify.models import (
    ChannelConfig,
    ChannelKind,
    Delivery,
    DeliveryState,
    Notification,
    Outbox,
    Preference,
)
from duban.notify.quiet import backoff, release_at

log = logging.getLogger("duban.notify")

LEASE = timedelta(minutes=2)  # longer than any channel's timeout; a dead worker's rows return
URGENT = "extra"  # Urgency.EXTRA, 特急: passes quiet hours and the digest


@dataclass
class DeliveryReport:
    digests: int = 0
    fanned_out: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    dead: int = 0

    def __str__(self) -> str:
        return (
            f"已投递 {self.fanned_out} 条通知，外发 {self.sent} 条，待重试 {self.retried} 条，"
            f"被拒 {self.failed} 条，转入死信 {self.dead} 条，日报 {self.digests} 份。"
        )


def deliver_due(*, now: datetime | None = None, limit: int = 500) -> DeliveryReport:
    """One pass of the worker: what `duban worker` runs in its loop."""
    now = now or timezone.now()
    report = DeliveryReport()
    report.digests = digest.queue_digests(now=now)
    report.fanned_out = fan_out(now=now, limit=limit)
    send_due(now=now, limit=limit, report=report)
    return report


def deliver(*, now: datetime, limit: int = 500) -> int:
    """The number of outbox rows delivered to inboxes in one pass (older callers)."""
    return deliver_due(now=now, limit=limit).fanned_out


# ---------------------------------------------------------------- fan-out


def address_for(channel: str, pref: Preference, email: str) -> str | None:
    """The recipient's address on a channel; None if they have none (then no delivery).
    Robots post in a group and @ the person by mobile, which they may lack."""
    if channel == ChannelKind.EMAIL:
        return pref.email or email or None
    if channel == ChannelKind.SMS:
        return pref.mobile or None
    if channel == ChannelKind.WECOM_APP:
        return pref.wecom_userid or None
    if channel == ChannelKind.DINGTALK_WORK:
        return pref.dingtalk_userid or None
    return pref.mobile  # the robots


def is_urgent(row: Outbox) -> bool:
    directive = row.directive if row.directive_id else (row.task.directive if row.task else None)
    return directive is not None and directive.urgency == URGENT


def plan(
    row: Outbox, pref: Preference | None, enabled: set[str], now: datetime
) -> list[tuple[str, str, datetime]]:
    """(channel, address, when) for each external delivery of one outbox row."""
    if pref is None:
        return []
    urgent = is_urgent(row)
    if row.kind != digest.KIND and not urgent:
        if group_of(row.kind) in (pref.muted_kinds or []):
            return []
        if pref.digest:
            return []  # the day's digest carries it
    when = now
    if not urgent:
        local = timezone.localtime(now)
        when = release_at(local, pref.quiet_start, pref.quiet_end)
    out = []
    for channel in pref.channels or []:
        if channel not in enabled:
            continue
        address = address_for(channel, pref, row.recipient.email)
        if address is None:
            continue
        out.append((channel, address, when))
    return out


def fan_out(*, now: datetime, limit: int = 500) -> int:
    batch = list(
        Outbox.objects.filter(delivered_at__isnull=True)
        .order_by("id")
        .values_list("id", "recipient_id")[:limit]
    )
    if not batch:
        return 0
    ids = [pk for pk, _user in batch]
    enabled = set(ChannelConfig.objects.filter(enabled=True).values_list("kind", flat=True))
    # One query for the batch's preferences; without an enabled channel none are needed.
    prefs = (
        {p.user_id: p for p in Preference.objects.filter(user_id__in={u for _, u in batch})}
        if enabled
        else {}
    )
    delivered = 0
    for start in range(0, len(ids), CLAIM_CHUNK):
        delivered += _fan_out_chunk(ids[start : start + CLAIM_CHUNK], prefs, enabled, now)
    return delivered


CLAIM_CHUNK = 100  # outbox rows claimed and fanned out per transaction


def _fan_out_chunk(
    ids: list[int], prefs: dict[int, Preference], enabled: set[str], now: datetime
) -> int:
    """One transaction: claim the rows of `ids` no other worker holds or has delivered, and
    write their in-app notification and deliveries. PostgreSQL: rows another worker has
    locked are skipped (SKIP LOCKED), rows it delivered meanwhile fail `delivered_at IS
    NULL`; SQLite: the transaction holds the write lock from its start (IMMEDIATE)."""
    with transaction.atomic():
        claim = Outbox.objects.select_for_update(skip_locked=True, of=("self",)).filter(
            pk__in=ids, delivered_at__isnull=True
        )
        if prefs:  # `plan` reads the recipient and the directive only for a preference
            claim = claim.select_related("recipient", "directive", "task__directive")
        rows = list(claim.order_by("id"))
        if not rows:
            return 0
        Outbox.objects.filter(pk__in=[row.pk for row in rows]).update(delivered_at=now)
        notifications: list[Notification] = []
        deliveries: list[Delivery] = []
        for row in rows:
            notifications.append(
                Notification(
                    user_id=row.recipient_id,
                    created_at=row.created_at,
                    kind=row.kind,
                    title=row.title,
                    body=row.body,
                    task_id=row.task_id,
                    directive_id=row.directive_id,
                    source=row,
                )
            )
            deliveries.append(
                Delivery(
                    outbox=row,
                    channel=ChannelKind.IN_APP,
                    state=DeliveryState.DELIVERED,
                    created_at=now,
                    next_attempt_at=now,
                    delivered_at=now,
                )
            )
            for channel, address, when in plan(row, prefs.get(row.recipient_id), enabled, now):
                deliveries.append(
                    Delivery(
                        outbox=row,
                        channel=channel,
                        address=address,
                        created_at=now,
                        next_attempt_at=when,
                    )
                )
        Notification.objects.bulk_create(notifications)
        Delivery.objects.bulk_create(deliveries)
        return len(rows)


# ---------------------------------------------------------------- sending


class DbTokens:
    """The access-token cache of one channel, in its ChannelConfig row (shared by workers)."""

    def __init__(self, kind: str):
        self.kind = kind

    def get(self) -> str | None:
        row = (
            ChannelConfig.objects.filter(kind=self.kind).values("token", "token_expires_at").first()
        )
        if not row or not row["token"] or row["token_expires_at"] is None:
            return None
        return str(row["token"]) if row["token_expires_at"] > timezone.now() else None

    def put(self, token: str, expires_at: datetime) -> None:
        ChannelConfig.objects.filter(kind=self.kind).update(
            token=token, token_expires_at=expires_at
        )

    def clear(self) -> None:
        ChannelConfig.objects.filter(kind=self.kind).update(token="", token_expires_at=None)


def message_of(row: Outbox) -> Message:
    body = row.body
    if row.task_id and row.task is not None:
        body = f"{body}\n事项编号：{row.task.code}" if body else f"事项编号：{row.task.code}"
    return Message(title=row.title, body=body, urgent=is_urgent(row))


def _due(channel: str, now: datetime) -> Any:
    return Delivery.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
        channel=channel,
        state=DeliveryState.QUEUED,
        next_attempt_at__lte=now,
    )


def claim(channel: str, *, now: datetime, limit: int) -> tuple[list[int], datetime]:
    """Take up to `limit` due deliveries of one channel; returns their ids and the lease."""
    lease = now + LEASE
    if limit <= 0:
        return [], lease
    if connection.vendor == "postgresql":
        # SKIP LOCKED: a second worker takes the next rows instead of waiting for these.
        with transaction.atomic():
            ids = list(
                _due(channel, now)
                .select_for_update(skip_locked=True)
                .order_by("next_attempt_at", "id")
                .values_list("id", flat=True)[:limit]
            )
            Delivery.objects.filter(id__in=ids).update(
                claimed_until=lease, attempts=F("attempts") + 1
            )
        return ids, lease
    ids = []
    for pk in (
        _due(channel, now)
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[: limit * 2]
    ):
        # The conditional UPDATE is the claim: of two workers, one changes the row.
        if _due(channel, now).filter(pk=pk).update(claimed_until=lease, attempts=F("attempts") + 1):
            ids.append(pk)
            if len(ids) >= limit:
                break
    return ids, lease


def send_due(*, now: datetime, limit: int, report: DeliveryReport) -> None:
    for config in ChannelConfig.objects.filter(enabled=True).order_by("kind"):
        # Rate limit: what this channel sent in the last minute counts against it.
        recent = Delivery.objects.filter(
            channel=config.kind, sent_at__gt=timezone.now() - timedelta(minutes=1)
        ).count()
        ids, lease = claim(config.kind, now=now, limit=min(limit, config.rate_per_minute - recent))
        if not ids:
            continue
        client = build(config.kind, config.options, config.secrets, DbTokens(config.kind))
        rows = Delivery.objects.filter(id__in=ids).select_related(
            "outbox", "outbox__task", "outbox__directive", "outbox__task__directive"
        )
        for d in rows.order_by("next_attempt_at", "id"):
            _send_one(d, client, config, lease=lease, now=now, report=report)


def _send_one(
    d: Delivery,
    client: Any,
    config: ChannelConfig,
    *,
    lease: datetime,
    now: datetime,
    report: DeliveryReport,
) -> None:
    mine = Delivery.objects.filter(pk=d.pk, claimed_until=lease)
    try:
        outcome = client.send(message_of(d.outbox), d.address)
    except Refused as e:
        mine.update(state=DeliveryState.FAILED, last_error=str(e)[:2000], claimed_until=None)
        report.failed += 1
        log.warning("delivery %s on %s refused: %s", d.pk, d.channel, e)
        return
    except Exception as e:  # Retry, or a bug in a client: never lose the message
        error = str(e) if isinstance(e, Retry) else f"{type(e).__name__}: {e}"
        if d.attempts >= config.max_attempts:
            mine.update(state=DeliveryState.DEAD, last_error=error[:2000], claimed_until=None)
            report.dead += 1
        else:
            mine.update(
                last_error=error[:2000],
                claimed_until=None,
                next_attempt_at=now + backoff(d.attempts),
            )
            report.retried += 1
        log.warning("delivery %s on %s attempt %s: %s", d.pk, d.channel, d.attempts, error)
        return
    at = timezone.now()
    mine.update(
        state=outcome.state,
        sent_at=at,
        delivered_at=at if outcome.state == DeliveryState.DELIVERED else None,
        external_id=outcome.external_id[:120],
        last_error="",
        claimed_until=None,
    )
    report.sent += 1
