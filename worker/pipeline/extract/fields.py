"""The small fields: headline, standfirst, section, tags, language, reading time,
canonical URL and paywall flag.

Each field reads its sources in a fixed order and reports which one answered
(``json_ld``, ``opengraph``, ``meta``, ``dom``, ``text``, ``computed``), so a wrong
value can be traced to its signal. Declared metadata comes first because the page
states it on purpose; the visible page is the fallback for pages without any.

What this module does not do: authors (``authors.py``), dates (``dates.py``), images
(``media.py``), or anything in the body.

References: schema.org NewsArticle (``headline``, ``description``,
``articleSection``, ``keywords``, ``inLanguage``, ``isAccessibleForFree``,
``timeRequired``); The Open Graph protocol; BCP 47 (language tags).
"""

from __future__ import annotations

import math
import re
from typing import Any

from worker.pipeline.extract.dom import (
    HtmlElement,
    absolute_url,
    clean_text,
    text_of,
)
from worker.pipeline.extract.metadata import PageMetadata, json_ld_text

Sourced = tuple[str | None, str | None]

# Matched against the few characters before each " read" of the markup.
_SPACE = rb"(?:\s|\xc2\xa0)*"  # whitespace, or a no-break space in UTF-8
_READ_TIME = re.compile(
    rb"(?<!\d)(\d{1,3})"
    + _SPACE
    + rb"-?"
    + _SPACE
    + rb"min(?:ute)?s?\.?"
    + _SPACE
    + b"$",
    re.IGNORECASE,
)
_READ_WORD = re.compile(rb"(?i) read\b")
_READ_LOOKBEHIND = 16
_ISO_DURATION_MINUTES = re.compile(r"^PT(?:(\d+)H)?(?:(\d+)M)?", re.IGNORECASE)
_MAX_LABEL_CHARS = 40
_MAX_STANDFIRST_CHARS = 600
_MIN_HEADLINE_WORDS = 4  # shorter <h1>s are often a logo or a section name
_MAX_KICKER_WORDS = 3
_TITLE_SEPARATORS = (" - ", " | ", " – ", " — ", " · ", " :: ")
_WORDS_PER_MINUTE = 230  # adult silent reading of non-fiction (Brysbaert 2019: 238)


def headline(root: HtmlElement, metadata: PageMetadata) -> Sourced:
    """The headline as printed; declared metadata when the page prints none.

    A printed ``<h1>`` of a few words wins over JSON-LD, whose ``headline`` is often
    a search-engine variant, unless the ``<h1>`` is the declared headline with a
    kicker in front ("Opinion | …"). The site's own name, as the page declares it,
    is taken off a declared title ("… - Site", "… | Site").
    """
    sites = _site_names(metadata)
    h1 = next(root.iter("h1"), None)
    printed = text_of(h1) if h1 is not None else ""
    value = _without_site(json_ld_text(metadata.article.get("headline")), sites)
    if value and (
        value == printed
        or len(printed.split()) < _MIN_HEADLINE_WORDS
        or _is_kicker_plus(printed, value)
    ):
        return value, "json_ld"
    if printed:
        declared = _without_site(metadata.first("og:title"), sites)
        if declared and _is_kicker_plus(printed, declared):
            return declared, "opengraph"
        return printed, "dom"
    value = _without_site(metadata.first("og:title"), sites)
    if value:
        return value, "opengraph"
    value = _without_site(metadata.first("twitter:title", "title"), sites)
    if value:
        return value, "meta"
    title = next(root.iter("title"), None)
    return (text_of(title) or None, "dom") if title is not None else (None, None)


def _site_names(metadata: PageMetadata) -> tuple[str, ...]:
    names = [metadata.first("og:site_name"), metadata.first("application-name")]
    publisher = metadata.resolve(metadata.article.get("publisher"))
    if isinstance(publisher, dict):
        names.append(json_ld_text(publisher.get("name")))
    return tuple({name.lower() for name in names if name})


def _without_site(title: str | None, sites: tuple[str, ...]) -> str | None:
    """``title`` without a leading or trailing site name ("… - ESPN", "Site | …")."""
    if not title or not sites:
        return title
    for site in sites:
        lowered = title.lower()
        for separator in _TITLE_SEPARATORS:
            if lowered.endswith(separator + site):
                return title[: -len(separator + site)].strip() or title
            if lowered.startswith(site + separator):
                return title[len(site + separator) :].strip() or title
    return title


def _is_kicker_plus(printed: str, declared: str) -> bool:
    """``printed`` is ``declared`` with a few words in front: a section kicker."""
    head = printed[: len(printed) - len(declared)]
    return (
        len(printed) > len(declared)
        and printed.endswith(declared)
        and 0 < len(head.split()) <= _MAX_KICKER_WORDS
    )


