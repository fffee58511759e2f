"""Deduplication decisions and the page identity (canonical URL, aliases)."""

from __future__ import annotations

from schemas.messages import ExtractedArticle
from worker.pipeline.dedup import (
    MIN_WORDS_FOR_TEXT_MATCH,
    KnownArticle,
    StoreAction,
    article_fingerprint,
    decide,
    page_identity,
)

LONG = " ".join(f"word{i}" for i in range(MIN_WORDS_FOR_TEXT_MATCH + 5))


def _known(article_id: int, content: str = "c1") -> KnownArticle:
    return KnownArticle(
        id=article_id, fingerprint=f"f{article_id}", content_hash=content
    )


def test_an_unknown_url_with_unknown_text_is_new() -> None:
    assert (
        decide(content_hash="c", same_url=None, same_text=None).action
        is StoreAction.NEW
    )


def test_a_known_url_with_the_same_content_is_unchanged() -> None:
    decision = decide(content_hash="c1", same_url=_known(3), same_text=_known(3))
    assert decision.action is StoreAction.UNCHANGED
    assert decision.article_id == 3


def test_a_known_url_with_new_content_is_a_revision() -> None:
    decision = decide(content_hash="c2", same_url=_known(3), same_text=None)
    assert decision.action is StoreAction.REVISE
    assert decision.article_id == 3


def test_known_text_under_a_new_url_is_a_duplicate() -> None:
    decision = decide(content_hash="c1", same_url=None, same_text=_known(7))
    assert decision.action is StoreAction.DUPLICATE
    assert decision.article_id == 7


def test_short_bodies_are_never_matched_on_text_alone() -> None:
    stub = ExtractedArticle(url="https://a.example/x", body_text="Subscribe to read.")
    assert article_fingerprint(stub, "https://a.example/x") != article_fingerprint(
        stub, "https://a.example/y"
    )
    long = ExtractedArticle(url="https://a.example/x", body_text=LONG)
    assert article_fingerprint(long, "https://a.example/x") == article_fingerprint(
        long, "https://b.example/y"
    )


def test_same_site_canonical_is_used_and_every_url_kept_as_alias() -> None:
    page = ExtractedArticle(
        url="https://news.example.com/story?id=4&utm_source=x",
        canonical_url="/stories/4",
    )
    identity = page_identity(page, requested_url="https://news.example.com/s/4")
    assert identity.canonical_url == "https://news.example.com/stories/4"
    assert identity.aliases == (
        "https://news.example.com/s/4",
        "https://news.example.com/story?id=4",
        "https://news.example.com/stories/4",
    )
    assert identity.note is None


def test_canonical_on_another_registrable_domain_is_ignored() -> None:
    page = ExtractedArticle(
        url="https://news.example.com/story",
        canonical_url="https://attacker.example.net/claimed",
    )
    identity = page_identity(page, requested_url="https://news.example.com/story")
    assert identity.canonical_url == "https://news.example.com/story"
    assert identity.note == "canonical_other_domain"
