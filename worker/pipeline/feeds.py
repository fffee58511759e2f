"""Parse a feed document (RSS, Atom or JSON Feed) into a :class:`ParsedFeed`.

Input is the bytes of a response (already size-capped by the fetcher), the URL they came
from and the Content-Type header if any. Output is the feed's own metadata and its
entries in document order, each entry reduced to what the crawler needs: an absolute
http(s) URL, an id, plain-text title and summary, authors, timezone-aware UTC dates,
categories and an image.

Formats, told apart by sniffing the body rather than trusting Content-Type (feeds are
often served as ``text/html`` or ``text/plain``; RELIABILITY.md B5):

* RSS 2.0, 0.9x and 1.0 (RDF): ``item`` elements, with the Dublin Core, ``content:``,
  Media RSS and ``atom:link`` extensions that real feeds use;
* Atom 1.0 (RFC 4287), and Atom 0.3 where it differs only in names
  (``issued``/``modified``, ``mode="escaped"``);
* JSON Feed 1.0 and 1.1.

Text: titles and summaries are reduced to plain text. Atom says whether a text construct
is ``text``, ``html`` or ``xhtml`` (RFC 4287 §3.1); RSS does not, so RSS text is treated
as HTML only when it contains a tag or an entity reference. Undeclared HTML entities
(``&nbsp;``, ``&eacute;``) are handled by the hardened parser in ``xml.py``.

URLs are resolved against ``xml:base`` (XML Base, and RFC 4287 §2), else the feed URL,
and are not canonicalised here: the follower and the store do that. Entries without a
usable http(s) URL are skipped and noted in ``ParsedFeed.problems``, as are other
recovered faults (unparseable dates, a bad ``<ttl>``, libxml2 recoveries).

Dates accept RFC 822/5322 (with odd zone names, misspelled day names, full month names,
two-digit years), ISO 8601 and W3CDTF (``2024``, ``2024-03``, ``2024-03-01``, with or
without a zone). A time without a zone is taken as UTC.

What this module does not do: fetch, decode HTTP charsets (libxml2 uses the BOM and the
XML declaration; JSON is UTF-8/16/32 by RFC 8259), sitemaps, or HTML listings.

Errors: HTML where a feed was expected raises ``ContentError(reason=NOT_FEED)``;
a document nothing can be recovered from raises ``ContentError(reason=UNPARSEABLE)``.
Nothing else escapes.

References: RSS 2.0 (https://www.rssboard.org/rss-specification); RSS 1.0
(https://web.resource.org/rss/1.0/spec); RFC 4287 (Atom); JSON Feed 1.1
(https://www.jsonfeed.org/version/1.1/); RFC 822 §5 and RFC 5322 §3.3 (dates);
W3CDTF (https://www.w3.org/TR/NOTE-datetime); Media RSS 1.5.1.
"""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from schemas.enums import FailureReason, FeedKind
from schemas.messages import FeedEntry, ParsedFeed
from worker.errors import ContentError
from worker.pipeline.urls import canonical_url
from worker.pipeline.xml import local_name, namespace_of, parse_xml_with_errors, text_of

ATOM_NS = "http://www.w3.org/2005/Atom"
ATOM03_NS = "http://purl.org/atom/ns#"
RSS10_NS = "http://purl.org/rss/1.0/"
RSS090_NS = "http://my.netscape.com/rdf/simple/0.9/"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
DC_NS = "http://purl.org/dc/elements/1.1/"
DCTERMS_NS = "http://purl.org/dc/terms/"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
MEDIA_NS = "http://search.yahoo.com/mrss/"
_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# application/feed+json is JSON Feed's registered-in-practice type (JSON Feed 1.1 §1).
_JSON_TYPES = frozenset({"application/feed+json", "application/json", "text/json"})
_HTML_START = re.compile(
    rb"^(?:\s|<!--.*?-->|<\?xml[^>]*>)*<(?:!doctype\s+html|html[\s>])",
    re.IGNORECASE | re.DOTALL,
)
# RSS text is HTML only if it looks like it: a tag, or an entity/character reference.
_LOOKS_LIKE_HTML = re.compile(
    r"<[a-zA-Z/!][^>]*>|&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);"
)
_HTML_PARSER = lxml.html.HTMLParser(
    no_network=True, remove_comments=True, remove_pis=True
)
_BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "figure",
        "figcaption",
        "tr",
        "td",
    ]
)
_IMAGE_SUFFIX = re.compile(r"\.(?:jpe?g|png|gif|webp|avif)(?:$|\?)", re.IGNORECASE)
_PROBLEM_LIMIT = 50  # a broken feed of 10,000 items must not make a 10,000-line row
# A feed lists recent items (news sites publish tens to hundreds); a 10 MiB document of
# tiny items would be ~250,000 entries and seconds of work per poll. Read the first
# MAX_ENTRIES, in document order (newest first by convention), and note the rest.
MAX_ENTRIES = 2000


