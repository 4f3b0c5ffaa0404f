"""`RecordEvent`, the chain's rows, and `ChainedRecord`, the base of every holder."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models

from duban.org.models import Unit
from duban.work.models import GuardedModel, _writing


class ChainedRecord(GuardedModel):
    """A record with a chain of its own: its head (count and hash) is kept on its row.

    Subclasses set STREAM_PREFIX (short, unique over all subclasses) and RECORD_LABEL
    (Chinese, as a problem found by `audit verify` names the record: "建议提案“…”").
    """

    STREAM_PREFIX: ClassVar[str] = ""
    RECORD_LABEL: ClassVar[str] = ""

    event_seq = models.PositiveIntegerField(default=0, editable=False)
    head_hash = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def stream(self) -> str:
        return f"{self.STREAM_PREFIX}:{self.pk}"

    def chain_name(self) -> str:
        """How a problem names this record, in Chinese."""
        return f"{self.RECORD_LABEL}“{self}”（id {self.pk}）"


class RecordEvent(models.Model):
    """Append-only, hash-chained: one row per change of a `ChainedRecord`."""

    stream = models.CharField(max_length=24)
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=32)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    payload = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["stream", "seq"]
        constraints = [
            models.UniqueConstraint(
                fields=["stream", "seq"], name="record_event_stream_seq_unique"
            ),
        ]
        indexes = [models.Index(fields=["kind", "at"], name="record_event_kind_at")]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None or not _writing.get():
            raise RuntimeError("record events are append-only and written only by duban actions")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise RuntimeError("record events are append-only")
