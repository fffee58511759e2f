"""Atom 1.0 (RFC 4287) and Atom 0.3 documents -> :class:`ParsedFeed`.

:func:`parse_atom` reads ``<feed><entry>``. Text constructs are cleaned by their
declared ``type`` (``text``, ``html``, ``xhtml``; RFC 4287 §3.1), and Atom 0.3's MIME
types and ``mode="escaped"`` are read the same way; 0.3's ``issued``/``modified``/
``created`` stand in for ``published``/``updated``. An entry's URL is its alternate
link (an HTML one preferred), else an ``id`` that is an http(s) URL. An entry without
authors takes its ``source``'s, else the feed's (RFC 4287 §4.2.1). Images come from
``enclosure`` links and Media RSS. ``sy:updatePeriod`` is read as in RSS.

What this module does not do: sniff the document type (``__init__.py`` does), parse
XML, or parse dates itself (``dates.py``, through :class:`Problems`).

References: RFC 4287 (Atom 1.0), notably §2 (xml:base), §3.1 (text constructs) and
§4.2.1 (author inheritance); Atom 0.3 draft (draft-nottingham-atom-format-02).
"""

from __future__ import annotations

from lxml import etree

from schemas.enums import FeedKind
from schemas.messages import FeedEntry, ParsedFeed
from worker.pipeline.feeds.common import (
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
from worker.pipeline.feeds.text import clean_text, dedupe
from worker.pipeline.xml import namespace_of, text_of

__all__ = ["parse_atom"]

_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


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
    element: Children, ns: str | None, base: str, rel: str = "alternate"
) -> str | None:
    candidates: list[tuple[bool, str]] = []
    for link in element.all(ns, "link"):
        if (link.get("rel") or "alternate") != rel:
            continue
        url = http_url(link.get("href"), base_of(link, base))
        if url is not None:
            candidates.append(("html" not in (link.get("type") or "text/html"), url))
    # Prefer an HTML alternate; min() is stable, so document order breaks ties.
    return (
        min(candidates, key=lambda candidate: candidate[0])[1] if candidates else None
    )


def _atom_authors(element: Children, ns: str | None) -> tuple[str, ...]:
    return dedupe(
        [
            clean_text(child_text(author, ns, "name"), is_html=False)
            for author in element.all(ns, "author")
        ]
    )


def _atom_image(entry: Children, ns: str | None, base: str) -> str | None:
    for link in entry.all(ns, "link"):
        if link.get("rel") == "enclosure":
            href = http_url(link.get("href"), base_of(link, base))
            return href if is_image(link.get("type"), href) else None
    return None


def _atom_entry(
    element: etree._Element,
    ns: str | None,
    context: tuple[str, tuple[str, ...]],
    problems: Problems,
    index: int,
) -> FeedEntry | None:
    url, feed_authors = context
    base = base_of(element, url)
    where = f"entry {index}"
    entry = Children(element)
    entry_id = clean_text(entry.text(ns, "id"), is_html=False)
    authors = _atom_authors(entry, ns)
    source = entry.first(ns, "source")
    if not authors and source is not None:
        authors = _atom_authors(Children(source), ns)

    def first(*names: str) -> str | None:
        return next((text for name in names if (text := entry.text(ns, name))), None)

    return build_entry(
        problems,
        index,
        _atom_link(entry, ns, base) or http_url(entry_id, base),
        id=entry_id,
        title=_atom_text(entry.first(ns, "title")),
        summary=_atom_text(entry.first(ns, "summary"))
        or _atom_text(entry.first(ns, "content")),
        # RFC 4287 §4.2.1: an entry without authors inherits the feed's.
        authors=authors or feed_authors,
        published=problems.date(first("published", "issued", "created"), where),
        updated=problems.date(first("updated", "modified"), where),
        categories=dedupe(
            [
                clean_text(c.get("term"), is_html=False)
                for c in entry.all(ns, "category")
            ]
        ),
        image_url=_atom_image(entry, ns, base) or media_image(element, base),
    )


def _entries(root: etree._Element, ns: str | None) -> list[etree._Element]:
    # An entry cannot contain an entry; one that does was left unclosed, and
    # libxml2's recovery nested the entries after it inside it. Read them all.
    return list(root.iter(q(ns, "entry")))


def parse_atom(root: etree._Element, url: str, problems: Problems) -> ParsedFeed:
    """An Atom 1.0 or 0.3 document, already parsed, as a feed."""
    ns = namespace_of(root)
    base = base_of(root, url)
    feed = Children(root)
    context = (url, _atom_authors(feed, ns))
    entries = [
        _atom_entry(entry, ns, context, problems, index)
        for index, entry in enumerate(capped(_entries(root, ns), problems))
    ]
    return ParsedFeed(
        kind=FeedKind.ATOM,
        title=_atom_text(feed.first(ns, "title")),
        url=_atom_link(feed, ns, base),
        language=clean_text(root.get(_XML_LANG), is_html=False),
        update_period_minutes=update_period(root, problems),
        entries=tuple(entry for entry in entries if entry is not None),
        problems=tuple(problems.items),
    )