# ----------------------------------------------------------------------------- text


def _strip_markup(fragment: str) -> str:
    try:
        root = lxml.html.fragment_fromstring(
            fragment, create_parent="div", parser=_HTML_PARSER
        )
    except (etree.ParserError, ValueError):
        return html.unescape(re.sub(r"<[^>]*>", " ", fragment))
    etree.strip_elements(root, "script", "style", with_tail=False)
    for element in root.iter(*_BLOCK_TAGS):
        element.tail = " " + (element.tail or "")
    return text_of(root)


def clean_text(text: str | None, *, is_html: bool | None = None) -> str | None:
    """Plain text with collapsed whitespace; markup stripped when ``is_html``.

    ``is_html=None`` means "guess": true when the text contains a tag or an entity.
    """
    if text is None:
        return None
    if is_html is None:
        is_html = bool(_LOOKS_LIKE_HTML.search(text))
    if is_html:
        text = _strip_markup(text)
    return " ".join(text.split()) or None


def _author_name(text: str | None) -> str | None:
    # RSS 2.0 <author> is an e-mail address, by convention "jo@example.com (Jo Doe)".
    name = clean_text(text)
    if name is None:
        return None
    match = re.fullmatch(r"\S+@\S+\s*\((.+)\)", name)
    return match.group(1).strip() if match else name


def _dedupe(values: list[str | None]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(value for value in values if value))


# ----------------------------------------------------------------------------- dates

# Zone names RFC 822 does not define but feeds use; email.utils knows UT, GMT, Z and
# the North American zones. Ambiguous ones (IST, CST in Asia) keep their common reading.
_EXTRA_ZONES = {
    "UTC": "+0000", "WET": "+0000", "WEST": "+0100", "BST": "+0100", "CET": "+0100",
    "MET": "+0100", "CEST": "+0200", "MEST": "+0200", "EET": "+0200", "EEST": "+0300",
    "MSK": "+0300", "IST": "+0530", "SGT": "+0800", "HKT": "+0800", "AWST": "+0800",
    "JST": "+0900", "KST": "+0900", "ACST": "+0930", "AEST": "+1000", "AEDT": "+1100",
    "NZST": "+1200", "NZDT": "+1300", "HST": "-1000", "AKST": "-0900", "AKDT": "-0800",
}  # fmt: skip
_DAY_NAME = re.compile(r"^[A-Za-z]+\.?,?\s*(?=\d)")
_MONTH_NAME = re.compile(
    r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?(?=\s|-|$)",
    re.IGNORECASE,
)
_NUMERIC_ZONE = re.compile(
    r"\s*(?:GMT|UTC|UT)?\s*([+-])(\d{1,2}):?(\d{2})?$", re.IGNORECASE
)
_W3CDTF_PARTIAL = re.compile(r"(\d{4})(?:-(\d{2}))?")
_ISO_FRACTION = re.compile(r"(\.\d{1,6})\d+")
_ISO_ZONE_GAP = re.compile(r"\s+(?=(?:[+-]\d\d:?\d\d|Z)$)", re.IGNORECASE)


