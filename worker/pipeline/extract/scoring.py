"""Score candidate containers and choose the one that holds the story.

The scoring follows Arc90 Readability: each paragraph of 25+ characters gives its
parent ``1 + commas + min(len/100, 3)``, its grandparent half that and the next
ancestor a sixth; ``<article>``, ``itemprop=articleBody`` and story-like class names
add weight, boilerplate class names subtract it, and the score is scaled by
``1 - link density``. Two corrections for templates that split a story into boxes:

* :func:`_widen`: three close rivals sharing an ancestor with the best candidate
  make that ancestor the story (Readability.js "alternative candidates");
* :func:`_climb`: an ancestor holding 25% more *prose* (long, link-poor paragraphs)
  than the best candidate wins; three to six levels up, only one that doubles it.

A box that holds several stories (an ``<article>`` each, loaded as the reader
scrolls) gives its first one (:func:`_first_story`). Otherwise siblings of the
chosen box that score close to it, or are plain paragraphs, join it. A chosen box
that holds one named story container (``article-body``) with most of its prose
ends where that container ends, and one whose prose mostly comes before the
readers' comments ends there (``ends``).

What this module does not do: prune the tree or render text (``body.py`` and
``blocks.py`` do).

References: Arc90 Readability (2009); Mozilla Readability.js ``_grabArticle``;
Kohlschütter et al., "Boilerplate Detection using Shallow Text Features" (WSDM 2010).
"""

from __future__ import annotations

import re

from worker.pipeline.extract import classes, ends
from worker.pipeline.extract.blocks import Block, flatten
from worker.pipeline.extract.dom import (
    HtmlElement,
    clean_text,
    link_density,
    text_content,
    words,
)

_PARAGRAPH_TAGS = frozenset({"p", "pre"})
_TEXT_HOLDERS = frozenset(
    {"div", "section", "article", "td", "dd", "blockquote", "main"}
)
_INLINE_TAGS = words(
    "a em strong b i u span font small sup sub mark abbr cite q time code s"
)
_MIN_PARAGRAPH_CHARS = 25
_ANCESTOR_DIVISORS = (1.0, 2.0, 6.0)  # Readability.js: parent, grandparent, beyond
_TOP_CANDIDATES = 8
_RIVAL_SHARE = 0.75  # Readability.js: alternatives scoring within 25% of the best
_MIN_RIVALS = 3
_PROSE_CHARS = 80  # a paragraph this long with few links is story text
_PROSE_MAX_LINK_SHARE = 0.3
_CLIMB_GAIN = 1.25  # climb when the parent holds 25% more prose than the best box
_MAX_CLIMB = 3
# Further up, only a box that at least doubles the story prose wins: stories cut
# into one box per photo or section (galleries, long reads) nest deeper.
_MAX_FAR_CLIMB = 6
_FAR_CLIMB_GAIN = 2.0
_SIBLING_SHARE = 0.2  # Readability's sibling threshold, relative to the best score
_SIBLING_MIN_SCORE = 10.0
_SIBLING_PARAGRAPH_CHARS = 80
_TAG_WEIGHT = {
    "article": 10.0,
    "main": 5.0,
    "div": 5.0,
    "section": 3.0,
    "td": 3.0,
    "blockquote": 3.0,
    "pre": 3.0,
    "ul": -3.0,
    "ol": -3.0,
    "li": -3.0,
    "form": -3.0,
    "th": -5.0,
}
_CLASS_WEIGHT = 25.0
_STORY_PROSE_CHARS = 500  # an <article> with this much prose is a story, not a card
_MIN_STORIES = 2


def story_blocks(
    container: HtmlElement, base: str, class_bits: dict[HtmlElement, int]
) -> list[Block]:
    """The blocks of the best-scoring container and its worthy siblings.

    ``class_bits`` are the class/id bits of the elements (``index.PageIndex``).
    """
    scores, prose = _score_containers(container)
    if not scores:
        return flatten(container, base)
    final = _final_scores(scores)
    best = _widen(max(final, key=final.__getitem__), final)
    best = _climb(best, prose, final)
    story = _first_story(best, prose, final)
    # The other stories are siblings of the first one: none of them joins it.
    parts = [story] if story is not best else _with_siblings(best, final)
    if len(parts) == 1:
        ends.end_with_story_box(parts[0], prose, class_bits)
        ends.end_before_comments(parts[0], prose)
    blocks: list[Block] = []
    for part in parts:
        blocks.extend(flatten(part, base))
    return blocks


def _score_containers(
    container: HtmlElement,
) -> tuple[dict[HtmlElement, float], dict[HtmlElement, int]]:
    """Readability scores of containers, and the prose characters each one holds.

    Prose is the text of paragraphs long enough and with few enough links to be
    story text; it is summed into every ancestor, so :func:`_climb` can see how much
    story a wider box would add.
    """
    scores: dict[HtmlElement, float] = {}
    prose: dict[HtmlElement, int] = {}
    for element in container.iter(*_PARAGRAPH_TAGS, *_TEXT_HOLDERS):
        text = _paragraph_text(element)
        if len(text) < _MIN_PARAGRAPH_CHARS:
            continue
        points = 1 + text.count(",") + min(len(text) / 100, 3.0)
        ancestors = list(element.iterancestors())
        for divisor, ancestor in zip(_ANCESTOR_DIVISORS, ancestors, strict=False):
            if ancestor not in scores:
                scores[ancestor] = _initial_score(ancestor)
            scores[ancestor] += points / divisor
        if len(text) >= _PROSE_CHARS and _is_prose(element, text):
            for ancestor in ancestors:
                prose[ancestor] = prose.get(ancestor, 0) + len(text)
    return scores, prose


