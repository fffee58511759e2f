"""Who wrote the story: names, roles, bios and profile links.

Sources, first non-empty wins for the list of names:

1. JSON-LD ``author`` (schema.org Person: ``name``, ``url``, ``jobTitle``,
   ``description``); Organization authors are not people and are skipped;
2. ``<meta name="author">`` and its aliases (``article:author`` when it is a name);
3. the visible byline: ``rel=author`` / ``itemprop=author`` links, or an element whose
   class says byline/author, parsed by :func:`parse_byline`.

Then every author is enriched from the page: a role printed in the byline ("Jane Doe,
Head of North America desk") and an author box (class ``author-bio``, ``about-author``
…) giving a bio and a profile link ("Read more", "All articles").

A name must look like a person: two to five capitalised words, no digits, no
weekday/month words, no organisation words ("Press", "News", "Staff", "Agency"). This
is what keeps "Associated Press" and "Updated March 5" out of ``authors``.

What this module does not do: decide which links are author links for the link list
(``links.py`` does), or look names up anywhere.

References: schema.org Person and ``author``; OpenGraph ``article:author``; HTML
``rel=author`` (WHATWG HTML §4.6.7.1).
"""

from __future__ import annotations

import re
from typing import Any

from schemas.messages import Author
from worker.pipeline.extract.dom import (
    HtmlElement,
    absolute_url,
    clean_text,
    sig_matches,
    signature,
    text_of,
    words,
)
from worker.pipeline.extract.metadata import PageMetadata, json_ld_types

_BY_PREFIX = re.compile(
    r"^(?:(?:written|words|text|reporting|report|story|edited|photos?)\s+)?"
    r"(?:by|von|par|por|di|door|av|af)\s*:?\s+",
    re.IGNORECASE,
)
# Where a byline stops being names: a timestamp, a source line, a separator.
_BYLINE_END = re.compile(
    r"\s(?:updated|published|posted|last updated|modified|on)\b[\s:].*$"
    r"|\s*[|•·]\s.*$"
    r"|\s+\d{1,2}(?:st|nd|rd|th)?\s+[A-Z][a-z]+\s+\d{4}.*$"
    r"|\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d.*$",
    re.IGNORECASE,
)
_NAME_SPLIT = re.compile(r"\s*(?:;|\band\b|&|\bund\b|\bet\b|\by\b|\be\b)\s*")
_ROLE_WORDS = words(
    "editor editors correspondent reporter reporters writer writers chief head desk "
    "producer columnist contributor contributing analyst journalist photographer "
    "senior deputy staff director manager bureau lead host presenter intern "
    "researcher critic commentator fellow professor author"
)
_NOT_NAME_WORDS = words(
    "press news agency agencies staff desk times post media inc ltd llc group network "
    "service services wire wires editorial team newsroom associated company corp "
    "corporation foundation institute university office ministry daily journal "
    "gazette herald tribune radio tv television online magazine weekly editors "
    "correspondents reporters contributors updated published posted min read share "
    "follow email monday tuesday wednesday thursday friday saturday sunday today "
    "yesterday ago the of for"
)
_PARTICLES = words(
    "van von de der den da di du la le del della bin al el dos das ter ten st"
)
_AUTHOR_BOX = re.compile(
    r"author-?bio|authorbio|author-?box|about-?(?:the-)?author|author-?info|"
    r"author-?card|author-?profile|author-?details|contributor-?bio",
)
_BYLINE_CLASS = re.compile(r"byline|author|contributor|writer")
_PROFILE_LINK_TEXT = re.compile(
    r"read more|more from|all (?:articles|stories|posts)|profile|view|see all|"
    r"more by|more articles",
    re.IGNORECASE,
)
_MAX_BYLINE_CHARS = 300


def looks_like_person(name: str) -> bool:
    """True if ``name`` reads as a person's name rather than an outlet or a date."""
    words = name.replace(",", " ").split()
    if not 2 <= len(words) <= 5 or any(ch.isdigit() for ch in name):  # noqa: PLR2004
        return False
    capitalised = 0
    for word in words:
        bare = word.strip(".'’-()\"")
        lower = bare.lower()
        if lower in _NOT_NAME_WORDS or lower in _ROLE_WORDS:
            return False
        if lower in _PARTICLES:
            continue
        if not bare or not bare[0].isupper():
            return False
        if len(bare) > 1 and bare.isupper() and "." not in word:
            return False  # an acronym: AP, AFP, BBC
        capitalised += 1
    return capitalised >= 2  # noqa: PLR2004


def _is_role(text: str) -> bool:
    words = {word.strip(".,").lower() for word in text.split()}
    if words & _ROLE_WORDS:
        return True
    return bool(text) and not looks_like_person(text) and text[:1].isupper()


def parse_byline(text: str) -> list[Author]:
    """Split a byline such as ``By Jane Doe, Head of desk, and John Roe``."""
    text = clean_text(text)[:_MAX_BYLINE_CHARS]
    text = _BY_PREFIX.sub("", text)
    text = _BYLINE_END.sub("", text).strip(" ,;:-–—")
    authors: list[Author] = []
    for part in re.split(r"\s*,\s*", text):
        for index, piece in enumerate(p for p in _NAME_SPLIT.split(part) if p):
            name = _BY_PREFIX.sub("", piece).strip(" .:-–—")
            if looks_like_person(name):
                authors.append(Author(name=name))
            elif index == 0 and authors and authors[-1].role is None and _is_role(name):
                authors[-1] = authors[-1].model_copy(update={"role": name})
    return _unique(authors)