def _rfc822(text: str) -> datetime | None:
    text = _MONTH_NAME.sub(lambda m: m.group(1).capitalize(), _DAY_NAME.sub("", text))
    words = text.split()
    if words and words[-1].upper() in _EXTRA_ZONES:
        words[-1] = _EXTRA_ZONES[words[-1].upper()]
    text = " ".join(words)
    zone = _NUMERIC_ZONE.search(text)
    if zone and ":" in text[: zone.start()]:
        sign, hours, minutes = zone.groups()
        text = f"{text[: zone.start()]} {sign}{int(hours):02d}{minutes or '00'}"
    try:
        return parsedate_to_datetime(text)
    except (ValueError, TypeError, IndexError, OverflowError):
        return None


def _iso8601(text: str) -> datetime | None:
    partial = _W3CDTF_PARTIAL.fullmatch(text)
    try:
        if partial:
            return datetime(int(partial[1]), int(partial[2] or 1), 1, tzinfo=UTC)
        text = _ISO_ZONE_GAP.sub("", _ISO_FRACTION.sub(r"\1", text))
        if text.endswith("z"):
            text = text[:-1] + "Z"
        return datetime.fromisoformat(text)
    except (ValueError, OverflowError):
        return None


def parse_feed_date(text: str | None) -> datetime | None:
    """A feed date in any form we know, as a timezone-aware UTC datetime, or None.

    RFC 822/5322 (lenient) and ISO 8601/W3CDTF; a time without a zone is taken as UTC.
    """
    if not text or not text.strip():
        return None
    text = text.strip()
    parsed = _iso8601(text) if re.match(r"\d{4}", text) else None
    if parsed is None:
        parsed = _rfc822(text)
    if parsed is None:
        return None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


# ----------------------------------------------------------------------------- shared


def _capped(items: list[Any], problems: _Problems) -> list[Any]:
    if len(items) > MAX_ENTRIES:
        problems.add(f"{len(items) - MAX_ENTRIES} entries beyond {MAX_ENTRIES} ignored")
    return items[:MAX_ENTRIES]


class _Problems:
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


def _http_url(raw: str | None, base: str) -> str | None:
    """``raw`` resolved against ``base`` if it is a usable http(s) URL, else None."""
    if raw is None or not raw.strip():
        return None
    try:
        resolved = urljoin(base, raw.strip())
        if urlsplit(resolved).scheme.lower() not in {"http", "https"}:
            return None
        canonical_url(resolved)  # validates host and port
    except ValueError:
        return None
    return resolved


def _entry(
    problems: _Problems, index: int, url: str | None, **fields: Any
) -> FeedEntry | None:
    if url is None:
        problems.add(f"entry {index}: no http(s) URL; skipped")
        return None
    return FeedEntry(url=url, **fields)


# ----------------------------------------------------------------------------- XML


def _base_of(element: etree._Element, document_url: str) -> str:
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


def _q(namespace: str | None, name: str) -> str:
    return f"{{{namespace}}}{name}" if namespace else name


def _children(
    element: etree._Element, namespace: str | None, name: str
) -> list[etree._Element]:
    return element.findall(_q(namespace, name))


def _child_text(
    element: etree._Element, namespace: str | None, name: str
) -> str | None:
    child = element.find(_q(namespace, name))
    return None if child is None else text_of(child)


def _media_image(item: etree._Element, base: str) -> str | None:
    # Media RSS: media:content (medium="image" or an image type) else media:thumbnail,
    # directly or inside media:group.
    thumbnails: list[str | None] = []
    for media in item.iter(_q(MEDIA_NS, "content"), _q(MEDIA_NS, "thumbnail")):
        url = _http_url(media.get("url"), _base_of(media, base))
        if local_name(media) == "thumbnail":
            thumbnails.append(url)
        elif _is_image(media.get("medium") or media.get("type"), url):
            return url
    return next((url for url in thumbnails if url), None)


def _is_image(type_or_medium: str | None, url: str | None) -> bool:
    if url is None:
        return False
    if type_or_medium:
        return type_or_medium.lower().startswith("image")
    return bool(_IMAGE_SUFFIX.search(url))


# ----------------------------------------------------------------------------- RSS


