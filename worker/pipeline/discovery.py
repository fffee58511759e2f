"""Find the feeds a site offers, so ``newsfeed add-feed https://site/`` can offer them.

Four sources, each a :class:`FeedCandidate` with where it came from (``source``) and a
hint of what it is (``kind``, from the declared type or the URL's name):

* ``link_alternate``: ``<link rel="alternate">`` with an RSS, RDF, Atom or JSON Feed
  type, and ``rel="feed"`` (the HTML5 / microformats feed link) in the page;
* ``page_link``: ordinary same-site ``<a href>`` links whose URL is named like a feed
  (``/feed``, ``/rss.xml``, ``.atom``…), as "RSS" buttons are; the first
  :data:`MAX_PAGE_LINKS` only;
* ``common_path``: the paths where CMSs publish feeds and sitemaps
  (:data:`COMMON_FEED_PATHS`), under the page's directory and the site root;
* ``robots_sitemap``: the ``Sitemap:`` lines of robots.txt, read with Protego;
* ``page_itself``: the page as an HTML listing, when it has one
  (``pipeline.listing.parse_listing`` says so), for sites that offer no feed at all.

A candidate is a guess: only fetching it and parsing it (``pipeline.feeds``, the
sitemap parser, ``pipeline.listing``) says what it is. Candidates are returned in
document order without duplicates (compared in canonical form), relative URLs resolved
against ``<base href>`` and the page URL.

What this module does not do: fetch (the caller probes candidates through
``worker.net``, which obeys robots.txt and the rate gate), or rank candidates beyond
the order above.

References: WHATWG HTML §4.6.7.1 (``rel=alternate`` with a type); RSS Advisory Board
"RSS Autodiscovery"; RFC 4287 §5.3 / RFC 5005 (Atom, ``application/atom+xml``);
JSON Feed 1.1 §Discovery (``application/feed+json``); microformats ``rel=feed``;
RFC 9309 and sitemaps.org (``Sitemap:`` in robots.txt).
"""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import urljoin, urlsplit

from protego import Protego
from pydantic import BaseModel, ConfigDict

from schemas.enums import FeedKind
from worker.pipeline.content_type import parse_content_type
from worker.pipeline.extract.decode import decode_html
from worker.pipeline.extract.dom import (
    HtmlElement,
    absolute_url,
    base_url,
    clean_text,
    text_of,
)
from worker.pipeline.listing import (
    looks_like_html,
    parse_html,
)
from worker.pipeline.urls import canonical_url, registrable_domain

__all__ = [
    "COMMON_FEED_PATHS",
    "MAX_PAGE_LINKS",
    "FeedCandidate",
    "FeedSource",
    "common_feed_candidates",
    "discover_feeds",
    "kind_from_url",
    "robots_sitemap_candidates",
    "sitemaps_from_robots",
]

FeedSource = Literal[
    "link_alternate", "page_link", "common_path", "robots_sitemap", "page_itself"
]


