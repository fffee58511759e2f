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

# Class/id words that mark page furniture around a story. General structure only:
# these are the words publishers' templates use, not phrases from any one site.
BOILERPLATE_WORDS = re.compile(
    r"(?:^|[-_\s])(?:share|sharing|sharebar|social|socials|related|relatedstories|"
    r"newsletter|newsletters|promo|promos|promotion|subscribe|subscription|signup|"
    r"comment|comments|footer|nav|navbar|navigation|menu|breadcrumb|breadcrumbs|"
    r"sidebar|widget|widgets|advert|advertisement|ads|ad|adslot|ad-slot|dfp|banner|"
    r"cookie|cookies|popup|modal|overlay|author-bio|authorbio|bio|biography|"
    r"caption|figcaption|credit|credits|tags|tag-list|taglist|topics|keywords|"
    r"recommended|recommendations|more-stories|outbrain|taboola|sponsored|byline|"
    r"bylines|toolbar|print|paywall|login|teaser|teasers|read-more|readmore|"
    r"also-read|see-also|trending|most-read|mostread|popular|disclaimer|"
    r"standfirst|dek|deck|subtitle|strapline|kicker|eyebrow|skip|hidden|"
    r"visually-hidden|sr-only|screen-reader-text|author-info|about-author|"
    r"article-meta|post-meta|meta|timestamp|dateline-box|rating|gallery|inline-image|"
    r"video|player|podcast|audio|embed|tooltip|dropdown|masthead|header)(?:$|[-_\s])",
    re.IGNORECASE,
)
# Words that name the story container itself; they win over the words above, so a
# wrapper such as ``article-body share-root`` is kept.
CONTENT_WORDS = re.compile(
    r"article-?body|articlebody|story-?body|storybody|post-?content|postcontent|"
    r"entry-?content|article-?content|articlecontent|article-?text|story-?content|"
    r"body-?text|bodytext|main-?content|rich-?text|richtext|article__body|"
    r"story__body|content__body|prose",
    re.IGNORECASE,
)


def clean_text(text: str | None) -> str:
    """Collapse runs of whitespace and strip; ``None`` becomes ``""``."""
    if not text:
        return ""
    return " ".join(text.split())


def text_of(element: HtmlElement) -> str:
    """The element's whole text, whitespace collapsed."""
    return clean_text(text_content(element))


def text_content(element: HtmlElement) -> str:
    """All text inside ``element`` (comments are removed at parse time)."""
    return "".join(element.itertext())


def signature(element: HtmlElement) -> str:
    """Class and id of an element as one lower-case string (``""`` when absent)."""
    attrib = element.attrib
    cls = attrib.get("class")
    ident = attrib.get("id")
    if not cls and not ident:
        return ""
    return f"{cls or ''} {ident or ''}".lower()


@lru_cache(maxsize=32768)
def sig_matches(pattern: re.Pattern[str], sig: str) -> bool:
    """``pattern.search(sig)``, cached: pages repeat the same few class names."""
    return bool(sig) and pattern.search(sig) is not None


@lru_cache(maxsize=8192)
def is_boilerplate_signature(sig: str) -> bool:
    """True if a class/id signature uses a boilerplate word and no story word."""
    return BOILERPLATE_WORDS.search(sig) is not None and not CONTENT_WORDS.search(sig)


def absolute_url(href: str | None, base: str) -> str | None:
    """Resolve ``href`` against ``base``; ``None`` unless the result is http(s)."""
    if not href:
        return None
    href = href.strip()
    if not href or href.startswith("#"):
        return None
    return _resolve(href, base)


@lru_cache(maxsize=4096)
def _resolve(href: str, base: str) -> str | None:
    if href.startswith(("https://", "http://")) and "#" not in href and " " not in href:
        return href
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


def words(text: str) -> frozenset[str]:
    """A vocabulary written as one space-separated string, as a frozenset."""
    return frozenset(text.split())
