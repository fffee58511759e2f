"""Judge a URL by its shape: a story, a section front, or a page that is never a story.

News sites name their stories with slugs (``/news/harbour-ferry-returns``), ids
(``/a/4471203``, ``?id=20411``) or date paths (``/2026/11/20/…``), and their sections
with one or two plain words (``/sport/``, ``/news/local/``). Taxonomy, account, search,
legal and file URLs are never stories, nor are pagination links (``/page/2``,
``?page=2``, "Older posts").

What this module does not do: fetch anything, or decide scope (the caller compares
registrable domains).

References: RFC 3986 §3.3 (path segments) and §3.4 (query).
"""

from __future__ import annotations

import re
from itertools import pairwise
from urllib.parse import parse_qsl, unquote, urlsplit

from worker.pipeline.extract.dom import words

STORY = 2
UNSURE = 0
SECTION = -2

# Path segments of pages that are never stories: taxonomy, people, accounts, search,
# feeds and the legal/corporate pages every site links from its footer. Exact segments
# only, so a slug that merely contains one of these words is not affected. The few
# non-English words are the common ones on European news sites.
_NOT_STORY_SEGMENTS = words(
    "tag tags topic topics category categories author authors profile profiles "
    "user users login signin sign-in logout register signup sign-up subscribe "
    "subscription subscriptions account accounts search newsletter newsletters "
    "feed feeds rss atom about about-us contact contact-us privacy privacy-policy "
    "terms terms-of-use terms-of-service cookies cookie-policy help faq jobs "
    "careers advertise advertising shop store cart checkout wp-admin wp-login "
    "sitemap impressum datenschutz kontakt autor autoren thema themen "
    "mentions-legales auteur auteurs etiqueta"
)
_FILE_EXTENSIONS = words(
    "jpg jpeg png gif webp svg avif ico bmp tif tiff pdf zip gz tgz rar 7z mp3 mp4 "
    "m4a m4v mov avi webm ogg wav xml rss atom json css js txt csv doc docx xls "
    "xlsx ppt pptx epub woff woff2 ttf"
)
_DOCUMENT_EXTENSIONS = frozenset({"html", "htm", "shtml", "php", "asp", "aspx", "jsp"})
_PAGE_PARAMS = frozenset(
    {"page", "pg", "paged", "pagenum", "offset", "start", "seite", "pagina"}
)
_ID_PARAMS = frozenset(
    {"id", "p", "story", "article", "articleid", "aid", "post", "newsid", "storyid"}
)
_DATE_PATH = re.compile(r"/(?:19|20)\d{2}/(?:0?[1-9]|1[0-2])/(?:\d{1,2}/)?[^/]+")
_LONG_NUMBER = re.compile(r"\d{5,}")
_YEAR = re.compile(r"(?:19|20)\d{2}")
_SLUG_SPLIT = re.compile(r"[-_+.~]+")
_SECTION_WORD_CHARS = 20  # "/sport/", "/wirtschaft/": sections are short words
_OPAQUE_ID_CHARS = 8  # "a1b2c3d4": shorter mixes are words like "covid19"
_PAGINATION_LABELS = words(
    "next previous prev older newer more first last next-page previous-page "
    "older-posts newer-posts older-entries newer-entries load-more show-more "
    "weiter zurück suivant précédent siguiente anterior"
)


def url_score(url: str) -> int | None:
    """How much a canonical URL looks like a story.

    Returns:
        ``STORY`` (a slug, an id or a date path), ``UNSURE``, ``SECTION`` (one or two
        plain words), or None for a page that is never a story: the home page,
        taxonomy, account, legal and file URLs, pagination.
    """
    parts = urlsplit(url)
    segments = [unquote(part).lower() for part in parts.path.split("/") if part]
    query = parse_qsl(parts.query)
    stems = [segment.rpartition(".")[0] or segment for segment in segments]
    last = segments[-1] if segments else ""
    extension = last.rpartition(".")[2] if "." in last else ""
    if _is_never_story(segments, stems, extension, query):
        return None
    if (
        (stems and _is_slug(stems[-1]))
        or any(_is_id(stem) for stem in stems)
        or _DATE_PATH.search(parts.path)
        or any(name.lower() in _ID_PARAMS and value for name, value in query)
    ):
        return STORY
    plain = all(s.isalpha() and len(s) <= _SECTION_WORD_CHARS for s in stems)
    is_document = extension in _DOCUMENT_EXTENSIONS and stems[-1] != "index"
    if plain and len(stems) <= 2 and not query and not is_document:  # noqa: PLR2004
        return SECTION  # /news/, /news/local/, /sport/index.html
    return UNSURE


def _is_never_story(
    segments: list[str],
    stems: list[str],
    extension: str,
    query: list[tuple[str, str]],
) -> bool:
    return (
        (not segments and not query)  # the home page
        or extension in _FILE_EXTENSIONS
        or bool(_NOT_STORY_SEGMENTS.intersection(stems))
        or any(a == "page" and b.isdigit() for a, b in pairwise(segments))
        or any(
            name.lower() in _PAGE_PARAMS and value.isdigit() for name, value in query
        )
    )


def _is_slug(stem: str) -> bool:
    tokens = [token for token in _SLUG_SPLIT.split(stem) if token]
    has_digit = any(char.isdigit() for char in stem)
    return len(tokens) >= 3 or (len(tokens) == 2 and has_digit)  # noqa: PLR2004


def _is_id(stem: str) -> bool:
    if _LONG_NUMBER.search(stem):
        return True
    if stem.isdigit():
        return len(stem) >= 3 and not _YEAR.fullmatch(stem)  # noqa: PLR2004
    return (
        len(stem) >= _OPAQUE_ID_CHARS
        and stem.isalnum()
        and any(char.isdigit() for char in stem)
        and any(char.isalpha() for char in stem)
    )


def is_pagination_label(text: str) -> bool:
    """True for the labels of pagination links: numbers, arrows, Next, Older posts."""
    stripped = text.strip()
    label = stripped.lower().strip("»«›‹→←<>|·. ")
    if not label:
        return bool(stripped)  # arrows only
    return label.isdigit() or "-".join(label.split()) in _PAGINATION_LABELS
