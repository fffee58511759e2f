"""Every outgoing link of a page, with the kind of place it was found in.

Kinds (``schemas.enums.LinkKind``), decided from the nearest telling ancestor:

* ``author``: ``rel=author``, a byline or author box, or a profile-shaped path
  (``/author/…``, ``/profile/…``);
* ``teaser``: a related-story card (class ``related``, ``read-more``, ``teaser``,
  ``embed``…, an ``<aside>``, or a lone headline link outside a list), including one
  embedded between body paragraphs;
* ``feed_list``: a list of headline links (class ``latest``, ``more-stories``,
  ``feed``, ``river``… or any ``ul``/``ol``/``section`` holding three or more headline
  links);
* ``in_body``: a link inside a body paragraph (set after the body is chosen, by
  :func:`mark_in_body`);
* ``nav``: everything else: menus, headers, footers, share bars, tag lists.

URLs are absolute (``<base href>``, then the page URL), http(s) only, without fragment;
``mailto:``, ``javascript:`` and same-page ``#`` links are dropped. A URL found twice
keeps its first anchor text and the most specific kind.

What this module does not do: canonicalise URLs or decide what to follow
(``pipeline/follow.py`` does both).

References: RFC 3986 §5 (resolution); WHATWG HTML §4.6 (``rel=author``, ``<base>``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from schemas.enums import LinkKind
from worker.pipeline.extract import classes
from worker.pipeline.extract.dom import (
    HtmlElement,
    absolute_url,
    clean_text,
    text_of,
)

AUTHOR_PATH = re.compile(
    r"/(?:authors?|profiles?|people|staff|journalists?|contributors?|writers?|by)/",
    re.IGNORECASE,
)
# Checked in this order when a box's class and id say several things.
_BOX_KINDS = (
    (classes.AUTHORISH, LinkKind.AUTHOR),
    (classes.NAV, LinkKind.NAV),
    (classes.TEASER, LinkKind.TEASER),
    (classes.FEED, LinkKind.FEED_LIST),
)
_NAV_TAGS = frozenset({"nav", "header", "footer", "menu"})
_NAV_ROLES = frozenset({"navigation", "banner", "contentinfo", "menu", "menubar"})
_HEADLINE_CHARS = 20  # shorter anchor texts are labels ("Home", "Share"), not stories
_FEED_MIN_HEADLINES = 3
_PRIORITY = {
    LinkKind.NAV: 0,
    LinkKind.FEED_LIST: 1,
    LinkKind.TEASER: 2,
    LinkKind.IN_BODY: 3,
    LinkKind.AUTHOR: 4,
}


@dataclass(slots=True)
class FoundLink:
    """An anchor and its kind; the element is kept so body membership can be tested."""

    element: HtmlElement
    url: str
    kind: LinkKind
    anchor_text: str


def classify_links(
    anchors: list[tuple[HtmlElement, LinkKind | None]], base: str
) -> list[FoundLink]:
    """Give every ``<a href>`` its kind; run before the body prunes the tree.

    ``anchors`` come from the page walk (``index.build_index``) with the kind of
    their nearest telling box; only anchors in no such box are looked at further
    (:func:`_structural_kind`).
    """
    found = []
    headline_counts: dict[HtmlElement, int] = {}
    for element, context in anchors:
        get = element.attrib.get  # cheaper than the element's own get()
        href = get("href")
        if not href:
            continue
        url = absolute_url(href, base)
        if url is None:
            continue
        text = text_of(element) or clean_text(get("title") or get("aria-label"))
        rel = get("rel")
        if (rel and "author" in rel.lower().split()) or AUTHOR_PATH.search(url):
            kind = LinkKind.AUTHOR
        else:
            kind = context or _structural_kind(element, text, headline_counts)
        found.append(FoundLink(element, url, kind, text))
    return found


def mark_in_body(links: list[FoundLink], body_anchors: set[HtmlElement]) -> None:
    """Turn links whose anchor ended up in a body paragraph into ``in_body`` links."""
    for link in links:
        if link.element in body_anchors and link.kind != LinkKind.AUTHOR:
            link.kind = LinkKind.IN_BODY


def related_links(links: list[FoundLink]) -> list[dict[str, str]]:
    """One ``RelatedLink`` record per URL, in page order, with the most specific
    kind seen (``LinkKind`` is a ``str`` enum)."""
    chosen: dict[str, FoundLink] = {}
    for link in links:
        known = chosen.get(link.url)
        if known is None:
            chosen[link.url] = link
        elif _PRIORITY[link.kind] > _PRIORITY[known.kind]:
            # A new record rather than a change to ``known``, which is the
            # caller's; most URLs are found once, so copying each was the cost.
            chosen[link.url] = FoundLink(
                known.element,
                link.url,
                link.kind,
                known.anchor_text or link.anchor_text,
            )
    # Plain records: the article model builds them into RelatedLink in one
    # validation pass (in pydantic-core), three times cheaper than a model each.
    return [
        {"url": link.url, "kind": link.kind, "anchor_text": link.anchor_text}
        for link in chosen.values()
    ]


def box_kind(tag: str, bits: int, role: str | None) -> LinkKind | None:
    """The kind a box gives its links, from its tag, class bits and ARIA role."""
    if tag in _NAV_TAGS or (role is not None and role.lower() in _NAV_ROLES):
        return LinkKind.NAV
    for bit, kind in _BOX_KINDS:
        if bits & bit:
            return kind
    return LinkKind.TEASER if tag == "aside" else None


def _structural_kind(
    anchor: HtmlElement, text: str, headline_counts: dict[HtmlElement, int]
) -> LinkKind:
    if len(text) < _HEADLINE_CHARS:
        return LinkKind.NAV
    for depth, element in enumerate(anchor.iterancestors("ul", "ol", "section")):
        count = headline_counts.get(element)
        if count is None:
            count = sum(
                1 for a in element.iter("a") if len(text_of(a)) >= _HEADLINE_CHARS
            )
            headline_counts[element] = count
        if count >= _FEED_MIN_HEADLINES:
            return LinkKind.FEED_LIST
        if depth >= 1:
            break
    is_headline = any(True for _ in anchor.iterancestors("h2", "h3", "h4")) or any(
        True for _ in anchor.iter("h2", "h3", "h4")
    )
    return LinkKind.TEASER if is_headline else LinkKind.NAV
