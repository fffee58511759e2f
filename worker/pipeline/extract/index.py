"""One walk over the page that gathers what the field modules need.

:func:`build_index` runs once, after ``<script>``/``<style>`` are gone and before the
body is pruned, and goes through the ``<body>`` element by element (``iter()``, in
C, no recursion). For each element with attributes, what its class, id,
``itemprop``, ``rel`` and ``role`` say is read once per distinct attribute set
(a dict keyed on the attribute values: templates repeat the same few), and the
element is filed, in document order, as:

* a byline, an author box, a section label, a date label or a standfirst, for
  ``authors``, ``fields`` and ``dates``; ``<time>`` elements too;
* a box that gives its links a kind (nav, teaser, feed list, author: see
  ``links.box_kind``), so that every ``<a>`` gets the kind of its nearest such box
  in one upward step per element (memoised), for ``links``;
* its class bits (``classes.sig_bits``) when they say anything, for ``prune``.

The field modules then read these short lists instead of each walking the tree.
Void elements (``img``, ``br``…) hold nothing to file and are skipped.

What this module does not do: change the tree (``prune`` does, afterwards), read
text, or decide what a class name means (``classes`` holds the vocabularies).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from schemas.enums import LinkKind
from worker.pipeline.extract import classes, links
from worker.pipeline.extract.dom import HtmlElement, words

# Bits of an element's marks for the field modules.
BYLINE = 1
LINKED_AUTHOR = 2
AUTHOR_BOX = 4
SECTION = 8
DATE = 16
STANDFIRST = 32


@dataclass
class PageIndex:
    """What one walk over the page found; every list is in document order."""

    # Every <a>, with the kind of the nearest box around it that tells one.
    anchors: list[tuple[HtmlElement, LinkKind | None]] = field(default_factory=list)
    bylines: list[tuple[HtmlElement, str]] = field(default_factory=list)  # mark
    author_boxes: list[HtmlElement] = field(default_factory=list)
    section_labels: list[HtmlElement] = field(default_factory=list)
    date_labels: list[HtmlElement] = field(default_factory=list)
    standfirsts: list[HtmlElement] = field(default_factory=list)
    times: list[HtmlElement] = field(default_factory=list)  # <time> elements
    # classes.sig_bits of every element whose class or id says something.
    class_bits: dict[HtmlElement, int] = field(default_factory=dict)
    # Every element of the walk, held only to keep its lxml proxy alive: a later
    # walk (prune, scoring, blocks) then reuses the proxy instead of building one
    # per element again (a walk over held proxies is ~4x cheaper). The price is
    # more garbage-collector passes over the live proxies, so the page median gains
    # less than the body stage does.
    elements: list[HtmlElement] = field(default_factory=list)


class Marks(NamedTuple):
    """What an element's tag, class, id, ``itemprop``, ``rel`` and ``role`` say."""

    bits: int  # classes.sig_bits of the class and id
    link_kind: LinkKind | None
    fields: int


# Link kinds that a tag gives without any attribute.
_TAG_KINDS = {
    tag: kind
    for tag in ("nav", "header", "footer", "menu", "aside")
    if (kind := links.box_kind(tag, 0, None)) is not None
}
# Elements that cannot have children (WHATWG HTML §13.1.2, void elements).
_VOID_TAGS = words("area base br col embed hr img input link meta source track wbr")
_NOTHING = Marks(0, None, 0)
_BYLINE_TAGS = frozenset({"a", "span", "div", "p", "address", "li"})
_AUTHOR_BOX_TAGS = frozenset({"div", "section", "aside", "footer"})
_SECTION_TAGS = frozenset({"a", "span", "div", "p"})
_DATE_TAGS = frozenset({"span", "div", "p", "li"})
_STANDFIRST_TAGS = frozenset({"p", "div", "h2"})
# Pages repeat the same few attribute sets; a dict look-up is cheaper than the
# argument handling of functools.lru_cache. Emptied when it grows past the bound.
_MARKS: dict[tuple[str | None, ...], Marks] = {}
_MAX_MARKS = 65536
# The marks of (tag, class/id bits[, itemprop, rel, role]): many class and id
# strings (unique ids, utility classes) share the same bits, most of them none, so
# this holds far fewer entries than _MARKS. Emptied with it.
_SIGNS: dict[tuple[str | int | None, ...], Marks] = {}


def _new_marks(key: tuple[str | None, ...]) -> Marks:
    """Marks for a key of (tag, class, id) or (tag, class, id, itemprop, rel, role)."""
    if len(_MARKS) >= _MAX_MARKS:
        _MARKS.clear()
        _SIGNS.clear()
    tag, bits, others = key[0], classes.sig_bits(key[1], key[2]), key[3:]
    signs = (tag, bits, *others)
    marks = _SIGNS.get(signs)
    if marks is None:
        marks = _SIGNS[signs] = _read_marks(tag, bits, *others)
    _MARKS[key] = marks
    return marks


