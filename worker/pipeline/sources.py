"""One entry point for every kind of polled source, and what to take from it.

:func:`parse_source` turns a polled document into a :class:`ParsedFeed` whatever it is:
RSS, Atom, JSON Feed, a sitemap or sitemap index (``feeds/``), or an HTML listing page
(``listing.py``). A source already known to be a listing is read as one; an unknown
source that turns out to be HTML is tried as a listing before it is called "not a feed".
A Google News sitemap gets its own kind, ``news_sitemap``, because it is polled like a
feed and its items go stale in days (the issue's per-kind bounds).

:func:`choose_children` picks which sitemaps of a sitemap index to register, newest
``lastmod`` first within a budget, and :func:`fresh_entries` drops sitemap items too old
to be news.

What this module does not do: fetch, store or schedule.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from schemas.enums import FailureReason, FeedKind
from schemas.messages import ParsedFeed
from worker.errors import ContentError
from worker.pipeline.feeds import (
    DEFAULT_MAX_DECOMPRESSED_BYTES,
    drop_stale,
    parse_feed,
)
from worker.pipeline.listing import parse_listing

SITEMAP_KINDS = frozenset({FeedKind.SITEMAP, FeedKind.NEWS_SITEMAP})


def parse_source(
    data: bytes,
    *,
    url: str,
    content_type: str | None = None,
    content_location: str | None = None,
    known_kind: FeedKind = FeedKind.UNKNOWN,
    max_decompressed_bytes: int = DEFAULT_MAX_DECOMPRESSED_BYTES,
) -> ParsedFeed:
    """Parse a polled document into entries, whatever kind of source it is.

    Raises:
        ContentError: ``not_feed`` when it is neither a feed nor a listing page,
            ``unparseable`` when nothing can be recovered.
    """
    if known_kind == FeedKind.HTML_LISTING:
        return parse_listing(data, url=url, content_type=content_type)
    try:
        parsed = parse_feed(
            data,
            url=url,
            content_type=content_type,
            content_location=content_location,
            max_decompressed_bytes=max_decompressed_bytes,
        )
    except ContentError as exc:
        if exc.reason != FailureReason.NOT_FEED:
            raise
        try:
            return parse_listing(data, url=url, content_type=content_type)
        except ContentError:
            raise exc from None
    if parsed.kind == FeedKind.SITEMAP and parsed.is_news_sitemap:
        return parsed.model_copy(update={"kind": FeedKind.NEWS_SITEMAP})
    return parsed


def fresh_entries(
    parsed: ParsedFeed, *, now: datetime, news_max_age: int, max_age: int
) -> ParsedFeed:
    """A sitemap without the items older than its kind's age limit (seconds); other
    kinds unchanged. Items without any date are kept."""
    if parsed.kind not in SITEMAP_KINDS:
        return parsed
    limit = news_max_age if parsed.kind == FeedKind.NEWS_SITEMAP else max_age
    return drop_stale(parsed, now=now, max_age=timedelta(seconds=limit))


def choose_children(
    parsed: ParsedFeed, *, now: datetime, max_age: int, budget: int
) -> list[str]:
    """URLs of the index's child sitemaps worth polling: those changed within
    ``max_age`` seconds (or undated), newest first, at most ``budget``."""
    oldest = now - timedelta(seconds=max_age)
    floor = datetime.min.replace(tzinfo=UTC)
    recent = [
        child
        for child in parsed.sitemaps
        if child.lastmod is None or child.lastmod >= oldest
    ]
    # Newest first; undated ones after the dated (an archive index rarely dates).
    recent.sort(key=lambda child: child.lastmod or floor, reverse=True)
    return [child.url for child in recent[: max(budget, 0)]]
