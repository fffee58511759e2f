"""An HTML page -> :class:`schemas.messages.ExtractedArticle`.

:func:`extract_article` orchestrates the field modules and does nothing else:

1. ``decode``: bytes to text (HTTP charset, BOM, ``<meta>``, detection, UTF-8);
2. one lxml parse; every field comes from this one tree;
3. ``metadata`` reads JSON-LD, OpenGraph and ``<meta>``; then ``index`` walks the
   ``<body>`` once and files what the field modules need (bylines, author boxes,
   section/date/standfirst labels, ``<time>`` elements, every link with the kind of
   its box, the class bits of every element), so that ``fields`` (headline,
   standfirst, section, tags, declared language…), ``dates``, ``authors``, ``media``
   and ``links`` read short lists instead of walking the tree again;
4. ``body``, which prunes the tree in place (``prune``, reusing the walk's class
   bits) and so runs last; links whose anchors
   ended up in body paragraphs become ``in_body``; a page that declares no language
   gets one detected from its body text (``languages``).

It never raises on bad input: a page that cannot be parsed gives an article with an
empty body. Bump :data:`EXTRACTOR_VERSION` whenever the output for some page changes,
so stored articles can be re-extracted.

What this package does not do: fetch, store, canonicalise or follow URLs, read the
clock or the environment.

References: schema.org NewsArticle; The Open Graph protocol; WHATWG HTML.
"""

from __future__ import annotations

from lxml import etree

from schemas.messages import Author, ExtractedArticle
from worker.pipeline.extract import authors, body, dates, fields, links, media
from worker.pipeline.extract.decode import utf8_html
from worker.pipeline.extract.dom import HtmlElement, base_url, clean_text
from worker.pipeline.extract.index import build_index
from worker.pipeline.extract.languages import detect_language
from worker.pipeline.extract.metadata import json_ld_text, read_metadata

__all__ = ["EXTRACTOR_VERSION", "body_text", "extract_article"]

EXTRACTOR_VERSION = "1.3.3"

# Comments and processing instructions are never content; dropping them at parse time
# saves a pass. libxml2 caps nesting depth (255) on its own, which keeps a page of
# 100,000 nested divs cheap.
# No id table either (collect_ids): nothing looks elements up by id, and building it
# was a twelfth of the parse.
_PARSER = etree.HTMLParser(
    encoding="utf-8",
    remove_comments=True,
    remove_pis=True,
    no_network=True,
    collect_ids=False,
)
# Read by ``read_metadata`` (JSON-LD), then dropped before any field looks at text.
_NEVER_TEXT = ("script", "style", "template", "svg")


def extract_article(
    html: bytes | str, *, url: str, charset: str | None = None
) -> ExtractedArticle:
    """Extract the article in ``html``, fetched from ``url``; never raises on bad input.

    Args:
        html: the page, as fetched (bytes) or already decoded (str).
        url: the URL the page was fetched from, after redirects.
        charset: the ``charset`` parameter of the HTTP ``Content-Type``, if any.
    """
    data = utf8_html(html, charset)
    root = _parse(data)
    if root is None:
        return ExtractedArticle(url=url)
    return _extract(root, data, url)


def body_text(html: str, url: str | None) -> str | None:
    """The body text only; the entry point ``extraction-dev/score.py`` calls."""
    return extract_article(html, url=url or "http://localhost/").body_text


def _parse(data: bytes) -> HtmlElement | None:
    if not data.strip():
        return None
    try:
        root = etree.fromstring(data, parser=_PARSER)
    except (etree.LxmlError, ValueError):
        return None
    return root if root is not None and isinstance(root.tag, str) else None


class _Fields:
    """Values and their sources, filled field by field; empty values are skipped."""

    def __init__(self) -> None:
        self.values: dict[str, object] = {}
        self.sources: dict[str, str] = {}

    def put(self, name: str, value: object, source: str | None) -> None:
        if value not in (None, "", ()) and source is not None:
            self.values[name] = value
            self.sources[name] = source


def _extract(root: HtmlElement, data: bytes, url: str) -> ExtractedArticle:
    base = base_url(root, url)
    metadata = read_metadata(root, base)
    # Script, style and vector markup are never text and hold much of a modern page's
    # characters; dropping them once, in C, makes every later text walk cheaper.
    etree.strip_elements(root, *_NEVER_TEXT, with_tail=False)
    body_element = root.find("body")
    container = body_element if body_element is not None else root
    index = build_index(container)
    out = _Fields()
    out.put("canonical_url", *fields.canonical_url(metadata, base))
    headline, headline_source = fields.headline(root, metadata)
    out.put("headline", headline, headline_source)
    out.put("standfirst", *fields.standfirst(metadata, index.standfirsts))
    out.put("section", *fields.section(metadata, index.section_labels))
    out.put("tags", *fields.tags(metadata))
    out.put("language", *fields.language(metadata))
    published, updated = dates.extract_dates(
        metadata, index.times, index.date_labels, url=url
    )
    out.put("published_at", *published)
    out.put("updated_at", *updated)
    out.put("authors", *authors.extract_authors(root, metadata, base, index))
    out.put("lead_image", *media.extract_lead_image(root, metadata, base))
    if fields.is_paywalled(metadata):
        out.put("is_paywalled", True, "json_ld")  # noqa: FBT003
    stated_minutes = fields.stated_reading_minutes(data, metadata)
    found_links = links.classify_links(index.anchors, base)
    story = body.extract_body(
        container,
        index.class_bits,
        base=base,
        headline=clean_text(headline) or None,
        json_ld_body=json_ld_text(metadata.article.get("articleBody")),
        author_names=_author_names(out),
    )
    links.mark_in_body(found_links, story.anchors)
    _put_body(out, story, stated_minutes)
    return ExtractedArticle.model_validate(
        {
            "url": url,
            "links": links.related_links(found_links),
            "field_sources": out.sources,
            **out.values,
        }
    )


def _author_names(out: _Fields) -> tuple[str, ...]:
    found = out.values.get("authors")
    if not isinstance(found, tuple):
        return ()
    return tuple(author.name for author in found if isinstance(author, Author))


def _put_body(out: _Fields, story: body.Body, stated_minutes: int | None) -> None:
    if "language" not in out.values:
        out.put("language", detect_language(story.text), "text")
    out.put("body_text", story.text, story.source)
    out.put("body_html", story.html, story.source)
    word_count = len(story.text.split())
    out.put("word_count", word_count, "computed")
    if stated_minutes is not None:
        out.put("reading_time_minutes", stated_minutes, "text")
    else:
        minutes = fields.computed_reading_minutes(word_count)
        out.put("reading_time_minutes", minutes, "computed")
