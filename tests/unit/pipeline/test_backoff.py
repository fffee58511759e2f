"""Exponential backoff with jitter stays within its bounds."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from worker.pipeline.backoff import compute_backoff

# Seeded generators make jitter reproducible; nothing here is cryptographic.
Random = random.Random


@pytest.mark.parametrize(
    ("attempt", "expected"), [(0, 5.0), (1, 10.0), (2, 20.0), (3, 40.0), (10, 600.0)]
)
def test_without_jitter_the_delay_doubles_up_to_the_maximum(
    attempt: int, expected: float
) -> None:
    assert compute_backoff(attempt, base=5, maximum=600, jitter=False) == expected


def test_a_huge_attempt_number_is_capped_not_an_overflow() -> None:
    assert compute_backoff(10**6, base=5, maximum=600, jitter=False) == 600.0


@given(
    attempt=st.integers(min_value=0, max_value=10_000),
    base=st.floats(min_value=0, max_value=1000),
    maximum=st.floats(min_value=0, max_value=100_000),
    seed=st.integers(),
)
def test_with_jitter_the_delay_is_between_half_and_all_of_the_nominal_delay(
    attempt: int, base: float, maximum: float, seed: int
) -> None:
    nominal = compute_backoff(attempt, base=base, maximum=maximum, jitter=False)

    delay = compute_backoff(attempt, base=base, maximum=maximum, rng=Random(seed))

    assert nominal / 2 <= delay <= nominal <= maximum


def test_the_same_seed_gives_the_same_delay() -> None:
    first = compute_backoff(3, base=1, maximum=100, rng=Random(42))
    second = compute_backoff(3, base=1, maximum=100, rng=Random(42))
    assert first == second


def test_jitter_spreads_the_delays() -> None:
    rng = Random(7)
    delays = {compute_backoff(4, base=1, maximum=100, rng=rng) for _ in range(20)}
    assert len(delays) > 10


def test_without_an_rng_the_module_random_is_used_and_bounds_hold() -> None:
    assert 4.0 <= compute_backoff(1, base=4, maximum=100) <= 8.0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"attempt": -1, "base": 1, "maximum": 1},
        {"attempt": 0, "base": -1, "maximum": 1},
        {"attempt": 0, "base": 1, "maximum": -1},
    ],
)
def test_negative_arguments_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="negative"):
        compute_backoff(
            int(kwargs["attempt"]), base=kwargs["base"], maximum=kwargs["maximum"]
        )
