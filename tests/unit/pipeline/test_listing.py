"""HTML listing pages: story links found by structure, furniture ignored, never a crash.

Each ``tests/fixtures/listings/<layout>.html`` has a hand-checked
``<layout>.expected.json`` with the page URL and either the exact entries (URL list,
titles, dates, summaries, images) or the error reason.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from bench.site import generate_site
from schemas.enums import FailureReason, FeedKind
from schemas.messages import FeedEntry
from worker.errors import ContentError
from worker.pipeline.listing import MAX_ENTRIES, parse_listing
from worker.pipeline.listing.fields import text_exceeds
from worker.pipeline.listing.furniture import is_furniture_signature
from worker.pipeline.listing.shapes import (
    SECTION,
    STORY,
    UNSURE,
    is_pagination_label,
    url_score,
)
from worker.pipeline.urls import canonical_url
from worker.sample_site import STORIES, render_page

LISTINGS = Path(__file__).parents[2] / "fixtures" / "listings"
CASES = sorted(LISTINGS.glob("*.html"))
URL = "https://news.example/latest"


def _expected(page: Path) -> dict[str, Any]:
    expected: dict[str, Any] = json.loads(
        page.with_name(f"{page.stem}.expected.json").read_text("utf-8")
    )
    return expected


def _listing(*items: str, wrapper: str = "ul") -> bytes:
    return f"<html><body><{wrapper}>{''.join(items)}</{wrapper}></body></html>".encode()


def _item(href: str, text: str) -> str:
    return f'<li><h3><a href="{href}">{text}</a></h3></li>'


# ----------------------------------------------------------------------------- fixtures


def test_there_is_a_fixture_for_each_required_layout():
    names = {page.stem for page in CASES}
    required = {
        "news-feed",
        "section-front",
        "time-list",
        "card-grid",
        "heavy-furniture",
        "archive-paginated",
        "non-english",
        "no-listing",
        "homepage-sections",
    }
    assert required <= names
    assert all(page.with_name(f"{page.stem}.expected.json").exists() for page in CASES)


@pytest.mark.parametrize("page", CASES, ids=[page.stem for page in CASES])
def test_fixture_listing_gives_exactly_its_expected_entries(page: Path):
    expected = _expected(page)
    url = str(expected["url"])

    if "error" in expected:
        with pytest.raises(ContentError) as raised:
            parse_listing(page.read_bytes(), url=url, content_type="text/html")
        assert raised.value.reason == expected["error"]
        return
    feed = parse_listing(page.read_bytes(), url=url, content_type="text/html")

    entries = [FeedEntry.model_validate(entry) for entry in expected["entries"]]
    assert [entry.url for entry in feed.entries] == [entry.url for entry in entries]
    assert list(feed.entries) == entries
    assert feed.kind == FeedKind.HTML_LISTING


def test_the_news_feed_page_skips_menu_footer_kickers_and_pagination():
    page = LISTINGS / "news-feed.html"
    feed = parse_listing(page.read_bytes(), url=str(_expected(page)["url"]))

    urls = [entry.url for entry in feed.entries]
    assert not any(url.endswith(("/transport/", "/page/2", "/")) for url in urls)
    # Linked from the menu and the footer too, but listed once, at its list position.
    assert urls[1].endswith("/news/harbour-ferry-returns.html")
    assert not any("island-weather-station" in url for url in urls)
    assert feed.title == "News feed | Lindqvist Courier"
    assert feed.url == "https://www.lindqvist-courier.example/news/"
    assert feed.language == "en"


def test_heavy_furniture_page_ignores_sidebar_menus_ticker_and_footer():
    page = LISTINGS / "heavy-furniture.html"
    feed = parse_listing(page.read_bytes(), url=str(_expected(page)["url"]))

    text = " ".join(entry.url for entry in feed.entries)
    for furniture in (
        "ten-things-to-know",  # mega-menu
        "regatta-moved",  # mega-menu
        "lighthouse-keeper",  # "most read" sidebar
        "port-strike",  # ticker in the site header
        "morning-briefing",  # newsletter box
        "why-we-use-cookies",  # cookie banner
        "ethics-policy",  # footer
    ):
        assert furniture not in text


def test_homepage_sections_keep_story_lists_and_drop_labels_and_section_links():
    page = LISTINGS / "homepage-sections.html"
    feed = parse_listing(page.read_bytes(), url=str(_expected(page)["url"]))

    urls = [entry.url for entry in feed.entries]
    # Section headings, kicker links, short "quick links", the page header's and
    # footer's links are not stories; a plain list of headlines is.
    site = "https://www.brenneryard.example"
    for path in ("/news/", "/sport/", "/valley-news/", "/news/weather.html"):
        assert f"{site}{path}" not in urls
    assert not any("story-tip" in url or "twelve-front-pages" in url for url in urls)
    assert "https://www.brenneryard.example/news/market.html" in urls
    # The "Live" flag beside the link is not part of the headline; the kicker link
    # in the item's footer does not cut the item's date and summary off.
    assert feed.entries[0].title == "Flood warning for the lower valley"
    assert feed.entries[0].published == datetime(2026, 11, 21, 18, 0, tzinfo=UTC)
    assert feed.entries[0].summary is not None


def test_non_english_page_is_decoded_with_its_declared_charset():
    page = LISTINGS / "non-english.html"
    assert "Brücke".encode("cp1252") in page.read_bytes()

    feed = parse_listing(page.read_bytes(), url=str(_expected(page)["url"]))

    assert (
        feed.entries[0].title == "Neue Brücke über die Sola für den Verkehr freigegeben"
    )
    assert feed.language == "de"


# ----------------------------------------------------------------------------- real pages


def test_sample_site_page_gives_its_news_feed_list():
    story = STORIES[0]
    base = "http://127.0.0.1:8000"
    html = render_page(story).replace("__BASE__", base)

    feed = parse_listing(html.encode(), url=f"{base}/news/{story.slug}.html")

    # The page's "News feed" list; the in-body link is off-site and the "Read more"
    # card sits in an <aside>.
    expected = [base + href for href in story.feed_list]
    assert [entry.url for entry in feed.entries] == expected
    assert (
        feed.entries[0].title
        == "New flood walls finished a year early on the Sola river"
    )


def test_bench_site_pages_give_their_news_feed_list_and_nothing_else(tmp_path: Path):
    generate_site(tmp_path, articles=30, feeds=1, seed=7)
    base = "http://127.0.0.1:8765"
    for number in (0, 11, 29):
        page = tmp_path / "news" / f"story-{number}.html"
        html = page.read_text("utf-8").replace("__BASE__", base)
        tree = etree.fromstring(html.encode(), etree.HTMLParser())
        listed = tree.xpath('//section[@class="news-feed"]//a/@href')
        expected = list(dict.fromkeys(f"{base}{href}" for href in listed))
        expected = [url for url in expected if url != f"{base}/news/{page.name}"]

        feed = parse_listing(html.encode(), url=f"{base}/news/{page.name}")

        assert [entry.url for entry in feed.entries] == expected


# ----------------------------------------------------------------------------- behaviour


def test_image_and_headline_links_to_one_story_are_one_entry_with_the_headline():
    card = (
        '<div class="card"><a href="/a/1-b-c"><img src="/i/1.jpg" alt="Alt"></a>'
        '<h3><a href="/a/1-b-c?utm_source=x#top">The headline of story one</a></h3>'
        '<a href="/a/1-b-c">Read more</a></div>'
    )
    other = card.replace("1-b-c", "2-d-e").replace("one", "two")

    feed = parse_listing(_listing(card, other, wrapper="div"), url=URL)

    assert [entry.url for entry in feed.entries] == [
        "https://news.example/a/1-b-c",
        "https://news.example/a/2-d-e",
    ]
    assert feed.entries[0].title == "The headline of story one"
    assert feed.entries[0].image_url == "https://news.example/i/1.jpg"


def test_off_site_share_login_tag_and_file_links_are_ignored():
    feed = parse_listing(
        _listing(
            _item("/news/first-story-of-the-day", "First story of the day here"),
            _item("https://other.example/news/a-b-c", "An off-site story headline"),
            _item("/tag/harbour-news-today", "Harbour news tag page link"),
            _item("/login?next=/news/a-b-c", "Log in to read this story"),
            _item("/files/report-2026-final.pdf", "The full report as a PDF file"),
            _item("/news/second-story-of-the-day", "Second story of the day here"),
        ),
        url=URL,
    )

    assert [entry.url for entry in feed.entries] == [
        "https://news.example/news/first-story-of-the-day",
        "https://news.example/news/second-story-of-the-day",
    ]


def test_subdomains_of_the_site_are_in_scope():
    feed = parse_listing(
        _listing(
            _item(
                "https://sport.news.example/match-report-city-win", "City win the derby"
            ),
            _item("/news/council-budget-passes-vote", "Council budget passes vote"),
        ),
        url=URL,
    )

    assert feed.entries[0].url == "https://sport.news.example/match-report-city-win"


def test_links_in_running_prose_are_not_teasers():
    prose = (
        "<p>The council met on Tuesday and, as "
        '<a href="/news/2026/11/budget-vote-delayed">reported last week</a>, '
        "delayed the vote on the budget until the auditors had finished.</p>"
    )
    page = f"<html><body><article>{prose * 4}</article></body></html>".encode()

    with pytest.raises(ContentError) as raised:
        parse_listing(page, url=URL)
    assert raised.value.reason == FailureReason.NO_CONTENT


def test_time_and_summary_come_from_the_same_teaser_block_in_utc():
    item = (
        '<li><h3><a href="/news/{0}-ferry-story">Ferry story number {0}</a></h3>'
        '<time datetime="2026-11-2{0}T07:15:00+01:00">Nov 2{0}</time>'
        "<p>A summary of ferry story number {0}, long enough.</p></li>"
    )

    feed = parse_listing(_listing(item.format(1), item.format(2)), url=URL)

    assert feed.entries[1].published == datetime(2026, 11, 22, 6, 15, tzinfo=UTC)
    assert feed.entries[1].summary == "A summary of ferry story number 2, long enough."


def test_a_huge_listing_is_cut_and_says_so():
    items = [_item(f"/n/story-{i}", f"Headline number {i} of many") for i in range(600)]

    feed = parse_listing(_listing(*items), url=URL)

    assert len(feed.entries) == MAX_ENTRIES
    assert feed.problems == (f"listing cut at {MAX_ENTRIES} of 600 entries",)


def test_http_charset_decodes_the_page():
    page = _listing(
        _item("/n/cafe-opens-1", "Café opens on the quay"),
        _item("/n/cafe-closes-2", "Café closes for winter"),
    ).replace("é".encode(), "é".encode("latin-1"))

    feed = parse_listing(page, url=URL, content_type="text/html; charset=ISO-8859-1")

    assert feed.entries[0].title == "Café opens on the quay"


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (b"<?xml version='1.0'?><rss version='2.0'><channel/></rss>", "text/html"),
        (b"<feed xmlns='http://www.w3.org/2005/Atom'></feed>", None),
        (b"\xef\xbb\xbf<urlset xmlns='http://www.sitemaps.org/'></urlset>", None),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": []}', None),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, None),
        (b"plain text with no markup at all", "text/plain"),
        (_listing(_item("/a/b-c-d", "x"), _item("/a/e-f-g", "y")), "image/png"),
        (_listing(_item("/a/b-c-d", "x"), _item("/a/e-f-g", "y")), "application/json"),
    ],
    ids=["rss", "atom", "sitemap", "json", "png", "text", "typed-image", "typed-json"],
)
def test_documents_that_are_not_html_raise_not_html(
    data: bytes, content_type: str | None
):
    with pytest.raises(ContentError) as raised:
        parse_listing(data, url=URL, content_type=content_type)

    assert raised.value.reason == FailureReason.NOT_HTML


_TWO_STORIES = _item("/a/b-c-d", "The first story headline") + _item(
    "/a/e-f-g", "The second story headline"
)
_MANY_LINKS = b"".join(
    b"<a href='/n/story-%d'>Headline number %d of many here</a> " % (i, i)
    for i in range(10_000)
)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"   \n ",
        b"\x00\x00\x00",
        b"<html><body>"
        + b"<div>" * 100_000
        + _TWO_STORIES.encode()
        + b"</div>" * 100_000,
        b"<html><body>"
        + b"<div><a href='/x/s-1-2'>A deep headline here ok</a>" * 20_000,
        b"<p>" + b"x" * 5_000_000 + b"</p>",
        b"<ul>\x00" + _TWO_STORIES.encode() + b"\xff\xfe\xc3\x28 \x00</ul>",
        b'<meta charset="utf-16"><ul>' + _TWO_STORIES.encode() + b"caf\xe9</ul>",
        b"<<<>>><a href='http://[::1'>bad url</a><a href='javascript:x()'>js</a>",
        b"<html><body><a href='//[bad'>x</a><a href='http://%zz/'>y</a></body></html>",
        # Boxes whose text every link would read: quadratic if read in full.
        b"<h2>" + _MANY_LINKS + b"</h2>",
        b"<div class='top-headline-list'><div>" + _MANY_LINKS + b"</div></div>",
        b"<p>" + _MANY_LINKS + b"</p>",
        b"<ul>" + _TWO_STORIES.encode() + b"<li>" + b"<div>" * 250 + b"word " * 500_000,
    ],
    ids=[
        "empty",
        "whitespace",
        "nul-bytes",
        "100k-nested-divs",
        "20k-nested-links",
        "5mb-text-node",
        "nul-and-invalid-utf8",
        "lying-meta-charset",
        "broken-markup",
        "broken-urls",
        "10k-links-in-a-heading",
        "10k-links-in-a-title-box",
        "10k-links-in-a-paragraph",
        "deep-box-of-text-in-a-teaser",
    ],
)
def test_hostile_input_gives_a_listing_or_a_content_error(data: bytes):
    reason = None
    urls: list[str] = []
    try:
        urls = [entry.url for entry in parse_listing(data, url=URL).entries]
    except ContentError as error:
        reason = error.reason

    assert reason in {None, FailureReason.NO_CONTENT, FailureReason.NOT_HTML}
    assert all(url.startswith("https://news.example/") for url in urls)


def test_nul_bytes_and_invalid_utf8_keep_the_stories():
    page = b"<ul>\x00" + _TWO_STORIES.encode() + b"\xff\xfe\xc3\x28 \x00</ul>"

    feed = parse_listing(page, url=URL)

    assert [entry.title for entry in feed.entries] == [
        "The first story headline",
        "The second story headline",
    ]


# ----------------------------------------------------------------------------- parts


@pytest.mark.parametrize(
    ("url", "score"),
    [
        ("https://s.example/news/harbour-ferry-returns", STORY),
        ("https://s.example/news/story-7.html", STORY),
        ("https://s.example/a/4471203", STORY),
        ("https://s.example/2026/11/20/ferry", STORY),
        ("https://s.example/article.php?id=20411", STORY),
        ("https://s.example/p/a1b2c3d4e5", STORY),
        ("https://s.example/news/ferry.html", UNSURE),
        ("https://s.example/world-news/", UNSURE),
        ("https://s.example/2026/", UNSURE),
        ("https://s.example/sport/", SECTION),
        ("https://s.example/news/local/", SECTION),
        ("https://s.example/sport/index.html", SECTION),
        ("https://s.example/", None),
        ("https://s.example/tag/ferries", None),
        ("https://s.example/author/mira-castell", None),
        ("https://s.example/news/page/2", None),
        ("https://s.example/news?page=2", None),
        ("https://s.example/img/harbour-ferry-returns.jpg", None),
        ("https://s.example/impressum.html", None),
    ],
)
def test_url_score_reads_the_shape_of_a_url(url: str, score: int | None):
    assert url_score(canonical_url(url)) == score


@pytest.mark.parametrize(
    ("label", "is_pagination"),
    [
        ("2", True),
        ("Next »", True),
        ("»", True),
        ("Older posts", True),
        ("Weiter", True),
        ("", False),
        ("Next year's budget is already late", False),
        ("Read more", False),
    ],
)
def test_pagination_labels(label: str, is_pagination: bool):
    assert is_pagination_label(label) is is_pagination


@pytest.mark.parametrize(
    ("sig", "is_furniture"),
    [
        ("mega-menu__panel", True),
        ("site-header", True),
        ("footer-links", True),
        ("most-read", True),
        ("share-tools", True),
        ("sidebar", True),
        ("tag-cloud", True),
        ("card-header", False),
        ("entry-footer", False),
        ("content-with-sidebar", False),
        ("story-card", False),
        ("headline", False),
    ],
)
def test_furniture_class_names(sig: str, is_furniture: bool):
    assert is_furniture_signature(sig) is is_furniture


def test_a_plain_list_of_headlines_is_a_listing_and_a_list_of_labels_is_not():
    stories = [
        f'<li><a href="/news/{word}.html">The {word} story of the day is this</a></li>'
        for word in ("ferry", "bridge", "market")
    ]
    labels = [
        f'<li><a href="/news/{word}.html">{word.title()}</a></li>'
        for word in ("weather", "traffic", "notices")
    ]

    feed = parse_listing(_listing(*stories), url=URL)
    with pytest.raises(ContentError):
        parse_listing(_listing(*labels), url=URL)

    assert [entry.url.rpartition("/")[2] for entry in feed.entries] == [
        "ferry.html",
        "bridge.html",
        "market.html",
    ]


@pytest.mark.parametrize(
    ("limit", "exceeds"), [(0, True), (7, True), (8, False), (100, False)]
)
def test_text_exceeds_counts_collapsed_text(limit: int, exceeds: bool):
    box = etree.fromstring("<p>ab <b> cd </b>\n  e<i>f</i></p>")  # "ab cd ef"

    assert text_exceeds(box, limit) is exceeds


def test_entries_keep_document_order():
    slugs = ["zeta-story-here", "alpha-story-here", "mid-story-here"]
    items = [
        _item(f"/n/{slug}", slug.replace("-", " ").title() + " long") for slug in slugs
    ]

    feed = parse_listing(_listing(*items), url=URL)

    assert [re.sub(r".*/", "", entry.url) for entry in feed.entries] == slugs
