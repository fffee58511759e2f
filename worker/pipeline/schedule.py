"""When to poll a feed next.

The next interval is the longest of what applies, clamped to ``[min_interval,
max_interval]``:

* the feed's configured interval (``"default interval"``);
* the feed's own RSS ``<ttl>`` (``"feed ttl 60 min"``): a publisher asking to be polled
  less often is obeyed; a ttl shorter than our interval is ignored;
* the server's ``Retry-After`` (``"retry-after 120 s"``), likewise only lengthening;
* after consecutive failures, the interval times ``2**error_streak``
  (``"error backoff x4"``), so a dead feed costs little.

``max_interval`` wins over everything, Retry-After included: a feed is never left
unpolled for longer than that. The reason text is stored and logged so an operator can
see why a feed is quiet.

What this module does not do: read the clock (``now`` is an argument), read settings,
or learn from publication history (an adaptive interval can be added here later).

References: RSS 2.0 spec, ``<ttl>`` sub-element of ``<channel>``; RFC 9110 §10.2.3
(Retry-After).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

# 2**30 times any interval is beyond any max_interval; the cap keeps integers small.
_MAX_STREAK_EXPONENT = 30


def next_poll_after(
    *,
    now: datetime,
    interval_seconds: int,
    min_interval: int,
    max_interval: int,
    ttl_minutes: int | None = None,
    retry_after: float | None = None,
    error_streak: int = 0,
) -> tuple[datetime, int, str]:
    """Return ``(next_poll_at, interval_used, reason)`` for a feed polled at ``now``.

    Raises:
        ValueError: ``now`` is naive, or ``min_interval > max_interval``.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    if min_interval > max_interval:
        raise ValueError("min_interval must not exceed max_interval")
    candidates: list[tuple[int, str]] = [(interval_seconds, "default interval")]
    if ttl_minutes is not None and ttl_minutes > 0:
        candidates.append((ttl_minutes * 60, f"feed ttl {ttl_minutes} min"))
    if retry_after is not None and retry_after > 0:
        seconds = math.ceil(retry_after)
        candidates.append((seconds, f"retry-after {seconds} s"))
    if error_streak > 0:
        factor = 2 ** min(error_streak, _MAX_STREAK_EXPONENT)
        base = max(interval_seconds, min_interval)
        candidates.append((base * factor, f"error backoff x{factor}"))
    # max() keeps the first of equal candidates: the plainest explanation wins.
    interval, reason = max(candidates, key=lambda candidate: candidate[0])
    if interval > max_interval:
        interval, reason = max_interval, f"{reason}, capped at max {max_interval} s"
    elif interval < min_interval:
        interval, reason = min_interval, f"{reason}, raised to min {min_interval} s"
    return now + timedelta(seconds=interval), interval, reason
