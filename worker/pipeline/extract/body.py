"""The story text: choose the container that holds it, then keep its paragraphs.

The algorithm is one prune, one scoring pass and one walk, all linear in the tree:

1. **Prune** furniture in place: scripts and styles, ``nav``/``aside``/``footer``/
   ``figure``/``form``, and elements whose class or id uses a boilerplate word
   (share, related, newsletter, promo, comment, caption, card…; see
   ``dom.BOILERPLATE_WORDS``). A pruned-looking element that still holds several real
   paragraphs, or whose class names the story container, is kept: wrappers are often
   called ``article share-root``. Media boxes (gallery, video) and hidden elements
   need only one real paragraph to stay, since slideshows and paywalled templates
   keep story text there. Teaser cards go too: list items, ``article`` runs and small
   ``div`` elements laid out as a headline link plus a blurb.
2. **Score** containers and choose the story box (``scoring.py``: Arc90 Readability
   scores, with corrections for stories split into several boxes).
3. **Collect** the chosen box and its worthy siblings in document order
   (``blocks.py``), turning ``p``, ``h2``–``h4``, ``li``, ``blockquote`` and
   text-bearing ``div``\\s into blocks. Blocks that are mostly link text (teaser
   cards, "Read more" lines), bylines, datelines on their own line, "N min read" and
   "Advertisement"-style labels are dropped, and so are headings left at the end
   with nothing under them.

If the page's JSON-LD ``articleBody`` is clearly more complete than what the DOM gave,
it is used instead (publishers sometimes render the body with script).

What this module does not do: use per-site rules, domain lists, or phrases taken from
particular pages; parse the HTML (``__init__`` does, once); read metadata.

References: Arc90 Readability (2009) and Mozilla Readability.js ``_grabArticle``;
Kohlschütter et al., "Boilerplate Detection using Shallow Text Features" (WSDM 2010)
for link density; schema.org ``articleBody``.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass, field
from itertools import islice

from lxml import etree

from worker.pipeline.extract.blocks import Block, is_furniture, render
from worker.pipeline.extract.dom import (
    HtmlElement,
    clean_text,
    has_content_word,
    has_only_media_words,
    is_boilerplate_signature,
    signature,
    text_content,
    words,
)
from worker.pipeline.extract.scoring import link_density, story_blocks, text_chars

_DROP_ALWAYS = words(
    "script style noscript template svg iframe object embed canvas button select "
    "textarea input option label map dialog video audio picture source head title "
    "math link meta"
)
# Dropped unless they turn out to hold the story (see _holds_story).
_DROP_USUALLY = words("nav aside footer figure figcaption form header menu h1")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_CARD_PARTS = ("p", "h2", "h3", "h4", "h5", "div")
_CARD_LINK_SHARE = 0.25
_DIV_CARD_LINK_SHARE = 0.5  # a div is a card only when mostly link
_HEADLINE_CHARS = 30
_CARD_TAGS = frozenset({"li", "article", "div"})
_CARD_MAX_CHARS = 600
_CARD_MAX_ELEMENTS = 80
_STORY_PARAGRAPHS = 3  # a pruned-looking box with this many real paragraphs is kept
_STORY_PARAGRAPH_CHARS = 120
_JSON_LD_BODY_MIN_CHARS = 200
_SUBHEADINGS = frozenset({"h2", "h3", "h4"})


@dataclass
class Body:
    """The chosen story: text, minimal HTML, the anchors inside it, its source."""

    text: str = ""
    html: str = ""
    anchors: set[HtmlElement] = field(default_factory=set)
    source: str | None = None


def extract_body(
    root: HtmlElement,
    *,
    base: str,
    headline: str | None = None,
    json_ld_body: str | None = None,
) -> Body:
    """Find the story in ``root`` (pruning the tree in place) and return it."""
    body_element = root.find("body")
    container = body_element if body_element is not None else root
    _prune(container)
    # Not the standfirst: publishers often reuse the lede as the description, and
    # a standfirst in its own box is pruned by its class (``dom.BOILERPLATE_WORDS``).
    titles = frozenset({headline} if headline else ())
    blocks = [
        block
        for block in story_blocks(container, base)
        if not is_furniture(block, titles)
    ]
    blocks = _without_empty_sections(blocks)
    text, html = render(blocks)
    anchors = {anchor for block in blocks for anchor in block.anchors}
    body = Body(text=text, html=html, anchors=anchors, source="dom" if text else None)
    if json_ld_body and _prefers_json_ld(body.text, json_ld_body):
        paragraphs = [clean_text(p) for p in re.split(r"\n\s*\n|\n", json_ld_body)]
        paragraphs = [p for p in paragraphs if p]
        html = "".join(f"<p>{html_lib.escape(p, quote=False)}</p>" for p in paragraphs)
        return Body(text="\n\n".join(paragraphs), html=html, source="json_ld")
    return body


def _without_empty_sections(blocks: list[Block]) -> list[Block]:
    """Drop the headings that end the body: a subheading always has text under it.

    Module titles of trending lists or share bars ("Top trends", "Follow us") are
    left as lone headings at the end once their links are gone.
    """
    end = len(blocks)
    while end and blocks[end - 1].tag in _SUBHEADINGS:
        end -= 1
    return blocks[:end]


def _prefers_json_ld(dom_text: str, json_ld_body: str) -> bool:
    if len(json_ld_body) < _JSON_LD_BODY_MIN_CHARS or "<" in json_ld_body[:200]:
        return False
    return len(dom_text) < 0.6 * len(clean_text(json_ld_body))


# ----------------------------------------------------------------------------- prune


def _prune(container: HtmlElement) -> None:
    # The never-content tags go in one C call (tails are kept); the walk below then
    # only looks at elements that need a decision.
    etree.strip_elements(container, *_DROP_ALWAYS, with_tail=False)
    doomed: list[HtmlElement] = []
    stack = [container]
    while stack:
        element = stack.pop()
        for child in element:
            if _is_doomed(child):
                doomed.append(child)
            else:
                stack.append(child)
    for element in doomed:
        _remove(element)


def _remove(element: HtmlElement) -> None:
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail
    if tail and tail.strip():
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)


def _is_doomed(element: HtmlElement) -> bool:
    tag = element.tag
    if not isinstance(tag, str) or tag in _DROP_ALWAYS:
        return True
    # Most elements have no attribute at all, so only their tag can tell.
    has_attributes = bool(element.keys())
    sig = signature(element) if has_attributes else ""
    if has_attributes and _is_hidden(element):
        # Paywalled templates often ship the story hidden until login, paragraph by
        # paragraph; hidden furniture (menus, dialogs) has no long paragraph.
        hidden_needs = _STORY_PARAGRAPHS if is_boilerplate_signature(sig) else 1
        return not _holds_story(element, hidden_needs)
    needed = _paragraphs_to_keep(tag, sig)
    if needed is None:
        return (
            tag in _CARD_TAGS and not has_content_word(sig) and _is_teaser_card(element)
        )
    return not _holds_story(element, needed)


def _paragraphs_to_keep(tag: str, sig: str) -> int | None:
    """How many real paragraphs keep an element that looks like furniture.

    ``None`` when it does not look like furniture at all.
    """
    if tag == "body" or has_content_word(sig):
        return None
    if tag in _DROP_USUALLY:
        return _STORY_PARAGRAPHS
    if not sig or not is_boilerplate_signature(sig):
        return None
    # Slideshow and video stories keep their text in gallery or player boxes.
    return 1 if has_only_media_words(sig) else _STORY_PARAGRAPHS


def _is_hidden(element: HtmlElement) -> bool:
    get = element.get
    if get("hidden") is not None or get("aria-hidden") == "true":
        return True
    style = get("style")
    return style is not None and _HIDDEN_STYLE.search(style) is not None


def _is_teaser_card(item: HtmlElement) -> bool:
    """A list item laid out as a card (a headline link plus a blurb), not a bullet.

    Story lists hold sentences; "more stories" lists hold cards whose blurb sits in
    its own paragraph, where the per-block link filter cannot see the headline link.
    """
    tag = item.tag
    if next(islice(item.iter(), _CARD_MAX_ELEMENTS, None), None) is not None:
        return False  # a card is a handful of elements; this spares big wrappers
    has_parts = next(item.iterdescendants("a"), None) is not None and (
        next(item.iterdescendants(*_CARD_PARTS), None) is not None
    )
    if not has_parts or (tag != "li" and not _is_card_sized(item)):
        return False
    if tag == "div":
        return link_density(item) >= _DIV_CARD_LINK_SHARE
    if link_density(item) >= _CARD_LINK_SHARE:
        return True
    return tag == "li" and _has_headline_link(item)


def _is_card_sized(item: HtmlElement) -> bool:
    # A lone <article> is the story, however short; cards are short and in runs.
    if item.tag == "article" and not _has_twin(item):
        return False
    return not _is_longer_than(item, _CARD_MAX_CHARS)


def _is_longer_than(element: HtmlElement, limit: int) -> bool:
    """``text_chars(element) > limit``, reading no further than needed."""
    total = 0
    for text in element.itertext():
        total += len(text.strip())
        if total > limit:
            return True
    return False


def _has_twin(element: HtmlElement) -> bool:
    """Cards come in runs: a sibling with the same tag."""
    tag = element.tag
    neighbours = (element.getprevious(), element.getnext())
    return any(other is not None and other.tag == tag for other in neighbours)


def _has_headline_link(item: HtmlElement) -> bool:
    """A headline-length link that is not part of a sentence (not inside a ``p``)."""
    for anchor in item.iter("a"):
        if text_chars(anchor) >= _HEADLINE_CHARS and not any(
            True for _ in anchor.iterancestors("p")
        ):
            return True
    return False


def _holds_story(element: HtmlElement, paragraphs: int = _STORY_PARAGRAPHS) -> bool:
    count = 0
    for paragraph in element.iter("p"):
        if len(text_content(paragraph)) >= _STORY_PARAGRAPH_CHARS:
            count += 1
            if count >= paragraphs:
                return True
    return False