def _unique(authors: list[Author]) -> list[Author]:
    seen: set[str] = set()
    result = []
    for author in authors:
        key = author.name.lower()
        if key not in seen:
            seen.add(key)
            result.append(author)
    return result


def extract_authors(
    root: HtmlElement, metadata: PageMetadata, base: str
) -> tuple[tuple[Author, ...], str | None]:
    """The page's authors and their source (``json_ld``, ``meta`` or ``dom``)."""
    byline = _byline_authors(root, base)
    authors, source = _json_ld_authors(metadata, base), "json_ld"
    if not authors:
        authors, source = _meta_authors(metadata), "meta"
    if not authors:
        authors, source = byline, "dom"
    if not authors:
        return (), None
    extras = {author.name.lower(): author for author in byline}
    for box in _author_boxes(root, base):
        known = extras.get(box.name.lower())
        extras[box.name.lower()] = _merge(known, box) if known else box
    merged = tuple(
        _merge(author, extras.get(author.name.lower())) for author in authors
    )
    return merged, source


def _merge(author: Author, extra: Author | None) -> Author:
    if extra is None:
        return author
    return author.model_copy(
        update={
            "role": author.role or extra.role,
            "bio": author.bio or extra.bio,
            "url": author.url or extra.url,
        }
    )


def _json_ld_authors(metadata: PageMetadata, base: str) -> list[Author]:
    raw = metadata.article.get("author") or metadata.article.get("creator")
    items = raw if isinstance(raw, list) else [raw]
    authors: list[Author] = []
    for item in items:
        resolved = metadata.resolve(item)
        if isinstance(resolved, str):
            authors.extend(parse_byline(resolved))
        elif isinstance(resolved, dict):
            authors.extend(_json_ld_person(resolved, base))
    return _unique(authors)


def _json_ld_person(person: dict[str, Any], base: str) -> list[Author]:
    if json_ld_types(person) & {"organization", "newsmediaorganization", "corporation"}:
        return []
    name = person.get("name")
    if not isinstance(name, str):
        return []
    found = parse_byline(name)
    if len(found) != 1:
        return found
    url = person.get("url") or person.get("sameAs")
    job = person.get("jobTitle")
    bio = person.get("description")
    return [
        found[0].model_copy(
            update={
                "url": absolute_url(url, base) if isinstance(url, str) else None,
                "role": clean_text(job) or None if isinstance(job, str) else None,
                "bio": clean_text(bio) or None if isinstance(bio, str) else None,
            }
        )
    ]


def _meta_authors(metadata: PageMetadata) -> list[Author]:
    for name in ("author", "article:author", "byl", "parsely-author", "dc.creator"):
        for value in metadata.all(name):
            if "://" in value or value.startswith("/"):
                continue
            authors = parse_byline(value)
            if authors:
                return authors
    return []


def _byline_authors(root: HtmlElement, base: str) -> list[Author]:
    linked: list[Author] = []
    for element in root.iter("a", "span", "div", "p", "address", "li"):
        rel = (element.get("rel") or "").lower()
        itemprop = (element.get("itemprop") or "").lower()
        if element.tag == "a" and "author" in rel.split():
            linked.extend(_linked_author(element, base))
        elif itemprop == "author" or sig_matches(_BYLINE_CLASS, signature(element)):
            if sig_matches(_AUTHOR_BOX, signature(element)):
                continue
            text = text_of(element)
            if 0 < len(text) <= _MAX_BYLINE_CHARS:
                found = _byline_with_links(element, text, base)
                if found:
                    return found
    return _unique(linked)


def _linked_author(anchor: HtmlElement, base: str) -> list[Author]:
    name = _BY_PREFIX.sub("", text_of(anchor))
    if not looks_like_person(name):
        return []
    return [Author(name=name, url=absolute_url(anchor.get("href"), base))]


def _byline_with_links(element: HtmlElement, text: str, base: str) -> list[Author]:
    authors = parse_byline(text)
    urls = {
        text_of(anchor).lower(): absolute_url(anchor.get("href"), base)
        for anchor in element.iter("a")
    }
    return [
        author.model_copy(update={"url": author.url or urls.get(author.name.lower())})
        for author in authors
    ]


def _author_boxes(root: HtmlElement, base: str) -> list[Author]:
    boxes: list[Author] = []
    for element in root.iter("div", "section", "aside", "footer"):
        sig = signature(element)
        if sig_matches(_AUTHOR_BOX, sig):
            author = _author_box(element, base)
            if author is not None:
                boxes.append(author)
    return boxes


def _author_box(box: HtmlElement, base: str) -> Author | None:
    name = None
    for element in box.iter("h2", "h3", "h4", "h5", "strong", "b", "a", "span"):
        candidate = _BY_PREFIX.sub("", text_of(element)).removeprefix("About ")
        if looks_like_person(candidate):
            name = candidate
            break
    if name is None:
        return None
    url = None
    name_url = None
    for anchor in box.iter("a"):
        label = text_of(anchor)
        if _PROFILE_LINK_TEXT.search(label) and url is None:
            url = absolute_url(anchor.get("href"), base)
        if label == name and name_url is None:
            name_url = absolute_url(anchor.get("href"), base)
    paragraphs = [text_of(p) for p in box.iter("p")]
    bios = [p for p in paragraphs if len(p) > len(name) + 20 and name not in p[:0]]
    bio = max(bios, key=len) if bios else None
    return Author(name=name, bio=bio, url=url or name_url)
