"""Small helpers over an lxml HTML tree that every extractor module shares.

Text normalisation, the class/id "signature" of an element, URL resolution against
``<base href>``, and the boilerplate vocabulary of class names. Everything here is
iterative: a hostile page can be deep, and libxml2 already caps nesting at 255.

What this module does not do: decide what is body, metadata or a link kind.

References: WHATWG HTML §4.2.3 (``<base>``), RFC 3986 §5 (reference resolution).
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urldefrag, urljoin, urlsplit

from lxml import etree

# Plain lxml elements, not lxml.html's HtmlElement: the html flavour runs a Python
# class lookup for every element proxy, which was a tenth of the extractor's time.
HtmlElement = etree._Element  # noqa: SLF001 - the public type of lxml elements


def words(text: str) -> frozenset[str]:
    """A vocabulary written as one space-separated string, as a frozenset."""
    return frozenset(text.split())


def clean_text(text: str | None) -> str:
    """Collapse runs of whitespace and strip; ``None`` becomes ``""``."""
    if not text:
        return ""
    return " ".join(text.split())


def text_of(element: HtmlElement) -> str:
    """The element's whole text, whitespace collapsed."""
    if not len(element):  # most links and labels: no child, so no text walk
        return clean_text(element.text)
    return clean_text(text_content(element))


def text_content(element: HtmlElement) -> str:
    """All text inside ``element`` (comments are removed at parse time).

    Serialised as text by libxml2: twice as fast as joining ``itertext()``.
    """
    return etree.tostring(element, method="text", encoding="unicode", with_tail=False)


# Text nodes as plain strings, gathered in C: on a big box this is several times
# faster than a Python loop over itertext().
_TEXT_NODES = etree.XPath(".//text()", smart_strings=False)
_LINK_TEXT_NODES = etree.XPath("descendant-or-self::a//text()", smart_strings=False)


def text_chars(element: HtmlElement) -> int:
    """Characters of an element's text nodes, each without its edge whitespace.

    Close to the length of the whitespace-collapsed text, without building it.
    """
    return sum(map(len, map(str.strip, _TEXT_NODES(element))))


def link_density(element: HtmlElement) -> float:
    """Share of an element's text that sits inside links (0.0 for no text)."""
    total = text_chars(element)
    if not total:
        return 0.0
    nodes = _LINK_TEXT_NODES(element)
    linked = sum(map(len, map(str.strip, nodes)))
    return min(linked / total, 1.0)


def signature(element: HtmlElement) -> str:
    """Class and id of an element as one lower-case string (``""`` when absent)."""
    # element.get() avoids building an attribute proxy, which doubled the cost.
    cls = element.get("class")
    ident = element.get("id")
    if not cls and not ident:
        return ""
    return f"{cls or ''} {ident or ''}".lower()


@lru_cache(maxsize=32768)
def sig_matches(pattern: re.Pattern[str], sig: str) -> bool:
    """``pattern.search(sig)``, cached: pages repeat the same few class names."""
    return bool(sig) and pattern.search(sig) is not None


def absolute_url(href: str | None, base: str) -> str | None:
    """Resolve ``href`` against ``base``; ``None`` unless the result is http(s)."""
    if not href:
        return None
    href = href.strip()
    if not href or href.startswith("#"):
        return None
    # Fast paths for the two shapes most links take; urljoin costs ~10 µs a call and
    # a page has hundreds of links. Anything unusual goes through urljoin.
    if " " not in href and "/." not in href and "\\" not in href:
        if href.startswith(("https://", "http://")):
            return href.partition("#")[0]
        if href.startswith("/") and not href.startswith("//"):
            origin = _origin(base)
            if origin:
                return origin + href.partition("#")[0]
    return _resolve_slowly(href, base)


@lru_cache(maxsize=256)
def _origin(base: str) -> str | None:
    parts = urlsplit(base)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


@lru_cache(maxsize=4096)
def _resolve_slowly(href: str, base: str) -> str | None:
    try:
        resolved = urldefrag(urljoin(base, href)).url
        scheme = urlsplit(resolved).scheme
    except ValueError:
        return None
    if scheme not in {"http", "https"}:
        return None
    return resolved


def base_url(root: HtmlElement, url: str) -> str:
    """The URL relative links resolve against: ``<base href>`` if any, else ``url``."""
    for base in root.iter("base"):
        href = base.get("href")
        if href:
            try:
                return urljoin(url, href.strip())
            except ValueError:
                return url
    return url
