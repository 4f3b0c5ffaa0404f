"""Reads of notify/ records, scoped to the acting user."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import QuerySet

from duban.notify.models import ChannelKind, Delivery, DeliveryState, Outbox
from duban.org.models import UNIT_ROLES, Role, User
from duban.work.models import Task

SEE_ALL = frozenset({Role.SUPERVISOR, Role.LEADER, Role.AUDITOR})


@dataclass
class SentNote:
    """One notification about a task and its state on each channel (the task page)."""

    recipient: User
    title: str
    created_at: datetime
    channels: list[tuple[str, str, str]] = field(default_factory=list)  # label, state, label


def task_deliveries(user: User, task: Task, *, limit: int = 200) -> list[SentNote]:
    """The notifications about a task with their delivery state per channel.

    The office and leaders see every recipient; a unit sees its own people's."""
    rows = Outbox.objects.filter(task=task, delivered_at__isnull=False)
    if user.role in UNIT_ROLES and user.unit_id is not None:
        rows = rows.filter(recipient__unit_id=user.unit_id)
    elif user.role not in SEE_ALL:
        return []
    notes: dict[int, SentNote] = {}
    for row in rows.select_related("recipient", "recipient__unit").order_by("-created_at", "-id")[
        :limit
    ]:
        notes[row.pk] = SentNote(row.recipient, row.title, row.created_at)
    for d in Delivery.objects.filter(outbox_id__in=notes).order_by("id"):
        notes[d.outbox_id].channels.append(
            (ChannelKind(d.channel).label, d.state, DeliveryState(d.state).label)
        )
    return list(notes.values())


def dead_letters(user: User, *, limit: int = 200) -> QuerySet[Delivery]:
    """Deliveries given up on (死信) or refused, newest first: the sysadmin's list."""
    if user.role != Role.SYSADMIN:
        return Delivery.objects.none()
    return (
        Delivery.objects.filter(state__in=[DeliveryState.DEAD, DeliveryState.FAILED])
        .select_related("outbox", "outbox__recipient")
        .order_by("-created_at", "-id")[:limit]
    )
