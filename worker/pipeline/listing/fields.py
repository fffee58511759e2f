"""What one teaser block says about its story: title, date, summary and image.

* Title: the text of the headline element around or inside a link (``h1``-``h6``, or
  a box whose class says ``title``/``headline`` and holds little more than the link),
  else the link's text, else its ``title``/``aria-label`` or its image's ``alt``.
* Published: the first ``<time>`` (its ``datetime``, else its text), else a box whose
  class names a date, else an element that is nothing but a date (ISO 8601,
  ``21.11.2026``, ``November 21, 2026``); in UTC.
* Summary: the first paragraph (``p``, ``dd``, ``font``, or a box whose class says
  summary/excerpt/standfirst/dek) of 25 to 1,000 characters that is not the title, a
  byline, a kicker or a date.
* Image: the first ``img``/``source`` that is not a tracking pixel, preferring the
  lazy-loading attributes (``data-src``…) over a placeholder ``src``, then ``srcset``.

What this module does not do: decide whether a block is a teaser (``teasers.py``).

References: WHATWG HTML §4.5.14 (``time``), §4.8.4 (``img``, ``srcset``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from worker.pipeline.extract.dates import parse_datetime, parse_prose_date
from worker.pipeline.extract.dom import (
    HtmlElement,
    absolute_url,
    clean_text,
    signature,
    text_of,
)

HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# Title priorities: a headline element beats link text, which beats alt text.
HEADING_TITLE = 3
ANCHOR_TITLE = 2
LABEL_TITLE = 1

_TITLE_CLASS = re.compile(r"(?:^|[-_\s])(?:title|headline|heading|hed)(?:$|[-_\s])")
_DATE_CLASS = re.compile(r"date|time|publish|posted|dateline")
_SUMMARY_CLASS = re.compile(
    r"summary|excerpt|standfirst|\bdek\b|description|intro|lede|abstract|teaser-?text"
)
_NOT_SUMMARY_CLASS = re.compile(r"byline|author|kicker|label|eyebrow|category|meta")
_SUMMARY_CHARS = 25
_MAX_SUMMARY_CHARS = 1000
_MAX_DATE_TEXT = 120
_HEADING_WRAP = 2  # a headline box holds at most this many times its link's text
_HEADING_DEPTH = 3  # ancestors looked at for a headline box
_SMALL_ELEMENT = 2  # children an element may have and still be "just a date"
# A whole element that is just a date: ISO, day.month.year (the dotted form is
# day-first wherever it is used), or "November 21, 2026" / "21 November 2026".
_ONLY_A_DATE = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ][\d:.+Z-]*)?|\d{1,2}\.\s?\d{1,2}\.\s?\d{4}"
    r"|[A-Za-z]{3,9}\.? \d{1,2},? \d{4}|\d{1,2}\.? [A-Za-z]{3,9}\.? \d{4}"
)
_DOTTED_DATE = re.compile(r"(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4})")
_IMAGE_ATTRIBUTES = ("data-src", "data-lazy-src", "data-original", "src")


def title_of(anchors: list[HtmlElement], block: HtmlElement) -> tuple[int, str]:
    """``(priority, text)`` of the best title the block's links give; ``(0, "")``."""
    found = []
    for anchor in anchors:
        heading = heading_of(anchor)
        # A link inside a heading is the headline; the heading around it may add a
        # kicker ("Live", "Opinion"). A heading inside the link is the headline.
        # (A heading around the link is never read whole: one heading can hold
        # thousands of links on a hostile page.)
        if heading is not None and heading in anchor.iterancestors():
            text = text_of(anchor)
        else:
            text = text_of(heading) if heading is not None else ""
        if text:
            found.append((HEADING_TITLE, text))
        elif text_of(anchor):
            found.append((ANCHOR_TITLE, text_of(anchor)))
        else:
            label = anchor.get("title") or anchor.get("aria-label")
            for img in anchor.iter("img"):
                label = label or img.get("alt")
            if clean_text(label):
                found.append((LABEL_TITLE, clean_text(label)))
    if not found:
        heading = next(block.iter(*HEADINGS), None)
        if heading is not None and text_of(heading):
            found.append((LABEL_TITLE, text_of(heading)))
    # Among equals, the longer text: "Read more" loses to the headline beside it.
    return max(found, key=lambda item: (item[0], len(item[1])), default=(0, ""))


