"""The one hardened XML parser for feeds and sitemaps.

Everything XML that comes from the open web (RSS, Atom, sitemaps) goes through
:func:`parse_xml`. The parser is lxml's, configured so that the classic XML attacks
are refused or harmless (../shared/RELIABILITY.md B6 and the lxml section):

* **Billion laughs / quadratic blowup**: ``resolve_entities=False`` means no entity is
  ever expanded; an entity reference stays a reference node (``etree._Entity``, whose
  ``.tag`` is not a ``str``), and callers read text with :func:`text_of`, which skips
  such nodes.
* **XXE (file and network)** and **external DTDs**: ``resolve_entities=False``,
  ``no_network=True`` and ``load_dtd=False``; nothing outside the bytes is read.
* **Deep nesting**: ``huge_tree=False`` keeps libxml2's default depth limit (256), so a
  10,000-deep document stops early instead of exhausting memory or the stack.

Malformed documents are common in the wild (feedparser's "illformed" corpus), so the
parser runs in ``recover`` mode and keeps what it can. Three faults are repaired in
the bytes before parsing (:func:`repair_references`), outside CDATA sections, because
libxml2 in recover mode drops them together with text around them:

* HTML named entities used without a declaration (``&nbsp;``, ``&eacute;``,
  ``&rsquo;``: XML knows only five) become numeric character references;
* a bare ampersand (``AT&T``, ``Q&A``, ``&`` alone) becomes ``&amp;``, and so does
  the ampersand of any other unknown name (``&bogus;`` stays visible as text, as
  feedparser and browsers show it), unless the document has a DOCTYPE: then an
  unknown name may be one its DTD declares (``&xxe;``), and it is left alone to stay
  an unresolved reference node that is never expanded;
* a ``<`` that cannot start markup (followed by a space, a digit, ``=`` or ``<``, as in
  ``2 < 3``) becomes ``&lt;``.

The repairs work on ASCII-compatible bytes; callers that know the encoding (the feed
package decodes first and passes UTF-8) say so with ``encoding=``, which overrides the
XML declaration.

What this module does not do: decide what a document *is* (see ``feeds/``), choose an
encoding (``feeds/encoding.py`` does; without ``encoding=`` libxml2 reads the BOM and
the XML declaration), or fetch anything.

References: XML 1.0 (5th ed.) §4.1 and §4.6 (entities); lxml's "FAQ: How do I use lxml
safely as a web-service endpoint?"; scrapy ``scrapy/utils/sitemap.py`` (same options).
"""

from __future__ import annotations

import html.entities
import re

from lxml import etree

from schemas.enums import FailureReason
from worker.errors import ContentError

# The five entities XML predefines (XML 1.0 §4.6); every other name needs a DTD.
_XML_PREDEFINED = frozenset({"amp", "lt", "gt", "quot", "apos"})

# HTML 4 names (html.entities.name2codepoint): the ones feeds actually use undeclared.
# The patterns only run on ASCII-compatible bytes; in UTF-16 they never match.
_HTML_CODEPOINTS = {
    name.encode("ascii"): code
    for name, code in html.entities.name2codepoint.items()
    if name not in _XML_PREDEFINED
}
_HTML_NAMES = frozenset(_HTML_CODEPOINTS)
_NAMED_REFERENCE = re.compile(rb"&([A-Za-z][A-Za-z0-9]{1,31});")
_REFERENCE = rb"(?:[A-Za-z][A-Za-z0-9._-]{0,31}|#[0-9]{1,8}|#[xX][0-9A-Fa-f]{1,8});"
_BARE_AMPERSAND = re.compile(rb"&(?!" + _REFERENCE + rb")")
_UNKNOWN_NAME = re.compile(rb"&(?=[A-Za-z])(?!(?:amp|lt|gt|quot|apos);)")
_STRAY_LT = re.compile(rb"<(?=[\s0-9=<])")
# Split on CDATA sections (kept, as the odd parts) so nothing inside one changes; an
# unterminated one runs to the end, so the scan stays linear.
_CDATA = re.compile(rb"(<!\[CDATA\[(?:.*?\]\]>|.*))", re.DOTALL)


