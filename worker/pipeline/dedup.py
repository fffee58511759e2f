"""Decide what a freshly extracted page is, given what the store already knows.

Two keys identify a story: any URL that ever led to it (aliases, after
canonicalisation) and the fingerprint of its normalised body text. A page is:

* ``unchanged`` – a known URL whose content hash is the same: only last-seen moves;
* ``revise``    – a known URL whose content changed: a new revision;
* ``duplicate`` – an unknown URL whose text is already stored (syndicated copy,
  re-publish, tracking variant the canonicaliser could not see): recorded as an alias;
* ``new``       – neither.

Very short bodies (paywall stubs, "subscribe to read") are not matched on text alone:
their fingerprint includes the canonical URL, so two different stubs never merge.
This module does not look anything up; the caller passes what the store found.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from schemas.messages import ExtractedArticle
from worker.pipeline.fingerprint import body_fingerprint
from worker.pipeline.urls import canonical_url, registrable_domain

# Below this many words a body is too generic to prove two pages are one story.
MIN_WORDS_FOR_TEXT_MATCH = 40


class StoreAction(StrEnum):
    NEW = "new"
    REVISE = "revise"
    UNCHANGED = "unchanged"
    DUPLICATE = "duplicate"


class KnownArticle(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    fingerprint: str
    content_hash: str


class DedupDecision(BaseModel):
    model_config = ConfigDict(frozen=True)

    action: StoreAction
    article_id: int | None = None


def article_fingerprint(article: ExtractedArticle, canonical_url: str) -> str:
    """The text key of an article; URL-qualified when the body is too short to trust."""
    if len(article.body_text.split()) >= MIN_WORDS_FOR_TEXT_MATCH:
        return body_fingerprint(article.body_text)
    return body_fingerprint(f"{canonical_url}\n{article.body_text}")


def decide(
    *,
    content_hash: str,
    same_url: KnownArticle | None,
    same_text: KnownArticle | None,
) -> DedupDecision:
    """What to store for a page whose URL and text matched these known articles."""
    if same_url is not None:
        if same_url.content_hash == content_hash:
            return DedupDecision(action=StoreAction.UNCHANGED, article_id=same_url.id)
        if same_text is not None and same_text.id != same_url.id:
            # The page now carries another stored story's text: it became a copy.
            return DedupDecision(action=StoreAction.DUPLICATE, article_id=same_text.id)
        return DedupDecision(action=StoreAction.REVISE, article_id=same_url.id)
    if same_text is not None:
        return DedupDecision(action=StoreAction.DUPLICATE, article_id=same_text.id)
    return DedupDecision(action=StoreAction.NEW)


class PageIdentity(BaseModel):
    """The URL an article is stored under, and every URL that led to it."""

    model_config = ConfigDict(frozen=True)

    canonical_url: str
    aliases: tuple[str, ...]
    note: str | None = None  # why a declared canonical URL was not used


def page_identity(article: ExtractedArticle, *, requested_url: str) -> PageIdentity:
    """Choose the canonical URL: the page's own ``rel=canonical`` when it stays on the
    same registrable domain as the URL it was fetched from, else the fetched URL.

    A canonical link to another domain is a syndication hint or a hostile page trying
    to claim someone else's URL; it is ignored and the reason returned for the log.
    """
    try:
        fetched = canonical_url(article.url)
    except ValueError:
        fetched = requested_url
    chosen, note = fetched, None
    if article.canonical_url:
        try:
            declared = canonical_url(article.canonical_url, fetched)
        except ValueError:
            note = "canonical_not_http"
        else:
            if registrable_domain(declared) == registrable_domain(fetched):
                chosen = declared
            else:
                note = "canonical_other_domain"
    aliases = tuple(dict.fromkeys((requested_url, fetched, chosen)))
    return PageIdentity(canonical_url=chosen, aliases=aliases, note=note)
