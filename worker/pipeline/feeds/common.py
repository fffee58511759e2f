"""What the RSS, Atom, JSON Feed and sitemap parsers share.

* the namespaces feeds use, and ``MAX_ENTRIES``, the cap on entries read per feed;
* :class:`Problems`, the capped list of recovered faults that ends up in
  ``ParsedFeed.problems``, and :func:`capped`, which applies ``MAX_ENTRIES``;
* :func:`http_url`, which resolves a link against its base and keeps it only if it is
  a usable http(s) URL, and :func:`build_entry`, which skips an entry without one;
* XML navigation: :func:`base_of` (``xml:base``, resolved outermost first),
  namespaced child lookups (:class:`Children` gathers an element's children in one
  pass, for the dozen lookups an entry makes), and the Media RSS image of an entry;
* :func:`update_period`, the RSS syndication module's ``sy:updatePeriod`` and
  ``sy:updateFrequency`` as minutes between updates.

What this module does not do: decide what a document is, parse it, clean text (see
``text.py``) or parse dates (see ``dates.py``). URLs are not canonicalised here: the
follower and the store do that; :func:`worker.pipeline.urls.host_of` is only called
to validate the host (once per distinct host and port: a sitemap has 50,000 URLs and
one host).

References: XML Base (https://www.w3.org/TR/xmlbase/) and RFC 4287 §2; Media RSS 1.5.1
(https://www.rssboard.org/media-rss); RSS 1.0 syndication module
(https://web.resource.org/rss/1.0/modules/syndication/).
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree

from schemas.messages import FeedEntry
from worker.pipeline.feeds.dates import parse_feed_date
from worker.pipeline.urls import host_of
from worker.pipeline.xml import local_name, text_of

__all__ = [
    "ATOM03_NS",
    "ATOM_NS",
    "CONTENT_NS",
    "DCTERMS_NS",
    "DC_NS",
    "MAX_ENTRIES",
    "MEDIA_NS",
    "RDF_NS",
    "RSS090_NS",
    "RSS10_NS",
    "SY_NS",
    "Children",
    "Problems",
    "base_of",
    "build_entry",
    "capped",
    "child_text",
    "children",
    "http_url",
    "is_image",
    "media_image",
    "q",
    "update_period",
]

ATOM_NS = "http://www.w3.org/2005/Atom"
ATOM03_NS = "http://purl.org/atom/ns#"
RSS10_NS = "http://purl.org/rss/1.0/"
RSS090_NS = "http://my.netscape.com/rdf/simple/0.9/"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
DC_NS = "http://purl.org/dc/elements/1.1/"
DCTERMS_NS = "http://purl.org/dc/terms/"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
MEDIA_NS = "http://search.yahoo.com/mrss/"
SY_NS = "http://purl.org/rss/1.0/modules/syndication/"
_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"

# An absolute http(s) URL with nothing urljoin would change (no spaces or controls,
# which urlsplit strips): its netloc is group 1.
_ABSOLUTE_HTTP = re.compile(
    r"https?://([^/?#\x00-\x20\\]+)[^\x00-\x20]*\Z", re.IGNORECASE
)
_IMAGE_SUFFIX = re.compile(r"\.(?:jpe?g|png|gif|webp|avif)(?:$|\?)", re.IGNORECASE)
_PROBLEM_LIMIT = 50  # a broken feed of 10,000 items must not make a 10,000-line row
# A feed lists recent items (news sites publish tens to hundreds); a 10 MiB document of
# tiny items would be ~250,000 entries and seconds of work per poll. Read the first
# MAX_ENTRIES, in document order (newest first by convention), and note the rest.
MAX_ENTRIES = 2000


def capped(items: list[Any], problems: Problems) -> list[Any]:
    """The first ``MAX_ENTRIES`` of ``items``; how many were dropped is a problem."""
    if len(items) > MAX_ENTRIES:
        problems.add(f"{len(items) - MAX_ENTRIES} entries beyond {MAX_ENTRIES} ignored")
    return items[:MAX_ENTRIES]


class Problems:
    """What was wrong but recovered, capped so a broken feed cannot flood a row."""

    def __init__(self, initial: tuple[str, ...] = ()) -> None:
        self.items: list[str] = list(initial)

    def add(self, message: str) -> None:
        if len(self.items) < _PROBLEM_LIMIT:
            self.items.append(message)

    def date(self, text: str | None, where: str) -> datetime | None:
        parsed = parse_feed_date(text)
        if parsed is None and text and text.strip():
            self.add(f"{where}: unparseable date {text.strip()[:60]!r}")
        return parsed


@lru_cache(maxsize=4096)
def _is_valid_netloc(netloc: str) -> bool:
    # Host (IDNA, brackets) and port checks, cached: a 50,000-URL sitemap has one host.
    try:
        host_of(f"http://{netloc}/")
        _ = urlsplit(f"http://{netloc}/").port  # ValueError when not a valid port
    except ValueError:
        return False
    return bool(netloc)


def http_url(raw: str | None, base: str) -> str | None:
    """``raw`` resolved against ``base`` if it is a usable http(s) URL, else None."""
    if raw is None or not raw.strip():
        return None
    absolute = _ABSOLUTE_HTTP.match(raw)
    if absolute:  # the common case, and the whole of a sitemap: no join needed
        return raw if _is_valid_netloc(absolute.group(1)) else None
    try:
        resolved = urljoin(base, raw.strip())
        parts = urlsplit(resolved)
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"}:
        return None
    return resolved if _is_valid_netloc(parts.netloc) else None


def build_entry(
    problems: Problems, index: int, url: str | None, **fields: Any
) -> FeedEntry | None:
    """A :class:`FeedEntry`, or None (and a problem noted) when ``url`` is None."""
    if url is None:
        problems.add(f"entry {index}: no http(s) URL; skipped")
        return None
    return FeedEntry(url=url, **fields)


def base_of(element: etree._Element, document_url: str) -> str:
    """The base URL at ``element``: its ``xml:base`` chain, else ``document_url``."""
    # XML Base: each xml:base is resolved against its parent's base, outermost first.
    chain: list[str] = []
    node: etree._Element | None = element
    while node is not None:
        base = node.get(_XML_BASE)
        if base:
            chain.append(base.strip())
        node = node.getparent()
    resolved = document_url
    for base in reversed(chain):
        resolved = urljoin(resolved, base)
    return resolved


class Children:
    """The element children of one element by tag, gathered in one pass.

    An entry asks for a dozen of its children; lxml's ``find`` goes through
    ElementPath each time, and one pass over the children is several times cheaper.
    """

    def __init__(self, element: etree._Element) -> None:
        self.by_tag: dict[str, list[etree._Element]] = {}
        for child in element:
            if isinstance(child.tag, str):
                self.by_tag.setdefault(child.tag, []).append(child)

    def all(self, namespace: str | None, name: str) -> list[etree._Element]:
        return self.by_tag.get(q(namespace, name), [])

    def first(self, namespace: str | None, name: str) -> etree._Element | None:
        found = self.by_tag.get(q(namespace, name))
        return found[0] if found else None

    def text(self, namespace: str | None, name: str) -> str | None:
        found = self.by_tag.get(q(namespace, name))
        return text_of(found[0]) if found else None


def q(namespace: str | None, name: str) -> str:
    """``name`` qualified by ``namespace`` in lxml's Clark notation."""
    return f"{{{namespace}}}{name}" if namespace else name


