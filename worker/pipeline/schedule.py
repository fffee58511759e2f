"""When to poll a source next, and why.

The interval is built in three steps, and the reason for the winning value is kept so
an operator can see why a feed is quiet (``newsfeed feeds`` prints it):

1. **Adaptive base**, from the feed's publishing rate over its poll window
   (``activity.publishing_rate``): one poll per expected new entry, ``1 / rate``,
   clamped to the bounds of the source's kind (:data:`KIND_BOUNDS`: feeds, news
   sitemaps, sitemaps, sitemap indexes and listing pages differ). A window with no new
   entry at all gives its own span: nothing in the last 2 hours means wait 2 hours, so
   a quiet feed slows down step by step up to its kind's maximum. While the window is
   too short, the kind's default applies.
2. **What the source asks for**, only where it asks for *less* frequent polling:
   RSS ``<ttl>``, ``sy:updatePeriod``/``sy:updateFrequency``, ``Cache-Control:
   max-age`` or ``Expires`` (:func:`http_freshness`), and ``Retry-After`` on 429/503.
   These may go past the kind's maximum (a publisher's wish beats our default).
3. **Error backoff**: after consecutive failures, the base times ``2**streak``.

The longest candidate wins, then the global ``[min_interval, max_interval]`` settings
clamp it: a feed is never polled more often than the minimum nor left longer than the
maximum, Retry-After included.

What this module does not do: read the clock (``now`` is an argument), read settings,
or keep the history (``activity.py`` does).

References: RSS 2.0 ``<ttl>``; RSS 1.0 Syndication module (``sy:updatePeriod``);
RFC 9111 §5.2.2.1 (max-age) and §5.3 (Expires); RFC 9110 §10.2.3 (Retry-After).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from schemas.enums import FeedKind

# 2**30 times any interval is beyond any max_interval; the cap keeps integers small.
_MAX_STREAK_EXPONENT = 30
_MAX_AGE = re.compile(r"(?:^|,)\s*(?:s-maxage|max-age)\s*=\s*\"?(\d+)", re.IGNORECASE)
_NO_FRESHNESS = re.compile(r"no-cache|no-store", re.IGNORECASE)


@dataclass(frozen=True)
class Bounds:
    """Seconds: the fastest, the starting and the slowest interval for a kind."""

    min: int
    default: int
    max: int


MINUTE, HOUR = 60, 3600
# News feeds and news sitemaps change within minutes; a plain sitemap or an index
# lists the archive and changes a few times a day; a listing page sits in between.
KIND_BOUNDS: Mapping[FeedKind, Bounds] = {
    FeedKind.RSS: Bounds(5 * MINUTE, 15 * MINUTE, 6 * HOUR),
    FeedKind.ATOM: Bounds(5 * MINUTE, 15 * MINUTE, 6 * HOUR),
    FeedKind.JSON_FEED: Bounds(5 * MINUTE, 15 * MINUTE, 6 * HOUR),
    FeedKind.NEWS_SITEMAP: Bounds(5 * MINUTE, 15 * MINUTE, 6 * HOUR),
    FeedKind.SITEMAP: Bounds(1 * HOUR, 6 * HOUR, 24 * HOUR),
    FeedKind.SITEMAP_INDEX: Bounds(1 * HOUR, 6 * HOUR, 24 * HOUR),
    FeedKind.HTML_LISTING: Bounds(10 * MINUTE, 30 * MINUTE, 12 * HOUR),
}


@dataclass(frozen=True)
class Hints:
    """What the source itself said about how often to come back."""

    ttl_minutes: int | None = None  # RSS <ttl>
    update_period_minutes: int | None = None  # sy:updatePeriod / sy:updateFrequency
    fresh_for: float | None = None  # Cache-Control max-age or Expires, seconds
    retry_after: float | None = None  # 429 / 503


@dataclass(frozen=True)
class NextPoll:
    at: datetime
    interval: int  # seconds
    reason: str


def bounds_for(kind: FeedKind, default_interval: int) -> Bounds:
    """The kind's bounds; an unknown kind starts at the configured default."""
    known = KIND_BOUNDS.get(kind)
    if known is not None:
        return known
    return Bounds(5 * MINUTE, default_interval, 6 * HOUR)


