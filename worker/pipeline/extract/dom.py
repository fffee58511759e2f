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


# Class/id words that mark page furniture around a story. General structure only:
# these are the words publishers' templates use, not phrases from any one site. A
# word matches a whole token of the class/id, tokens being split at ``-``, ``_`` and
# spaces; hyphenated entries match consecutive tokens (``ad-slot`` in ``top_ad_slot``).
BOILERPLATE_WORDS = words(
    "share sharing sharebar social socials related relatedstories newsletter "
    "newsletters promo promos promotion subscribe subscription signup comment "
    "comments footer nav navbar navigation menu breadcrumb breadcrumbs sidebar "
    "widget widgets advert advertisement ads ad adslot ad-slot dfp banner cookie "
    "cookies popup modal overlay author-bio authorbio bio biography caption "
    "figcaption credit credits tags tag-list taglist topics keywords recommended "
    "recommendations more-stories outbrain taboola sponsored byline bylines toolbar "
    "print paywall login teaser teasers read-more readmore also-read see-also "
    "trending most-read mostread popular disclaimer standfirst dek deck subtitle "
    "strapline kicker eyebrow skip hidden visually-hidden sr-only "
    "screen-reader-text author-info about-author article-meta post-meta meta "
    "timestamp dateline-box rating gallery inline-image video player podcast audio "
    "embed tooltip dropdown masthead header card cards"
)
# Words that name the story container itself; they win over the words above, so a
# wrapper such as ``article-body share-root`` is kept. Matched as substrings of the
# signature with ``-`` and ``_`` removed (``article__body``, ``ArticleBody``).
CONTENT_WORDS = (
    "articlebody",
    "storybody",
    "postcontent",
    "entrycontent",
    "articlecontent",
    "articletext",
    "storycontent",
    "bodytext",
    "maincontent",
    "richtext",
    "contentbody",
    "prose",
)
MEDIA_WORDS = words("gallery video player inline-image audio podcast")
_SINGLE_WORDS = frozenset(word for word in BOILERPLATE_WORDS if "-" not in word)
_COMPOUND_WORDS = tuple(f"-{word}-" for word in BOILERPLATE_WORDS if "-" in word)


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
    """All text inside ``element`` (comments are removed at parse time)."""
    return "".join(element.itertext())


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


@lru_cache(maxsize=32768)
def has_content_word(sig: str) -> bool:
    """True if a class/id signature names the story container (``article-body``)."""
    if not sig:
        return False
    squeezed = sig.replace("-", "").replace("_", "")
    return any(word in squeezed for word in CONTENT_WORDS)


@lru_cache(maxsize=32768)
def has_boilerplate_word(sig: str) -> bool:
    """True if a class/id signature uses a boilerplate word (as whole tokens)."""
    return _matched_words(sig) is not None


@lru_cache(maxsize=32768)
def has_only_media_words(sig: str) -> bool:
    """True if every boilerplate word of ``sig`` names a media box (``gallery``…).

    Such boxes hold story text in slideshow and video articles, so a single real
    paragraph is enough to keep one.
    """
    found = _matched_words(sig)
    return found is not None and found <= MEDIA_WORDS


def _matched_words(sig: str) -> frozenset[str] | None:
    tokens = sig.replace("_", " ").replace("-", " ").split()
    if not tokens:
        return None
    found = set(_SINGLE_WORDS.intersection(tokens))
    joined = f"-{'-'.join(tokens)}-"
    found.update(word.strip("-") for word in _COMPOUND_WORDS if word in joined)
    return frozenset(found) if found else None


def is_boilerplate_signature(sig: str) -> bool:
    """True if a class/id signature uses a boilerplate word and no story word."""
    return has_boilerplate_word(sig) and not has_content_word(sig)


def absolute_url(href: str | None, base: str) -> str | None:
    """Resolve ``href`` against ``base``; ``None`` unless the result is http(s)."""
    if not href:
        return None
    href = href.strip()
    if not href or href.startswith("#"):
        return None
    return _resolve(href, base)


def _resolve(href: str, base: str) -> str | None:
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