def children(
    element: etree._Element, namespace: str | None, name: str
) -> list[etree._Element]:
    """The direct children of ``element`` called ``name`` in ``namespace``."""
    return element.findall(q(namespace, name))


def child_text(element: etree._Element, namespace: str | None, name: str) -> str | None:
    """The text of the first such child, or None if there is none."""
    child = element.find(q(namespace, name))
    return None if child is None else text_of(child)


def media_image(item: etree._Element, base: str) -> str | None:
    """The Media RSS image of an item or entry, if it has one."""
    # Media RSS: media:content (medium="image" or an image type) else media:thumbnail,
    # directly or inside media:group.
    thumbnails: list[str | None] = []
    for media in item.iter(q(MEDIA_NS, "content"), q(MEDIA_NS, "thumbnail")):
        url = http_url(media.get("url"), base_of(media, base))
        if local_name(media) == "thumbnail":
            thumbnails.append(url)
        elif is_image(media.get("medium") or media.get("type"), url):
            return url
    return next((url for url in thumbnails if url), None)


def is_image(type_or_medium: str | None, url: str | None) -> bool:
    """Whether ``url`` is an image, by its declared type or medium, else its suffix."""
    if url is None:
        return False
    if type_or_medium:
        return type_or_medium.lower().startswith("image")
    return bool(_IMAGE_SUFFIX.search(url))


# RSS 1.0 syndication module: the period is one of these, "daily" when absent.
_PERIOD_MINUTES = {
    "hourly": 60,
    "daily": 24 * 60,
    "weekly": 7 * 24 * 60,
    "monthly": 30 * 24 * 60,
    "yearly": 365 * 24 * 60,
}


def update_period(element: etree._Element, problems: Problems) -> int | None:
    """Minutes between updates from ``sy:updatePeriod``/``sy:updateFrequency``."""
    period_text = child_text(element, SY_NS, "updatePeriod")
    frequency_text = child_text(element, SY_NS, "updateFrequency")
    if period_text is None and frequency_text is None:
        return None
    period = _PERIOD_MINUTES.get((period_text or "daily").strip().lower())
    try:
        frequency = int((frequency_text or "1").strip())
    except ValueError:
        frequency = 0
    if period is None or frequency <= 0:
        problems.add(
            f"channel: sy:updatePeriod {period_text!r} / "
            f"sy:updateFrequency {frequency_text!r} not understood"
        )
        return None
    # updateFrequency is "times per period"; a minute is the smallest useful answer.
    return max(1, period // frequency)