def next_poll(
    *,
    now: datetime,
    kind: FeedKind,
    default_interval: int,
    min_interval: int,
    max_interval: int,
    rate: float | None = None,
    window_span: float | None = None,
    window_polls: int = 0,
    hints: Hints | None = None,
    error_streak: int = 0,
) -> NextPoll:
    """When to poll next after a poll (or failure) at ``now``.

    ``rate`` is new entries per second over a window of ``window_polls`` polls
    spanning ``window_span`` seconds (``None`` while unknown).

    Raises:
        ValueError: ``now`` is naive, or ``min_interval > max_interval``.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    if min_interval > max_interval:
        raise ValueError("min_interval must not exceed max_interval")
    bounds = bounds_for(kind, default_interval)
    base, why = _adaptive(bounds, kind, rate, window_span, window_polls)
    candidates = [(base, why), *_hinted(hints or Hints())]
    if error_streak > 0:
        factor = 2 ** min(error_streak, _MAX_STREAK_EXPONENT)
        candidates.append((base * factor, f"error backoff x{factor}"))
    # max() keeps the first of equal candidates: the plainest explanation wins.
    interval, reason = max(candidates, key=lambda candidate: candidate[0])
    if interval > max_interval:
        interval, reason = max_interval, f"{reason}, capped at max {max_interval} s"
    elif interval < min_interval:
        interval, reason = min_interval, f"{reason}, raised to min {min_interval} s"
    return NextPoll(now + timedelta(seconds=interval), interval, reason)


def _adaptive(
    bounds: Bounds,
    kind: FeedKind,
    rate: float | None,
    span: float | None,
    polls: int,
) -> tuple[int, str]:
    if rate is None or span is None:
        return bounds.default, f"default for {kind.value}"
    if rate > 0:
        wanted = math.ceil(1 / rate)
        why = f"~1 new entry per {_human(wanted)} over {polls} polls"
    else:
        wanted = math.ceil(span)
        why = f"no new entries in {polls} polls over {_human(wanted)}"
    if wanted > bounds.max:
        return bounds.max, f"{why}, {kind.value} max {_human(bounds.max)}"
    if wanted < bounds.min:
        return bounds.min, f"{why}, {kind.value} min {_human(bounds.min)}"
    return wanted, why


def _hinted(hints: Hints) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    if hints.ttl_minutes is not None and hints.ttl_minutes > 0:
        found.append((hints.ttl_minutes * 60, f"feed ttl {hints.ttl_minutes} min"))
    if hints.update_period_minutes is not None and hints.update_period_minutes > 0:
        minutes = hints.update_period_minutes
        found.append((minutes * 60, f"sy:updatePeriod {minutes} min"))
    if hints.fresh_for is not None and hints.fresh_for > 0:
        seconds = math.ceil(hints.fresh_for)
        found.append((seconds, f"http freshness {seconds} s"))
    if hints.retry_after is not None and hints.retry_after > 0:
        seconds = math.ceil(hints.retry_after)
        found.append((seconds, f"retry-after {seconds} s"))
    return found


def http_freshness(headers: Mapping[str, str], *, now: datetime) -> float | None:
    """Seconds the response says it stays fresh: ``max-age`` (or ``s-maxage``), else
    ``Expires`` minus now (RFC 9111 §4.2.1); None when absent, invalid or no-cache."""
    cache_control = headers.get("Cache-Control") or ""
    if _NO_FRESHNESS.search(cache_control):
        return None
    ages = [int(m) for m in _MAX_AGE.findall(cache_control)]
    if ages:
        return float(max(ages))
    expires = headers.get("Expires")
    if not expires:
        return None
    try:
        when = parsedate_to_datetime(expires)
    except (TypeError, ValueError, IndexError):
        return None  # "Expires: 0" and other invalid dates mean already expired
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = (when - now).total_seconds()
    return seconds if seconds > 0 else None


def _human(seconds: int) -> str:
    if seconds % HOUR == 0 or seconds >= 10 * HOUR:
        return f"{seconds / HOUR:.0f} h"
    if seconds >= 2 * MINUTE:
        return f"{seconds / MINUTE:.0f} min"
    return f"{seconds} s"
