"""Next poll time: adaptive base per kind, source hints, backoff, global clamp."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from schemas.enums import FeedKind
from worker.pipeline.schedule import (
    KIND_BOUNDS,
    Hints,
    http_freshness,
    next_poll,
)

NOW = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
LIMITS = {"default_interval": 900, "min_interval": 60, "max_interval": 86_400}


def _next(kind: FeedKind = FeedKind.RSS, **kwargs):
    return next_poll(now=NOW, kind=kind, **{**LIMITS, **kwargs})


def test_a_feed_without_history_starts_at_its_kinds_default() -> None:
    plan = _next()
    assert (plan.at, plan.interval, plan.reason) == (
        NOW + timedelta(seconds=900),
        900,
        "default for rss",
    )
    assert (
        _next(FeedKind.SITEMAP_INDEX).interval
        == KIND_BOUNDS[FeedKind.SITEMAP_INDEX].default
    )
    assert _next(FeedKind.HTML_LISTING).interval == 1800


def test_an_unknown_kind_starts_at_the_configured_default() -> None:
    plan = next_poll(
        now=NOW,
        kind=FeedKind.UNKNOWN,
        default_interval=1234,
        min_interval=60,
        max_interval=86_400,
    )
    assert plan.interval == 1234


def test_the_interval_follows_the_publishing_rate() -> None:
    # 1 entry every 20 minutes: one poll per expected entry.
    plan = _next(rate=1 / 1200, window_span=7200, window_polls=8)
    assert plan.interval == 1200
    assert plan.reason == "~1 new entry per 20 min over 8 polls"


def test_a_busy_feed_is_held_at_its_kinds_minimum() -> None:
    plan = _next(rate=1.0, window_span=3600, window_polls=10)
    assert plan.interval == KIND_BOUNDS[FeedKind.RSS].min
    assert plan.reason.endswith("rss min 5 min")


def test_a_quiet_feed_waits_as_long_as_it_has_been_quiet_up_to_its_kinds_max() -> None:
    assert _next(rate=0.0, window_span=5400, window_polls=4).interval == 5400
    slow = _next(rate=0.0, window_span=10**6, window_polls=24)
    assert slow.interval == KIND_BOUNDS[FeedKind.RSS].max
    assert slow.reason == "no new entries in 24 polls over 278 h, rss max 6 h"


def test_kinds_differ_for_the_same_rate() -> None:
    rate = {"rate": 1 / 600, "window_span": 7200, "window_polls": 12}
    assert _next(FeedKind.NEWS_SITEMAP, **rate).interval == 600
    assert _next(FeedKind.SITEMAP, **rate).interval == 3600
    assert _next(FeedKind.HTML_LISTING, **rate).interval == 600


@pytest.mark.parametrize(
    ("hints", "interval", "reason"),
    [
        (Hints(ttl_minutes=60), 3600, "feed ttl 60 min"),
        (Hints(update_period_minutes=120), 7200, "sy:updatePeriod 120 min"),
        (Hints(fresh_for=1800.2), 1801, "http freshness 1801 s"),
        (Hints(retry_after=4000), 4000, "retry-after 4000 s"),
    ],
)
def test_a_source_asking_for_less_frequent_polling_is_obeyed(
    hints: Hints, interval: int, reason: str
) -> None:
    plan = _next(hints=hints)
    assert (plan.interval, plan.reason) == (interval, reason)


def test_a_source_asking_for_more_frequent_polling_is_not() -> None:
    plan = _next(
        hints=Hints(ttl_minutes=1, update_period_minutes=2, fresh_for=5, retry_after=9)
    )
    assert (plan.interval, plan.reason) == (900, "default for rss")


def test_hints_may_exceed_the_kind_max_but_not_the_global_max() -> None:
    assert _next(hints=Hints(ttl_minutes=12 * 60)).interval == 12 * 3600
    capped = _next(hints=Hints(retry_after=10**7))
    assert capped.interval == 86_400
    assert capped.reason == "retry-after 10000000 s, capped at max 86400 s"


def test_errors_back_off_exponentially_from_the_base() -> None:
    assert _next(error_streak=1).interval == 1800
    plan = _next(error_streak=3)
    assert (plan.interval, plan.reason) == (7200, "error backoff x8")
    assert _next(error_streak=10**6).interval == 86_400


def test_the_global_minimum_raises_everything() -> None:
    plan = next_poll(
        now=NOW,
        kind=FeedKind.RSS,
        default_interval=900,
        min_interval=3600,
        max_interval=86_400,
    )
    assert (plan.interval, plan.reason) == (
        3600,
        "default for rss, raised to min 3600 s",
    )


def test_naive_times_and_inverted_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_poll(
            now=datetime(2024, 3, 1),  # noqa: DTZ001
            kind=FeedKind.RSS,
            default_interval=900,
            min_interval=60,
            max_interval=86_400,
        )
    with pytest.raises(ValueError, match="min_interval"):
        next_poll(
            now=NOW,
            kind=FeedKind.RSS,
            default_interval=900,
            min_interval=10,
            max_interval=5,
        )


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"Cache-Control": "public, max-age=600"}, 600.0),
        ({"Cache-Control": 'max-age="300"'}, 300.0),
        ({"Cache-Control": "max-age=60, s-maxage=900"}, 900.0),
        ({"Cache-Control": "no-cache, max-age=600"}, None),
        ({"Cache-Control": "no-store"}, None),
        ({"Expires": "Fri, 01 Mar 2024 13:00:00 GMT"}, 3600.0),
        ({"Expires": "Fri, 01 Mar 2024 11:00:00 GMT"}, None),
        ({"Expires": "0"}, None),
        ({"Expires": "not a date"}, None),
        (
            {
                "Cache-Control": "max-age=120",
                "Expires": "Fri, 01 Mar 2024 13:00:00 GMT",
            },
            120.0,
        ),
        ({}, None),
    ],
)
def test_http_freshness(headers: dict[str, str], seconds: float | None) -> None:
    assert http_freshness(headers, now=NOW) == seconds
