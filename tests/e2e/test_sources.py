"""Every kind of source, polled by a real worker: sitemaps, listings, moves, failures.

Each test adds its own source to the module's fixture site (pages written next to the
shared site, routes on the fixture server), polls it through the broker, and checks
what the feeds table and the fixture server's request log say afterwards.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from schemas import Feed
from tests.e2e.conftest import Crawl
from tests.support.site import Page

pytestmark = pytest.mark.e2e

WORKER_ENV = {"NEWSFEED_DISABLE_AFTER_ERRORS": "2"}
NOW = datetime.now(UTC)


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _page(crawl: Crawl, slug: str, headline: str) -> str:
    """Write a story page next to the shared site; returns its URL."""
    page = Page(slug, headline, section="Sources")
    (crawl.root / "news" / f"{slug}.html").write_text(page.html(), encoding="utf-8")
    return crawl.site.url(f"/news/{slug}.html")


def _poll(crawl: Crawl, feed_id: int) -> Feed:
    crawl.send("poll_feed", feed_id=feed_id)
    crawl.drain()
    with crawl.session() as session:
        feed = session.get(Feed, feed_id)
        assert feed is not None
        return feed


def _rss(items: list[tuple[str, str]], extra: str = "") -> str:
    entries = "".join(
        f"<item><title>{title}</title><link>{url}</link><guid>{url}</guid></item>"
        for url, title in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"'
        ' xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"><channel>'
        f"<title>Test feed</title><link>http://example.invalid/</link>{extra}"
        f"{entries}</channel></rss>"
    )


def test_a_sitemap_index_adds_its_recent_sitemaps_and_news_items_are_fetched(
    crawl: Crawl,
) -> None:
    fresh = _page(crawl, "news-fresh", "Ferry timetable changes from Monday")
    old = _page(crawl, "news-old", "Last week's ferry story")
    news = crawl.site.url("/sitemap-news.xml")
    archive = crawl.site.url("/sitemap-2019.xml")
    crawl.site.route(
        "/sitemap_index.xml",
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{news}</loc><lastmod>{_iso(NOW)}</lastmod></sitemap>"
        f"<sitemap><loc>{archive}</loc><lastmod>2019-01-31</lastmod></sitemap>"
        "</sitemapindex>",
        content_type="application/xml",
    )
    crawl.site.route(
        "/sitemap-news.xml",
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        f"<url><loc>{fresh}</loc><news:news><news:publication>"
        "<news:name>Testport News</news:name><news:language>en</news:language>"
        f"</news:publication><news:publication_date>{_iso(NOW - timedelta(hours=2))}"
        "</news:publication_date><news:title>Ferry timetable changes</news:title>"
        "</news:news></url>"
        f"<url><loc>{old}</loc><news:news><news:publication>"
        "<news:name>Testport News</news:name><news:language>en</news:language>"
        f"</news:publication><news:publication_date>{_iso(NOW - timedelta(days=6))}"
        "</news:publication_date><news:title>Old ferry story</news:title>"
        "</news:news></url></urlset>",
        content_type="application/xml",
    )
    index_id = crawl.add_feed("/sitemap_index.xml")

    index = _poll(crawl, index_id)

    assert index.kind == "sitemap_index"
    with crawl.session() as session:
        children = session.exec(
            select(Feed).where(col(Feed.parent_id) == index_id)
        ).all()
    assert [c.url for c in children] == [news]  # the 2019 archive is too old
    child = _poll(crawl, children[0].id or 0)
    assert child.kind == "news_sitemap"
    assert child.entries_seen == 1
    assert crawl.site.count("/news/news-fresh.html") == 1
    assert crawl.site.count("/news/news-old.html") == 0  # older than 2 days
    assert crawl.site.count("/sitemap-2019.xml") == 0


def test_a_gzipped_sitemap_is_read(crawl: Crawl) -> None:
    story = _page(crawl, "gz-story", "Library extends its opening hours")
    body = gzip.compress(
        (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<url><loc>{story}</loc><lastmod>{_iso(NOW)}</lastmod></url></urlset>"
        ).encode()
    )
    crawl.site.route("/sitemap.xml.gz", body, content_type="application/x-gzip")

    feed = _poll(crawl, crawl.add_feed("/sitemap.xml.gz"))

    assert (feed.kind, feed.last_status, feed.entries_seen) == ("sitemap", "polled", 1)
    assert crawl.site.count("/news/gz-story.html") == 1


def test_a_listing_page_is_polled_like_a_feed(crawl: Crawl) -> None:
    teasers = [
        (_page(crawl, f"listed-{n}", f"Listed story number {n}"), n)
        for n in ("one", "two", "three")
    ]
    blocks = "".join(
        f'<article class="teaser"><h3><a href="{url}">Listed story number {n}</a></h3>'
        f'<time datetime="{_iso(NOW)}">today</time><p>Summary of story {n}.</p>'
        "</article>"
        for url, n in teasers
    )
    crawl.site.route(
        "/latest.html",
        "<!doctype html><html lang='en'><head><title>News Feed | Testport</title>"
        "</head><body><nav><a href='/'>Home</a> <a href='/sport/'>Sport</a></nav>"
        f"<main><h1>News Feed</h1>{blocks}</main>"
        "<footer><a href='/about.html'>About us</a></footer></body></html>",
    )

    feed = _poll(crawl, crawl.add_feed("/latest.html"))

    assert (feed.kind, feed.entries_seen) == ("html_listing", 3)
    for n in ("one", "two", "three"):
        assert crawl.site.count(f"/news/listed-{n}.html") == 1
    assert crawl.site.count("/about.html") == 0


def test_a_permanent_redirect_moves_the_stored_feed_url(crawl: Crawl) -> None:
    crawl.site.route(
        "/old-feed.xml", status=301, headers={"Location": "/moved-feed.xml"}
    )
    crawl.site.route("/moved-feed.xml", _rss([]), content_type="application/rss+xml")

    feed = _poll(crawl, crawl.add_feed("/old-feed.xml"))

    assert feed.url == crawl.site.url("/moved-feed.xml")
    assert feed.enabled
    assert feed.last_status == "polled"


def test_a_feed_that_is_gone_is_disabled_at_once(crawl: Crawl) -> None:
    crawl.site.route("/gone.xml", "gone", status=410)

    feed = _poll(crawl, crawl.add_feed("/gone.xml"))

    assert (feed.enabled, feed.disabled_reason) == (False, "gone (410)")
    assert crawl.site.count("/gone.xml") == 1


def test_a_feed_missing_on_successive_polls_is_disabled_after_the_threshold(
    crawl: Crawl,
) -> None:
    crawl.site.route("/missing.xml", "not here", status=404)
    feed_id = crawl.add_feed("/missing.xml")

    first = _poll(crawl, feed_id)
    assert first.enabled
    assert (first.error_streak, first.permanent_error_streak) == (1, 1)
    assert (first.interval_reason or "").startswith("error backoff x2")
    second = _poll(crawl, feed_id)

    assert not second.enabled
    assert second.disabled_reason == "http_4xx 404 on 2 polls in a row"
    third = _poll(crawl, feed_id)  # a disabled feed is skipped: no request
    assert third.last_polled_at == second.last_polled_at
    assert crawl.site.count("/missing.xml") == 2


def test_the_interval_honours_cache_control_and_follows_the_publishing_rate(
    crawl: Crawl,
) -> None:
    crawl.site.route(
        "/cached.xml",
        _rss([]),
        headers={"Cache-Control": "public, max-age=7200"},
        content_type="application/rss+xml",
    )
    cached = _poll(crawl, crawl.add_feed("/cached.xml"))
    assert cached.poll_interval_seconds == 7200
    assert cached.interval_reason == "http freshness 7200 s"

    live_id = crawl.add_feed("/live.xml")
    items: list[tuple[str, str]] = []
    for n in range(4):
        items.append((_page(crawl, f"live-{n}", f"Live update {n}"), f"Update {n}"))
        crawl.site.route("/live.xml", _rss(items), content_type="application/rss+xml")
        live = _poll(crawl, live_id)
    assert live.entries_seen == 4
    assert (live.interval_reason or "").startswith("~1 new entry per")
    assert live.last_new_entry_at is not None
    assert not live.stale
    history = json.loads(live.poll_history or "[]")
    assert [n for _, n in history] == [1, 1, 1, 1]


def test_the_feeds_own_update_hints_are_obeyed(crawl: Crawl) -> None:
    crawl.site.route(
        "/hinted.xml",
        _rss(
            [],
            "<sy:updatePeriod>daily</sy:updatePeriod>"
            "<sy:updateFrequency>4</sy:updateFrequency>",
        ),
        content_type="application/rss+xml",
    )
    crawl.site.route(
        "/ttl.xml", _rss([], "<ttl>120</ttl>"), content_type="application/rss+xml"
    )

    hinted = _poll(crawl, crawl.add_feed("/hinted.xml"))
    ttl = _poll(crawl, crawl.add_feed("/ttl.xml"))

    assert (hinted.poll_interval_seconds, hinted.interval_reason) == (
        21600,
        "sy:updatePeriod 360 min",
    )
    assert (ttl.poll_interval_seconds, ttl.interval_reason) == (
        7200,
        "feed ttl 120 min",
    )


def test_a_server_asking_to_retry_later_is_obeyed(crawl: Crawl) -> None:
    crawl.site.route("/busy.xml", "busy", status=503, headers={"Retry-After": "1800"})

    feed = _poll(crawl, crawl.add_feed("/busy.xml"))

    assert feed.enabled
    assert (feed.last_status, feed.last_reason) == ("failed", "http_429")
    assert feed.interval_reason == "retry-after 1800 s"
    assert feed.next_poll_at >= datetime.now(UTC) + timedelta(seconds=1700)
    assert crawl.site.count("/busy.xml") == 1  # no broker retry


def test_newsfeed_feeds_shows_each_feeds_state(crawl: Crawl) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "worker.cli", "feeds", "--json"],
        env=crawl.env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    states = {row["url"]: row for row in map(json.loads, out.splitlines())}
    gone = states[crawl.site.url("/gone.xml")]
    assert gone["enabled"] is False
    assert gone["disabled_reason"] == "gone (410)"
    cached = states[crawl.site.url("/cached.xml")]
    assert cached["interval_seconds"] == 7200
    assert cached["last_status"] == "polled"
    assert cached["next_poll_at"] is not None
    assert {"last_polled_at", "entries_seen", "error_streak", "stale"} <= set(cached)
    text = subprocess.run(
        [sys.executable, "-m", "worker.cli", "feeds"],
        env=crawl.env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "(disabled: gone (410))" in text
    assert "every 2 h (http freshness 7200 s)" in text


def _cli(crawl: Crawl, *args: str) -> str:
    return subprocess.run(
        [sys.executable, "-m", "worker.cli", *args],
        env=crawl.env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_add_feed_finds_the_feeds_a_page_declares(crawl: Crawl) -> None:
    crawl.site.route(
        "/home.html",
        "<!doctype html><html><head><title>Testport News</title>"
        '<link rel="alternate" type="application/rss+xml" title="Latest"'
        ' href="/moved-feed.xml"></head><body><p>Welcome.</p></body></html>',
    )

    listed = _cli(crawl, "add-feed", "--dry-run", crawl.site.url("/home.html"))
    assert f"  rss           {crawl.site.url('/moved-feed.xml')}" in listed
    assert "link alternate" in listed
    assert "added" not in listed

    out = _cli(crawl, "add-feed", crawl.site.url("/home.html"))
    assert f"+ rss           {crawl.site.url('/moved-feed.xml')}" in out
    assert "already present: feed" in out  # added by the redirect test before


def test_add_feed_falls_back_to_common_paths_and_robots_sitemaps(crawl: Crawl) -> None:
    crawl.site.route(
        "/robots.txt",
        f"User-agent: *\nAllow: /\nSitemap: {crawl.site.url('/sitemap.xml.gz')}\n",
        content_type="text/plain",
    )
    crawl.site.route(
        "/plain.html",
        "<!doctype html><html><head><title>About</title></head>"
        "<body><p>A page with no feed link.</p></body></html>",
    )

    out = _cli(crawl, "add-feed", crawl.site.url("/plain.html"))

    # /sitemap_index.xml is a common path; the robots.txt sitemap is less trusted
    assert f"+ sitemap_index {crawl.site.url('/sitemap_index.xml')}" in out
    assert f"  sitemap       {crawl.site.url('/sitemap.xml.gz')}" in out
    assert "robots sitemap" in out


def test_add_feed_offers_a_listing_page_with_no_feed(crawl: Crawl) -> None:
    # robots.txt rules out every other candidate (the site does have /feed.xml)
    crawl.site.route(
        "/robots.txt",
        "User-agent: *\nAllow: /latest.html\nDisallow: /",
        content_type="text/plain",
    )

    out = _cli(crawl, "add-feed", crawl.site.url("/latest.html"))

    assert (
        f"+ html_listing  {crawl.site.url('/latest.html')}  (3 entries, page itself)"
        in out
    )
    assert "already present" in out  # the listing test added it
