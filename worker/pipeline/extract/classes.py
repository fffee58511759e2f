"""What class names and ids say about an element, read once per distinct string.

Every module that looks at class names (furniture, story container, link boxes,
bylines, author boxes, section labels, standfirsts, dates) uses the vocabularies
here. General web-template words only, never phrases of a particular site.

Two kinds of vocabulary:

* **pieces**: the string is cut at ``-``, ``_`` and spaces, and a word must be a
  whole piece (``nav`` matches ``main-nav`` but not ``canvas``); hyphenated entries
  match consecutive pieces (``ad-slot`` in ``top_ad_slot``);
* **substrings**: the word may sit inside a piece (``author`` in ``postauthor``,
  ``date`` in ``pubdate``), as templates glue words together; the story-container
  words are matched with ``-`` and ``_`` removed (``article__body``).

:func:`sig_bits` answers with a bit set for a class/id signature; the class and the
id are read apart and cached apart, since pages repeat the same few class strings.
Reading a new string costs one split, a few set look-ups and one regex scan, a
fraction of running each module's own pattern.

What this module does not do: look at tags or text (callers combine these bits with
the tag), or decide anything about a page.
"""

from __future__ import annotations

import re

BOILER = 1  # a boilerplate word other than a media one
BOILER_MEDIA = 2  # a media box word: gallery, video, player…
CONTENT = 4  # names the story container: article-body, entry-content…
AUTHORISH = 8  # byline, author, contributor, writer
AUTHOR_BOX = 16
SECTION = 32
STANDFIRST = 64
DATE = 128
NAV = 256
TEASER = 512
FEED = 1024
STORY_BOX = 2048  # a story-container word that only story containers use
COMMENTS = 4096  # the readers' comments, which close a story


def _words(text: str) -> list[str]:
    return text.split()


# Page furniture around a story (``prune``).
BOILERPLATE_WORDS = _words(
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
    "embed tooltip dropdown masthead header card cards "
    # Social posts quoted by the platforms' embed code (twitter-tweet,
    # instagram-media): the post, not the story.
    "tweet instagram-media"
)
MEDIA_WORDS = frozenset(_words("gallery video player inline-image audio podcast"))
# Names of the story container, matched inside the signature without - and _.
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
# The ones only a story container is named with; "prose" and "richtext" are also
# typography utilities that style any text (author bios, captions).
_STORY_BOX_WORDS = frozenset(CONTENT_WORDS) - {"prose", "richtext", "maincontent"}
_CONTENT_TRIGGERS = ("body", "content", "text", "prose")
# Boxes whose links are navigation (``links``).
_NAV_WORDS = _words(
    "nav navbar navigation menu footer header masthead share sharing social "
    "breadcrumb breadcrumbs tag tags topics keywords pagination pager toolbar "
    "subscribe newsletter login account legal copyright"
)
_COMMENT_WORDS = _words("comment comments disqus")
_SECTION_WORDS = _words(
    "section section-label sectionlabel section-name sectionname kicker category "
    "eyebrow rubric overline channel"
)
_STANDFIRST_WORDS = _words(
    "standfirst dek deck subtitle sub-headline subheadline strapline summary lede "
    "lead intro description excerpt"
)
# Substring vocabularies; a hyphen inside a word is optional.
_SUBSTRINGS = {
    AUTHORISH: "byline author contributor writer",
    AUTHOR_BOX: "author-bio author-box about-author the-author author-info "
    "author-card author-profile author-details contributor-bio",
    DATE: "date time publish posted dateline",
    TEASER: "related read-more also-read see-also teaser embed inline-promo promo "
    "card recirc more-on further-reading",
    FEED: "latest more-stories more-news feed river stream most-read most-popular "
    "popular trending recommend news-list headlines top-stories list grid "
    "collection rail",
}


def _piece_table() -> tuple[dict[str, int], dict[tuple[str, ...], int]]:
    single: dict[str, int] = {}
    compound: dict[tuple[str, ...], int] = {}
    for bit, vocabulary in (
        (BOILER, BOILERPLATE_WORDS),
        (NAV, _NAV_WORDS),
        (COMMENTS, _COMMENT_WORDS),
        (SECTION, _SECTION_WORDS),
        (STANDFIRST, _STANDFIRST_WORDS),
    ):
        for word in vocabulary:
            value = BOILER_MEDIA if bit == BOILER and word in MEDIA_WORDS else bit
            if "-" in word:
                key = tuple(word.split("-"))
                compound[key] = compound.get(key, 0) | value
            else:
                single[word] = single.get(word, 0) | value
    return single, compound


def _substring_table() -> dict[str, int]:
    literals: dict[str, int] = {}
    for bit, vocabulary in _SUBSTRINGS.items():
        for word in vocabulary.split():
            for form in {word, word.replace("-", "")}:
                literals[form] = literals.get(form, 0) | bit
    # A literal that contains another one carries its bits too ("authorbio" is
    # also "author"), as the scan below reports only the longest at a place.
    return {
        word: bits
        | _or(other_bits for other, other_bits in literals.items() if other in word)
        for word, bits in literals.items()
    }


def _or(values: object) -> int:
    result = 0
    for value in values:  # type: ignore[attr-defined]
        result |= value
    return result


_STATE_WORDS = frozenset({"with", "has", "no", "without"})
_CAMEL = re.compile(r"(?<=[a-z]{2})(?=[A-Z][a-z]{2})")  # words, not random ids
_SINGLE, _COMPOUND = _piece_table()
_COMPOUND_FIRST = frozenset(key[0] for key in _COMPOUND)
_COMPOUNDS_BY_FIRST: dict[str, list[tuple[tuple[str, ...], int]]] = {}
for _key, _value in _COMPOUND.items():
    _COMPOUNDS_BY_FIRST.setdefault(_key[0], []).append((_key, _value))