class FeedCandidate(BaseModel):
    """A URL that may be a feed, sitemap or listing, and why we think so."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str  # absolute http(s), as declared (not canonicalised)
    kind: FeedKind = FeedKind.UNKNOWN  # a hint; parsing decides
    title: str | None = None
    source: FeedSource


# Where feeds and sitemaps usually are, most common first: WordPress (/feed), Ghost and
# many CMSs (/rss), static site generators (Hugo /index.xml, Jekyll /feed.xml, others
# /atom.xml, /rss.xml), Blogger (/feeds/posts/default), JSON Feed (/feed.json), and the
# sitemap names of sitemaps.org, Yoast (sitemap_index.xml) and Google News plugins.
COMMON_FEED_PATHS = (
    "feed",
    "rss",
    "feed.xml",
    "rss.xml",
    "atom.xml",
    "index.xml",
    "feed.json",
    "feeds/posts/default",
    "sitemap.xml",
    "news-sitemap.xml",
    "sitemap-news.xml",
    "sitemap_index.xml",
)

# Declared types (lower case, parameters dropped) that name a feed format.
_FEED_TYPES = {
    "application/rss+xml": FeedKind.RSS,
    "application/rdf+xml": FeedKind.RSS,  # RSS 1.0
    "application/x-rss+xml": FeedKind.RSS,
    "application/atom+xml": FeedKind.ATOM,
    "application/x-atom+xml": FeedKind.ATOM,
    "application/feed+json": FeedKind.JSON_FEED,
}
# Generic types some sites declare for feeds. Only taken when the URL is named like a
# feed: WordPress declares its REST API as rel=alternate application/json.
_GENERIC_TYPES = frozenset({"application/json", "application/xml", "text/xml"})
_FEED_NAME = re.compile(
    r"(?:^|/)(?:feeds?|rss|atom|index\.xml|rss2?\.xml|atom\.xml|feed\.(?:xml|json)|"
    r"[^/]+\.(?:rss|atom))/?$|/feeds?/|[?&](?:feed|format)=(?:rss|atom|json)",
    re.IGNORECASE,
)
_MAX_LINKS = 10_000  # anchors looked at per page; see listing.teasers.MAX_ANCHORS
# Feed-named links kept per page: a site offers a handful of feeds; a page with
# hundreds (a comments feed per story) would have the caller probe each.
MAX_PAGE_LINKS = 20


def discover_feeds(
    data: bytes, *, url: str, content_type: str | None = None
) -> tuple[FeedCandidate, ...]:
    """The feeds the HTML page ``data`` (fetched from ``url``) declares or links to.

    ``link_alternate`` candidates come first, then ``page_link`` ones, each in page
    order. Returns ``()`` for a document that is not HTML; never raises.
    """
    root = _parse_page(data, content_type)
    if root is None:
        return ()
    base = base_url(root, url)
    declared = _declared_feeds(root, base)
    linked = _linked_feeds(root, base, url)
    return _unique([*declared, *linked])


def _parse_page(data: bytes, content_type: str | None) -> HtmlElement | None:
    text = decode_html(data, parse_content_type(content_type)[1])
    if not text.strip() or not looks_like_html(text):
        return None
    return parse_html(text)


def _declared_feeds(root: HtmlElement, base: str) -> list[FeedCandidate]:
    found = []
    for element in root.iter("link", "a"):
        rels = set((element.get("rel") or "").lower().split())
        if not rels & {"alternate", "feed"}:
            continue
        url = absolute_url(element.get("href"), base)
        if url is None:
            continue
        declared = (element.get("type") or "").partition(";")[0].strip().lower()
        kind = _kind_of_type(declared, url, is_feed_rel="feed" in rels)
        if kind is None:
            continue
        title = clean_text(element.get("title")) or (
            text_of(element) if element.tag == "a" else ""
        )
        found.append(
            FeedCandidate(
                url=url, kind=kind, title=title or None, source="link_alternate"
            )
        )
    return found


def _kind_of_type(declared: str, url: str, *, is_feed_rel: bool) -> FeedKind | None:
    if declared in _FEED_TYPES:
        return _FEED_TYPES[declared]
    if declared in _GENERIC_TYPES and _FEED_NAME.search(urlsplit(url).path or "/"):
        return kind_from_url(url)
    if is_feed_rel:  # rel=feed: a feed of any type, an h-feed page included
        return FeedKind.HTML_LISTING if declared == "text/html" else kind_from_url(url)
    return None  # alternate languages, print versions, oEmbed, AMP


def _linked_feeds(root: HtmlElement, base: str, page_url: str) -> list[FeedCandidate]:
    try:
        site = registrable_domain(page_url)
    except ValueError:
        return []
    found: list[FeedCandidate] = []
    for count, anchor in enumerate(root.iter("a")):
        if count >= _MAX_LINKS or len(found) >= MAX_PAGE_LINKS:
            break
        url = absolute_url(anchor.get("href"), base)
        if url is None or not _is_feed_named(url):
            continue
        try:
            same_site = registrable_domain(url) == site
        except ValueError:
            continue
        if same_site:
            title = text_of(anchor) or clean_text(anchor.get("title")) or None
            found.append(
                FeedCandidate(
                    url=url, kind=kind_from_url(url), title=title, source="page_link"
                )
            )
    return found


def _is_feed_named(url: str) -> bool:
    parts = urlsplit(url)
    return bool(
        _FEED_NAME.search(parts.path + ("?" + parts.query if parts.query else ""))
    )


def kind_from_url(url: str) -> FeedKind:
    """A guess of what a feed URL serves, from its name alone."""
    path = urlsplit(url).path.lower().rstrip("/")
    name = path.rpartition("/")[2]
    if "sitemap" in name:
        return FeedKind.SITEMAP_INDEX if "index" in name else FeedKind.SITEMAP
    if name.endswith(".json") or "json" in urlsplit(url).query.lower():
        return FeedKind.JSON_FEED
    if "atom" in name or path.endswith("/feeds/posts/default"):
        return FeedKind.ATOM
    if "rss" in name or name.endswith(".rdf"):
        return FeedKind.RSS
    return FeedKind.UNKNOWN


def _unique(candidates: list[FeedCandidate]) -> tuple[FeedCandidate, ...]:
    seen: set[str] = set()
    unique = []
    for candidate in candidates:
        try:
            key = canonical_url(candidate.url)
        except ValueError:
            continue
        if key not in seen:
            seen.add(key)
            unique.append(candidate)
    return tuple(unique)


# ----------------------------------------------------------------------------- guesses


def common_feed_candidates(url: str) -> tuple[FeedCandidate, ...]:
    """:data:`COMMON_FEED_PATHS` at the site root, the feed paths among them first
    under the directory of ``url`` when that is not the root."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return ()
    origin = f"{parts.scheme}://{parts.netloc}"
    directory = parts.path.rpartition("/")[0] + "/" if parts.path else "/"
    urls = [origin + "/" + path for path in COMMON_FEED_PATHS]
    if directory != "/":
        # A blog under /blog/ has its feed there; sitemaps stay at the root.
        feeds = [path for path in COMMON_FEED_PATHS if "sitemap" not in path]
        urls[:0] = [origin + directory + path for path in feeds]
    return _unique(
        [
            FeedCandidate(url=found, kind=kind_from_url(found), source="common_path")
            for found in urls
        ]
    )


