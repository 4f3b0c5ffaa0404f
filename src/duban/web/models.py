"""What the workspace keeps for a person: their saved ledger filters (not work records)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class SavedFilter(models.Model):
    """常用筛选: a named ledger query string, private to the person who saved it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters"
    )
    name = models.CharField("名称", max_length=40)
    # Only the ledger's filter and sort parameters (work.ledger.filter_query), URL-encoded.
    query = models.CharField("筛选条件", max_length=1000, blank=True)
    created_at = models.DateTimeField("保存时间")

    class Meta:
        ordering = ["name", "id"]
        verbose_name = "常用筛选"
        verbose_name_plural = "常用筛选"
        constraints = [
            # Saving under a name already used replaces that filter (views/ledger.py).
            models.UniqueConstraint(fields=["user", "name"], name="saved_filter_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name