_LITERALS = _substring_table()
_SCAN = re.compile("|".join(sorted(map(re.escape, _LITERALS), key=len, reverse=True)))
# The substring words written with a hyphen ("read-more"): the only ones that span
# two pieces, looked for in the whole string.
_HYPHENATED = tuple((word, bits) for word, bits in _LITERALS.items() if "-" in word)
_HYPHENATED_FIRST = frozenset(word.split("-")[0] for word, _ in _HYPHENATED)
# The bits of every piece met so far; pages of all sites share most pieces
# ("article", "header", "col"), so these stay small.
_TOKENS: dict[str, int] = {}  # the bits of a class name
_PIECES: dict[str, int] = {}  # all the bits of a piece
_INNER: dict[str, int] = {}  # only those of words inside it
_MAX_PIECES = 65536


_PARTS: dict[str, int] = {}  # the bits of a class attribute or id, as written


def part_bits(raw: str) -> int:
    """The bits of one class attribute or one id, as written: those of its class
    names, each read once per process (utility classes such as ``flex`` or
    ``px-4`` recur on every site, whole class attributes do not)."""
    bits = _PARTS.get(raw)
    return bits if bits is not None else _read_part(raw)


def _read_part(raw: str) -> int:
    # A plain dict rather than functools.lru_cache: most strings are read once (an
    # element's unique id, a page's own class list), and the LRU bookkeeping of
    # each miss costs more than a dict (~1,000 instructions per new element
    # signature on the dev set).
    if len(_PARTS) >= _MAX_PIECES:
        _PARTS.clear()
    tokens = raw.split()
    if len(tokens) == 1:
        found = _TOKENS.get(raw)
        bits = _PARTS[raw] = found if found is not None else _token_bits(raw)
        return bits
    bits = 0
    known = _TOKENS.get
    for token in tokens:
        found = known(token)
        bits |= found if found is not None else _token_bits(token)
    _PARTS[raw] = bits
    return bits


def _token_bits(raw: str) -> int:
    """The bits of one class name.

    camelCase names are cut into words too (``imageCaption`` is ``image caption``).
    Each piece is read once per process (:func:`_read_piece`); the hyphenated words
    that span pieces (``read-more``) are looked for in the whole name.
    """
    if len(_TOKENS) >= _MAX_PIECES:
        _TOKENS.clear()
    bits = _TOKENS[raw] = _name_bits(raw)
    return bits


def _name_bits(raw: str) -> int:
    part = raw.lower()
    spaced = _CAMEL.sub(" ", raw).lower() if part != raw else part
    pieces = spaced.replace("-", " ").replace("_", " ").split()
    bits = 0
    if _STATE_WORDS.isdisjoint(pieces):
        known = _PIECES.get
        for piece in pieces:
            found = known(piece)
            bits |= found if found is not None else _read_piece(piece)
    else:
        bits = _bits_after_states(pieces)
    if not _HYPHENATED_FIRST.isdisjoint(pieces):
        for word, word_bits in _HYPHENATED:
            if word in part:
                bits |= word_bits
    if not _COMPOUND_FIRST.isdisjoint(pieces):
        bits |= _compound_bits(pieces)
    if "body" in part or "content" in part or "text" in part or "prose" in part:
        bits |= _content_bits(part.replace("-", "").replace("_", ""))
    return bits


def _bits_after_states(pieces: list[str]) -> int:
    """Pieces after "with", "has", "no", "without" ("has-sidebar",
    "ContainerWithSidebar", "no-comments") name a layout state of the box, not what
    the box is: they count only for the words inside other words."""
    bits = 0
    after_state = False
    for piece in pieces:
        if piece not in _INNER:
            _read_piece(piece)
        bits |= _INNER[piece] if after_state else _PIECES[piece]
        after_state = piece in _STATE_WORDS
    return bits


def _read_piece(piece: str) -> int:
    """The bits of one piece: as a whole word, and words inside it (``postauthor``)."""
    inner = 0
    for found in _SCAN.findall(piece):
        inner |= _LITERALS[found]
    if len(_PIECES) >= _MAX_PIECES:
        _PIECES.clear()
        _INNER.clear()
    _INNER[piece] = inner
    bits = _PIECES[piece] = _SINGLE.get(piece, 0) | inner
    return bits


def _content_bits(squeezed: str) -> int:
    bits = 0
    if any(trigger in squeezed for trigger in _CONTENT_TRIGGERS):
        for word in CONTENT_WORDS:
            if word in squeezed:
                bits |= CONTENT | (STORY_BOX if word in _STORY_BOX_WORDS else 0)
    return bits


def _compound_bits(pieces: list[str]) -> int:
    bits = 0
    for index, piece in enumerate(pieces):
        for key, value in _COMPOUNDS_BY_FIRST.get(piece, ()):
            if key == tuple(pieces[index : index + len(key)]):
                bits |= value
    return bits


def sig_bits(cls: str | None, ident: str | None) -> int:
    """The bits of an element's class and id together."""
    bits = 0
    if cls:
        found = _PARTS.get(cls)
        bits = found if found is not None else _read_part(cls)
    if ident:
        found = _PARTS.get(ident)
        bits |= found if found is not None else _read_part(ident)
    return bits


def is_boilerplate(bits: int) -> bool:
    """A boilerplate word and no story-container word."""
    return bool(bits & (BOILER | BOILER_MEDIA)) and not bits & CONTENT


def only_media(bits: int) -> bool:
    """Every boilerplate word names a media box (gallery, video…)."""
    return bool(bits & BOILER_MEDIA) and not bits & BOILER
