"""The spot-check draw (supervise/sampling.py): pure and reproducible."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from duban.supervise.sampling import Member, allocate, draw, key, population_digest, sample_size

TWELVE = [Member(i, 1 if i <= 6 else 2 if i <= 9 else 3) for i in range(1, 13)]


def test_the_documented_algorithm_on_a_known_case() -> None:
    # The keys are SHA-256 of "<seed>:<task id>"; anyone can recompute them.
    assert key(42, 7) == hashlib.sha256(b"42:7").hexdigest()
    assert population_digest([12, 3, 7]) == hashlib.sha256(b"3,7,12").hexdigest()
    # Pinned, so a change of the algorithm cannot go unnoticed: it would change old draws.
    assert draw(TWELVE, seed=42, n=3, stratify=False) == [1, 11, 6]
    assert draw(TWELVE, seed=42, n=6, stratify=True) == [1, 11, 6, 4, 7, 9]


def test_the_same_seed_and_population_give_the_same_sample_in_any_order() -> None:
    shuffled = list(reversed(TWELVE))
    assert draw(shuffled, seed=7, n=5, stratify=True) == draw(TWELVE, seed=7, n=5, stratify=True)


def test_strata_get_largest_remainder_quotas() -> None:
    # 6 of 12: unit 1 has 6 → 3; units 2 and 3 have 3 each → 1.5: the tie goes to unit 2.
    assert allocate(6, {1: 6, 2: 3, 3: 3}) == {1: 3, 2: 2, 3: 1}
    assert allocate(4, {1: 7, 2: 3, 3: 2}) == {1: 2, 2: 1, 3: 1}
    sample = draw(TWELVE, seed=42, n=6, stratify=True)
    units = {m.task_id: m.unit_id for m in TWELVE}
    assert sorted(units[i] for i in sample) == [1, 1, 1, 2, 2, 3]


def test_a_rate_is_rounded_up_and_never_exceeds_the_population() -> None:
    assert sample_size(12, rate=Decimal(10)) == 2  # 1.2 → 2
    assert sample_size(12, size=50) == 12
    with pytest.raises(ValueError):
        sample_size(12, rate=Decimal(0))
    with pytest.raises(ValueError):
        sample_size(12, size=3, rate=Decimal(5))


@given(
    st.lists(st.tuples(st.integers(1, 10_000), st.integers(1, 6)), min_size=1, max_size=80),
    st.integers(0, 2**40),
    st.integers(1, 80),
    st.booleans(),
)
def test_a_draw_is_a_subset_of_the_right_size_and_repeatable(
    pairs: list[tuple[int, int]], seed: int, n: int, stratify: bool
) -> None:
    members = [Member(t, u) for t, u in dict(pairs).items()]  # one unit per task
    n = min(n, len(members))
    sample = draw(members, seed=seed, n=n, stratify=stratify)
    assert len(sample) == len(set(sample)) == n
    assert set(sample) <= {m.task_id for m in members}
    assert draw(members, seed=seed, n=n, stratify=stratify) == sample
    if stratify:
        units = {m.task_id: m.unit_id for m in members}
        quotas = allocate(n, {u: list(units.values()).count(u) for u in set(units.values())})
        for u, q in quotas.items():
            assert sum(1 for t in sample if units[t] == u) == q