def standfirst(metadata: PageMetadata, candidates: list[HtmlElement]) -> Sourced:
    """Declared description, else a box whose class says standfirst (``candidates``)."""
    value = json_ld_text(metadata.article.get("description"))
    if value:
        return value, "json_ld"
    value = metadata.first("og:description")
    if value:
        return value, "opengraph"
    value = metadata.first("description", "twitter:description")
    if value:
        return value, "meta"
    for element in candidates:
        text = text_of(element)
        if 0 < len(text) <= _MAX_STANDFIRST_CHARS:
            return text, "dom"
    return None, None


def section(metadata: PageMetadata, labels: list[HtmlElement]) -> Sourced:
    """Declared section, else a short label whose class says section (``labels``)."""
    value = json_ld_text(metadata.article.get("articleSection"))
    if value:
        return value, "json_ld"
    value = metadata.first("article:section", "section")
    if value:
        return value, "opengraph" if metadata.meta.get("article:section") else "meta"
    for element in labels:
        text = text_of(element)
        if 0 < len(text) <= _MAX_LABEL_CHARS:
            return text, "dom"
    return None, None


def tags(metadata: PageMetadata) -> tuple[tuple[str, ...], str | None]:
    keywords: Any = metadata.article.get("keywords")
    if isinstance(keywords, str):
        keywords = keywords.split(",")
    if isinstance(keywords, list):
        found = _unique_texts(keywords)
        if found:
            return found, "json_ld"
    found = _unique_texts(metadata.all("article:tag"))
    if found:
        return found, "opengraph"
    for name in ("news_keywords", "keywords"):
        value = metadata.first(name)
        if value:
            return _unique_texts(value.split(",")), "meta"
    return (), None


def _unique_texts(values: list[Any]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for value in values:
        text = clean_text(value) if isinstance(value, str) else ""
        if text and text.lower() not in seen:
            seen[text.lower()] = text
    return tuple(seen.values())


def language(metadata: PageMetadata) -> Sourced:
    for value, source in (
        (metadata.html_lang, "dom"),
        (metadata.first("content-language", "language", "dc.language"), "meta"),
        (json_ld_text(metadata.article.get("inLanguage")), "json_ld"),
        (metadata.first("og:locale"), "opengraph"),
    ):
        primary = re.split(r"[-_]", value or "", maxsplit=1)[0].strip().lower()
        if primary.isalpha() and 2 <= len(primary) <= 3:  # noqa: PLR2004 - BCP 47
            return primary, source
    return None, None


def canonical_url(metadata: PageMetadata, base: str) -> Sourced:
    if metadata.canonical_url:
        return metadata.canonical_url, "dom"
    value = absolute_url(metadata.first("og:url"), base)
    if value:
        return value, "opengraph"
    main = metadata.article.get("mainEntityOfPage")
    if isinstance(main, dict):
        main = main.get("@id") or main.get("url")
    value = absolute_url(main if isinstance(main, str) else None, base)
    return (value, "json_ld") if value else (None, None)


def stated_reading_minutes(html: bytes, metadata: PageMetadata) -> int | None:
    """Reading time the page states ("2 min read", schema.org ``timeRequired``).

    ``html`` is the page as UTF-8 bytes: the label is ASCII, and scanning bytes is
    several times faster than scanning a ``str`` with non-Latin-1 text.
    """
    required = json_ld_text(metadata.article.get("timeRequired"))
    match = _ISO_DURATION_MINUTES.match(required or "")
    if match and (match.group(1) or match.group(2)):
        return int(match.group(1) or 0) * 60 + int(match.group(2) or 0)
    # One scan of the markup for the word is far cheaper than a walk over every
    # text node; the label must sit in text, not inside a tag.
    for word in _READ_WORD.finditer(html):
        start = word.start()
        window = html[max(0, start - _READ_LOOKBEHIND) : start]
        # "min"/"minute" in either case holds "in" or "IN"; most " read"s do not.
        found = (b"in" in window or b"IN" in window) and _READ_TIME.search(window)
        if found and html.rfind(b">", 0, start) > html.rfind(b"<", 0, start):
            minutes = int(found.group(1))
            if minutes > 0:
                return minutes
    return None


def computed_reading_minutes(word_count: int) -> int:
    return math.ceil(word_count / _WORDS_PER_MINUTE)


def is_paywalled(metadata: PageMetadata) -> bool:
    parts = metadata.article.get("hasPart")
    candidates = [metadata.article, *(parts if isinstance(parts, list) else [parts])]
    for candidate in candidates:
        if isinstance(candidate, dict):
            free = candidate.get("isAccessibleForFree")
            if free is False or str(free).strip().lower() == "false":
                return True
    tier = (metadata.first("article:content_tier") or "").lower()
    return tier in {"locked", "premium", "subscriber"}
