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

The package: this module sniffs the format and dispatches; ``rss.py``, ``atom.py`` and
``jsonfeed.py`` each read one format; ``text.py`` cleans text, ``dates.py`` parses
dates, and ``common.py`` holds what the three formats share (problems, the entry cap,
URL resolution, XML navigation).

What this package does not do: fetch, decode HTTP charsets (libxml2 uses the BOM and the
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

import re

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
from worker.pipeline.feeds.jsonfeed import parse_json_feed
from worker.pipeline.feeds.rss import parse_rss
from worker.pipeline.feeds.text import clean_text
from worker.pipeline.xml import local_name, namespace_of, parse_xml_with_errors

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
    "clean_text",
    "parse_feed",
    "parse_feed_date",
]

# application/feed+json is JSON Feed's registered-in-practice type (JSON Feed 1.1 §1).
_JSON_TYPES = frozenset({"application/feed+json", "application/json", "text/json"})
_HTML_START = re.compile(
    rb"^(?:\s|<!--.*?-->|<\?xml[^>]*>)*<(?:!doctype\s+html|html[\s>])",
    re.IGNORECASE | re.DOTALL,
)


def _is_json(data: bytes, content_type: str | None) -> bool:
    media_type = (content_type or "").partition(";")[0].strip().lower()
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    return media_type in _JSON_TYPES or head.startswith((b"{", b"["))


def _parse_xml_feed(data: bytes, url: str) -> ParsedFeed:
    root, errors = parse_xml_with_errors(data)
    problems = Problems(errors)
    name, ns = local_name(root), namespace_of(root)
    if name in {"rss", "RDF", "channel"}:
        return parse_rss(root, url, problems)
    if name == "feed" and ns in {ATOM_NS, ATOM03_NS, None}:
        return parse_atom(root, url, problems)
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
            return parse_json_feed(data, url)
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
