"""The story text: choose the container that holds it, then keep its paragraphs.

The algorithm is one prune, one scoring pass and one walk, all linear in the tree:

1. **Prune** furniture in place (``prune.py``: never-content tags, ``nav``/
   ``aside``/``footer``/``figure``/``form``, boilerplate class names, teaser cards),
   keeping boxes that still hold several real paragraphs.
2. **Score** containers and choose the story box (``scoring.py``: Arc90 Readability
   scores, with corrections for stories split into several boxes).
3. **Collect** the chosen box and its worthy siblings in document order
   (``blocks.py``), turning ``p``, ``h2``–``h4``, ``li``, ``blockquote`` and
   text-bearing ``div``\\s into blocks. Blocks that are mostly link text (teaser
   cards, "Read more" lines), bylines, datelines on their own line, "N min read",
   photo credits and "Advertisement"-style labels are dropped, and so are headings
   left at the end with nothing under them and an author's bio or contact line
   among the last blocks, and the short unfinished lines (credits, references,
   product names) or contact lines with an e-mail address that end it.

The page's own JSON-LD ``articleBody`` is evidence too: when the DOM box runs on past
the declared body's last words (a feed of next stories, ranked entries), the story
ends there; when it is clearly more complete than what the DOM gave, it is used
instead (publishers sometimes render the body with script).

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

from worker.pipeline.extract import prune
from worker.pipeline.extract.blocks import Block, is_furniture, render
from worker.pipeline.extract.dom import HtmlElement, clean_text
from worker.pipeline.extract.scoring import story_blocks

_JSON_LD_BODY_MIN_CHARS = 200
_WORD = re.compile(r"\w+")
# A declared body this long is the story, not a teaser or description; its last
# words mark where the story ends.
_DECLARED_MIN_WORDS = 100
_DECLARED_END_WORDS = 8
_DECLARED_MIN_KEPT = 0.7  # the DOM text up to that end holds most of the declared body
_ELLIPSES = ("...", "…")
_SUBHEADINGS = frozenset({"h2", "h3", "h4"})
_BIO_LAST_BLOCKS = 3  # bios and contact lines close the story
_BIO_MAX_WORDS = 80
# Post-article scraps: the last blocks, when they are short lines that end without a
# sentence (credits, "More information: …" references, product names, "Who we are")
# or contact lines with an e-mail address.
_SCRAP_LAST_BLOCKS = 3
_SCRAP_MAX_WORDS = 50  # a short paragraph
_SENTENCE_END = frozenset(".!?\"'”’)…")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.\w")


@dataclass
class Body:
    """The chosen story: text, minimal HTML, the anchors inside it, its source."""

    text: str = ""
    html: str = ""
    anchors: set[HtmlElement] = field(default_factory=set)
    source: str | None = None


def extract_body(
    container: HtmlElement,
    class_bits: dict[HtmlElement, int],
    *,
    base: str,
    headline: str | None = None,
    json_ld_body: str | None = None,
    author_names: tuple[str, ...] = (),
) -> Body:
    """Find the story in ``container`` (the ``<body>``, pruned in place).

    ``class_bits`` are the class/id bits of its elements (``index.PageIndex``);
    ``author_names`` the authors found, whose bios end many stories.
    """
    prune.prune(container, class_bits)
    # Not the standfirst: publishers often reuse the lede as the description, and
    # a standfirst in its own box is pruned by its class (``classes``).
    titles = frozenset({headline} if headline else ())
    blocks = [
        block
        for block in story_blocks(container, base, class_bits)
        if not is_furniture(block, titles)
    ]
    blocks = _without_author_bios(_without_empty_sections(blocks), author_names)
    blocks = _without_trailing_scraps(blocks)
    if json_ld_body:
        blocks = _ending_where_declared(blocks, json_ld_body)
    text, html = render(blocks)
    anchors = {anchor for block in blocks for anchor in block.anchors}
    body = Body(text=text, html=html, anchors=anchors, source="dom" if text else None)
    if json_ld_body and _prefers_json_ld(body.text, json_ld_body):
        paragraphs = [clean_text(p) for p in re.split(r"\n\s*\n|\n", json_ld_body)]
        paragraphs = [p for p in paragraphs if p]
        html = "".join(f"<p>{html_lib.escape(p, quote=False)}</p>" for p in paragraphs)
        return Body(text="\n\n".join(paragraphs), html=html, source="json_ld")
    return body


def _ending_where_declared(blocks: list[Block], declared: str) -> list[Block]:
    """Drop the blocks after the last words of the page's own ``articleBody``.

    Publishers declare the story's text in JSON-LD; when the DOM box runs on past
    its end (the next stories of a feed, ranked entries, reader comments), the
    declaration says where the story stops. Short or ellipsised declarations are
    teasers and say nothing about the end.
    """
    declared_words = _WORD.findall(declared)
    if len(declared_words) < _DECLARED_MIN_WORDS or declared.endswith(_ELLIPSES):
        return blocks
    ends: list[int] = []
    tokens: list[str] = []
    for block in blocks:
        tokens.extend(_WORD.findall(block.text))
        ends.append(len(tokens))
    joined = " " + " ".join(tokens) + " "
    tail = " " + " ".join(declared_words[-_DECLARED_END_WORDS:]) + " "
    found = joined.rfind(tail)
    if found < 0:
        return blocks
    end = joined.count(" ", 0, found + len(tail) - 1)  # tokens up to the tail's end
    if end < _DECLARED_MIN_KEPT * len(declared_words):
        return blocks
    last = next(i for i, block_end in enumerate(ends) if block_end >= end)
    return blocks[: last + 1]


def _without_author_bios(
    blocks: list[Block], author_names: tuple[str, ...]
) -> list[Block]:
    """Drop the author's bio or contact line among the last blocks.

    "Jane Doe is a senior reporter… Follow her on X", "Jane Doe can be reached
    at…": a short paragraph that opens with the full name of an author of the page.
    """
    if not author_names or not blocks:
        return blocks
    start = max(0, len(blocks) - _BIO_LAST_BLOCKS)
    kept = blocks[:start]
    for block in blocks[start:]:
        text = block.text
        is_bio = len(text.split()) <= _BIO_MAX_WORDS and any(
            text.startswith(name) for name in author_names
        )
        if not is_bio:
            kept.append(block)
    return kept


def _without_trailing_scraps(blocks: list[Block]) -> list[Block]:
    """Drop the run of scraps that ends the body (see ``_SCRAP_LAST_BLOCKS``).

    Paragraphs only: a list that ends a story is story, however terse its items.
    """
    end = len(blocks)
    floor = max(1, end - _SCRAP_LAST_BLOCKS)
    while end > floor and _is_scrap(blocks[end - 1]):
        end -= 1
    return _without_empty_sections(blocks[:end]) if end < len(blocks) else blocks


def _is_scrap(block: Block) -> bool:
    if block.tag != "p":
        return False
    text = block.text
    if len(text.split()) > _SCRAP_MAX_WORDS:
        return False
    return text[-1] not in _SENTENCE_END or _EMAIL.search(text) is not None


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
