"""Random spot checks (随机抽查): a sample anyone can draw again. Pure, no Django.

The algorithm, so that it can be re-implemented in any language from this text:

1. The population is a list of (task id, unit id) pairs: the tasks that meet the filters,
   each with its lead unit. Sort it by task id.
2. Its digest is the SHA-256, in lower-case hex, of the task ids written in decimal,
   ascending, joined by commas (UTF-8): "3,7,12" → sha256(b"3,7,12").
3. Every task gets a key: SHA-256 hex of "<seed>:<task id>" (the seed and the id in
   decimal, UTF-8). Keys are compared as strings, which for lower-case hex of equal
   length is the same as comparing the numbers.
4. The sample size n is the size asked for, or with a rate r (percent) the ceiling of
   population × r / 100; never more than the population.
5. Without strata, the sample is the n tasks with the smallest keys.
6. With strata by unit: unit u with N_u tasks out of N gets floor(n × N_u / N); the units
   with the largest remainders (n × N_u mod N), ties going to the smaller unit id, get one
   more each until the quotas add up to n. Each unit's sample is its quota of tasks with
   the smallest keys.
7. The sample is listed by key, smallest first.

The same seed and population always give the same sample, and nobody can steer the
sample short of choosing the seed; the seed is recorded before any finding is entered.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Member:
    task_id: int
    unit_id: int


def population_digest(task_ids: Sequence[int]) -> str:
    text = ",".join(str(i) for i in sorted(task_ids))
    return hashlib.sha256(text.encode()).hexdigest()


def key(seed: int, task_id: int) -> str:
    return hashlib.sha256(f"{seed}:{task_id}".encode()).hexdigest()


def sample_size(population: int, *, size: int | None = None, rate: Decimal | None = None) -> int:
    if (size is None) == (rate is None):
        raise ValueError("give a size or a rate, not both")
    if size is not None:
        if size < 1:
            raise ValueError("size must be at least 1")
        return min(size, population)
    assert rate is not None
    if not Decimal(0) < rate <= Decimal(100):
        raise ValueError("rate must be above 0 and at most 100 (percent)")
    return min(math.ceil(population * rate / 100), population)


def allocate(n: int, strata: dict[int, int]) -> dict[int, int]:
    """Quotas per stratum (largest remainder), summing to n (n <= total)."""
    total = sum(strata.values())
    if n > total:
        raise ValueError("sample larger than the population")
    if total == 0:
        return {}
    quotas = {u: n * count // total for u, count in strata.items()}
    left = n - sum(quotas.values())
    by_remainder = sorted(strata, key=lambda u: (-(n * strata[u] % total), u))
    for u in by_remainder[:left]:
        quotas[u] += 1
    return quotas


def draw(members: Sequence[Member], *, seed: int, n: int, stratify: bool) -> list[int]:
    """The sampled task ids, smallest key first."""
    ranked = sorted(members, key=lambda m: (key(seed, m.task_id), m.task_id))
    if not stratify:
        chosen = ranked[:n]
    else:
        counts: dict[int, int] = defaultdict(int)
        for m in members:
            counts[m.unit_id] += 1
        quotas = allocate(n, dict(counts))
        chosen = []
        for m in ranked:
            if quotas.get(m.unit_id, 0) > 0:
                chosen.append(m)
                quotas[m.unit_id] -= 1
    return [m.task_id for m in chosen]