def sitemaps_from_robots(robots_txt: str, *, url: str) -> list[str]:
    """The ``Sitemap:`` URLs of a robots.txt fetched from ``url``, absolute, unique.

    Protego reads the lines (RFC 9309 leaves ``Sitemap`` to sitemaps.org, which wants
    absolute URLs; relative ones are resolved against ``url`` all the same). Only
    http(s) URLs are kept.
    """
    found: list[str] = []
    seen: set[str] = set()
    for line in Protego.parse(robots_txt).sitemaps:
        try:
            resolved = urljoin(url, str(line).strip())
            key = canonical_url(resolved)
        except ValueError:
            continue
        if key not in seen:
            seen.add(key)
            found.append(resolved)
    return found


def robots_sitemap_candidates(
    robots_txt: str, *, url: str
) -> tuple[FeedCandidate, ...]:
    """:func:`sitemaps_from_robots` as candidates: a sitemap index when the name
    says so, else a sitemap (robots.txt names nothing else)."""
    return tuple(
        FeedCandidate(
            url=found,
            kind=(
                FeedKind.SITEMAP_INDEX
                if kind_from_url(found) == FeedKind.SITEMAP_INDEX
                else FeedKind.SITEMAP
            ),
            source="robots_sitemap",
        )
        for found in sitemaps_from_robots(robots_txt, url=url)
    )
