"""Sitemaps (``urlset``) and sitemap indexes (``sitemapindex``) -> :class:`ParsedFeed`.

:func:`parse_sitemap` reads a parsed sitemap document:

* ``<urlset><url>``: each ``<loc>`` becomes an entry, its ``<lastmod>`` the entry's
  ``updated``; the Google News extension (``<news:news>``) gives ``published``
  (``news:publication_date``), ``title`` (``news:title``), ``publisher``
  (``news:publication/news:name``) and ``language`` (``news:language``), and marks
  the document ``is_news_sitemap``; the first Google image (``image:image/image:loc``)
  is the entry's ``image_url``.
* ``<sitemapindex><sitemap>``: each ``<loc>`` and ``<lastmod>`` becomes a
  :class:`ChildSitemap`; following them is the poll task's job, with a budget.

Elements are looked up in the root's namespace (sitemaps.org 0.9, Google's old 0.84,
or none), so a sitemap with the wrong or no namespace still reads. ``<loc>`` values
are resolved like feed links (``xml:base``, the Content-Location, the document URL)
although the protocol requires them absolute. At most ``MAX_SITEMAP_URLS`` (the
protocol's 50,000 per file) are read. This is the large-input path (RELIABILITY L6:
50,000 URLs in < 1 s), so per URL it makes one pass over the children, one URL check
(absolute URLs need no join) and one date parse, and looks for ``xml:base`` only when
the document uses it.

:func:`drop_stale` removes entries older than a given age from any parsed document
(news sitemaps list two days by Google's rules, but stale items linger in them).

What this module does not do: fetch child sitemaps, read ``changefreq``/``priority``
(hints search engines ignore), video sitemaps, or hreflang alternates.

References: sitemaps.org protocol 0.9 (https://www.sitemaps.org/protocol.html); Google
News sitemaps (https://developers.google.com/search/docs/crawling-indexing/sitemaps/news-sitemap);
Google image sitemaps.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from lxml import etree

from schemas.enums import FeedKind
from schemas.messages import ChildSitemap, FeedEntry, ParsedFeed
from worker.pipeline.feeds.common import Problems, base_of, http_url, q
from worker.pipeline.feeds.dates import parse_feed_date
from worker.pipeline.feeds.text import clean_text
from worker.pipeline.xml import local_name, namespace_of, text_of

__all__ = [
    "IMAGE_NS",
    "MAX_SITEMAP_URLS",
    "NEWS_NS",
    "SITEMAP_NS",
    "drop_stale",
    "is_sitemap",
    "parse_sitemap",
]

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
IMAGE_NS = "http://www.google.com/schemas/sitemap-image/1.1"
# sitemaps.org: "no more than 50,000 URLs" per sitemap (and per index).
MAX_SITEMAP_URLS = 50_000

_NEWS = q(NEWS_NS, "news")
_NEWS_TITLE = q(NEWS_NS, "title")
_NEWS_DATE = q(NEWS_NS, "publication_date")
_NEWS_NAME = f"{q(NEWS_NS, 'publication')}/{q(NEWS_NS, 'name')}"
_NEWS_LANGUAGE = f"{q(NEWS_NS, 'publication')}/{q(NEWS_NS, 'language')}"
_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
_IMAGE = q(IMAGE_NS, "image")
_IMAGE_LOC = q(IMAGE_NS, "loc")


def is_sitemap(root: etree._Element) -> bool:
    """Whether ``root`` is a ``urlset`` or a ``sitemapindex``."""
    return local_name(root) in {"urlset", "sitemapindex"}


def _text(element: etree._Element | None) -> str | None:
    if element is None:
        return None
    # .text is enough unless there are child nodes (an entity reference, say).
    text = element.text if len(element) == 0 else text_of(element)
    return (text.strip() or None) if text else None


def _capped_children(
    root: etree._Element, tag: str, problems: Problems
) -> list[etree._Element]:
    items = root.findall(tag)
    if len(items) > MAX_SITEMAP_URLS:
        problems.add(f"{len(items) - MAX_SITEMAP_URLS} URLs beyond 50000 ignored")
    return items[:MAX_SITEMAP_URLS]


def _wanted(ns: str | None) -> dict[str, str]:
    return {q(ns, "loc"): "loc", q(ns, "lastmod"): "lastmod", _NEWS: "news"}


def _fields(
    element: etree._Element, wanted: dict[str, str]
) -> dict[str, etree._Element]:
    # One pass over the children, first of each kind wins: lxml's find() goes through
    # ElementPath and would cost several times as much per URL (RELIABILITY L6).
    found: dict[str, etree._Element] = {}
    for child in element:
        name = wanted.get(child.tag) if isinstance(child.tag, str) else None
        if name is not None:
            found.setdefault(name, child)
        elif child.tag == _IMAGE and "image" not in found:
            image = child.find(_IMAGE_LOC)
            if image is not None:
                found["image"] = image
    return found


def _date(
    text: str | None, problems: Problems, where: str, index: int
) -> datetime | None:
    # Problems.date, with the label built only when there is a problem to report.
    parsed = parse_feed_date(text)
    if parsed is None and text:
        problems.add(f"{where} {index}: unparseable date {text[:60]!r}")
    return parsed


def _url_entry(
    element: etree._Element,
    wanted: dict[str, str],
    base: str,
    problems: Problems,
    index: int,
) -> FeedEntry | None:
    fields = _fields(element, wanted)
    loc = http_url(_text(fields.get("loc")), base)
    if loc is None:
        problems.add(f"url {index}: no http(s) loc; skipped")
        return None
    updated = _date(_text(fields.get("lastmod")), problems, "url", index)
    image = http_url(_text(fields.get("image")), base)
    news = fields.get("news")
    if news is None:
        return FeedEntry(url=loc, updated=updated, image_url=image)
    return FeedEntry(
        url=loc,
        title=clean_text(_text(news.find(_NEWS_TITLE))),
        published=_date(_text(news.find(_NEWS_DATE)), problems, "url", index),
        updated=updated,
        image_url=image,
        publisher=clean_text(_text(news.find(_NEWS_NAME)), is_html=False),
        language=clean_text(_text(news.find(_NEWS_LANGUAGE)), is_html=False),
    )


def _child_sitemaps(
    root: etree._Element, ns: str | None, url: str, problems: Problems
) -> tuple[ChildSitemap, ...]:
    children: list[ChildSitemap] = []
    wanted = _wanted(ns)
    for index, element in enumerate(_capped_children(root, q(ns, "sitemap"), problems)):
        fields = _fields(element, wanted)
        loc = http_url(_text(fields.get("loc")), base_of(element, url))
        if loc is None:
            problems.add(f"sitemap {index}: no http(s) loc; skipped")
            continue
        lastmod = _date(_text(fields.get("lastmod")), problems, "sitemap", index)
        children.append(ChildSitemap(url=loc, lastmod=lastmod))
    return tuple(children)


def parse_sitemap(root: etree._Element, url: str, problems: Problems) -> ParsedFeed:
    """A ``urlset`` or ``sitemapindex``, already parsed, as a :class:`ParsedFeed`."""
    ns = namespace_of(root)
    if local_name(root) == "sitemapindex":
        return ParsedFeed(
            kind=FeedKind.SITEMAP_INDEX,
            sitemaps=_child_sitemaps(root, ns, url, problems),
            problems=tuple(problems.items),
        )
    elements = _capped_children(root, q(ns, "url"), problems)
    wanted = _wanted(ns)
    # xml:base is rare in sitemaps; look for it per URL only when the root or a
    # URL element carries one (base_of would otherwise walk 50,000 parent chains).
    has_bases = root.get(_XML_BASE) is not None or any(
        element.get(_XML_BASE) is not None for element in elements
    )
    root_base = base_of(root, url)
    entries = [
        _url_entry(
            element,
            wanted,
            base_of(element, url) if has_bases else root_base,
            problems,
            index,
        )
        for index, element in enumerate(elements)
    ]
    kept = tuple(entry for entry in entries if entry is not None)
    return ParsedFeed(
        kind=FeedKind.SITEMAP,
        is_news_sitemap=root.find(f"*/{_NEWS}") is not None,
        entries=kept,
        problems=tuple(problems.items),
    )


def drop_stale(parsed: ParsedFeed, *, now: datetime, max_age: timedelta) -> ParsedFeed:
    """``parsed`` without the entries dated (published, else updated) before
    ``now - max_age``; entries without a date are kept. The count is a problem."""
    oldest = now - max_age
    kept = tuple(
        entry
        for entry in parsed.entries
        if (date := entry.published or entry.updated) is None or date >= oldest
    )
    dropped = len(parsed.entries) - len(kept)
    if not dropped:
        return parsed
    hours = max_age.total_seconds() / 3600
    note = f"{dropped} entries older than {hours:g} h skipped"
    return parsed.model_copy(
        update={"entries": kept, "problems": (*parsed.problems, note)}
    )