def _is_prose(element: HtmlElement, text: str) -> bool:
    linked = sum(len(text_content(a)) for a in element.iter("a"))
    return linked < _PROSE_MAX_LINK_SHARE * len(text)


def _climb(
    best: HtmlElement, prose: dict[HtmlElement, int], final: dict[HtmlElement, float]
) -> HtmlElement:
    """Move up while a wider box adds much more story prose than it holds already.

    A body split into several sibling boxes (one per section, or around an
    advertisement) gives a best candidate that is only one of them.
    """
    own = prose.get(best, 0)
    score = final[best]
    for depth, ancestor in enumerate(best.iterancestors()):
        if depth >= _MAX_FAR_CLIMB or ancestor.tag == "body":
            break
        wider = prose.get(ancestor, 0)
        gain = _CLIMB_GAIN if depth < _MAX_CLIMB else _FAR_CLIMB_GAIN
        if wider >= gain * own and wider - own >= _PROSE_CHARS:
            best, own = ancestor, wider
    final[best] = max(final.get(best, 0.0), score)
    return best


def _first_story(
    best: HtmlElement, prose: dict[HtmlElement, int], final: dict[HtmlElement, float]
) -> HtmlElement:
    """The first story of a box that holds several: pages that load the next
    stories as the reader scrolls, each in its own ``<article>``.

    A story is an ``<article>`` with much prose and no such ``<article>`` inside.
    """
    stories = [
        article
        for article in best.iter("article")
        if article is not best and prose.get(article, 0) >= _STORY_PROSE_CHARS
    ]
    holders = {outer for story in stories for outer in story.iterancestors("article")}
    leaves = [story for story in stories if story not in holders]
    if len(leaves) < _MIN_STORIES:
        return best
    final[leaves[0]] = max(final.get(leaves[0], 0.0), final[best])
    return leaves[0]


def _paragraph_text(element: HtmlElement) -> str:
    if element.tag in _PARAGRAPH_TAGS:
        return clean_text(text_content(element))
    parts = [element.text or ""]
    for child in element:
        if child.tag in _INLINE_TAGS:
            parts.append(text_content(child))
        parts.append(child.tail or "")
    return clean_text("".join(parts))


def _initial_score(element: HtmlElement) -> float:
    score = _TAG_WEIGHT.get(str(element.tag), 0.0)
    bits = classes.sig_bits(element.get("class"), element.get("id"))
    if (element.get("itemprop") or "").lower() == "articlebody" or (
        bits & classes.CONTENT
    ):
        score += _CLASS_WEIGHT
    elif bits & (classes.BOILER | classes.BOILER_MEDIA):
        score -= _CLASS_WEIGHT
    return score


def _final_scores(scores: dict[HtmlElement, float]) -> dict[HtmlElement, float]:
    top = sorted(scores, key=scores.__getitem__, reverse=True)[:_TOP_CANDIDATES]
    return {element: scores[element] * (1 - link_density(element)) for element in top}


def _widen(best: HtmlElement, final: dict[HtmlElement, float]) -> HtmlElement:
    """Climb to the box that holds the best candidate and its close rivals.

    Templates that wrap every paragraph in its own box give several near-equal
    candidates; as in Readability.js, when three of them share an ancestor with the
    best one, that ancestor is the story. The widened box inherits the best score.
    """
    score = final[best]
    rivals = [
        element
        for element, value in final.items()
        if element is not best and value >= _RIVAL_SHARE * score
    ]
    rival_ancestors = [set(rival.iterancestors()) for rival in rivals]
    # Rivals inside the best box are already part of it.
    rival_ancestors = [
        ancestors for ancestors in rival_ancestors if best not in ancestors
    ]
    if len(rival_ancestors) >= _MIN_RIVALS:
        for ancestor in best.iterancestors():
            shared = sum(1 for ancestors in rival_ancestors if ancestor in ancestors)
            if shared >= _MIN_RIVALS:
                final[ancestor] = max(final.get(ancestor, 0.0), score)
                return ancestor
            if ancestor.tag == "body":
                break
    return best


def _with_siblings(
    best: HtmlElement, final: dict[HtmlElement, float]
) -> list[HtmlElement]:
    parent = best.getparent()
    if parent is None:
        return [best]
    threshold = max(_SIBLING_MIN_SCORE, final[best] * _SIBLING_SHARE)
    return [
        sibling
        for sibling in parent
        if sibling is best
        or final.get(sibling, 0.0) >= threshold
        or (sibling.tag in _PARAGRAPH_TAGS and _is_loose_paragraph(sibling))
    ]


def _is_loose_paragraph(element: HtmlElement) -> bool:
    text = clean_text(text_content(element))
    density = link_density(element)
    if len(text) > _SIBLING_PARAGRAPH_CHARS:
        return density < 0.25  # noqa: PLR2004 - Readability's value
    return density == 0 and re.search(r"\.( |$)", text) is not None
