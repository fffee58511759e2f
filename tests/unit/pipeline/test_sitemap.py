"""Sitemaps: urlset, sitemapindex, gzip under a cap, Google News, images, staleness."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta

import pytest

from schemas.enums import FailureReason, FeedKind
from schemas.messages import ChildSitemap, FeedEntry, ParsedFeed
from worker.errors import ContentError
from worker.pipeline.feeds import drop_stale, parse_feed
from worker.pipeline.feeds.sitemap import MAX_SITEMAP_URLS

SM = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS = "http://www.google.com/schemas/sitemap-news/0.9"
IMAGE = "http://www.google.com/schemas/sitemap-image/1.1"
URL = "https://news.example.com/sitemap.xml"


def _urlset(body: str, extra_ns: str = "") -> bytes:
    return (
        f'<?xml version="1.0"?><urlset xmlns="{SM}"{extra_ns}>{body}</urlset>'.encode()
    )


def test_a_urlset_gives_one_entry_per_loc_with_lastmod_as_updated() -> None:
    data = _urlset(
        "<url><loc>https://news.example.com/a</loc><lastmod>2024-03-01T10:00:00+01:00</lastmod>"
        "<changefreq>daily</changefreq></url>"
        "<url><loc>https://news.example.com/b</loc><lastmod>2024-03-02</lastmod></url>"
        "<url><loc>https://news.example.com/c</loc></url>"
    )

    feed = parse_feed(data, url=URL)

    assert feed == ParsedFeed(
        kind=FeedKind.SITEMAP,
        encoding="utf-8",
        entries=(
            FeedEntry(
                url="https://news.example.com/a",
                updated=datetime(2024, 3, 1, 9, tzinfo=UTC),
            ),
            FeedEntry(
                url="https://news.example.com/b",
                updated=datetime(2024, 3, 2, tzinfo=UTC),
            ),
            FeedEntry(url="https://news.example.com/c"),
        ),
    )


def test_a_google_news_sitemap_gives_title_publisher_language_and_published() -> None:
    data = _urlset(
        "<url><loc>https://news.example.com/a</loc>"
        "<image:image><image:loc>https://cdn.example.com/a.jpg</image:loc></image:image>"
        "<news:news><news:publication><news:name>The Example Times</news:name>"
        "<news:language>en</news:language></news:publication>"
        "<news:publication_date>2024-03-01T08:30:00Z</news:publication_date>"
        "<news:title>Caf&eacute; owners &amp; bakers march</news:title></news:news></url>",
        extra_ns=f' xmlns:news="{NEWS}" xmlns:image="{IMAGE}"',
    )

    feed = parse_feed(data, url=URL)

    assert feed.is_news_sitemap
    assert feed.entries == (
        FeedEntry(
            url="https://news.example.com/a",
            title="Café owners & bakers march",
            published=datetime(2024, 3, 1, 8, 30, tzinfo=UTC),
            image_url="https://cdn.example.com/a.jpg",
            publisher="The Example Times",
            language="en",
        ),
    )


def test_a_plain_urlset_is_not_a_news_sitemap() -> None:
    assert not parse_feed(
        _urlset("<url><loc>https://a.example/</loc></url>"), url=URL
    ).is_news_sitemap


def test_a_sitemap_index_lists_its_children_and_has_no_entries() -> None:
    data = (
        f'<sitemapindex xmlns="{SM}">'
        "<sitemap><loc>https://news.example.com/s1.xml.gz</loc><lastmod>2024-03-01T00:00:00Z</lastmod></sitemap>"
        "<sitemap><loc>/s2.xml</loc></sitemap>"
        "<sitemap><loc>ftp://news.example.com/s3.xml</loc></sitemap>"
        "</sitemapindex>"
    ).encode()

    feed = parse_feed(data, url=URL)

    assert feed.kind is FeedKind.SITEMAP_INDEX
    assert feed.entries == ()
    assert feed.sitemaps == (
        ChildSitemap(
            url="https://news.example.com/s1.xml.gz",
            lastmod=datetime(2024, 3, 1, tzinfo=UTC),
        ),
        ChildSitemap(url="https://news.example.com/s2.xml"),
    )
    assert feed.problems == ("sitemap 2: no http(s) loc; skipped",)


@pytest.mark.parametrize(
    "namespace", ["", ' xmlns="http://www.google.com/schemas/sitemap/0.84"']
)
def test_a_sitemap_without_or_with_an_old_namespace_still_reads(namespace: str) -> None:
    data = f"<urlset{namespace}><url><loc>https://a.example/x</loc></url></urlset>".encode()
    assert parse_feed(data, url=URL).entries == (FeedEntry(url="https://a.example/x"),)


def test_relative_locs_resolve_against_content_location_then_the_url() -> None:
    data = _urlset("<url><loc>/a</loc></url>")

    assert parse_feed(data, url=URL).entries[0].url == "https://news.example.com/a"
    located = parse_feed(
        data, url=URL, content_location="https://mirror.example.org/x/sitemap.xml"
    )
    assert located.entries[0].url == "https://mirror.example.org/a"


def test_a_bad_lastmod_is_a_problem_and_the_url_is_kept() -> None:
    feed = parse_feed(
        _urlset("<url><loc>https://a.example/x</loc><lastmod>soon</lastmod></url>"),
        url=URL,
    )

    assert feed.entries == (FeedEntry(url="https://a.example/x"),)
    assert feed.problems == ("url 0: unparseable date 'soon'",)


def test_a_gzipped_sitemap_is_inflated() -> None:
    data = gzip.compress(_urlset("<url><loc>https://a.example/x</loc></url>"))
    assert parse_feed(data, url=URL + ".gz").entries == (
        FeedEntry(url="https://a.example/x"),
    )


def test_a_gzip_bomb_is_refused_at_the_cap() -> None:
    bomb = gzip.compress(
        _urlset("<url><loc>https://a.example/x</loc></url>" + " " * 5_000_000)
    )

    with pytest.raises(ContentError) as caught:
        parse_feed(bomb, url=URL, max_decompressed_bytes=1_000_000)

    assert caught.value.reason is FailureReason.TOO_LARGE
    assert len(bomb) < 10_000


def test_a_body_just_under_the_cap_is_not_refused() -> None:
    document = _urlset("<url><loc>https://a.example/x</loc></url>")
    feed = parse_feed(
        gzip.compress(document), url=URL, max_decompressed_bytes=len(document)
    )
    assert len(feed.entries) == 1


def test_a_corrupt_gzip_body_is_bad_encoding() -> None:
    with pytest.raises(ContentError) as caught:
        parse_feed(b"\x1f\x8b\x08\x00garbage-not-deflate", url=URL)
    assert caught.value.reason is FailureReason.BAD_ENCODING


def test_a_truncated_gzip_body_keeps_what_inflated() -> None:
    packed = gzip.compress(
        _urlset(
            "".join(f"<url><loc>https://a.example/{i}</loc></url>" for i in range(200))
        )
    )

    feed = parse_feed(packed[: len(packed) * 2 // 3], url=URL)

    assert feed.entries
    assert "gzip: stream truncated" in feed.problems


def test_at_most_50000_urls_are_read() -> None:
    body = "<url><loc>https://a.example/x</loc></url>" * (MAX_SITEMAP_URLS + 3)

    feed = parse_feed(_urlset(body), url=URL)

    assert len(feed.entries) == MAX_SITEMAP_URLS
    assert "3 URLs beyond 50000 ignored" in feed.problems


NOW = datetime(2024, 3, 10, 12, tzinfo=UTC)


def test_drop_stale_removes_entries_older_than_the_age_and_counts_them() -> None:
    parsed = ParsedFeed(
        kind=FeedKind.SITEMAP,
        entries=(
            FeedEntry(url="https://a.example/new", published=NOW - timedelta(hours=1)),
            FeedEntry(url="https://a.example/old", published=NOW - timedelta(days=3)),
            FeedEntry(
                url="https://a.example/old-updated", updated=NOW - timedelta(days=5)
            ),
            FeedEntry(
                url="https://a.example/published-wins",
                published=NOW - timedelta(days=4),
                updated=NOW,
            ),
            FeedEntry(url="https://a.example/undated"),
        ),
        problems=("earlier",),
    )

    fresh = drop_stale(parsed, now=NOW, max_age=timedelta(days=2))

    assert [entry.url for entry in fresh.entries] == [
        "https://a.example/new",
        "https://a.example/undated",
    ]
    assert fresh.problems == ("earlier", "3 entries older than 48 h skipped")


def test_drop_stale_changes_nothing_when_everything_is_fresh() -> None:
    parsed = ParsedFeed(
        kind=FeedKind.SITEMAP,
        entries=(FeedEntry(url="https://a.example/", updated=NOW),),
    )
    assert drop_stale(parsed, now=NOW, max_age=timedelta(days=2)) is parsed


def test_a_gzipped_rss_feed_is_inflated_too() -> None:
    data = gzip.compress(
        b'<rss version="2.0"><channel><title>T</title>'
        b"<item><title>A</title><link>https://a.example/1</link></item></channel></rss>"
    )
    feed = parse_feed(data, url="https://a.example/rss.gz")
    assert (feed.kind, [entry.url for entry in feed.entries]) == (
        FeedKind.RSS,
        ["https://a.example/1"],
    )
