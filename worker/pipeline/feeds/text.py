"""Feed text reduced to plain text: markup stripped, entities decoded, spaces collapsed.

Atom says whether a text construct is ``text``, ``html`` or ``xhtml`` (RFC 4287 §3.1)
and its parser passes that on; RSS does not, so :func:`clean_text` treats text as HTML
only when it contains a tag or an entity/character reference. Markup is parsed with
lxml's HTML parser (no network, comments and processing instructions dropped);
``script`` and ``style`` are removed with their content, and block elements are kept
apart by a space.

Also here: the name in an RSS ``<author>`` (an e-mail address by convention) and
de-duplication of the lists of authors and categories built from cleaned text.

What this module does not do: parse XML (undeclared HTML entities in XML are handled
by the hardened parser in ``worker/pipeline/xml.py``), resolve URLs, or truncate text.

References: RFC 4287 §3.1 (Atom text constructs); RSS 2.0 ``<author>``
(https://www.rssboard.org/rss-specification#ltauthorgtSubelementOfLtitemgt).
"""

from __future__ import annotations

import html
import re

from lxml import etree

from worker.pipeline.xml import text_of

__all__ = ["author_name", "clean_text", "dedupe"]

# RSS text is HTML only if it looks like it: a tag, or an entity/character reference.
_LOOKS_LIKE_HTML = re.compile(
    r"<[a-zA-Z/!][^>]*>|&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);"
)
_HTML_PARSER = etree.HTMLParser(no_network=True, remove_comments=True, remove_pis=True)
_BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "figure",
        "figcaption",
        "tr",
        "td",
    ]
)


def _strip_markup(fragment: str) -> str:
    if "<" not in fragment:
        return html.unescape(fragment)  # entities only: no markup to parse
    try:
        # Plain etree elements, not lxml.html's: its per-element class lookup costs
        # more than the parse itself on short feed text.
        document = etree.fromstring(
            f"<html><body>{fragment}</body></html>", _HTML_PARSER
        )
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        document = None
    root = document.find("body") if document is not None else None
    if root is None:
        return html.unescape(re.sub(r"<[^>]*>", " ", fragment))
    etree.strip_elements(root, "script", "style", with_tail=False)
    for element in root.iter(*_BLOCK_TAGS):
        element.tail = " " + (element.tail or "")
    return text_of(root)


def clean_text(text: str | None, *, is_html: bool | None = None) -> str | None:
    """Plain text with collapsed whitespace; markup stripped when ``is_html``.

    ``is_html=None`` means "guess": true when the text contains a tag or an entity.
    """
    if text is None:
        return None
    if is_html is None:
        is_html = bool(_LOOKS_LIKE_HTML.search(text))
    if is_html:
        text = _strip_markup(text)
    return " ".join(text.split()) or None


def author_name(text: str | None) -> str | None:
    """The name in an RSS author: ``"jo@example.com (Jo Doe)"`` gives ``"Jo Doe"``."""
    # RSS 2.0 <author> is an e-mail address, by convention "jo@example.com (Jo Doe)".
    name = clean_text(text)
    if name is None:
        return None
    match = re.fullmatch(r"\S+@\S+\s*\((.+)\)", name)
    return match.group(1).strip() if match else name


def dedupe(values: list[str | None]) -> tuple[str, ...]:
    """The non-empty ``values`` in first-seen order, each once."""
    return tuple(dict.fromkeys(value for value in values if value))
