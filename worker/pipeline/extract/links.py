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
from functools import lru_cache

from schemas.enums import LinkKind
from schemas.messages import RelatedLink
from worker.pipeline.extract.dom import (
    HtmlElement,
    absolute_url,
    clean_text,
    text_of,
)

_NAV = re.compile(
    r"(?:^|[-_\s])(?:nav|navbar|navigation|menu|footer|header|masthead|share|sharing|"
    r"social|breadcrumbs?|tags?|topics|keywords|pagination|pager|toolbar|"
    r"subscribe|newsletter|login|account|legal|copyright)(?:$|[-_\s])"
)
_AUTHOR = re.compile(r"byline|author|contributor|writer")
_TEASER = re.compile(
    r"related|read-?more|also-?read|see-?also|teaser|embed|inline-?promo|promo|"
    r"card|recirc|more-?on|further-?reading"
)
_FEED = re.compile(
    r"latest|more-?stories|more-?news|feed|river|stream|most-?read|most-?popular|"
    r"popular|trending|recommend|news-?list|headlines|top-?stories|list|grid|"
    r"collection|rail"
)
_AUTHOR_PATH = re.compile(
    r"/(?:authors?|profiles?|people|staff|journalists?|contributors?|writers?|by)/",
    re.IGNORECASE,
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


@dataclass
class FoundLink:
    """An anchor and its kind; the element is kept so body membership can be tested."""

    element: HtmlElement
    url: str
    kind: LinkKind
    anchor_text: str


def find_links(root: HtmlElement, base: str) -> list[FoundLink]:
    """Classify every ``<a href>`` of the page; run before the body prunes the tree.

    The kind of the nearest telling ancestor box is memoised per element, so each
    element on the way up from an anchor is looked at once.
    """
    found = []
    context: dict[HtmlElement, LinkKind | None] = {}
    headline_counts: dict[HtmlElement, int] = {}
    for anchor in root.iter("a"):
        if not anchor.get("href"):
            continue
        link = _link(anchor, base, _context_kind(anchor, context), headline_counts)
        if link is not None:
            found.append(link)
    return found


def _context_kind(
    anchor: HtmlElement, memo: dict[HtmlElement, LinkKind | None]
) -> LinkKind | None:
    path = []
    node: HtmlElement | None = anchor
    while node is not None and node not in memo:
        path.append(node)
        node = node.getparent()
    kind = memo[node] if node is not None else None
    for element in reversed(path):
        kind = _kind_of_box(element) or kind
        memo[element] = kind
    return kind


def _link(
    anchor: HtmlElement,
    base: str,
    context: LinkKind | None,
    headline_counts: dict[HtmlElement, int],
) -> FoundLink | None:
    url = absolute_url(anchor.get("href"), base)
    if url is None:
        return None
    text = text_of(anchor) or clean_text(
        anchor.get("title") or anchor.get("aria-label")
    )
    if "author" in (anchor.get("rel") or "").lower().split() or _AUTHOR_PATH.search(
        url
    ):
        kind = LinkKind.AUTHOR
    else:
        kind = context or _structural_kind(anchor, text, headline_counts)
    return FoundLink(anchor, url, kind, text)


def mark_in_body(links: list[FoundLink], body_anchors: set[HtmlElement]) -> None:
    """Turn links whose anchor ended up in a body paragraph into ``in_body`` links."""
    for link in links:
        if link.element in body_anchors and link.kind != LinkKind.AUTHOR:
            link.kind = LinkKind.IN_BODY


def related_links(links: list[FoundLink]) -> tuple[RelatedLink, ...]:
    """One RelatedLink per URL, in page order, with the most specific kind seen."""
    chosen: dict[str, FoundLink] = {}
    for link in links:
        known = chosen.get(link.url)
        if known is None:
            chosen[link.url] = FoundLink(
                link.element, link.url, link.kind, link.anchor_text
            )
        elif _PRIORITY[link.kind] > _PRIORITY[known.kind]:
            known.kind = link.kind
            known.anchor_text = known.anchor_text or link.anchor_text
    return tuple(
        RelatedLink(url=link.url, kind=link.kind, anchor_text=link.anchor_text)
        for link in chosen.values()
    )


def _kind_of_box(element: HtmlElement) -> LinkKind | None:
    get = element.get
    return _box_kind(str(element.tag), get("class"), get("id"), get("role"))


@lru_cache(maxsize=16384)
def _box_kind(
    tag: str, cls: str | None, ident: str | None, role: str | None
) -> LinkKind | None:
    """The kind a box gives its links; keyed on raw attributes, as pages repeat them."""
    if tag in _NAV_TAGS or (role or "").lower() in _NAV_ROLES:
        return LinkKind.NAV
    sig = f"{cls or ''} {ident or ''}".lower() if cls or ident else ""
    kind = _kind_of_signature(sig) if sig else None
    if kind is None and tag == "aside":
        return LinkKind.TEASER
    return kind


def _kind_of_signature(sig: str) -> LinkKind | None:
    for pattern, kind in (
        (_AUTHOR, LinkKind.AUTHOR),
        (_NAV, LinkKind.NAV),
        (_TEASER, LinkKind.TEASER),
        (_FEED, LinkKind.FEED_LIST),
    ):
        if pattern.search(sig):
            return kind
    return None


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
