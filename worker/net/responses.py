"""What a response's status line and headers say, before its body is read.

* :func:`raise_for_status` maps the status to the error tree of ``worker.errors``:
  429, and 503 with Retry-After, are ``RateLimited`` (with the wait, RFC 9110 §10.2.3,
  honoured up to an hour); other 5xx are ``ServerError``; 4xx ``HttpClientError``.
* :func:`check_media_type` refuses a body of the wrong kind from its headers alone
  (RELIABILITY B5): an article must be HTML; a feed may be any text, XML, JSON or gzip
  (the parser sniffs); robots.txt must be text.
* :func:`parse_retry_after` reads Retry-After; ``parse_content_type`` (from the pure
  ``worker.pipeline.content_type``) reads Content-Type.

Pure functions of the response headers; ``fetcher.py`` calls them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Literal

import requests

from schemas.enums import FailureReason
from worker.errors import ContentError, HttpClientError, RateLimited, ServerError

Accept = Literal["html", "feed", "robots", "any"]

# RELIABILITY rule 4: Retry-After is honoured up to one hour, never more.
MAX_RETRY_AFTER = 3600.0


def raise_for_status(response: requests.Response) -> None:
    status = response.status_code
    if 200 <= status < 300 or status == 304:  # noqa: PLR2004
        return
    retry_after = response.headers.get("Retry-After")
    if status == 429 or (status == 503 and retry_after):  # noqa: PLR2004
        raise RateLimited(
            f"HTTP {status}",
            retry_after=parse_retry_after(retry_after),
            http_status=status,
        )
    if status >= 500:  # noqa: PLR2004
        raise ServerError(f"HTTP {status}", http_status=status)
    if status >= 400:  # noqa: PLR2004
        raise HttpClientError(f"HTTP {status}", http_status=status)
    raise ContentError(f"unexpected HTTP {status}", http_status=status)


def parse_retry_after(
    value: str | None, *, now: datetime | None = None
) -> float | None:
    """Seconds to wait from a Retry-After value (RFC 9110 10.2.3), at most one hour."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def check_media_type(media_type: str, accept: Accept) -> None:
    if accept == "any" or not media_type:
        return  # a missing type is sniffed by the parser later
    if accept == "html":
        if media_type not in ("text/html", "application/xhtml+xml"):
            raise ContentError(
                f"{media_type} is not HTML", reason=FailureReason.NOT_HTML
            )
    elif accept == "feed":
        # Feeds arrive as anything textual; the feed parser sniffs (B5).
        if not (media_type.startswith("text/") or _is_structured_text(media_type)):
            raise ContentError(
                f"{media_type} is not a feed", reason=FailureReason.NOT_FEED
            )
    elif not media_type.startswith("text/"):
        raise ContentError(f"robots.txt served as {media_type}")


# A sitemap may be a gzip file served as such (sitemap.xml.gz, sitemaps.org §4);
# the feed parser unpacks it with its own cap.
_GZIP_TYPES = frozenset({"application/gzip", "application/x-gzip"})


def _is_structured_text(media_type: str) -> bool:
    subtype = media_type.partition("/")[2]
    return "xml" in subtype or "json" in subtype or media_type in _GZIP_TYPES
