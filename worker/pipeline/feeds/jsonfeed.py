"""JSON Feed 1.0 and 1.1 documents -> :class:`ParsedFeed`.

:func:`parse_json_feed` accepts a JSON object whose ``version`` is a jsonfeed.org URL
or that has an ``items`` list. An item's URL is ``url``, else ``external_url``; its
summary is ``summary``, else ``content_text``, else ``content_html`` made plain. Both
1.1 ``authors`` (a list) and 1.0 ``author`` (one object) are read, and an item without
authors takes the feed's. Ids that are numbers are kept as strings, as they occur in
the wild; values of the wrong JSON type are ignored.

What this module does not do: decode charsets (``encoding.py`` hands it UTF-8), or
sniff the document type (``__init__.py`` does).

Errors: bytes that are not JSON raise ``ContentError(reason=UNPARSEABLE)``; JSON that
is not a JSON Feed raises ``ContentError(reason=NOT_FEED)``.

References: JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/); JSON Feed 1.0;
RFC 8259 (JSON).
"""

from __future__ import annotations

import json
from typing import Any

from schemas.enums import FailureReason, FeedKind
from schemas.messages import FeedEntry, ParsedFeed
from worker.errors import ContentError
from worker.pipeline.feeds.common import Problems, build_entry, capped, http_url
from worker.pipeline.feeds.text import clean_text, dedupe

__all__ = ["parse_json_feed"]


def _json_str(mapping: dict[str, Any], key: str) -> str | None:
    value = mapping.get(key)
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return str(value)  # JSON Feed ids are strings, but numbers occur in the wild
    return value if isinstance(value, str) else None


def _json_authors(mapping: dict[str, Any]) -> tuple[str, ...]:
    # JSON Feed 1.1 "authors" (a list); 1.0 "author" (one object).
    raw = mapping.get("authors")
    people = raw if isinstance(raw, list) else [mapping.get("author")]
    return dedupe(
        [clean_text(_json_str(p, "name")) for p in people if isinstance(p, dict)]
    )


def _json_entry(
    item: object,
    url: str,
    feed_authors: tuple[str, ...],
    problems: Problems,
    index: int,
) -> FeedEntry | None:
    if not isinstance(item, dict):
        problems.add(f"entry {index}: not an object; skipped")
        return None
    where = f"entry {index}"
    tags = item.get("tags")
    return build_entry(
        problems,
        index,
        http_url(_json_str(item, "url"), url)
        or http_url(_json_str(item, "external_url"), url),
        id=_json_str(item, "id"),
        title=clean_text(_json_str(item, "title")),
        summary=clean_text(_json_str(item, "summary"))
        or clean_text(_json_str(item, "content_text"), is_html=False)
        or clean_text(_json_str(item, "content_html"), is_html=True),
        authors=_json_authors(item) or feed_authors,
        published=problems.date(_json_str(item, "date_published"), where),
        updated=problems.date(_json_str(item, "date_modified"), where),
        categories=dedupe(
            [clean_text(t) for t in tags if isinstance(t, str)]
            if isinstance(tags, list)
            else []
        ),
        image_url=http_url(_json_str(item, "image"), url)
        or http_url(_json_str(item, "banner_image"), url),
    )


def parse_json_feed(data: bytes, url: str, problems: Problems) -> ParsedFeed:
    """A JSON Feed 1.0 or 1.1 document as a feed (errors: see the module docstring)."""
    try:
        document = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise ContentError(
            "not parseable as JSON", reason=FailureReason.UNPARSEABLE
        ) from exc
    version = document.get("version") if isinstance(document, dict) else None
    if not isinstance(document, dict) or not (
        (isinstance(version, str) and version.startswith("https://jsonfeed.org/"))
        or isinstance(document.get("items"), list)
    ):
        raise ContentError("JSON, but not a JSON Feed", reason=FailureReason.NOT_FEED)
    raw_items = document.get("items")
    items = raw_items if isinstance(raw_items, list) else []
    feed_authors = _json_authors(document)
    entries = [
        _json_entry(item, url, feed_authors, problems, index)
        for index, item in enumerate(capped(items, problems))
    ]
    return ParsedFeed(
        kind=FeedKind.JSON_FEED,
        title=clean_text(_json_str(document, "title")),
        url=http_url(_json_str(document, "home_page_url"), url),
        language=clean_text(_json_str(document, "language"), is_html=False),
        entries=tuple(entry for entry in entries if entry is not None),
        problems=tuple(problems.items),
    )
