"""Flatten a chosen container into paragraph blocks, filter them, render text and HTML.

The walk uses ``lxml.etree.iterwalk`` (start/end events), never recursion: text that
sits directly in a block element, or in inline elements inside it, becomes one block;
``<br>`` ends a block, as browsers show it as a line break and news templates use
``<br><br>`` between paragraphs. Inline ``<a href>`` are kept for ``body_html`` and for
the ``in_body`` link kind.

Rendered HTML is deliberately minimal (``p``, ``h2``–``h4``, ``ul``/``ol``/``li``,
``blockquote``, ``a``): every text is escaped and every ``href`` is absolute http(s).

What this module does not do: choose the container (``body.py`` does).
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass, field

from lxml import etree

from worker.pipeline.extract.dom import HtmlElement, absolute_url, clean_text, words
from worker.pipeline.extract.media import split_credit

_BLOCK_TAGS = words(
    "p div section article main h1 h2 h3 h4 h5 h6 ul ol li blockquote pre table tr td "
    "th dl dt dd header footer figure address center hr tbody thead caption"
)
_HEADING_TAGS = {"h2": "h2", "h3": "h3", "h4": "h4", "h5": "h4", "h6": "h4"}
_BYLINE_LINE = re.compile(r"^(?:by|written by|words by)\s+\S", re.IGNORECASE)
_READ_TIME_LINE = re.compile(
    r"^\d{1,3}\s*(?:-|\s)?min(?:ute)?s?\.?\s+read\b", re.IGNORECASE
)
_DATE_LINE = re.compile(
    r"(?:^|\s)(?:(?:updated|published|posted|last updated)[:\s]+)?(?:\w+day,?\s+)?"
    r"(?:[a-z]+\.?\s+\d{1,2},?\s+\d{4}|\d{1,2}\s+[a-z]+\.?\s+\d{4}|"
    r"\d{4}-\d{2}-\d{2}|\d{1,2}[./]\d{1,2}[./]\d{2,4})",
    re.IGNORECASE,
)
_BYLINE_MAX_WORDS = 10
_LABEL_MAX_WORDS = 3
_SENTENCE_END = frozenset(".!?\"'”’)…")
# Advertising slot labels: "Advertisement", "Article continues below this ad".
_AD_LABEL = re.compile(
    r"^(?:advertisement|advertising|advert|sponsored|ad)\b"
    r"|\bcontinues? (?:below|after)\b",
    re.IGNORECASE,
)
_COPYRIGHT_LINE = re.compile(r"^(?:copyright\b|©|\(c\)\s)", re.IGNORECASE)
# A caption left in the text ends with its labelled credit: "A view of the
# eruption. Credit: Jane Doe".
_CAPTION_CREDIT = re.compile(
    r"\b(?:credit|photo|image|photograph)s?\s*:\s*[^.:;]{2,80}\.?$", re.IGNORECASE
)
_CAPTION_MAX_WORDS = 60
_CAPTION_TAIL_CHARS = 120  # label, colon and the credit's at most 80 characters
_DATE_LINE_MAX_CHARS = 60
_MAX_LINK_DENSITY = 0.5
_CREDIT_MAX_CHARS = 160
_CREDIT_LABEL_CHARS = 25
# How a line that is only a credit starts: split_credit gives no caption only when
# its pattern matched at the start, after separators, on "(", a copyright sign or a
# credit label (media._TRAILING_PARENS, _COPYRIGHT, _LABELLED_CREDIT).
_CREDIT_START = re.compile(
    r"[\s|/–—-]*(?:\(|©|copyright|photo|image|picture|credit|foto|bild)",
    re.IGNORECASE,
)


@dataclass
class Block:
    """One paragraph-level piece of the body, with its inline links."""

    tag: str  # p, h2, h3, h4, li, blockquote
    text: str
    # (text, href of the link it sits in) pieces, for the HTML of kept blocks only.
    parts: list[tuple[str, str | None]] = field(default_factory=list)
    list_tag: str = ""  # ul or ol, for li blocks
    link_chars: int = 0
    anchors: list[HtmlElement] = field(default_factory=list)

    @property
    def html(self) -> str:
        """The block's minimal inline HTML, built on demand: most blocks of a page
        are dropped before rendering."""
        return _inline_html(self.parts)


@dataclass
class _Walk:
    base: str
    blocks: list[Block] = field(default_factory=list)
    parts: list[tuple[str, str | None]] = field(default_factory=list)
    anchors: list[HtmlElement] = field(default_factory=list)
    context: list[str] = field(default_factory=list)
    hrefs: list[str | None] = field(default_factory=list)  # of the open anchors

    def flush(self) -> None:
        if not self.parts:
            return
        parts, self.parts = self.parts, []
        anchors, self.anchors = self.anchors, []
        text = clean_text("".join(text for text, _ in parts))
        if not text:
            return
        tag, list_tag = self._kind()
        link_chars = len(clean_text("".join(t for t, href in parts if href)))
        self.blocks.append(Block(tag, text, parts, list_tag, link_chars, anchors))

    def _kind(self) -> tuple[str, str]:
        for tag in reversed(self.context):
            if tag in _HEADING_TAGS:
                return _HEADING_TAGS[tag], ""
            if tag == "li":
                lists = [t for t in self.context if t in {"ul", "ol"}]
                return "li", lists[-1] if lists else "ul"
            if tag == "blockquote":
                return "blockquote", ""
        return "p", ""


def flatten(container: HtmlElement, base: str) -> list[Block]:
    """The blocks of ``container`` in document order."""
    walk = _Walk(base)
    parts = walk.parts
    hrefs = walk.hrefs
    context = walk.context
    for event, element in etree.iterwalk(container, events=("start", "end")):
        tag = element.tag
        if tag.__class__ is not str:
            continue
        if event == "start":
            if tag in _BLOCK_TAGS or tag == "br":
                walk.flush()
                parts = walk.parts
                context.append(tag)
            if tag == "a":
                hrefs.append(absolute_url(element.get("href"), base))
                walk.anchors.append(element)
            text = element.text
        else:
            if tag in _BLOCK_TAGS or tag == "br":
                walk.flush()
                parts = walk.parts
                context.pop()
            elif tag == "a" and hrefs:
                hrefs.pop()
            if element is container:
                continue
            text = element.tail
        if text:
            parts.append((text, hrefs[-1] if hrefs else None))
    walk.flush()
    return walk.blocks


def _inline_html(parts: list[tuple[str, str | None]]) -> str:
    out: list[str] = []
    current: str | None = None
    for text, href in parts:
        if href != current:
            if current is not None:
                out.append("</a>")
            if href is not None:
                out.append(f'<a href="{html_lib.escape(href)}">')
            current = href
        out.append(html_lib.escape(text, quote=False))
    if current is not None:
        out.append("</a>")
    return clean_text("".join(out))


def is_furniture(block: Block, titles: frozenset[str] = frozenset()) -> bool:
    """True for blocks that are not story text: links, bylines, dates, labels,
    photo credits, captions that end with their credit and advertising slot labels.

    ``titles`` are the headline and standfirst, which are kept apart from the body.
    """
    text = block.text
    short = len(text) <= _DATE_LINE_MAX_CHARS
    return (
        text in titles
        or block.link_chars > _MAX_LINK_DENSITY * len(text)
        or (
            _BYLINE_LINE.match(text) is not None
            and len(text.split()) <= _BYLINE_MAX_WORDS
        )
        or _READ_TIME_LINE.match(text) is not None
        or _COPYRIGHT_LINE.match(text) is not None
        or (block.tag == "p" and _is_label(text))
        or _is_credit_line(text)
        or (_ends_with_credit(text) and len(text.split()) <= _CAPTION_MAX_WORDS)
        or (short and _AD_LABEL.search(text) is not None)
        or (short and not text.endswith(".") and _DATE_LINE.search(text) is not None)
    )


def _is_credit_line(text: str) -> bool:
    """A photo credit on its own line: "(Photo: Jane Doe)", "Image credit: AP".

    Only short lines that open like a credit are asked; ``media.split_credit``
    decides, as for captions.
    """
    if len(text) > _CREDIT_MAX_CHARS or not (
        text[0] in "(©" or ":" in text[:_CREDIT_LABEL_CHARS] or " by " in text[:16]
    ):
        return False
    # Lines such as "Updated: 5 May" pass the test above; split_credit's three
    # backtracking patterns cost ~13 µs on them, this anchored one well under one.
    if _CREDIT_START.match(text) is None:
        return False
    caption, credit = split_credit(text)
    return caption is None and credit is not None


def _ends_with_credit(text: str) -> bool:
    """The text ends with a labelled credit (``_CAPTION_CREDIT``).

    The credit follows the text's last colon and holds no ``;`` and no ``.`` but a
    final one, so most paragraphs are answered without the regex; the regex
    searches only the last characters, where the credit sits.
    """
    start = max(0, len(text) - _CAPTION_TAIL_CHARS)
    colon = text.rfind(":", start)
    if colon < 0:
        return False
    credit = text[colon + 1 :]
    if ";" in credit or "." in credit[:-1]:
        return False
    return _CAPTION_CREDIT.search(text, start) is not None


def _is_label(text: str) -> bool:
    """A few words without sentence punctuation: "Advertisement", "Tagged in:"."""
    # The punctuation test first: most paragraphs end a sentence, and it saves
    # splitting them.
    return text[-1] not in _SENTENCE_END and len(text.split()) <= _LABEL_MAX_WORDS


def render(blocks: list[Block]) -> tuple[str, str]:
    """Body text (blocks joined by blank lines) and minimal body HTML."""
    text = "\n\n".join(block.text for block in blocks)
    out: list[str] = []
    open_list = ""
    for block in blocks:
        if block.tag == "li" and block.list_tag != open_list:
            if open_list:
                out.append(f"</{open_list}>")
            out.append(f"<{block.list_tag}>")
            open_list = block.list_tag
        elif block.tag != "li" and open_list:
            out.append(f"</{open_list}>")
            open_list = ""
        if block.tag == "blockquote":
            out.append(f"<blockquote><p>{block.html}</p></blockquote>")
        else:
            out.append(f"<{block.tag}>{block.html}</{block.tag}>")
    if open_list:
        out.append(f"</{open_list}>")
    return text, "".join(out)
