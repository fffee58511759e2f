"""Content fingerprints: is this the same story, and has this article changed?

Two different questions, two functions:

* :func:`body_fingerprint` answers "is this the same text?" across URLs (syndication,
  AMP and print versions, tracking-parameter variants). It hashes the body after a
  normalisation that forgets what layout and typography change and words do not:
  Unicode NFKC (ligatures, full-width forms, non-breaking spaces), case folding, and
  every run of punctuation and whitespace reduced to one separator. So "Don’t  PANIC!"
  and "don't panic" have the same fingerprint.
* :func:`content_hash` answers "is this a new revision of a known article?". It covers
  the fields a correction changes: headline, standfirst, body text, author names,
  the updated time and the lead image URL. Whitespace runs in the text fields are
  collapsed (a re-rendered template is not a revision), but punctuation and case are
  kept (a corrected figure or name is).

What this module does not do: near-duplicate detection (simhash/minhash), or deciding
new/changed/unchanged against stored state; that is ``dedup.py``.

Both are BLAKE2b digests (RFC 7693) of UTF-8 text, stable across processes and Python
versions; the built-in ``hash()`` is salted per process and never used.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata

from schemas.messages import ExtractedArticle

# 16 bytes = 32 hex characters: collisions are negligible at crawl scale (2**64 items
# before a birthday collision is likely) and the value fits an indexed column cheaply.
_DIGEST_SIZE = 16

# Bump when the content_hash recipe changes, so old and new hashes never compare equal
# by accident of layout.
_CONTENT_HASH_VERSION = 1

_WORD = re.compile(r"[^\W_]+")


def _normalised_words(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    # NFKC again: case folding can produce sequences that are not NFKC-normal.
    folded = unicodedata.normalize("NFKC", folded)
    return " ".join(_WORD.findall(folded))


def body_fingerprint(text: str) -> str:
    """32 hex characters identifying the words of ``text``, ignoring layout and case."""
    normalised = _normalised_words(text).encode("utf-8")
    return hashlib.blake2b(normalised, digest_size=_DIGEST_SIZE).hexdigest()


def _collapsed(text: str | None) -> str | None:
    if text is None:
        return None
    return " ".join(unicodedata.normalize("NFC", text).split())


def content_hash(article: ExtractedArticle) -> str:
    """A hex digest that changes exactly when the article has a new revision.

    Covers headline, standfirst, body text, author names (in order), ``updated_at``
    and the lead image URL; whitespace runs in text are collapsed first.
    """
    updated = article.updated_at
    payload = {
        "v": _CONTENT_HASH_VERSION,
        "headline": _collapsed(article.headline),
        "standfirst": _collapsed(article.standfirst),
        "body": _collapsed(article.body_text),
        "authors": [_collapsed(author.name) for author in article.authors],
        "updated_at": None if updated is None else updated.timestamp(),
        "lead_image": None if article.lead_image is None else article.lead_image.url,
    }
    encoded = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.blake2b(encoded, digest_size=_DIGEST_SIZE).hexdigest()
