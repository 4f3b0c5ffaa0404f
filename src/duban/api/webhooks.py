"""Outgoing webhooks: each integration's subscribed events, signed and delivered with retries.

Deliveries are derived from the event record after commit, not written by the actions: an
action's events are its durable record already, and `collect` turns them into one
`WebhookDelivery` row per (integration, event), unique, so running it twice, or on two
hosts, queues nothing twice. `deliver_webhooks(now=…)` is what the worker loop calls.

The request (docs/api.md, "Webhooks"):
    POST <url>   Content-Type: application/json; charset=utf-8
    X-Duban-Event: <event kind>          X-Duban-Delivery: <delivery id>
    X-Duban-Timestamp: <unix seconds>
    X-Duban-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>
Any 2xx accepts the delivery; anything else (or no answer within the timeout) is retried
after 1 min, 5 min, 30 min, 2 h, 6 h, 12 h and 24 h, then kept as dead for the system
administrator to see and retry.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from duban.api.models import Integration, WebhookDelivery, WebhookScope
from duban.audit.models import AccessKind, AccessLog
from duban.org.models import User
from duban.work import selectors
from duban.work.errors import Invalid, Refused
from duban.work.models import Event

log = logging.getLogger("duban.api.webhooks")

BACKOFF = [
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
    timedelta(hours=12),
    timedelta(hours=24),
]
MAX_ATTEMPTS = len(BACKOFF) + 1
# An event id is assigned when its row is inserted, but a transaction that inserted a lower
# id may commit after one with a higher id. Events are rescanned until they are this old
# (by the worker's clock), so a late commit is still found; the unique row dedupes.
SCAN_LAG = timedelta(seconds=30)
SCAN_BATCH = 5000
TIMEOUT = 10.0


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


# ---------------------------------------------------------------- events → deliveries


def _scope(integration: Integration) -> Q:
    user: User = integration.user
    if integration.webhook_scope == WebhookScope.OWN:
        # What this integration registered: an OA follows its 收文, a city platform its 交办.
        return Q(directive__registered_by=user)
    return Q(task__in=selectors.tasks_visible_to(user).values("pk")) | Q(
        task__isnull=True, directive__in=selectors.directives_visible_to(user).values("pk")
    )


def collect(integration: Integration, *, now: datetime) -> int:
    """Queue a delivery for every new event the integration subscribed to and may see."""
    with transaction.atomic():
        integ = (
            Integration.objects.select_for_update().select_related("user").get(pk=integration.pk)
        )
        if not integ.webhook_url or not integ.user.is_active:
            return 0
        top = Event.objects.aggregate(m=Max("id"))["m"] or 0
        events = Event.objects.filter(id__gt=integ.webhook_scan_from, id__lte=top)
        if integ.webhook_kinds:
            events = events.filter(kind__in=integ.webhook_kinds)
        ids = list(
            events.filter(_scope(integ)).order_by("id").values_list("id", flat=True)[:SCAN_BATCH]
        )
        rows = [
            WebhookDelivery(integration=integ, event_id=pk, created_at=now, next_attempt_at=now)
            for pk in ids
        ]
        created = WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
        if len(ids) == SCAN_BATCH:
            top = ids[-1]  # a long backlog: continue from here next time
            integ.webhook_scan_from = top
        elif integ.webhook_mark_at is not None and now - integ.webhook_mark_at >= SCAN_LAG:
            integ.webhook_scan_from = max(integ.webhook_scan_from, integ.webhook_mark)
        if integ.webhook_mark_at is None or now - integ.webhook_mark_at >= SCAN_LAG:
            integ.webhook_mark, integ.webhook_mark_at = top, now
        integ.save(update_fields=["webhook_scan_from", "webhook_mark", "webhook_mark_at"])
        return len(created)


# ---------------------------------------------------------------- sending


def body_of(delivery: WebhookDelivery) -> dict[str, Any]:
    from duban.api.v1 import directive_out, task_out, unit_out

    event = delivery.event
    task = event.task
    return {
        "delivery": delivery.pk,
        "integration": delivery.integration.name,
        "event": {
            "id": event.pk,
            "stream": event.stream,
            "seq": event.seq,
            "kind": event.kind,
            "kind_label": event.get_kind_display(),
            "at": event.at,
            "actor": (event.actor.full_name or event.actor.username) if event.actor else None,
            "actor_unit": unit_out(event.actor_unit),
            "payload": event.payload,
            "hash": event.hash,
        },
        "directive": directive_out(event.directive),
        "task": task_out(task) if task is not None else None,
    }


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is an answer that is not 2xx: retried, never followed


# No proxy from the environment: webhooks go to systems on the same intranet.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int | None, str]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _opener.open(request, timeout=timeout) as response:
            return int(response.status), ""
    except urllib.error.HTTPError as e:
        return int(e.code), f"HTTP {e.code}"
    except (urllib.error.URLError, OSError, ValueError) as e:
        reason = getattr(e, "reason", e)
        return None, f"{type(e).__name__}: {reason}"[:500]


@dataclass
class Result:
    queued: int = 0
    delivered: int = 0
    failed: int = 0
    dead: int = 0


def deliver_webhooks(
    *, now: datetime | None = None, limit: int = 200, timeout: float = TIMEOUT
) -> Result:
    """Queue new events, then send what is due. Safe to run from several workers at once:
    each delivery is claimed with a conditional UPDATE before it is sent."""
    now = now or timezone.now()
    result = Result()
    for integration in Integration.objects.exclude(webhook_url="").filter(user__is_active=True):
        result.queued += collect(integration, now=now)
    due = (
        WebhookDelivery.objects.filter(
            delivered_at__isnull=True, dead_at__isnull=True, next_attempt_at__lte=now
        )
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    for pk in list(due):
        claimed = (
            WebhookDelivery.objects.filter(pk=pk, delivered_at__isnull=True, dead_at__isnull=True)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .update(claimed_until=now + timedelta(seconds=timeout * 3))
        )
        if not claimed:
            continue  # another worker has it
        delivery = WebhookDelivery.objects.select_related(
            "integration",
            "event__directive",
            "event__task__directive",
            "event__actor",
            "event__actor_unit",
            "event__task__lead_unit",
            "event__task__leader",
        ).get(pk=pk)
        _send(delivery, now=now, timeout=timeout, result=result)
    return result


def _send(delivery: WebhookDelivery, *, now: datetime, timeout: float, result: Result) -> None:
    integ = delivery.integration
    if not integ.webhook_url:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(claimed_until=None)
        return
    body = json.dumps(body_of(delivery), cls=DjangoJSONEncoder, ensure_ascii=False).encode()
    # The signature's timestamp is the wall clock, which the receiver compares with its own.
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Duban-Webhook/1",
        "X-Duban-Event": delivery.event.kind,
        "X-Duban-Delivery": str(delivery.pk),
        "X-Duban-Timestamp": stamp,
        "X-Duban-Signature": sign(integ.webhook_secret, stamp, body),
    }
    status, error = _post(integ.webhook_url, body, headers, timeout)
    attempts = delivery.attempts + 1
    fields: dict[str, Any] = {"attempts": attempts, "last_status": status, "claimed_until": None}
    if status is not None and 200 <= status < 300:
        fields |= {"delivered_at": now, "last_error": ""}
        result.delivered += 1
    else:
        fields["last_error"] = error or f"HTTP {status}"
        if attempts >= MAX_ATTEMPTS:
            fields["dead_at"] = now
            result.dead += 1
            log.warning("webhook delivery %s to %s dead: %s", delivery.pk, integ.name, error)
        else:
            fields["next_attempt_at"] = now + BACKOFF[attempts - 1]
            result.failed += 1
    WebhookDelivery.objects.filter(pk=delivery.pk).update(**fields)


def retry(*, delivery: WebhookDelivery, by: User, now: datetime | None = None) -> None:
    """The system administrator sends a dead (or waiting) delivery again at the next run."""
    now = now or timezone.now()
    if not by.is_active or by.role != "sysadmin":
        raise Refused("只有系统管理员可以重发回调。", log=f"{by.role} retrying a webhook")
    if delivery.delivered_at is not None:
        raise Invalid("该回调已送达。", log=f"delivery {delivery.pk} already delivered")
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        dead_at=None, next_attempt_at=now, attempts=0, claimed_until=None
    )
    AccessLog.objects.create(
        at=now,
        kind=AccessKind.ADMIN,
        user=by,
        username=by.username,
        detail=f"webhook delivery {delivery.pk} retried",
    )
