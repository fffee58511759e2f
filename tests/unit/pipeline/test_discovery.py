"""Feed discovery: declared feeds, feed-named links, common paths, robots.txt sitemaps,
and the page itself as a listing."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemas.enums import FeedKind
from worker.errors import ContentError
from worker.pipeline.discovery import (
    COMMON_FEED_PATHS,
    MAX_PAGE_LINKS,
    FeedCandidate,
    common_feed_candidates,
    discover_feeds,
    kind_from_url,
    robots_sitemap_candidates,
    sitemaps_from_robots,
)
from worker.pipeline.listing import parse_listing
from worker.sample_site import write_site

LISTINGS = Path(__file__).parents[2] / "fixtures" / "listings"
URL = "https://www.harbour.example/news/"

HEAD = """<!doctype html><html><head><title>Harbour News</title>
<base href="https://www.harbour.example/">
<link rel="alternate" type="application/rss+xml" title="Latest news" href="feeds/latest.rss">
<link rel="alternate" type="application/atom+xml" title="Comments" href="/comments/feed/atom">
<link rel="alternate" type="application/feed+json" title="JSON" href="https://www.harbour.example/feed.json">
<link rel="ALTERNATE" type="application/rss+xml; charset=utf-8" href="https://feeds.cdn.example/harbour">
<link rel="alternate" type="application/rdf+xml" href="/index.rdf">
<link rel="feed" type="text/html" title="Stream" href="/stream">
<link rel="alternate" type="application/json" href="/wp-json/wp/v2/pages/2">
<link rel="alternate" type="application/json+oembed" href="/oembed?url=x">
<link rel="alternate" hreflang="de" href="/de/">
<link rel="alternate" type="application/rss+xml" href="javascript:void(0)">
<link rel="alternate" type="application/rss+xml" href="/feeds/latest.rss#dup">
</head><body>
<a href="/rss.xml">RSS</a>
<a href="https://feedly.example/i/subscription/feed/https://www.harbour.example/rss">Follow on a reader</a>
<a href="/news/feed-the-ducks-campaign-launches">Feed the ducks campaign launches</a>
<a href="/?feed=rss2">Old-style feed</a>
</body></html>
"""


def test_declared_feeds_come_first_in_page_order_then_feed_named_links():
    found = discover_feeds(HEAD.encode(), url=URL, content_type="text/html")

    assert found == (
        FeedCandidate(
            url="https://www.harbour.example/feeds/latest.rss",
            kind=FeedKind.RSS,
            title="Latest news",
            source="link_alternate",
        ),
        FeedCandidate(
            url="https://www.harbour.example/comments/feed/atom",
            kind=FeedKind.ATOM,
            title="Comments",
            source="link_alternate",
        ),
        FeedCandidate(
            url="https://www.harbour.example/feed.json",
            kind=FeedKind.JSON_FEED,
            title="JSON",
            source="link_alternate",
        ),
        FeedCandidate(
            url="https://feeds.cdn.example/harbour",
            kind=FeedKind.RSS,
            source="link_alternate",
        ),
        FeedCandidate(
            url="https://www.harbour.example/index.rdf",
            kind=FeedKind.RSS,
            source="link_alternate",
        ),
        FeedCandidate(
            url="https://www.harbour.example/stream",
            kind=FeedKind.HTML_LISTING,
            title="Stream",
            source="link_alternate",
        ),
        FeedCandidate(
            url="https://www.harbour.example/rss.xml",
            kind=FeedKind.RSS,
            title="RSS",
            source="page_link",
        ),
        FeedCandidate(
            url="https://www.harbour.example/?feed=rss2",
            kind=FeedKind.UNKNOWN,
            title="Old-style feed",
            source="page_link",
        ),
    )


def test_json_typed_alternate_is_a_feed_only_when_named_like_one():
    page = (
        '<html><head><link rel="alternate" type="application/json" href="/feed.json">'
        '<link rel="alternate" type="text/xml" href="/rss"></head></html>'
    )

    found = discover_feeds(page.encode(), url=URL)

    assert [(c.url, c.kind) for c in found] == [
        ("https://www.harbour.example/feed.json", FeedKind.JSON_FEED),
        ("https://www.harbour.example/rss", FeedKind.RSS),
    ]


def test_sample_site_home_page_links_its_feed(tmp_path: Path):
    write_site(tmp_path)
    base = "http://127.0.0.1:8000"

    found = discover_feeds((tmp_path / "index.html").read_bytes(), url=f"{base}/")

    assert found == (
        FeedCandidate(url=f"{base}/feed.xml", title="RSS", source="page_link"),
    )


def test_the_news_feed_fixture_declares_its_rss_feed():
    page = (LISTINGS / "news-feed.html").read_bytes()

    found = discover_feeds(page, url="https://www.lindqvist-courier.example/news/")

    assert found == (
        FeedCandidate(
            url="https://www.lindqvist-courier.example/feed.xml",
            kind=FeedKind.RSS,
            title="Lindqvist Courier: latest",
            source="link_alternate",
        ),
    )


def test_feed_named_links_are_capped():
    links = "".join(f'<a href="/story-{i}/feed">Comments {i}</a>' for i in range(500))

    found = discover_feeds(f"<html><body>{links}</body></html>".encode(), url=URL)

    assert len(found) == MAX_PAGE_LINKS
    assert found[0].url == "https://www.harbour.example/story-0/feed"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00\x00",
        b"<?xml version='1.0'?><rss version='2.0'><channel/></rss>",
        b'{"version": "https://jsonfeed.org/version/1.1"}',
        b"<html><body>" + b"<div>" * 100_000 + b"</div>" * 100_000,
        b"<link rel=alternate type=application/rss+xml href='http://[::1'>",
    ],
    ids=["empty", "nul", "rss", "json", "deep", "bad-href"],
)
def test_documents_without_declared_feeds_give_nothing_and_never_raise(data: bytes):
    assert discover_feeds(data, url=URL) == ()


# ----------------------------------------------------------------------------- paths


def test_common_paths_cover_the_usual_feed_and_sitemap_names():
    required = {
        "feed",
        "rss",
        "rss.xml",
        "atom.xml",
        "feed.xml",
        "index.xml",
        "feeds/posts/default",
        "sitemap.xml",
        "news-sitemap.xml",
        "sitemap_index.xml",
    }
    assert required <= set(COMMON_FEED_PATHS)


def test_common_feed_urls_at_the_root():
    urls = [
        c.url
        for c in common_feed_candidates("https://www.harbour.example/?utm_source=x")
    ]

    assert urls == [f"https://www.harbour.example/{path}" for path in COMMON_FEED_PATHS]


def test_common_feed_urls_under_a_blog_directory_try_its_feeds_first():
    urls = [
        c.url
        for c in common_feed_candidates("https://www.harbour.example/blog/latest.html")
    ]

    assert urls[0] == "https://www.harbour.example/blog/feed"
    assert "https://www.harbour.example/blog/sitemap.xml" not in urls
    assert urls[-len(COMMON_FEED_PATHS) :] == [
        f"https://www.harbour.example/{path}" for path in COMMON_FEED_PATHS
    ]


def test_common_feed_candidates_carry_a_kind_hint():
    kinds = {
        c.url.rpartition(".example/")[2]: c.kind
        for c in common_feed_candidates("https://a.example/")
    }

    assert kinds["rss.xml"] == FeedKind.RSS
    assert kinds["atom.xml"] == FeedKind.ATOM
    assert kinds["feed.json"] == FeedKind.JSON_FEED
    assert kinds["feeds/posts/default"] == FeedKind.ATOM
    assert kinds["sitemap.xml"] == FeedKind.SITEMAP
    assert kinds["sitemap_index.xml"] == FeedKind.SITEMAP_INDEX
    assert kinds["feed"] == FeedKind.UNKNOWN
    assert all(
        c.source == "common_path" for c in common_feed_candidates("https://a.example/")
    )


def test_common_feed_urls_of_a_non_http_url_are_none():
    assert common_feed_candidates("ftp://a.example/") == ()


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://a.example/feed", FeedKind.UNKNOWN),
        ("https://a.example/rss", FeedKind.RSS),
        ("https://a.example/news/atom.xml", FeedKind.ATOM),
        ("https://a.example/feed.json", FeedKind.JSON_FEED),
        ("https://a.example/sitemap-news.xml", FeedKind.SITEMAP),
        ("https://a.example/sitemap_index.xml", FeedKind.SITEMAP_INDEX),
    ],
)
def test_kind_from_url(url: str, kind: FeedKind):
    assert kind_from_url(url) == kind


# ----------------------------------------------------------------------------- robots

ROBOTS = """\ufeffUser-agent: *
Disallow: /private/
Sitemap: https://www.harbour.example/sitemap_index.xml
sitemap: /news-sitemap.xml

