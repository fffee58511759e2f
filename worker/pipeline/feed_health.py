"""Whether a failed poll is permanent, and when a feed should be disabled.

A *transient* failure (timeout, connection error, 5xx, 429) says nothing about the feed:
it backs off (``schedule.py``) and is tried again. A *permanent* one (404 and the other
4xx, a page that is not a feed, a document nothing can be read from, a refused address
or a robots.txt disallow) will most likely happen again; after ``threshold`` of them in
a row the feed is disabled with a reason an operator can read, so a dead source stops
costing a request every few hours. ``410 Gone`` is the server saying so outright and
disables at once (RFC 9110 §15.5.11).

What this module does not do: count (the feed row keeps the streak) or re-enable (an
operator does, with ``newsfeed add-feed`` of the same URL or in the database).
"""

from __future__ import annotations

from http import HTTPStatus

from schemas.enums import FailureReason

PERMANENT_REASONS = frozenset(
    {
        FailureReason.HTTP_4XX,
        FailureReason.NOT_FEED,
        FailureReason.UNPARSEABLE,
        FailureReason.NOT_HTML,
        FailureReason.NO_CONTENT,
        FailureReason.BLOCKED_ADDRESS,
        FailureReason.BAD_SCHEME,
        FailureReason.ROBOTS_DISALLOWED,
        FailureReason.TOO_MANY_REDIRECTS,
        FailureReason.REDIRECT_LOOP,
    }
)


def is_permanent(reason: str) -> bool:
    return reason in PERMANENT_REASONS


def disable_reason(
    reason: str, http_status: int | None, *, streak: int, threshold: int
) -> str | None:
    """Why the feed is disabled after a permanent failure, or None to keep polling.

    ``streak`` counts this failure.
    """
    status = f" {http_status}" if http_status else ""
    if http_status == HTTPStatus.GONE:
        return "gone (410)"
    if threshold > 0 and streak >= threshold:
        return f"{reason}{status} on {streak} polls in a row"
    return None