def _rss_url(item: etree._Element, ns: str | None, base: str) -> str | None:
    url = _http_url(_child_text(item, ns, "link"), base)
    guid = item.find(_q(ns, "guid"))
    # RSS 2.0: isPermaLink defaults to true, and then the guid is the item's URL.
    permalink = guid is not None and guid.get("isPermaLink", "true").lower() != "false"
    if url is None and guid is not None and permalink:
        url = _http_url(text_of(guid), _base_of(guid, base))
    if url is None:
        for link in _children(item, ATOM_NS, "link"):
            if (link.get("rel") or "alternate") == "alternate":
                url = url or _http_url(link.get("href"), _base_of(link, base))
    return url


def _rss_entry(
    item: etree._Element, ns: str | None, url: str, problems: _Problems, index: int
) -> FeedEntry | None:
    base = _base_of(item, url)
    where = f"entry {index}"
    guid = _child_text(item, ns, "guid") or item.get(f"{{{RDF_NS}}}about")
    image = None
    for enclosure in _children(item, ns, "enclosure"):
        candidate = _http_url(enclosure.get("url"), _base_of(enclosure, base))
        if image is None and _is_image(enclosure.get("type"), candidate):
            image = candidate
    return _entry(
        problems,
        index,
        _rss_url(item, ns, base),
        id=clean_text(guid, is_html=False),
        title=clean_text(_child_text(item, ns, "title")),
        summary=clean_text(
            _child_text(item, ns, "description")
            or _child_text(item, CONTENT_NS, "encoded")
        ),
        authors=_dedupe(
            [_author_name(text_of(a)) for a in _children(item, ns, "author")]
            + [clean_text(text_of(a)) for a in _children(item, DC_NS, "creator")]
        ),
        published=problems.date(
            _child_text(item, ns, "pubDate") or _child_text(item, DC_NS, "date"), where
        ),
        updated=problems.date(
            _child_text(item, ATOM_NS, "updated")
            or _child_text(item, DCTERMS_NS, "modified"),
            where,
        ),
        categories=_dedupe(
            [clean_text(text_of(c)) for c in _children(item, ns, "category")]
            + [clean_text(text_of(c)) for c in _children(item, DC_NS, "subject")]
        ),
        image_url=image or _media_image(item, base),
    )


def _rss_ttl(text: str | None, problems: _Problems) -> int | None:
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


def _parse_rss(root: etree._Element, url: str, problems: _Problems) -> ParsedFeed:
    # RSS 0.9x/2.0: <rss><channel><item>; RSS 1.0 and 0.90: <rdf:RDF><channel/><item>,
    # the core elements in the RSS 1.0 (or 0.90) namespace.
    channel = next((c for c in root if local_name(c) == "channel"), root)
    ns = namespace_of(channel) if channel is not root else None
    items = _children(channel, ns, "item")
    if channel is not root:
        items += _children(root, ns, "item")
    base = _base_of(channel, url)
    entries = [
        _rss_entry(item, ns, url, problems, index)
        for index, item in enumerate(_capped(items, problems))
    ]
    return ParsedFeed(
        kind=FeedKind.RSS,
        title=clean_text(_child_text(channel, ns, "title")),
        url=_http_url(_child_text(channel, ns, "link"), base),
        language=clean_text(
            _child_text(channel, ns, "language")
            or _child_text(channel, DC_NS, "language")
        ),
        ttl_minutes=_rss_ttl(_child_text(channel, ns, "ttl"), problems),
        entries=tuple(entry for entry in entries if entry is not None),
        problems=tuple(problems.items),
    )


# ----------------------------------------------------------------------------- Atom


def _atom_text(element: etree._Element | None) -> str | None:
    # RFC 4287 §3.1: type is "text" (default), "html" or "xhtml"; Atom 0.3 used MIME
    # types and mode="escaped" for the same thing.
    if element is None:
        return None
    kind = (element.get("type") or "text").lower()
    is_html = "html" in kind and "xhtml" not in kind
    return clean_text(
        text_of(element), is_html=is_html or element.get("mode") == "escaped"
    )


