"""Parse a feed or sitemap document into a :class:`ParsedFeed`.

Input is the bytes of a response (already size-capped by the fetcher), the URL they came
from and, if any, the Content-Type and Content-Location headers. Output is the
document's own metadata and its entries in document order, each entry reduced to what
the crawler needs: an absolute http(s) URL, an id, plain-text title and summary,
authors, timezone-aware UTC dates, categories and an image.

The steps, in order:

1. **gzip**: a body starting with the gzip magic bytes is inflated under a hard cap
   (``max_decompressed_bytes``; ``decompress.py``);
2. **encoding**: the cascade BOM, HTTP charset, XML declaration, UTF-8, detection
   (``encoding.py`` documents the order and the one exception); the bytes are re-encoded
   as UTF-8 and ``ParsedFeed.encoding`` names what they were read as;
3. **sniffing** the body rather than trusting Content-Type (feeds are often served as
   ``text/html`` or ``text/plain``; RELIABILITY.md B5), then one reader per format:

* RSS 2.0, 0.9x and 1.0 (RDF): ``item`` elements, with the Dublin Core, ``content:``,
  Media RSS, syndication (``sy:``) and ``atom:link`` extensions real feeds use;
* Atom 1.0 (RFC 4287), and Atom 0.3 where it differs only in names
  (``issued``/``modified``, ``mode="escaped"``);
* JSON Feed 1.0 and 1.1;
* sitemaps: ``urlset`` (with Google News and image extensions) and ``sitemapindex``
  (``sitemap.py``), kinds ``SITEMAP`` and ``SITEMAP_INDEX``.

Text: titles and summaries are reduced to plain text. Atom says whether a text construct
is ``text``, ``html`` or ``xhtml`` (RFC 4287 §3.1); RSS does not, so RSS text is treated
as HTML only when it contains a tag or an entity reference. Undeclared HTML entities
(``&nbsp;``, ``&eacute;``) and bare ampersands are repaired by the hardened parser in
``xml.py``, which never expands a DTD entity nor touches the network.

URLs are resolved against ``xml:base`` (XML Base, and RFC 4287 §2), else the
Content-Location (itself resolved against the feed URL; RFC 9110 §8.7), else the feed
URL, and are not canonicalised here: the follower and the store do that. Entries
without a usable http(s) URL are skipped and noted in ``ParsedFeed.problems``, as are
other recovered faults (encoding decisions, unparseable dates, a bad ``<ttl>``,
libxml2 recoveries), each a short stable phrase.

Dates accept RFC 822/5322 (with odd zone names, misspelled day names, full month names,
two-digit years), ISO 8601 and W3CDTF (``2024``, ``2024-03``, ``2024-03-01``, with or
without a zone). A time without a zone is taken as UTC.

The package: this module runs the steps above and dispatches; ``rss.py``, ``atom.py``,
``jsonfeed.py`` and ``sitemap.py`` each read one format; ``text.py`` cleans text,
``dates.py`` parses dates, ``encoding.py`` and ``decompress.py`` turn the body into
UTF-8, and ``common.py`` holds what the formats share (problems, the entry cap, URL
resolution, XML navigation). :func:`drop_stale` removes entries older than an age.

What this package does not do: fetch, follow sitemap indexes (the poll task does, with
a budget), or read HTML listing pages.

Errors: HTML where a feed was expected raises ``ContentError(reason=NOT_FEED)``; a
document nothing can be recovered from, ``ContentError(reason=UNPARSEABLE)``; a gzip
body past the cap, ``TOO_LARGE``; a corrupt gzip body, ``BAD_ENCODING``. Nothing else
escapes.

References: RSS 2.0 (https://www.rssboard.org/rss-specification); RSS 1.0
(https://web.resource.org/rss/1.0/spec); RFC 4287 (Atom); JSON Feed 1.1
(https://www.jsonfeed.org/version/1.1/); sitemaps.org 0.9; RFC 7303 (XML media types);
RFC 822 §5 and RFC 5322 §3.3 (dates); W3CDTF (https://www.w3.org/TR/NOTE-datetime);
Media RSS 1.5.1.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from schemas.enums import FailureReason
from schemas.messages import ParsedFeed
from worker.errors import ContentError
from worker.pipeline.feeds.atom import parse_atom
from worker.pipeline.feeds.common import (
    ATOM03_NS,
    ATOM_NS,
    CONTENT_NS,
    DC_NS,
    DCTERMS_NS,
    MAX_ENTRIES,
    MEDIA_NS,
    RDF_NS,
    RSS090_NS,
    RSS10_NS,
    Problems,
)
from worker.pipeline.feeds.dates import parse_feed_date
from worker.pipeline.feeds.decompress import (
    DEFAULT_MAX_DECOMPRESSED_BYTES,
    gunzip_capped,
    is_gzip,
)
from worker.pipeline.feeds.encoding import decode_document
from worker.pipeline.feeds.jsonfeed import parse_json_feed
from worker.pipeline.feeds.rss import parse_rss
from worker.pipeline.feeds.sitemap import drop_stale, is_sitemap, parse_sitemap
from worker.pipeline.feeds.text import clean_text
from worker.pipeline.xml import local_name, namespace_of, parse_xml_with_errors

__all__ = [
    "ATOM03_NS",
    "ATOM_NS",
    "CONTENT_NS",
    "DCTERMS_NS",
    "DC_NS",
    "DEFAULT_MAX_DECOMPRESSED_BYTES",
    "MAX_ENTRIES",
    "MEDIA_NS",
    "RDF_NS",
    "RSS090_NS",
    "RSS10_NS",
    "clean_text",
    "drop_stale",
    "parse_feed",
    "parse_feed_date",
]

# application/feed+json is JSON Feed's registered-in-practice type (JSON Feed 1.1 §1).
_JSON_TYPES = frozenset({"application/feed+json", "application/json", "text/json"})
_JUNK_LIMIT = 4096  # how far to look for an XML declaration after junk
_HTML_START = re.compile(
    rb"^(?:\s|<!--.*?-->|<\?xml[^>]*>)*<(?:!doctype\s+html|html[\s>])",
    re.IGNORECASE | re.DOTALL,
)


def _is_json(data: bytes, content_type: str | None) -> bool:
    media_type = (content_type or "").partition(";")[0].strip().lower()
    head = data[:64].lstrip(b" \t\r\n")
    return head.startswith((b"{", b"[")) or (
        media_type in _JSON_TYPES and not head.startswith(b"<")
    )


def _parse_xml_feed(data: bytes, url: str, problems: Problems) -> ParsedFeed:
    root, errors = parse_xml_with_errors(data, encoding="utf-8")
    for error in errors:
        problems.add(error)
    name, ns = local_name(root), namespace_of(root)
    if name in {"rss", "RDF", "channel"}:
        return parse_rss(root, url, problems)
    if name == "feed" and ns in {ATOM_NS, ATOM03_NS, None}:
        return parse_atom(root, url, problems)
    if is_sitemap(root):
        return parse_sitemap(root, url, problems)
    if name.lower() == "html":
        raise ContentError("an HTML page, not a feed", reason=FailureReason.NOT_FEED)
    raise ContentError(
        f"XML, but not a feed (root element {name!r})", reason=FailureReason.NOT_FEED
    )


def _without_leading_junk(body: bytes, problems: Problems) -> bytes:
    # XML 1.0 §2.8: the declaration comes first. Text before it is a server's noise
    # (a PHP warning, a blank line) that would make libxml2 read the wrong root.
    declaration = body.find(b"<?xml", 0, _JUNK_LIMIT)
    if declaration <= 0:
        return body
    if body[:declaration].strip():
        problems.add("junk before the XML declaration ignored")
    return body[declaration:]


def _parse(
    data: bytes, base: str, content_type: str | None, max_decompressed_bytes: int
) -> ParsedFeed:
    problems = Problems()
    if is_gzip(data):
        data, gzip_problems = gunzip_capped(data, max_bytes=max_decompressed_bytes)
        for problem in gzip_problems:
            problems.add(problem)
    decoded = decode_document(data, content_type=content_type)
    for problem in decoded.problems:
        problems.add(problem)
    body = _without_leading_junk(decoded.utf8, problems)
    if _HTML_START.match(body[:4096]):
        raise ContentError("an HTML page, not a feed", reason=FailureReason.NOT_FEED)
    if _is_json(body, content_type):
        parsed = parse_json_feed(body, base, problems)
    else:
        parsed = _parse_xml_feed(body, base, problems)
    return parsed.model_copy(update={"encoding": decoded.encoding})


def parse_feed(
    data: bytes,
    *,
    url: str,
    content_type: str | None = None,
    content_location: str | None = None,
    max_decompressed_bytes: int = DEFAULT_MAX_DECOMPRESSED_BYTES,
) -> ParsedFeed:
    """Parse an RSS, Atom, JSON Feed or sitemap document fetched from ``url``.

    ``content_type`` is a hint for the format (JSON is recognised by it or by its
    first byte) and the source of the HTTP charset. ``content_location`` is the
    response's Content-Location header, the base URL when the document has no
    ``xml:base``. A gzip body is inflated to at most ``max_decompressed_bytes``.

    Raises:
        ContentError: reason ``not_feed`` for HTML or other non-feed documents,
            ``unparseable`` when nothing can be recovered, ``too_large`` for a gzip
            body past the cap, ``bad_encoding`` for a corrupt one. Nothing else.
    """
    base = url
    if content_location and content_location.strip():
        try:
            base = urljoin(url, content_location.strip())
        except ValueError:
            base = url
    try:
        return _parse(data, base, content_type, max_decompressed_bytes)
    except ContentError:
        raise
    except (ValueError, TypeError, LookupError, RecursionError, OverflowError) as exc:
        # A fault we did not foresee in a hostile document: still a content problem,
        # never a crash (RELIABILITY.md B8: 0 unhandled exceptions).
        raise ContentError(
            f"feed could not be read: {type(exc).__name__}",
            reason=FailureReason.UNPARSEABLE,
        ) from exc
