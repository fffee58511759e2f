"""One entry point for every source: dispatch, sitemap freshness, index children."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from schemas.enums import FailureReason, FeedKind
from schemas.messages import ChildSitemap, FeedEntry, ParsedFeed
from worker.errors import ContentError
from worker.pipeline.sources import choose_children, fresh_entries, parse_source

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
URLSET = (
    b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    b' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
    b"<url><loc>https://a.example/s1</loc><news:news><news:publication>"
    b"<news:name>A</news:name><news:language>en</news:language></news:publication>"
    b"<news:publication_date>2026-11-25T10:00:00Z</news:publication_date>"
    b"<news:title>S1</news:title></news:news></url></urlset>"
)
LISTING = (
    "<!doctype html><html><head><title>Latest</title></head><body><main>"
    + "".join(
        f'<article><h3><a href="/news/story-number-{n}">Story number {n} of the day'
        f"</a></h3><time datetime='2026-11-25T0{n}:00:00Z'>today</time></article>"
        for n in range(1, 4)
    )
    + "</main></body></html>"
).encode()


def _sitemap(kind: FeedKind, *ages: timedelta | None) -> ParsedFeed:
    return ParsedFeed(
        kind=kind,
        entries=tuple(
            FeedEntry(
                url=f"https://a.example/{i}", updated=None if age is None else NOW - age
            )
            for i, age in enumerate(ages)
        ),
    )


def _fresh(parsed: ParsedFeed) -> ParsedFeed:
    return fresh_entries(parsed, now=NOW, news_max_age=2 * 86_400, max_age=30 * 86_400)


def test_a_google_news_sitemap_gets_its_own_kind() -> None:
    parsed = parse_source(URLSET, url="https://a.example/news.xml")
    assert parsed.kind == FeedKind.NEWS_SITEMAP
    assert [e.url for e in parsed.entries] == ["https://a.example/s1"]


def test_an_html_page_is_tried_as_a_listing_before_it_is_not_a_feed() -> None:
    parsed = parse_source(LISTING, url="https://a.example/latest")
    assert parsed.kind == FeedKind.HTML_LISTING
    assert len(parsed.entries) == 3
    known = parse_source(
        LISTING, url="https://a.example/latest", known_kind=FeedKind.HTML_LISTING
    )
    assert known.entries == parsed.entries
    with pytest.raises(ContentError) as caught:
        parse_source(
            b"<html><body><p>Hello.</p></body></html>", url="https://a.example/"
        )
    assert caught.value.reason == FailureReason.NOT_FEED


def test_sitemap_items_older_than_their_kinds_limit_are_dropped() -> None:
    news = _fresh(_sitemap(FeedKind.NEWS_SITEMAP, DAY, 3 * DAY, None))
    assert [e.url for e in news.entries] == [
        "https://a.example/0",
        "https://a.example/2",
    ]
    plain = _fresh(_sitemap(FeedKind.SITEMAP, 3 * DAY, 40 * DAY))
    assert [e.url for e in plain.entries] == ["https://a.example/0"]
    feed = _sitemap(FeedKind.RSS, 400 * DAY)
    assert _fresh(feed) == feed  # feeds keep their whole history


def test_an_index_gives_its_recent_children_newest_first_within_the_budget() -> None:
    index = ParsedFeed(
        kind=FeedKind.SITEMAP_INDEX,
        sitemaps=(
            ChildSitemap(url="https://a.example/old.xml", lastmod=NOW - 90 * DAY),
            ChildSitemap(url="https://a.example/undated.xml"),
            ChildSitemap(url="https://a.example/week.xml", lastmod=NOW - 7 * DAY),
            ChildSitemap(url="https://a.example/today.xml", lastmod=NOW),
        ),
    )
    assert choose_children(index, now=NOW, max_age=30 * 86_400, budget=10) == [
        "https://a.example/today.xml",
        "https://a.example/week.xml",
        "https://a.example/undated.xml",
    ]
    assert choose_children(index, now=NOW, max_age=30 * 86_400, budget=1) == [
        "https://a.example/today.xml"
    ]
    assert choose_children(index, now=NOW, max_age=30 * 86_400, budget=0) == []
