"""Find the story teasers of a page by their structure and turn them into entries.

1. Candidate links: every ``<a href>`` that resolves to an http(s) URL on the page's
   registrable domain, other than the page itself, whose shape is a story or unsure
   (``shapes.py``), that is not a pagination link and not inside furniture
   (``furniture.py``).
2. Teaser blocks: a link's block is its largest ancestor that links to no other
   story: the card, list item, table cell or ``<article>`` holding its headline,
   image, summary and date. :func:`_owners` computes, in one linear pass, which story
   each ancestor of a link belongs to. Label links (an unsure URL with a short text
   outside any heading, such as a kicker's section link) take no part, so they do
   not cut a teaser in two.
3. Scores: +2 a story-shaped URL, +2 a headline element around or inside the link,
   +1 a date, +1 an ``<article>`` (or schema.org Article) in the block, +1 a title
   of headline length, +1 three or more blocks of the same tag/class shape under the
   same kind of parent (+2 when three in four of them have headline-length titles);
   -3 a link inside running prose (an in-body link). A block that scores
   :data:`ACCEPT_SCORE` or more is a teaser.
4. Entries: one per story (canonical URL), in the document order of its first link,
   with the best title of all its links and the date, summary and image of its
   best-scoring block (falling back to its other blocks).

What this module does not do: decode or parse the page (``__init__.py``), or
canonicalise the URLs it returns (they are absolute, as found, without fragment).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice
from urllib.parse import urlsplit

from schemas.messages import FeedEntry
from worker.pipeline.extract.dom import HtmlElement, absolute_url, text_of
from worker.pipeline.listing.fields import (
    HEADING_TITLE,
    heading_of,
    image_of,
    published_of,
    summary_of,
    text_exceeds,
    title_of,
)
from worker.pipeline.listing.furniture import is_in_furniture
from worker.pipeline.listing.shapes import UNSURE, is_pagination_label, url_score
from worker.pipeline.urls import canonical_url, registrable_domain

ACCEPT_SCORE = 3
# Anchors examined per page: a hostile page can hold millions; real fronts < 2,000.
MAX_ANCHORS = 10_000
_REPEATED = 3  # blocks of one shape that make a list
_MOSTLY = (3, 4)  # three in four of a list's titles are headlines: a list of stories
_HEADLINE_CHARS = 20
_HEADLINE_WORDS = 4
_PROSE_CHARS = 40  # text around a link in its paragraph that makes it an in-body link
_PROSE_RATIO = 2
_SKIPPED_RELS = frozenset({"next", "prev", "previous", "tag", "author", "search"})
_ARTICLE_TYPES = ("article", "blogposting", "report")


@dataclass
class _Link:
    anchor: HtmlElement
    url: str
    key: str  # the canonical URL: what duplicates are compared on
    url_score: int


@dataclass
class Teaser:
    """One place a story is linked from: its block, links, score and title."""

    key: str
    url: str
    block: HtmlElement
    anchors: list[HtmlElement] = field(default_factory=list)
    score: int = 0
    title: tuple[int, str] = (0, "")  # (priority, text)


def find_teasers(root: HtmlElement, *, base: str, page_url: str) -> list[list[Teaser]]:
    """The accepted stories of a page, each as its teaser blocks; document order."""
    links = _candidate_links(root, base, page_url)
    # Labels such as a kicker's section link ("Valley news") must not split a teaser
    # block in two: only story-shaped or headline-like links own their ancestors.
    owner = _owners([link for link in links if not _is_label_link(link)])
    teasers: dict[tuple[str, HtmlElement], Teaser] = {}
    for link in links:
        block = _block(link.anchor, owner, link.key)
        teaser = teasers.get((link.key, block))
        if teaser is None:
            teaser = Teaser(link.key, link.url, block, score=link.url_score)
            teasers[(link.key, block)] = teaser
        teaser.anchors.append(link.anchor)
    groups: dict[tuple[str, ...], list[Teaser]] = {}
    for teaser in teasers.values():
        _score(teaser)
        groups.setdefault(_shape(teaser.block), []).append(teaser)
    for group in groups.values():
        _score_repetition(group)
    stories: dict[str, list[Teaser]] = {}
    for teaser in teasers.values():
        stories.setdefault(teaser.key, []).append(teaser)
    return [
        found
        for found in stories.values()
        if max(teaser.score for teaser in found) >= ACCEPT_SCORE
    ]


def entry_of(teasers: list[Teaser], base: str) -> FeedEntry:
    """The feed entry of one story from all the blocks it is linked from."""
    best = max(teasers, key=lambda teaser: teaser.score)
    ordered = [best, *(teaser for teaser in teasers if teaser is not best)]
    title = max((teaser.title for teaser in teasers), key=_title_rank)[1]
    return FeedEntry(
        url=teasers[0].url,
        title=title or None,
        published=next((d for t in ordered if (d := published_of(t.block))), None),
        summary=next((s for t in ordered if (s := summary_of(t.block, title))), None),
        image_url=next((i for t in ordered if (i := image_of(t.block, base))), None),
    )


def _title_rank(title: tuple[int, str]) -> tuple[int, int]:
    return title[0], len(title[1])


# ----------------------------------------------------------------------------- links


def _candidate_links(root: HtmlElement, base: str, page_url: str) -> list[_Link]:
    try:
        site = registrable_domain(page_url)
        page_key = canonical_url(page_url)
    except ValueError:
        return []
    links = []
    furniture: dict[HtmlElement, bool] = {}
    for count, anchor in enumerate(root.iter("a")):
        if count >= MAX_ANCHORS:
            break
        # Furniture first: it is memoised per element and holds most of a page's links.
        if anchor.get("href") and not is_in_furniture(anchor, furniture):
            link = _candidate(anchor, base, site, page_key)
            if link is not None:
                links.append(link)
    return links


def _candidate(
    anchor: HtmlElement, base: str, site: str, page_key: str
) -> _Link | None:
    url = absolute_url(anchor.get("href"), base)
    if url is None:
        return None
    if _SKIPPED_RELS.intersection((anchor.get("rel") or "").lower().split()):
        return None
    if is_pagination_label(text_of(anchor)):
        return None
    try:
        key = canonical_url(url)
        same_site = _site_of(urlsplit(key).hostname or "") == site
    except ValueError:
        return None
    score = url_score(key)
    if key == page_key or not same_site or score is None or score < UNSURE:
        return None
    return _Link(anchor, url, key, score)


@lru_cache(maxsize=1024)
def _site_of(host: str) -> str:
    return registrable_domain(host)


# ----------------------------------------------------------------------------- blocks

_ABSENT = object()


def _owners(links: list[_Link]) -> dict[HtmlElement, str | None]:
    """Map each ancestor of a link to the one story it holds, or None for several.

    Each element changes at most twice (unseen, one story, several) and a walk stops
    at the first element that already holds the story or several, so this is linear
    in the size of the page.
    """
    owner: dict[HtmlElement, str | None] = {}
    for link in links:
        node: HtmlElement | None = link.anchor
        while node is not None:
            known = owner.get(node, _ABSENT)
            if known is _ABSENT:
                owner[node] = link.key
            elif known is None or known == link.key:
                break
            else:
                owner[node] = None
            node = node.getparent()
    return owner


def _block(
    anchor: HtmlElement, owner: dict[HtmlElement, str | None], key: str
) -> HtmlElement:
    node = anchor
    while True:
        parent = node.getparent()
        if parent is None or parent.tag in {"body", "html"} or owner.get(parent) != key:
            return node
        node = parent


def _is_label_link(link: _Link) -> bool:
    if link.url_score > UNSURE:
        return False
    return not _is_headline(text_of(link.anchor)) and heading_of(link.anchor) is None


def _shape(block: HtmlElement) -> tuple[str, ...]:
    """Tag and first class of the block, its parent and grandparent: cards in the
    rows of one grid share a shape, two lists in two different boxes do not."""
    shape = [str(block.tag), _first_class(block)]
    for ancestor in islice(block.iterancestors(), 2):
        shape += [str(ancestor.tag), _first_class(ancestor)]
    return tuple(shape)


def _first_class(element: HtmlElement) -> str:
    classes = (element.get("class") or "").split()
    # Numbered classes ("post-812", "col-3") are one shape.
    return classes[0].rstrip("0123456789-_") if classes else ""


def _score(teaser: Teaser) -> None:
    teaser.title = title_of(teaser.anchors, teaser.block)
    if teaser.title[0] >= HEADING_TITLE:
        teaser.score += 2
    if published_of(teaser.block) is not None:
        teaser.score += 1
    if _has_article(teaser.block):
        teaser.score += 1
    if _is_headline(teaser.title[1]):
        teaser.score += 1
    if any(_is_in_prose(anchor) for anchor in teaser.anchors):
        teaser.score -= 3


def _score_repetition(group: list[Teaser]) -> None:
    """+1 for blocks repeated in one shape; +1 more when most of them carry
    headline-length titles: a list of stories, not of labels."""
    if len(group) < _REPEATED:
        return
    headlines = sum(1 for teaser in group if _is_headline(teaser.title[1]))
    bonus = 2 if headlines * _MOSTLY[1] >= len(group) * _MOSTLY[0] else 1
    for teaser in group:
        teaser.score += bonus


def _is_headline(title: str) -> bool:
    return len(title) >= _HEADLINE_CHARS or len(title.split()) >= _HEADLINE_WORDS


def _has_article(block: HtmlElement) -> bool:
    for element in block.iter():
        if element.tag == "article":
            return True
        item_type = (element.get("itemtype") or "").lower()
        if item_type and item_type.endswith(_ARTICLE_TYPES):
            return True
    return False


def _is_in_prose(anchor: HtmlElement) -> bool:
    """True if the paragraph around the link has much more text than the link."""
    parent = anchor.getparent()
    if parent is None or parent.tag != "p":
        return False
    own = len(text_of(anchor))
    needed = max(_PROSE_CHARS, _PROSE_RATIO * max(own, 1))
    return text_exceeds(parent, own + needed - 1)
