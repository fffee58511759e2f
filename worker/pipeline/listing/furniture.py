"""Is a link inside page furniture (menus, header, footer, sidebars, share bars)?

A box is furniture when it is

* a ``nav``, ``aside``, ``menu`` or ``dialog`` element, or a ``header``/``footer``
  that does not belong to an ``<article>`` or a list item (WHATWG HTML §4.3.3: a
  header inside an article is that article's header);
* a landmark or widget role that is not the main content (``navigation``, ``banner``,
  ``contentinfo``, ``complementary``, ``search``, ``menu``…);
* hidden (``hidden``, ``aria-hidden="true"``, ``display:none``): collapsed mega-menus;
* named so by its class or id: a menu, breadcrumb, pagination, share bar, newsletter
  box, cookie banner, sidebar, "most read" or "trending" list, tag cloud, ad.

Class and id names are split into tokens at ``-`` and ``_``. Most words count wherever
they appear (``mega-menu__panel``); ``header``, ``footer``, ``tags``, ``topics`` only
as the first token or after ``site``/``page``/``global`` (``site-header``,
``footer-links``), so a card's own ``card-header`` or ``entry-footer`` is not
furniture. A word after ``has``/``with``/``no`` names a layout state, not a box
(``content-with-sidebar``).

What this module does not do: judge URLs (``shapes.py``) or teasers (``teasers.py``).

References: WHATWG HTML §4.3 (sections); WAI-ARIA 1.2 §5.3.4 (landmark roles).
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import pairwise

from worker.pipeline.extract.dom import HtmlElement, signature, words

_FURNITURE_TAGS = frozenset({"nav", "aside", "menu", "dialog"})
_PAGE_EDGE_TAGS = frozenset({"header", "footer"})
# A header or footer inside one of these is a story's or a list item's own.
_OWNERS = ("article", "li")
_FURNITURE_ROLES = frozenset(
    {"navigation", "banner", "contentinfo", "complementary", "menu", "menubar"}
    | {"search", "dialog", "alertdialog", "toolbar", "tablist"}
)
_FURNITURE_WORDS = words(
    "nav navbar navigation menu megamenu submenu breadcrumb breadcrumbs "
    "pagination pager paging share sharing sharebar social cookie cookies "
    "consent newsletter newsletters subscribe subscription login signin signup "
    "paywall sidebar tagcloud advert advertisement ads ad sponsored comments "
    "trending popular mostread masthead offcanvas drawer modal popup toolbar "
    "related recommended outbrain taboola"
)
_FURNITURE_PAIRS = frozenset(
    tuple(pair.split("-"))
    for pair in words(
        "most-read most-popular most-viewed most-shared tag-cloud tag-list top-bar "
        "skip-link off-canvas sign-in sign-up log-in"
    )
)
_EDGE_WORDS = frozenset({"header", "footer", "tags", "topics", "keywords"})
_PAGE_PREFIXES = frozenset({"site", "page", "global", "main", "top", "bottom"})
_STATE_PREFIXES = frozenset({"has", "with", "no", "without", "is"})
_TOKEN_SPLIT = re.compile(r"[-_]+")


def is_in_furniture(anchor: HtmlElement, memo: dict[HtmlElement, bool]) -> bool:
    """True if ``anchor`` or one of its ancestors is furniture.

    ``memo`` is shared by all the anchors of a page, so each element is judged once.
    """
    path = []
    node: HtmlElement | None = anchor
    while node is not None and node not in memo:
        path.append(node)
        node = node.getparent()
    inside = memo[node] if node is not None else False
    for element in reversed(path):
        inside = inside or is_furniture_box(element)
        memo[element] = inside
    return inside


def is_furniture_box(element: HtmlElement) -> bool:
    """True if ``element`` itself is furniture (its ancestors are not looked at)."""
    tag = element.tag
    get = element.get
    if tag in _FURNITURE_TAGS or (get("role") or "").lower() in _FURNITURE_ROLES:
        return True
    if get("hidden") is not None or get("aria-hidden") == "true":
        return True
    style = (get("style") or "").replace(" ", "").lower()
    if "display:none" in style or "visibility:hidden" in style:
        return True
    if tag in _PAGE_EDGE_TAGS and next(element.iterancestors(*_OWNERS), None) is None:
        return True
    sig = signature(element)
    return bool(sig) and is_furniture_signature(sig)


@lru_cache(maxsize=16384)
def is_furniture_signature(sig: str) -> bool:
    """True if a lower-case class/id signature names a furniture box."""
    for name in sig.split():
        tokens = [token for token in _TOKEN_SPLIT.split(name) if token]
        if not tokens:
            continue
        named = [
            token
            for index, token in enumerate(tokens)
            if index == 0 or tokens[index - 1] not in _STATE_PREFIXES
        ]
        if _FURNITURE_WORDS.intersection(named):
            return True
        if any(pair in _FURNITURE_PAIRS for pair in pairwise(tokens)):
            return True
        first = tokens[0]
        if first in _EDGE_WORDS or (
            first in _PAGE_PREFIXES and len(tokens) > 1 and tokens[1] in _EDGE_WORDS
        ):
            return True
    return False