User-agent: newsfeed
Allow: /
SITEMAP:   https://www.harbour.example/sitemap_index.xml
Sitemap: javascript:alert(1)
Sitemap: //cdn.harbour.example/sitemaps/archive.xml
Sitemap:
"""


def test_sitemaps_from_robots_are_absolute_unique_and_http_only():
    found = sitemaps_from_robots(ROBOTS, url="https://www.harbour.example/robots.txt")

    assert found == [
        "https://www.harbour.example/sitemap_index.xml",
        "https://www.harbour.example/news-sitemap.xml",
        "https://cdn.harbour.example/sitemaps/archive.xml",
    ]


def test_robots_sitemap_candidates_carry_a_kind_hint():
    found = robots_sitemap_candidates(ROBOTS, url="https://www.harbour.example/")

    assert [(c.kind, c.source) for c in found] == [
        (FeedKind.SITEMAP_INDEX, "robots_sitemap"),
        (FeedKind.SITEMAP, "robots_sitemap"),
        (FeedKind.SITEMAP, "robots_sitemap"),
    ]


@pytest.mark.parametrize(
    "robots",
    ["", "\x00\x00", "User-agent: *\nDisallow: /\n", "Sitemap\n" * 10_000],
)
def test_robots_without_sitemaps_give_none(robots: str):
    assert sitemaps_from_robots(robots, url="https://a.example/robots.txt") == []


# ----------------------------------------------------------------------------- page


def test_a_listing_page_can_be_offered_as_itself():
    page = (LISTINGS / "section-front.html").read_bytes()
    url = "https://www.solavalleypost.example/environment"

    listing = parse_listing(page, url=url)
    assert listing.kind == FeedKind.HTML_LISTING
    assert listing.title == "Environment – Sola Valley Post"
    assert listing.entries


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ((LISTINGS / "no-listing.html").read_bytes(), "text/html"),
        (b"<rss version='2.0'><channel><item/></channel></rss>", "application/xml"),
        (b"\x89PNG\r\n", "image/png"),
        (b"", None),
    ],
    ids=["article-page", "rss", "png", "empty"],
)
def test_a_page_without_a_listing_is_not_offered(data: bytes, content_type: str | None):
    url = "https://www.lindqvist-courier.example/news/tram-line-extension.html"

    with pytest.raises(ContentError):
        parse_listing(data, url=url, content_type=content_type)