def heading_of(anchor: HtmlElement) -> HtmlElement | None:
    """The headline element wrapping ``anchor`` closely, or inside it."""
    for depth, ancestor in enumerate(anchor.iterancestors()):
        if ancestor.tag in HEADINGS:
            return ancestor
        # A "headline" box that holds much more than the link (a table cell with the
        # date and summary) is the teaser itself, not its heading.
        if _TITLE_CLASS.search(signature(ancestor)) and not text_exceeds(
            ancestor, _HEADING_WRAP * len(text_of(anchor))
        ):
            return ancestor
        if depth >= _HEADING_DEPTH:
            break
    for element in anchor.iterdescendants():
        if element.tag in HEADINGS or _TITLE_CLASS.search(signature(element)):
            return element
    return None


def text_exceeds(element: HtmlElement, limit: int) -> bool:
    """True if the text inside ``element``, whitespace collapsed, is longer than
    ``limit``; reads only as far as it must (a box can hold a whole hostile page).

    Each text node is read up to a few times ``limit`` characters, so a node that is
    mostly whitespace beyond that point can be under-counted.
    """
    parts: list[str] = []
    estimate = 0  # an over-estimate: words split at tags count a space too many
    check_at = limit
    budget = limit * 4 + 64
    for chunk in element.itertext():
        part = chunk[:budget]
        parts.append(part)
        estimate += len(part)
        if estimate > check_at:
            if len(clean_text("".join(parts))) > limit:
                return True
            check_at = estimate * 2
    return len(clean_text("".join(parts))) > limit


def published_of(block: HtmlElement) -> datetime | None:
    """The first date the block shows, in UTC, or None."""
    for time in block.iter("time"):
        parsed = parse_datetime(time.get("datetime")) or parse_prose_date(text_of(time))
        if parsed is not None:
            return parsed.astimezone(UTC)
    for element in block.iter():
        if len(element) > _SMALL_ELEMENT or text_exceeds(element, _MAX_DATE_TEXT):
            continue
        text = text_of(element)
        if not text:
            continue
        if _DATE_CLASS.search(signature(element)):
            parsed = parse_datetime(text) or parse_prose_date(text) or _dotted(text)
        elif _ONLY_A_DATE.fullmatch(text):
            parsed = parse_datetime(text) or _dotted(text) or parse_prose_date(text)
        else:
            continue
        if parsed is not None:
            return parsed.astimezone(UTC)
    return None


def _dotted(text: str) -> datetime | None:
    match = _DOTTED_DATE.search(text)
    if match is None:
        return None
    day, month, year = (int(group) for group in match.groups())
    try:
        return datetime(year, month, day, tzinfo=UTC)
    except ValueError:
        return None


def summary_of(block: HtmlElement, title: str) -> str | None:
    """The block's standfirst or excerpt, or None."""
    for element in block.iter("p", "div", "span", "font", "dd"):
        sig = signature(element)
        if element.tag in {"div", "span"} and not _SUMMARY_CLASS.search(sig):
            continue
        if _NOT_SUMMARY_CLASS.search(sig) or _DATE_CLASS.search(sig):
            continue
        if next(element.iter(*HEADINGS, "time"), None) is not None:
            continue
        if next(element.iterancestors(*HEADINGS), None) is not None:
            continue
        if text_exceeds(element, _MAX_SUMMARY_CHARS):  # a story body, not a teaser
            continue
        text = text_of(element)
        if len(text) >= _SUMMARY_CHARS and not (title and title in text):
            return text
    return None


def image_of(block: HtmlElement, base: str) -> str | None:
    """The absolute URL of the block's image, or None."""
    for img in block.iter("img", "source"):
        if img.get("width") in {"0", "1"} or img.get("height") in {"0", "1"}:
            continue
        for name in _IMAGE_ATTRIBUTES:
            url = absolute_url(img.get(name), base)
            if url is not None:
                return url
        srcset = (img.get("srcset") or img.get("data-srcset") or "").strip()
        first = srcset.split(",")[0].split()
        url = absolute_url(first[0], base) if first else None
        if url is not None:
            return url
    return None