def _read_marks(
    tag: str | None,
    bits: int,
    itemprop: str | None = None,
    rel: str | None = None,
    role: str | None = None,
) -> Marks:
    found = 0
    if tag in _BYLINE_TAGS:
        if tag == "a" and rel and "author" in rel.lower().split():
            found |= LINKED_AUTHOR
        elif (itemprop or "").lower() == "author" or bits & classes.AUTHORISH:
            # An author box holds a bio, not the byline.
            found |= 0 if bits & classes.AUTHOR_BOX else BYLINE
    if tag in _AUTHOR_BOX_TAGS and bits & classes.AUTHOR_BOX:
        found |= AUTHOR_BOX
    if tag in _SECTION_TAGS and bits & classes.SECTION:
        found |= SECTION
    if tag in _DATE_TAGS and bits & classes.DATE:
        found |= DATE
    if tag in _STANDFIRST_TAGS and bits & classes.STANDFIRST:
        found |= STANDFIRST
    kind = links.box_kind(tag or "", bits, role)
    if not bits and kind is None and not found:
        return _NOTHING  # the walk tests for this one object
    return Marks(bits, kind, found)


def build_index(container: HtmlElement) -> PageIndex:  # noqa: C901, PLR0912 - one hot loop
    """Walk ``container`` (the ``<body>``) once; see the module docstring."""
    index = PageIndex()
    telling: dict[HtmlElement, LinkKind] = {}
    anchors: list[HtmlElement] = []
    bits = index.class_bits
    cache = _MARKS
    index.elements = everything = list(container.iter())
    for element in everything:
        tag = element.tag
        if tag.__class__ is not str:
            continue
        if tag == "a":
            anchors.append(element)
        elif tag == "time":
            index.times.append(element)
        elif tag in _VOID_TAGS:
            continue  # holds no link and no text: nothing to file
        attributes = element.attrib  # its get() is cheaper than the element's
        if not attributes:
            kind = _TAG_KINDS.get(tag)
            if kind is not None:
                telling[element] = kind
            continue
        get = attributes.get
        cls = get("class")
        ident = get("id")
        key: tuple[str | None, ...]
        if len(attributes) > (cls is not None) + (ident is not None):
            key = (
                tag,
                cls,
                ident,
                get("itemprop"),
                get("rel") if tag == "a" else None,
                get("role"),
            )
        else:
            key = (tag, cls, ident)
        marks = cache.get(key)
        if marks is None:
            marks = _new_marks(key)
        if marks is _NOTHING:
            continue  # most elements: their attributes say nothing
        if marks.bits:
            bits[element] = marks.bits
        if marks.link_kind is not None:
            telling[element] = marks.link_kind
        if marks.fields:
            _record(index, element, marks.fields)
    memo: dict[HtmlElement, LinkKind | None] = {}
    outer = _outer_kind(container)
    index.anchors = [
        (anchor, _context(anchor, container, telling, memo, outer))
        for anchor in anchors
    ]
    return index


def _context(
    anchor: HtmlElement,
    container: HtmlElement,
    telling: dict[HtmlElement, LinkKind],
    memo: dict[HtmlElement, LinkKind | None],
    outer: LinkKind | None,
) -> LinkKind | None:
    """The kind of the nearest box around ``anchor`` (itself included) that has one.

    Every element on the way up is memoised, so each is looked at once per page.
    """
    path = []
    node: HtmlElement | None = anchor
    kind = outer
    while node is not None:
        if node in memo:
            kind = memo[node]
            break
        found = telling.get(node)
        if found is not None:
            kind = found
            break
        path.append(node)
        if node is container:
            break
        node = node.getparent()
    for element in path:
        memo[element] = kind
    return kind


def _record(index: PageIndex, element: HtmlElement, bits: int) -> None:
    if bits & (BYLINE | LINKED_AUTHOR):
        index.bylines.append((element, "linked" if bits & LINKED_AUTHOR else "byline"))
    if bits & AUTHOR_BOX:
        index.author_boxes.append(element)
    if bits & SECTION:
        index.section_labels.append(element)
    if bits & DATE:
        index.date_labels.append(element)
    if bits & STANDFIRST:
        index.standfirsts.append(element)


def _outer_kind(container: HtmlElement) -> LinkKind | None:
    """The link kind the boxes around ``container`` (``<html>``) give it."""
    kind = None
    for ancestor in reversed(list(container.iterancestors())):
        tag = ancestor.tag if isinstance(ancestor.tag, str) else ""
        bits = classes.sig_bits(ancestor.get("class"), ancestor.get("id"))
        found = links.box_kind(tag, bits, ancestor.get("role"))
        kind = found or kind
    return kind
