"""The story text: choose the container that holds it, then keep its paragraphs.

The algorithm is one prune, one scoring pass and one walk, all linear in the tree:

1. **Prune** furniture in place: scripts and styles, hidden elements, ``nav``/
   ``aside``/``footer``/``figure``/``form``, and elements whose class or id uses a
   boilerplate word (share, related, newsletter, promo, comment, caption…; see
   ``dom.BOILERPLATE_WORDS``). A pruned-looking element that still holds several real
   paragraphs, or whose class names the story container, is kept: wrappers are often
   called ``article share-root``.
2. **Score** containers and choose the story box (``scoring.py``: Arc90 Readability
   scores, with corrections for stories split into several boxes).
3. **Collect** the chosen box and its worthy siblings in document order
   (``blocks.py``), turning ``p``, ``h2``–``h4``, ``li``, ``blockquote`` and
   text-bearing ``div``\\s into blocks. Blocks that are mostly link text (teaser
   cards, "Read more" lines), bylines, datelines on their own line, "N min read" and
   "Advertisement"-style labels are dropped.

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

from worker.pipeline.extract.blocks import is_furniture, render
from worker.pipeline.extract.dom import (
    CONTENT_WORDS,
    HtmlElement,
    clean_text,
    is_boilerplate_signature,
    sig_matches,
    signature,
    text_content,
    words,
)
from worker.pipeline.extract.scoring import story_blocks

_DROP_ALWAYS = words(
    "script style noscript template svg iframe object embed canvas button select "
    "textarea input option label map dialog video audio picture source head title "
    "math link meta"
)
# Dropped unless they turn out to hold the story (see _holds_story).
_DROP_USUALLY = words("nav aside footer figure figcaption form header menu h1")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_STORY_PARAGRAPHS = 3  # a pruned-looking box with this many real paragraphs is kept
_STORY_PARAGRAPH_CHARS = 120
_JSON_LD_BODY_MIN_CHARS = 200


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
    blocks = [
        block
        for block in story_blocks(container, base)
        if not is_furniture(block, headline)
    ]
    text, html = render(blocks)
    anchors = {anchor for block in blocks for anchor in block.anchors}
    body = Body(text=text, html=html, anchors=anchors, source="dom" if text else None)
    if json_ld_body and _prefers_json_ld(body.text, json_ld_body):
        paragraphs = [clean_text(p) for p in re.split(r"\n\s*\n|\n", json_ld_body)]
        paragraphs = [p for p in paragraphs if p]
        html = "".join(f"<p>{html_lib.escape(p, quote=False)}</p>" for p in paragraphs)
        return Body(text="\n\n".join(paragraphs), html=html, source="json_ld")
    return body


def _prefers_json_ld(dom_text: str, json_ld_body: str) -> bool:
    if len(json_ld_body) < _JSON_LD_BODY_MIN_CHARS or "<" in json_ld_body[:200]:
        return False
    return len(dom_text) < 0.6 * len(clean_text(json_ld_body))


# ----------------------------------------------------------------------------- prune


def _prune(container: HtmlElement) -> None:
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
    attrib = element.attrib
    if "hidden" in attrib or attrib.get("aria-hidden") == "true":
        return True
    style = attrib.get("style")
    if style and _HIDDEN_STYLE.search(style):
        return True
    sig = signature(element)
    if sig_matches(CONTENT_WORDS, sig):
        return False
    looks_boilerplate = tag in _DROP_USUALLY or (
        bool(sig) and is_boilerplate_signature(sig)
    )
    if not looks_boilerplate or tag == "body":
        return False
    return not _holds_story(element)


def _holds_story(element: HtmlElement) -> bool:
    count = 0
    for paragraph in element.iter("p"):
        if len(text_content(paragraph)) >= _STORY_PARAGRAPH_CHARS:
            count += 1
            if count >= _STORY_PARAGRAPHS:
                return True
    return False
