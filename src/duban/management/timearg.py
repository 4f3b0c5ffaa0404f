"""Parsing `--now` for commands that replay time."""

from __future__ import annotations

from datetime import datetime

from django.core.management.base import CommandError
from django.utils import timezone


def parse_now(raw: str | None) -> datetime:
    if not raw:
        return timezone.now()
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise CommandError(f"--now 时间格式无效：{raw}（应为 2026-11-26T09:00）") from None
    return timezone.make_aware(value) if timezone.is_naive(value) else value
