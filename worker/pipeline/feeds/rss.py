"""RSS 2.0, 0.9x and 1.0 (RDF) documents -> :class:`ParsedFeed`.

:func:`parse_rss` reads ``<rss><channel><item>`` (0.9x/2.0) and
``<rdf:RDF><channel/><item>`` (1.0 and 0.90, the core elements in the RSS 1.0 or 0.90
namespace), with the extensions that real feeds use: Dublin Core (``dc:creator``,
``dc:date``, ``dc:subject``, ``dc:language``, ``dcterms:modified``),
``content:encoded``, Media RSS images, enclosures, ``atom:link``/``atom:updated`` and
the syndication module's ``sy:updatePeriod``/``sy:updateFrequency``.

An item's URL is its ``<link>``, else a permalink ``<guid>`` (``isPermaLink`` defaults
to true), else an ``atom:link`` alternate. RSS does not say whether text is HTML, so
text is cleaned by guessing (see ``text.py``). A ``<ttl>`` that is not a positive
integer is noted as a problem and ignored. Items are read wherever they are in the
document (libxml2's recovery nests the items after an unclosed one inside it), and
within an item the first of each element wins.

What this module does not do: sniff the document type (``__init__.py`` does), parse
XML, or parse dates itself (``dates.py``, through :class:`Problems`).

References: RSS 2.0 (https://www.rssboard.org/rss-specification); RSS 1.0
(https://web.resource.org/rss/1.0/spec); RSS 0.90; Dublin Core elements and terms;
RSS 1.0 content module; Media RSS 1.5.1.
"""

from __future__ import annotations

from lxml import etree

from schemas.enums import FeedKind
from schemas.messages import FeedEntry, ParsedFeed
from worker.pipeline.feeds.common import (
    ATOM_NS,
    CONTENT_NS,
    DC_NS,
    DCTERMS_NS,
    RDF_NS,
    Children,
    Problems,
    base_of,
    build_entry,
    capped,
    child_text,
    http_url,
    is_image,
    media_image,
    q,
    update_period,
)
from worker.pipeline.feeds.text import author_name, clean_text, dedupe
from worker.pipeline.xml import local_name, namespace_of, text_of

__all__ = ["parse_rss"]


def _rss_url(item: Children, ns: str | None, base: str) -> str | None:
    url = http_url(item.text(ns, "link"), base)
    guid = item.first(ns, "guid")
    # RSS 2.0: isPermaLink defaults to true, and then the guid is the item's URL.
    permalink = guid is not None and guid.get("isPermaLink", "true").lower() != "false"
    if url is None and guid is not None and permalink:
        url = http_url(text_of(guid), base_of(guid, base))
    if url is None:
        for link in item.all(ATOM_NS, "link"):
            if (link.get("rel") or "alternate") == "alternate":
                url = url or http_url(link.get("href"), base_of(link, base))
    return url


def _rss_image(item: Children, ns: str | None, base: str) -> str | None:
    for enclosure in item.all(ns, "enclosure"):
        candidate = http_url(enclosure.get("url"), base_of(enclosure, base))
        if is_image(enclosure.get("type"), candidate):
            return candidate
    return None


def _rss_entry(
    element: etree._Element, ns: str | None, url: str, problems: Problems, index: int
) -> FeedEntry | None:
    base = base_of(element, url)
    where = f"entry {index}"
    item = Children(element)
    guid = item.text(ns, "guid") or element.get(f"{{{RDF_NS}}}about")
    return build_entry(
        problems,
        index,
        _rss_url(item, ns, base),
        id=clean_text(guid, is_html=False),
        title=clean_text(item.text(ns, "title")),
        summary=clean_text(
            item.text(ns, "description") or item.text(CONTENT_NS, "encoded")
        ),
        authors=dedupe(
            [author_name(text_of(a)) for a in item.all(ns, "author")]
            + [clean_text(text_of(a)) for a in item.all(DC_NS, "creator")]
        ),
        published=problems.date(
            item.text(ns, "pubDate") or item.text(DC_NS, "date"), where
        ),
        updated=problems.date(
            item.text(ATOM_NS, "updated") or item.text(DCTERMS_NS, "modified"), where
        ),
        categories=dedupe(
            [clean_text(text_of(c)) for c in item.all(ns, "category")]
            + [clean_text(text_of(c)) for c in item.all(DC_NS, "subject")]
        ),
        image_url=_rss_image(item, ns, base) or media_image(element, base),
    )


def _rss_ttl(text: str | None, problems: Problems) -> int | None:
    if text is None or not text.strip():
        return None
    try:
        ttl = int(text.strip())
    except ValueError:
        ttl = 0
    if ttl <= 0:
        problems.add(f"channel: ttl {text.strip()[:20]!r} is not a positive integer")
        return None
    return ttl


def parse_rss(root: etree._Element, url: str, problems: Problems) -> ParsedFeed:
    """An RSS 0.9x, 1.0 or 2.0 document, already parsed, as a feed."""
    # RSS 0.9x/2.0: <rss><channel><item>; RSS 1.0 and 0.90: <rdf:RDF><channel/><item>,
    # the core elements in the RSS 1.0 (or 0.90) namespace.
    channel = next((c for c in root if local_name(c) == "channel"), root)
    ns = namespace_of(channel) if channel is not root else None
    # Items anywhere: in the channel, beside it (RSS 1.0, and 0.9x feeds that close
    # the channel early), in a second channel, or nested in an item left unclosed.
    items = list(root.iter(q(ns, "item")))
    base = base_of(channel, url)
    entries = [
        _rss_entry(item, ns, url, problems, index)
        for index, item in enumerate(capped(items, problems))
    ]
    return ParsedFeed(
        kind=FeedKind.RSS,
        title=clean_text(child_text(channel, ns, "title")),
        url=http_url(child_text(channel, ns, "link"), base),
        language=clean_text(
            child_text(channel, ns, "language")
            or child_text(channel, DC_NS, "language")
        ),
        ttl_minutes=_rss_ttl(child_text(channel, ns, "ttl"), problems),
        update_period_minutes=update_period(channel, problems),
        entries=tuple(entry for entry in entries if entry is not None),
        problems=tuple(problems.items),
    )
