"""Where the story ends inside the box ``scoring`` chose, from the page's structure.

The chosen box is often wider than the story: templates put disclaimers, sign-up
prompts and the readers' comments in the same box, after the text. Two structural
marks of the story's end are read, each only when most of the box's prose comes
before it (so a stray mark near the top ends nothing):

* :func:`end_with_story_box`: one box named as the story container
  (``article-body``, ``itemprop=articleBody``) inside the chosen one; the story ends
  where it ends. What comes before it (standfirst, lede) is left alone.
* :func:`end_before_comments`: the ``prune.STORY_END`` marker left where the readers'
  comments were; comments close a story.

Both remove what follows the mark inside the chosen box, in place.

What this module does not do: choose the box (``scoring``), or judge single blocks
(``blocks``, ``body``).
"""

from __future__ import annotations

from worker.pipeline.extract import classes
from worker.pipeline.extract.dom import HtmlElement, clean_text, text_content
from worker.pipeline.extract.prune import STORY_END

_STORY_SHARE = 0.5  # the prose before the mark, as a share of the box's prose
_PROSE_CHARS = 80  # as ``scoring``: a paragraph this long is story text


def end_with_story_box(
    part: HtmlElement, prose: dict[HtmlElement, int], class_bits: dict[HtmlElement, int]
) -> None:
    """End ``part`` with the one story container it holds, if that holds most prose.

    ``prose`` gives the story prose each container holds (``scoring``);
    ``class_bits`` the class/id bits of the elements (``index.PageIndex``).
    """
    boxes = [
        element
        for element in part.iterdescendants()
        if class_bits.get(element, 0) & classes.STORY_BOX
        or element.get("itemprop") == "articleBody"
    ]
    inside = set(boxes)
    outermost = [
        box
        for box in boxes
        if not any(ancestor in inside for ancestor in box.iterancestors())
    ]
    if len(outermost) != 1:
        return
    box = outermost[0]
    if prose.get(box, 0) >= _STORY_SHARE * prose.get(part, 0):
        _drop_what_follows(box, part)


def end_before_comments(part: HtmlElement, prose: dict[HtmlElement, int]) -> None:
    """End ``part`` before the readers' comments, if most prose comes before them."""
    marker = next(part.iter(STORY_END), None)
    if marker is None:
        return
    after = 0
    node = marker
    while node is not part:
        for sibling in node.itersiblings():
            after += prose.get(sibling, 0) + _own_prose(sibling)
        parent = node.getparent()
        if parent is None:
            return
        node = parent
    if after <= (1 - _STORY_SHARE) * prose.get(part, 0):
        _drop_what_follows(marker, part)


def _own_prose(element: HtmlElement) -> int:
    """A paragraph's own text length when it is long enough to be story text
    (``prose`` counts a paragraph only for its ancestors)."""
    if element.tag != "p":
        return 0
    length = len(clean_text(text_content(element)))
    return length if length >= _PROSE_CHARS else 0


def _drop_what_follows(node: HtmlElement, part: HtmlElement) -> None:
    """Remove every element after ``node`` inside ``part``, and their tails."""
    while node is not part:
        parent = node.getparent()
        if parent is None:
            return
        for sibling in list(node.itersiblings()):
            parent.remove(sibling)
        node.tail = None
        node = parent
