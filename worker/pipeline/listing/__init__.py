"""An HTML listing page (a "News feed", a section front, an archive) -> ParsedFeed.

:func:`parse_listing` decodes the page with the extractor's cascade (HTTP charset,
BOM, ``<meta>``, detection, UTF-8; ``extract/decode.py``), refuses what is not HTML,
parses it once with lxml, and returns the page's story links as feed entries, found by
structure and never by per-site rules:

* ``shapes.py``: the URL's shape (a slug, id or date path; a section; never a story);
* ``furniture.py``: menus, page header and footer, sidebars, share bars, "most read"
  lists, tag clouds and ads, whose links are ignored;
* ``teasers.py``: each link's teaser block (the largest ancestor that links to no
  other story), scored on headline elements, dates, ``<article>``, repeated sibling
  shapes and headline-length text; duplicates merged, document order kept;
* ``fields.py``: title, published time, summary and image of a block.

Errors: a document that is not HTML (a feed, JSON, an image; told by the
Content-Type or by sniffing) raises ``ContentError(reason=NOT_HTML)``; an empty page,
or one with fewer than :data:`MIN_ENTRIES` stories, ``ContentError(NO_CONTENT)``.
Nothing else escapes, whatever the input: libxml2 caps the nesting depth at 255, NUL
bytes are removed and undecodable bytes replaced before parsing.

What this package does not do: fetch, follow pagination, canonicalise the entry URLs
(they are absolute as found, without fragment; the poller and store canonicalise),
or read prose dates in languages other than English (``<time datetime>``, ISO and
``21.11.2026`` dates work in any language).

References: WHATWG HTML §4.3 (sections) and §13.2.3 (encoding sniffing); WAI-ARIA 1.2
landmark roles; RFC 3986 §5 (reference resolution); RFC 9110 §8.3 (Content-Type).
"""

from __future__ import annotations

import re

from lxml import etree

from schemas.enums import FailureReason, FeedKind
from schemas.messages import ParsedFeed
from worker.errors import ContentError
from worker.pipeline.content_type import parse_content_type
from worker.pipeline.extract.decode import decode_html
from worker.pipeline.extract.dom import HtmlElement, absolute_url, base_url, text_of
from worker.pipeline.listing.teasers import entry_of, find_teasers

__all__ = [
    "MAX_ENTRIES",
    "MIN_ENTRIES",
    "looks_like_html",
    "parse_html",
    "parse_listing",
]

# A listing shows tens of stories; thousands are a sitemap in disguise or a trap, and
# the poller enqueues every entry it is given.
MAX_ENTRIES = 500
# One lone story link is a teaser on some page, not a listing.
MIN_ENTRIES = 2

# The extractor's parser settings: no network, comments and PIs dropped at parse time.
_PARSER = etree.HTMLParser(
    encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True
)
_NEVER_TEXT = ("script", "style", "template", "svg")
_SNIFF_CHARS = 65536
_FIRST_TAG = re.compile(r"<(?![?!/])([A-Za-z][^\s/>]*)")
_FEED_ROOTS = frozenset({"rss", "feed", "rdf", "urlset", "sitemapindex", "opml"})
_REFUSED_TYPES = frozenset(
    {"application/pdf", "application/zip", "application/gzip", "text/css"}
)
_REFUSED_PREFIXES = ("image/", "audio/", "video/", "font/", "model/")
_REFUSED_SUFFIXES = ("/json", "+json", "/javascript", "/ecmascript")


def parse_listing(
    data: bytes, *, url: str, content_type: str | None = None
) -> ParsedFeed:
    """The story links of the listing page ``data``, fetched from ``url``.

    Args:
        data: the page as fetched (already size-capped by the fetcher).
        url: the URL it was fetched from, after redirects; relative links and the
            same-site test use it (and ``<base href>``).
        content_type: the HTTP ``Content-Type``; its ``charset`` decodes the page.

    Returns:
        A ParsedFeed of kind ``html_listing``: the page's ``<title>``, its canonical
        link, its ``lang``, and at most :data:`MAX_ENTRIES` entries in page order.

    Raises:
        ContentError: ``NOT_HTML`` when the document is not an HTML page;
            ``NO_CONTENT`` when it is empty or lists fewer than two stories.
    """
    media_type, charset = parse_content_type(content_type)
    if _is_refused_type(media_type):
        raise ContentError(f"not HTML: {media_type}", reason=FailureReason.NOT_HTML)
    text = decode_html(data, charset)
    if not text.strip():
        raise ContentError("empty document", reason=FailureReason.NO_CONTENT)
    if not looks_like_html(text):
        raise ContentError("not an HTML page", reason=FailureReason.NOT_HTML)
    root = parse_html(text)
    if root is None:
        raise ContentError("no HTML element tree", reason=FailureReason.NOT_HTML)
    base = base_url(root, url)
    etree.strip_elements(root, *_NEVER_TEXT, with_tail=False)
    stories = find_teasers(root, base=base, page_url=url)
    if len(stories) < MIN_ENTRIES:
        raise ContentError(
            f"no listing: {len(stories)} story link(s)",
            reason=FailureReason.NO_CONTENT,
        )
    problems: tuple[str, ...] = ()
    if len(stories) > MAX_ENTRIES:
        problems = (f"listing cut at {MAX_ENTRIES} of {len(stories)} entries",)
    return ParsedFeed(
        kind=FeedKind.HTML_LISTING,
        title=_page_title(root),
        url=_canonical_link(root, base) or url,
        language=_page_language(root),
        entries=tuple(entry_of(found, base) for found in stories[:MAX_ENTRIES]),
        problems=problems,
    )


def looks_like_html(text: str) -> bool:
    """True if decoded ``text`` reads as an HTML page, not a feed, JSON or binary."""
    head = text[:_SNIFF_CHARS].lstrip("\ufeff \t\r\n")
    if head.startswith(("{", "[")):
        return False
    first = _FIRST_TAG.search(head)
    if first is None:
        return False
    return first.group(1).lower().rpartition(":")[2] not in _FEED_ROOTS


def _is_refused_type(media_type: str) -> bool:
    # XML, text/plain and octet-stream are sniffed instead: servers send pages as all
    # three (RELIABILITY.md B5).
    return (
        media_type in _REFUSED_TYPES
        or media_type.startswith(_REFUSED_PREFIXES)
        or media_type.endswith(_REFUSED_SUFFIXES)
    )


def parse_html(text: str) -> HtmlElement | None:
    """One lxml parse of decoded ``text`` (no network, no comments); None if empty."""
    try:
        root = etree.fromstring(text.encode("utf-8", "replace"), parser=_PARSER)
    except (etree.LxmlError, ValueError):
        return None
    return root if root is not None and isinstance(root.tag, str) else None


def _page_title(root: HtmlElement) -> str | None:
    title = next(root.iter("title"), None)
    return (text_of(title) or None) if title is not None else None


def _canonical_link(root: HtmlElement, base: str) -> str | None:
    for link in root.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split():
            return absolute_url(link.get("href"), base)
    return None


def _page_language(root: HtmlElement) -> str | None:
    lang = (root.get("lang") or "").strip().lower()
    return re.split(r"[-_]", lang)[0] or None
