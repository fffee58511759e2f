"""Who wrote the story: names, roles, bios and profile links.

Sources, first non-empty wins for the list of names:

1. JSON-LD ``author`` (schema.org Person: ``name``, ``url``, ``jobTitle``,
   ``description``); Organization authors are not people and are skipped;
2. ``<meta name="author">`` and its aliases (``article:author`` when it is a name);
3. the visible byline: ``rel=author`` / ``itemprop=author`` links, or an element whose
   class says byline/author, else a short line starting "By"; parsed by
   ``bylines.parse_byline``.

Then every author is enriched from the page: a role printed in the byline ("Jane Doe,
Head of North America desk") and an author box (class ``author-bio``, ``about-author``
…) giving a bio and a profile link ("Read more", "All articles").

Names must look like people (``bylines.looks_like_person``), which keeps
"Associated Press" and "Updated March 5" out of ``authors``.

What this module does not do: decide which links are author links for the link list
(``links.py`` does), or look names up anywhere.

References: schema.org Person and ``author``; OpenGraph ``article:author``; HTML
``rel=author`` (WHATWG HTML §4.6.7.1).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from schemas.enums import LinkKind
from schemas.messages import Author
from worker.pipeline.extract.bylines import (
    BY_PREFIX,
    MAX_BYLINE_CHARS,
    byline_text,
    looks_like_person,
    parse_byline,
    unique_authors,
)
from worker.pipeline.extract.dom import (
    HtmlElement,
    absolute_url,
    clean_text,
    text_of,
)
from worker.pipeline.extract.links import AUTHOR_PATH
from worker.pipeline.extract.metadata import PageMetadata, json_ld_types

if TYPE_CHECKING:
    from worker.pipeline.extract.index import PageIndex

_PROFILE_LINK_TEXT = re.compile(
    r"read more|more from|all (?:articles|stories|posts)|profile|view|see all|"
    r"more by|more articles",
    re.IGNORECASE,
)


def extract_authors(
    root: HtmlElement, metadata: PageMetadata, base: str, index: PageIndex
) -> tuple[tuple[Author, ...], str | None]:
    """The page's authors and their source (``json_ld``, ``meta`` or ``dom``).

    ``index`` gives the byline and author-box elements the page walk found.
    """
    byline = _byline_authors(index.bylines, base)
    authors, source = _json_ld_authors(metadata, base), "json_ld"
    if not authors:
        authors, source = _meta_authors(metadata), "meta"
    if not authors:
        authors, source = byline or _plain_byline_authors(root, base), "dom"
    if not authors:
        authors, source = _profile_link_authors(index.anchors, base), "dom"
    if not authors:
        return (), None
    extras = {author.name.lower(): author for author in byline}
    for box in _author_boxes(index.author_boxes, base):
        known = extras.get(box.name.lower())
        extras[box.name.lower()] = _merge(known, box) if known else box
    merged = tuple(
        _merge(author, extras.get(author.name.lower())) for author in authors
    )
    return merged, source


def _profile_link_authors(
    anchors: list[tuple[HtmlElement, LinkKind | None]], base: str
) -> list[Author]:
    """The first link to an author's profile page (``/author/jane-doe``) named like a
    person, with the ones beside it (co-authors): a byline with no telling class."""
    first: HtmlElement | None = None
    found: list[Author] = []
    for anchor, _ in anchors:
        href = anchor.get("href") or ""
        if not AUTHOR_PATH.search(href):
            continue
        parent = anchor.getparent()
        if first is not None and parent is not first:
            break
        name = BY_PREFIX.sub("", text_of(anchor))
        if looks_like_person(name):
            first = parent
            found.append(Author(name=name, url=absolute_url(href, base)))
    return unique_authors(found)


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
    return unique_authors(authors)


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


def _byline_authors(bylines: list[tuple[HtmlElement, str]], base: str) -> list[Author]:
    linked: list[Author] = []
    for element, mark in bylines:
        if mark == "linked":
            linked.extend(_linked_author(element, base))
        elif mark == "byline":
            text = byline_text(element)
            if 0 < len(text) <= MAX_BYLINE_CHARS:
                found = _byline_with_links(element, text, base)
                if found:
                    return found
    return unique_authors(linked)


def _plain_byline_authors(root: HtmlElement, base: str) -> list[Author]:
    """A short unmarked line that starts with "By" (``<p>By <a>Jane Doe</a></p>``)."""
    for element in root.iter("p", "div", "span", "address"):
        if BY_PREFIX.match((element.text or "").lstrip() + " "):
            text = text_of(element)
            found = parse_byline(text) if len(text) <= MAX_BYLINE_CHARS else []
            if found:
                return _byline_with_links(element, text, base)
    return []


def _linked_author(anchor: HtmlElement, base: str) -> list[Author]:
    name = BY_PREFIX.sub("", text_of(anchor))
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


def _author_boxes(elements: list[HtmlElement], base: str) -> list[Author]:
    boxes: list[Author] = []
    for element in elements:
        author = _author_box(element, base)
        if author is not None:
            boxes.append(author)
    return boxes


def _author_box(box: HtmlElement, base: str) -> Author | None:
    name = None
    for element in box.iter("h2", "h3", "h4", "h5", "strong", "b", "a", "span"):
        candidate = BY_PREFIX.sub("", text_of(element)).removeprefix("About ")
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
