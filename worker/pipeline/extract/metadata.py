"""Read the metadata a page declares: JSON-LD, OpenGraph and ``<meta>`` tags.

One pass over ``<head>``-style elements (``script[type=application/ld+json]``,
``meta``, ``link[rel=canonical]``, ``html[lang]``) collects everything the field
extractors need, so the rest of the extractor never re-scans the tree for them.

JSON-LD: every block is parsed; lists and ``@graph`` are flattened, and the first
object whose ``@type`` is an article type (schema.org NewsArticle and its relatives)
becomes :attr:`PageMetadata.article`. Objects with an ``@id`` are indexed so that
``"author": {"@id": ...}`` references resolve. Broken JSON is skipped, never fatal.

What this module does not do: choose between sources (the field modules do), or read
the visible page.

References: schema.org NewsArticle, Article, Person, ImageObject; JSON-LD 1.1 §4.9
(``@graph``); The Open Graph protocol (ogp.me) incl. the ``article:`` namespace.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from typing import Any

from worker.pipeline.extract.dom import HtmlElement, absolute_url, clean_text

ARTICLE_TYPES = frozenset(
    {
        "article",
        "newsarticle",
        "reportagenewsarticle",
        "analysisnewsarticle",
        "opinionnewsarticle",
        "backgroundnewsarticle",
        "reviewnewsarticle",
        "askpublicnewsarticle",
        "blogposting",
        "liveblogposting",
        "socialmediaposting",
        "techarticle",
        "report",
        "satiricalarticle",
    }
)
# A JSON-LD block bigger than this is not metadata (some pages inline whole catalogues);
# parsing it would cost more than the page.
_MAX_JSON_LD_CHARS = 2_000_000


@dataclass
class PageMetadata:
    """What the page declares about itself, before looking at the visible text."""

    article: dict[str, Any] = field(default_factory=dict)
    objects_by_id: dict[str, dict[str, Any]] = field(default_factory=dict)
    meta: dict[str, list[str]] = field(default_factory=dict)
    canonical_url: str | None = None
    html_lang: str | None = None

    def first(self, *names: str) -> str | None:
        """The first non-empty content among ``<meta>`` names/properties, in order."""
        for name in names:
            for value in self.meta.get(name, ()):
                if value:
                    return value
        return None

    def all(self, name: str) -> list[str]:
        return [value for value in self.meta.get(name, ()) if value]

    def resolve(self, value: Any) -> Any:
        """Follow a JSON-LD ``{"@id": ...}`` reference when the page defines it."""
        if isinstance(value, dict) and set(value) <= {"@id", "@type"}:
            return self.objects_by_id.get(str(value.get("@id")), value)
        return value


def read_metadata(root: HtmlElement, base: str) -> PageMetadata:
    """Collect JSON-LD, ``<meta>``, canonical link and ``<html lang>`` from the tree."""
    metadata = PageMetadata(html_lang=clean_text(root.get("lang")) or None)
    objects: list[dict[str, Any]] = []
    for element in root.iter("script", "meta", "link"):
        tag = element.tag
        if tag == "script":
            if "ld+json" in (element.get("type") or "").lower():
                objects.extend(_json_ld_objects(element.text or ""))
        elif tag == "meta":
            _add_meta(metadata.meta, element)
        elif (
            metadata.canonical_url is None
            and "canonical" in (element.get("rel") or "").lower().split()
        ):
            metadata.canonical_url = absolute_url(element.get("href"), base)
    for obj in objects:
        ident = obj.get("@id")
        if isinstance(ident, str):
            metadata.objects_by_id.setdefault(ident, obj)
    metadata.article = _pick_article(objects)
    return metadata


def _add_meta(meta: dict[str, list[str]], element: HtmlElement) -> None:
    key = element.get("property") or element.get("name") or element.get("itemprop")
    if not key:
        equiv = element.get("http-equiv")
        if not equiv:
            return
        key = equiv
    content = element.get("content")
    if content is None:
        return
    meta.setdefault(key.strip().lower(), []).append(clean_text(content))


def _json_ld_objects(text: str) -> list[dict[str, Any]]:
    text = text.strip()
    if not text or len(text) > _MAX_JSON_LD_CHARS:
        return []
    if text.startswith("<!--"):
        text = text.removeprefix("<!--").removesuffix("-->")
    try:
        data = json.loads(text, strict=False)
    except (ValueError, RecursionError):
        return []
    return _flatten(data)


def _flatten(data: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    pending = [data]
    while pending and len(found) < 200:  # noqa: PLR2004 - bound hostile inputs
        item = pending.pop(0)
        if isinstance(item, list):
            pending[:0] = item
        elif isinstance(item, dict):
            found.append(item)
            graph = item.get("@graph")
            if graph is not None:
                pending.append(graph)
            main = item.get("mainEntity")
            if isinstance(main, dict):
                pending.append(main)
    return found


def json_ld_types(obj: dict[str, Any]) -> set[str]:
    """The lower-case local names of an object's ``@type`` (a string or a list)."""
    raw = obj.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    return {
        str(value).rsplit("/", 1)[-1].lower() for value in values if value is not None
    }


def _pick_article(objects: list[dict[str, Any]]) -> dict[str, Any]:
    articles = [obj for obj in objects if json_ld_types(obj) & ARTICLE_TYPES]
    if not articles:
        return {}
    with_body = [obj for obj in articles if obj.get("articleBody")]
    with_headline = [obj for obj in articles if obj.get("headline")]
    return (with_body or with_headline or articles)[0]


def json_ld_text(value: Any) -> str | None:
    """A JSON-LD value as clean text: a string, the first of a list, ``@value``."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("@value") or value.get("name")
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        text = str(value)
        # Many CMSs HTML-escape strings before writing them into JSON-LD.
        return clean_text(html.unescape(text) if "&" in text else text) or None
    return None
