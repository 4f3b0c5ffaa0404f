"""Ranking units by score. Pure, no Django."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal


def competition_ranks(totals: Sequence[Decimal]) -> list[int]:
    """Standard competition ranking ("1224"): equal totals share a rank, the next rank
    skips. `totals` must already be sorted from the highest down."""
    ranks: list[int] = []
    for i, total in enumerate(totals):
        if i and total == totals[i - 1]:
            ranks.append(ranks[-1])
        else:
            ranks.append(i + 1)
    return ranks