def _make_parser(encoding: str | None) -> etree.XMLParser:
    # Every option is a safety decision; see the module docstring and RELIABILITY.md S9.
    return etree.XMLParser(
        encoding=encoding,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        recover=True,
        remove_comments=True,
        remove_pis=True,
    )


def _repair_outside_cdata(data: bytes, *, has_doctype: bool) -> bytes:
    # Plain replacements (no Python call per match) except for real HTML entities,
    # looked for by the names the data uses: the quadratic-blowup fixture's 50,000
    # "&a;" must cost neither 50,000 callbacks nor a 250-way alternation at each "&"
    # (RELIABILITY B6: < 50 ms).
    used = _HTML_NAMES.intersection(_NAMED_REFERENCE.findall(data))
    if used:
        # Longest first, so "&notin;" is not read as "&not" followed by "in;".
        ordered: list[bytes] = sorted(used, key=len, reverse=True)
        names = b"|".join(ordered)
        data = re.sub(
            rb"&(" + names + rb");",
            lambda match: b"&#%d;" % _HTML_CODEPOINTS[match[1]],
            data,
        )
    data = _BARE_AMPERSAND.sub(b"&amp;", data)
    if not has_doctype:
        data = _UNKNOWN_NAME.sub(b"&amp;", data)
    return _STRAY_LT.sub(b"&lt;", data)


def repair_references(data: bytes) -> bytes:
    """``data`` with undeclared entities, bare ``&`` and stray ``<`` repaired."""
    if b"&" not in data and _STRAY_LT.search(data) is None:
        return data
    has_doctype = b"<!DOCTYPE" in data
    if b"<![CDATA[" not in data:
        return _repair_outside_cdata(data, has_doctype=has_doctype)
    parts = _CDATA.split(data)
    return b"".join(
        part if index % 2 else _repair_outside_cdata(part, has_doctype=has_doctype)
        for index, part in enumerate(parts)
    )


def parse_xml_with_errors(
    data: bytes, *, encoding: str | None = None
) -> tuple[etree._Element, tuple[str, ...]]:
    """Like :func:`parse_xml`, also returning what the parser had to recover from.

    The messages are libxml2's (line, column and text), at most ten of them, for
    ``ParsedFeed.problems``. ``encoding``, when given, overrides the document's own
    declaration (the caller has decoded and re-encoded the bytes).
    """
    parser = _make_parser(encoding)
    try:
        root = etree.fromstring(repair_references(data), parser)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise ContentError(
            f"not parseable as XML: {exc}", reason=FailureReason.UNPARSEABLE
        ) from exc
    if root is None or not isinstance(root.tag, str):
        raise ContentError(
            "no XML element could be recovered", reason=FailureReason.UNPARSEABLE
        )
    errors = tuple(
        f"xml line {entry.line} col {entry.column}: {entry.message}"
        for entry in list(parser.error_log)[:10]
    )
    return root, errors


def parse_xml(data: bytes) -> etree._Element:
    """Parse untrusted XML bytes with the hardened parser and return the root element.

    Raises:
        ContentError: (reason ``unparseable``) when nothing usable can be recovered.
    """
    root, _errors = parse_xml_with_errors(data)
    return root


def local_name(element: etree._Element) -> str:
    """The tag without its namespace; "" for comments, PIs and entity references."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def namespace_of(element: etree._Element) -> str | None:
    """The namespace URI of an element, or None when it has none (or is not one)."""
    tag = element.tag
    if not isinstance(tag, str) or not tag.startswith("{"):
        return None
    return tag[1:].partition("}")[0]


def text_of(element: etree._Element) -> str:
    """All the text inside ``element``, skipping nodes whose ``.tag`` is not a ``str``.

    Unresolved entity references (billion-laughs payloads, undeclared names) are such
    nodes: their own text is the reference itself (``&lol9;``), so it is left out,
    while the text that follows them (their tail) is kept. RELIABILITY.md B9.
    """
    parts: list[str] = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str):
            parts.append(text_of(child))
        parts.append(child.tail or "")
    return "".join(parts)