def _atom_link(
    element: etree._Element, ns: str | None, base: str, rel: str = "alternate"
) -> str | None:
    candidates: list[tuple[bool, str]] = []
    for link in _children(element, ns, "link"):
        if (link.get("rel") or "alternate") != rel:
            continue
        url = _http_url(link.get("href"), _base_of(link, base))
        if url is not None:
            candidates.append(("html" not in (link.get("type") or "text/html"), url))
    # Prefer an HTML alternate; min() is stable, so document order breaks ties.
    return (
        min(candidates, key=lambda candidate: candidate[0])[1] if candidates else None
    )


def _atom_authors(element: etree._Element, ns: str | None) -> list[str | None]:
    return [
        clean_text(_child_text(author, ns, "name"), is_html=False)
        for author in _children(element, ns, "author")
    ]


def _atom_entry(
    entry: etree._Element,
    ns: str | None,
    context: tuple[str, tuple[str, ...]],
    problems: _Problems,
    index: int,
) -> FeedEntry | None:
    url, feed_authors = context
    base = _base_of(entry, url)
    where = f"entry {index}"
    entry_id = clean_text(_child_text(entry, ns, "id"), is_html=False)
    authors = _dedupe(_atom_authors(entry, ns))
    source = entry.find(_q(ns, "source"))
    if not authors and source is not None:
        authors = _dedupe(_atom_authors(source, ns))
    image = None
    for link in _children(entry, ns, "link"):
        href = _http_url(link.get("href"), _base_of(link, base))
        if image is None and link.get("rel") == "enclosure":
            image = href if _is_image(link.get("type"), href) else None

    def first(*names: str) -> str | None:
        return next(
            (text for name in names if (text := _child_text(entry, ns, name))), None
        )

    return _entry(
        problems,
        index,
        _atom_link(entry, ns, base) or _http_url(entry_id, base),
        id=entry_id,
        title=_atom_text(entry.find(_q(ns, "title"))),
        summary=_atom_text(entry.find(_q(ns, "summary")))
        or _atom_text(entry.find(_q(ns, "content"))),
        # RFC 4287 §4.2.1: an entry without authors inherits the feed's.
        authors=authors or feed_authors,
        published=problems.date(first("published", "issued", "created"), where),
        updated=problems.date(first("updated", "modified"), where),
        categories=_dedupe(
            [
                clean_text(c.get("term"), is_html=False)
                for c in _children(entry, ns, "category")
            ]
        ),
        image_url=image or _media_image(entry, base),
    )


def _parse_atom(root: etree._Element, url: str, problems: _Problems) -> ParsedFeed:
    ns = namespace_of(root)
    base = _base_of(root, url)
    context = (url, _dedupe(_atom_authors(root, ns)))
    entries = [
        _atom_entry(entry, ns, context, problems, index)
        for index, entry in enumerate(_capped(_children(root, ns, "entry"), problems))
    ]
    return ParsedFeed(
        kind=FeedKind.ATOM,
        title=_atom_text(root.find(_q(ns, "title"))),
        url=_atom_link(root, ns, base),
        language=clean_text(root.get(_XML_LANG), is_html=False),
        entries=tuple(entry for entry in entries if entry is not None),
        problems=tuple(problems.items),
    )


# ------------------------------------------------------------------------- JSON Feed


def _json_str(mapping: dict[str, Any], key: str) -> str | None:
    value = mapping.get(key)
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return str(value)  # JSON Feed ids are strings, but numbers occur in the wild
    return value if isinstance(value, str) else None


def _json_authors(mapping: dict[str, Any]) -> tuple[str, ...]:
    # JSON Feed 1.1 "authors" (a list); 1.0 "author" (one object).
    raw = mapping.get("authors")
    people = raw if isinstance(raw, list) else [mapping.get("author")]
    return _dedupe(
        [clean_text(_json_str(p, "name")) for p in people if isinstance(p, dict)]
    )


