"""Quiet hours: when a held message may go out. Pure Python (no Django)."""

from __future__ import annotations

from datetime import datetime, time, timedelta


def in_quiet(t: time, start: time, end: time) -> bool:
    if start == end:
        return False
    if start < end:
        return start <= t < end
    return t >= start or t < end  # over midnight, e.g. 22:00-07:00


def release_at(now_local: datetime, start: time | None, end: time | None) -> datetime:
    """`now_local` if outside the quiet hours, else the moment they end (local time)."""
    if start is None or end is None or not in_quiet(now_local.time(), start, end):
        return now_local
    release = now_local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if release <= now_local:
        release += timedelta(days=1)
    return release


def backoff(attempts: int, *, base: float = 30.0, cap: float = 3600.0) -> timedelta:
    """30 s, 1 min, 2 min, 4 min … at most an hour: after the `attempts`-th failure."""
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))
