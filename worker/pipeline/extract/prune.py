"""Remove the furniture around the story from the ``<body>``, in place.

A box is furniture when its tag (``nav``, ``aside``, ``footer``, ``figure``, ``form``…)
or its class/id (a boilerplate word: share, related, newsletter, promo, comment,
caption, card…; see ``classes.BOILERPLATE_WORDS``) says so, unless it still holds
several real paragraphs or its class names the story container: wrappers are often
called ``article share-root``. Media boxes (gallery, video) and hidden elements need
only one real paragraph to stay, since slideshows and paywalled templates keep story
text there; a standfirst-like class ("deck", "summary") repeated on three or more
boxes with a real paragraph names the item descriptions of a gallery or list story,
which stay. Teaser cards go too: list items, ``article`` runs and small ``div``
elements laid out as a headline link plus a blurb.

A box that holds a form and little text (a sign-up or search prompt) goes too.
A readers' comments box is replaced by a ``STORY_END`` marker rather than removed:
comments close a story, and ``scoring`` drops what follows them in the story box.

The walk is top-down and stops at each removed box, so the subtrees of furniture are
never looked at; the never-content tags (forms, media, ``noscript``…) are removed
as it meets them. Each box's verdict comes from its tag and class bits (cached per
distinct pair) and, only for the boxes that look like furniture, from its text.

What this module does not do: score the boxes that remain (``scoring`` does), or
look at links and bylines (``index`` collected them before the prune).

References: Arc90 Readability (2009) and Mozilla Readability.js (unlikely candidates,
hidden nodes); Kohlschütter et al., "Boilerplate Detection using Shallow Text
Features" (WSDM 2010) for link density.
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import islice

from worker.pipeline.extract import classes
from worker.pipeline.extract.dom import (
    HtmlElement,
    link_density,
    text_chars,
    text_content,
    words,
)

DROP_ALWAYS = words(
    "script style noscript template svg iframe object embed canvas button select "
    "textarea input option label map dialog video audio picture source head title "
    "math link meta"
)
# Dropped unless they turn out to hold the story (see STORY_PARAGRAPHS).
_DROP_USUALLY = words("nav aside footer figure figcaption form header menu h1")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
STORY_PARAGRAPHS = 3  # a pruned-looking box with this many real paragraphs is kept
STORY_PARAGRAPH_CHARS = 120
_CARD_PARTS = ("p", "h2", "h3", "h4", "h5", "div")
_CARD_LINK_SHARE = 0.25
_DIV_CARD_LINK_SHARE = 0.5  # a div is a card only when mostly link
_HEADLINE_CHARS = 30
_CARD_TAGS = frozenset({"li", "article", "div"})
_CARD_MAX_CHARS = 600
_CARD_MAX_ELEMENTS = 80
STORY_END = "story-end"  # marks where a comments box was
_REPEATED_DESCRIPTIONS = 3
_FORM_BOX_TAGS = frozenset({"div", "section", "aside"})
_FORM_BOX_CHARS = 600
_NEVER_FURNITURE = 0
_CARD_CHECK = -1
_RULES: dict[tuple[str, int], int] = {}


def prune(container: HtmlElement, class_bits: dict[HtmlElement, int]) -> None:
    """Remove the never-content elements and every furniture box, keeping tails.

    ``class_bits`` are the ``classes.sig_bits`` the page walk read (0 if absent).
    The never-content tags (``DROP_ALWAYS``) go as the walk meets them: a separate
    strip_elements pass cost as much as the walk, on real (fragmented) trees.
    """
    # A box around the story container (class article-body, entry-content…) is not
    # furniture, whatever its own class says: "paywall", "gated" wrappers hold it.
    kept = {
        ancestor
        for element, bits in class_bits.items()
        if bits & classes.STORY_BOX
        for ancestor in element.iterancestors()
    }
    kept.update(_item_descriptions(class_bits))
    doomed: list[HtmlElement] = []
    form_holders: list[HtmlElement] = []
    stack = [container]
    while stack:
        element = stack.pop()
        for child in element:
            if child not in kept and _is_doomed(child, class_bits.get(child, 0)):
                doomed.append(child)
                if child.tag == "form":
                    form_holders.append(element)
            else:
                stack.append(child)
    for element in doomed:
        if class_bits.get(element, 0) & classes.COMMENTS:
            _mark_story_end(element)
        else:
            _remove(element)
    for box in _prompt_boxes(form_holders, container, class_bits, kept):
        _remove(box)


def _mark_story_end(comments: HtmlElement) -> None:
    """Put a ``STORY_END`` marker where the readers' comments were: they close the
    story, so ``scoring`` can drop what follows them in the story box."""
    parent = comments.getparent()
    if parent is None:
        return
    marker = parent.makeelement(STORY_END, {})
    marker.tail = comments.tail
    parent.replace(comments, marker)


def _prompt_boxes(
    form_holders: list[HtmlElement],
    container: HtmlElement,
    class_bits: dict[HtmlElement, int],
    kept: set[HtmlElement],
) -> list[HtmlElement]:
    """The boxes that held a removed form and little else: sign-up and search
    prompts ("Apple fan? Sign up for our weekly brief").

    From the form's parent up, the widest box with at most ``_FORM_BOX_CHARS`` of
    text left, never a story container, goes too.
    """
    boxes = []
    for holder in form_holders:
        box = None
        node: HtmlElement | None = holder
        while (
            node is not None
            and node is not container
            and node.tag in _FORM_BOX_TAGS
            and node not in kept
            and not class_bits.get(node, 0) & classes.CONTENT
            and not _is_longer_than(node, _FORM_BOX_CHARS)
        ):
            box, node = node, node.getparent()
        if box is not None:
            boxes.append(box)
    return boxes


def _item_descriptions(class_bits: dict[HtmlElement, int]) -> list[HtmlElement]:
    """Boxes named like a standfirst ("deck", "summary") whose class repeats.

    A page has one standfirst; the same class on three or more boxes that each
    hold a real paragraph names the descriptions of a gallery's or a list's items,
    which are the story.
    """
    named = [
        (element, element.get("class"))
        for element, bits in class_bits.items()
        if bits & classes.STANDFIRST
    ]
    counts = Counter(name for _, name in named if name)
    return [
        element
        for element, name in named
        if name and counts[name] >= _REPEATED_DESCRIPTIONS and _holds_story(element, 1)
    ]


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


def _is_doomed(element: HtmlElement, bits: int) -> bool:
    tag = element.tag
    if not isinstance(tag, str) or tag in DROP_ALWAYS:
        return True
    attributes = element.attrib
    if (
        attributes
        and (
            "style" in attributes
            or "hidden" in attributes
            or "aria-hidden" in attributes
        )
        and _is_hidden(element)
    ):
        # Paywalled templates often ship the story hidden until login, paragraph by
        # paragraph; hidden furniture (menus, dialogs) has no long paragraph.
        hidden_needs = STORY_PARAGRAPHS if classes.is_boilerplate(bits) else 1
        return not _holds_story(element, hidden_needs)
    rule = _RULES.get((tag, bits))
    if rule is None:
        rule = _RULES[tag, bits] = _rule(tag, bits)
    if rule == _NEVER_FURNITURE:
        return False
    if rule == _CARD_CHECK:
        return _is_teaser_card(element)
    return not _holds_story(element, rule)


def _rule(tag: str, bits: int) -> int:
    """How a tag with these class bits is judged: never furniture, furniture unless
    it holds that many real paragraphs, or furniture when laid out as a card."""
    needed = _paragraphs_to_keep(tag, bits)
    if needed is not None:
        return needed
    if tag in _CARD_TAGS and not bits & classes.CONTENT:
        return _CARD_CHECK
    return _NEVER_FURNITURE


def _paragraphs_to_keep(tag: str, bits: int) -> int | None:
    """How many real paragraphs keep an element that looks like furniture.

    ``None`` when it does not look like furniture at all.
    """
    if tag == "body" or bits & classes.CONTENT:
        return None
    if tag in _DROP_USUALLY:
        return STORY_PARAGRAPHS
    if not classes.is_boilerplate(bits):
        return None
    # Slideshow and video stories keep their text in gallery or player boxes.
    return 1 if classes.only_media(bits) else STORY_PARAGRAPHS


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
    The cheap tests come first: most boxes asked are big wrappers.
    """
    tag = item.tag
    has_parts = next(item.iterdescendants("a"), None) is not None and (
        next(item.iterdescendants(*_CARD_PARTS), None) is not None
    )
    if not has_parts:
        return False
    if next(islice(item.iter(), _CARD_MAX_ELEMENTS, None), None) is not None:
        return False  # a card is a handful of elements
    if tag != "li" and not _is_card_sized(item):
        return False
    density = link_density(item)
    if tag == "div":
        return density >= _DIV_CARD_LINK_SHARE
    if density >= _CARD_LINK_SHARE:
        return True
    return tag == "li" and _has_headline_link(item)


def _is_card_sized(item: HtmlElement) -> bool:
    # A lone <article> is the story, however short; cards are short and in runs.
    if item.tag == "article" and not _has_twin(item):
        return False
    # A card has at most _CARD_MAX_ELEMENTS elements (asked first), so counting all
    # of its text in C is cheaper than stopping early in Python.
    return text_chars(item) <= _CARD_MAX_CHARS


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


def _holds_story(element: HtmlElement, paragraphs: int = STORY_PARAGRAPHS) -> bool:
    count = 0
    for paragraph in element.iter("p"):
        if len(text_content(paragraph)) >= STORY_PARAGRAPH_CHARS:
            count += 1
            if count >= paragraphs:
                return True
    return False