def _json_entry(
    item: object,
    url: str,
    feed_authors: tuple[str, ...],
    problems: _Problems,
    index: int,
) -> FeedEntry | None:
    if not isinstance(item, dict):
        problems.add(f"entry {index}: not an object; skipped")
        return None
    where = f"entry {index}"
    tags = item.get("tags")
    return _entry(
        problems,
        index,
        _http_url(_json_str(item, "url"), url)
        or _http_url(_json_str(item, "external_url"), url),
        id=_json_str(item, "id"),
        title=clean_text(_json_str(item, "title")),
        summary=clean_text(_json_str(item, "summary"))
        or clean_text(_json_str(item, "content_text"), is_html=False)
        or clean_text(_json_str(item, "content_html"), is_html=True),
        authors=_json_authors(item) or feed_authors,
        published=problems.date(_json_str(item, "date_published"), where),
        updated=problems.date(_json_str(item, "date_modified"), where),
        categories=_dedupe(
            [clean_text(t) for t in tags if isinstance(t, str)]
            if isinstance(tags, list)
            else []
        ),
        image_url=_http_url(_json_str(item, "image"), url)
        or _http_url(_json_str(item, "banner_image"), url),
    )


def _parse_json_feed(data: bytes, url: str) -> ParsedFeed:
    try:
        document = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise ContentError(
            "not parseable as JSON", reason=FailureReason.UNPARSEABLE
        ) from exc
    version = document.get("version") if isinstance(document, dict) else None
    if not isinstance(document, dict) or not (
        (isinstance(version, str) and version.startswith("https://jsonfeed.org/"))
        or isinstance(document.get("items"), list)
    ):
        raise ContentError("JSON, but not a JSON Feed", reason=FailureReason.NOT_FEED)
    problems = _Problems()
    raw_items = document.get("items")
    items = raw_items if isinstance(raw_items, list) else []
    feed_authors = _json_authors(document)
    entries = [
        _json_entry(item, url, feed_authors, problems, index)
        for index, item in enumerate(_capped(items, problems))
    ]
    return ParsedFeed(
        kind=FeedKind.JSON_FEED,
        title=clean_text(_json_str(document, "title")),
        url=_http_url(_json_str(document, "home_page_url"), url),
        language=clean_text(_json_str(document, "language"), is_html=False),
        entries=tuple(entry for entry in entries if entry is not None),
        problems=tuple(problems.items),
    )


# ----------------------------------------------------------------------- entry point


def _is_json(data: bytes, content_type: str | None) -> bool:
    media_type = (content_type or "").partition(";")[0].strip().lower()
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    return media_type in _JSON_TYPES or head.startswith((b"{", b"["))


def _parse_xml_feed(data: bytes, url: str) -> ParsedFeed:
    root, errors = parse_xml_with_errors(data)
    problems = _Problems(errors)
    name, ns = local_name(root), namespace_of(root)
    if name in {"rss", "RDF", "channel"}:
        return _parse_rss(root, url, problems)
    if name == "feed" and ns in {ATOM_NS, ATOM03_NS, None}:
        return _parse_atom(root, url, problems)
    if name.lower() == "html":
        raise ContentError("an HTML page, not a feed", reason=FailureReason.NOT_FEED)
    raise ContentError(
        f"XML, but not a feed (root element {name!r})", reason=FailureReason.NOT_FEED
    )


def parse_feed(data: bytes, *, url: str, content_type: str | None = None) -> ParsedFeed:
    """Parse an RSS, Atom or JSON Feed document fetched from ``url``.

    ``content_type`` is only a hint (JSON is recognised by it or by its first byte).

    Raises:
        ContentError: reason ``not_feed`` for HTML or other non-feed documents,
            ``unparseable`` when nothing can be recovered. Nothing else is raised.
    """
    if _HTML_START.match(data[:4096]):
        raise ContentError("an HTML page, not a feed", reason=FailureReason.NOT_FEED)
    try:
        if _is_json(data, content_type):
            return _parse_json_feed(data, url)
        return _parse_xml_feed(data, url)
    except ContentError:
        raise
    except (ValueError, TypeError, LookupError, RecursionError, OverflowError) as exc:
        # A fault we did not foresee in a hostile document: still a content problem,
        # never a crash (RELIABILITY.md B8: 0 unhandled exceptions).
        raise ContentError(
            f"feed could not be read: {type(exc).__name__}",
            reason=FailureReason.UNPARSEABLE,
        ) from exc
