"""Next poll time: clamping, feed ttl, Retry-After and error backoff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from worker.pipeline.schedule import next_poll_after

NOW = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
LIMITS = {"min_interval": 300, "max_interval": 86_400}


def test_the_default_interval_is_used_when_nothing_else_applies() -> None:
    assert next_poll_after(now=NOW, interval_seconds=900, **LIMITS) == (
        NOW + timedelta(seconds=900),
        900,
        "default interval",
    )


def test_an_interval_below_the_minimum_is_raised_to_it() -> None:
    at, used, reason = next_poll_after(now=NOW, interval_seconds=10, **LIMITS)
    assert (at, used) == (NOW + timedelta(seconds=300), 300)
    assert reason == "default interval, raised to min 300 s"


def test_an_interval_above_the_maximum_is_capped() -> None:
    _, used, reason = next_poll_after(now=NOW, interval_seconds=10**9, **LIMITS)
    assert used == 86_400
    assert reason.endswith("capped at max 86400 s")


def test_a_longer_feed_ttl_lengthens_the_interval() -> None:
    _, used, reason = next_poll_after(
        now=NOW, interval_seconds=900, ttl_minutes=60, **LIMITS
    )
    assert (used, reason) == (3600, "feed ttl 60 min")


def test_a_shorter_feed_ttl_never_shortens_the_interval() -> None:
    _, used, reason = next_poll_after(
        now=NOW, interval_seconds=900, ttl_minutes=1, **LIMITS
    )
    assert (used, reason) == (900, "default interval")


def test_retry_after_lengthens_but_never_shortens() -> None:
    assert next_poll_after(
        now=NOW,
        interval_seconds=60,
        min_interval=60,
        max_interval=3600,
        retry_after=120,
    )[1:] == (120, "retry-after 120 s")
    assert next_poll_after(now=NOW, interval_seconds=900, retry_after=30.5, **LIMITS)[
        1:
    ] == (900, "default interval")


def test_a_fractional_retry_after_is_rounded_up() -> None:
    _, used, _ = next_poll_after(
        now=NOW,
        interval_seconds=60,
        min_interval=60,
        max_interval=3600,
        retry_after=90.2,
    )
    assert used == 91


@pytest.mark.parametrize(
    ("streak", "expected", "reason"),
    [
        (1, 1800, "error backoff x2"),
        (2, 3600, "error backoff x4"),
        (3, 7200, "error backoff x8"),
    ],
)
def test_errors_back_off_exponentially(streak: int, expected: int, reason: str) -> None:
    _, used, text = next_poll_after(
        now=NOW, interval_seconds=900, error_streak=streak, **LIMITS
    )
    assert (used, text) == (expected, reason)


def test_error_backoff_is_capped_at_the_maximum_however_long_the_streak() -> None:
    _, used, reason = next_poll_after(
        now=NOW, interval_seconds=900, error_streak=10_000, **LIMITS
    )
    assert used == 86_400
    assert reason.startswith("error backoff x")
    assert reason.endswith("capped at max 86400 s")


def test_the_next_poll_keeps_the_zone_of_now() -> None:
    at, _, _ = next_poll_after(now=NOW, interval_seconds=900, **LIMITS)
    assert at.tzinfo is UTC


def test_a_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        next_poll_after(now=datetime(2024, 3, 1), interval_seconds=900, **LIMITS)  # noqa: DTZ001


def test_inverted_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="min_interval"):
        next_poll_after(now=NOW, interval_seconds=900, min_interval=10, max_interval=5)
