"""Body fingerprints ignore layout and case; content hashes change per revision."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.messages import Author, ExtractedArticle, LeadImage
from worker.pipeline.fingerprint import body_fingerprint, content_hash

ARTICLE = ExtractedArticle(
    url="https://a.example/story",
    headline="Council approves budget",
    standfirst="A long night at the town hall.",
    authors=(Author(name="Jo Bloggs"), Author(name="Sam Smith")),
    updated_at=datetime(2024, 3, 1, 12, 0, tzinfo=UTC),
    body_text="The council met.\n\nIt voted 5 to 4.",
    lead_image=LeadImage(url="https://a.example/img.jpg", caption="The hall"),
)


def test_a_body_fingerprint_is_32_hex_characters() -> None:
    fingerprint = body_fingerprint("Hello world")
    assert len(fingerprint) == 32
    int(fingerprint, 16)


def test_a_body_fingerprint_is_stable_across_runs() -> None:
    # A fixed value: a change here means every stored fingerprint changes meaning.
    assert body_fingerprint("Hello, world!") == body_fingerprint("hello world")
    assert body_fingerprint("Hello, world!") == "e9a804b2e527fd3601d2ffc0bb023cd6"


@pytest.mark.parametrize(
    "variant",
    [
        "don't  panic!\n\nIt's fine.",
        "DON’T PANIC — it’s FINE",
        "  Don\u2019t\tpanic. It\u2019s fine...  ",
        "Ｄｏｎ’ｔ ｐａｎｉｃ. Ｉｔ’ｓ ｆｉｎｅ.",  # full-width forms (NFKC)
        "Don't\u00a0panic.\u2003It's fine.",  # non-breaking and em spaces
    ],
)
def test_a_body_fingerprint_ignores_layout_quotes_and_case(variant: str) -> None:
    assert body_fingerprint(variant) == body_fingerprint("Don't panic. It's fine.")


def test_a_body_fingerprint_changes_when_the_words_change() -> None:
    assert body_fingerprint("It voted 5 to 4.") != body_fingerprint("It voted 4 to 5.")
    assert body_fingerprint("1.5 million") != body_fingerprint("15 million")


_WORDS = st.lists(
    st.text(st.characters(whitelist_categories=("Ll", "Lu", "Nd")), min_size=1),
    min_size=1,
    max_size=20,
)
_GAPS = st.lists(
    st.text(" \t\n\r\u00a0.,;:!?\"'“”‘’()-–—", min_size=1, max_size=4),
    min_size=20,
    max_size=20,
)


@given(_WORDS, _GAPS)
def test_whitespace_and_punctuation_between_words_do_not_change_the_fingerprint(
    words: list[str], gaps: list[str]
) -> None:
    spaced = "".join(word + gap for word, gap in zip(words, gaps, strict=False))
    assert body_fingerprint(spaced) == body_fingerprint(" ".join(words))


@given(st.text(st.characters(codec="ascii")))
def test_case_does_not_change_the_fingerprint(text: str) -> None:
    assert body_fingerprint(text.upper()) == body_fingerprint(text.lower())


def test_a_content_hash_is_stable_for_an_identical_article() -> None:
    copy = ExtractedArticle.model_validate(ARTICLE.model_dump())
    assert content_hash(copy) == content_hash(ARTICLE)


@pytest.mark.parametrize(
    "change",
    [
        {"headline": "Council rejects budget"},
        {"standfirst": None},
        {"body_text": "The council met.\n\nIt voted 4 to 5."},
        {"authors": (Author(name="Jo Bloggs"),)},
        {"authors": (Author(name="Sam Smith"), Author(name="Jo Bloggs"))},
        {"updated_at": ARTICLE.updated_at + timedelta(minutes=5)},  # type: ignore[operator]
        {"updated_at": None},
        {"lead_image": LeadImage(url="https://a.example/other.jpg")},
        {"lead_image": None},
    ],
)
def test_a_content_hash_changes_with_each_revision_field(
    change: dict[str, object],
) -> None:
    assert content_hash(ARTICLE.model_copy(update=change)) != content_hash(ARTICLE)


@pytest.mark.parametrize(
    "change",
    [
        {"body_text": "  The council   met.\n\n\nIt voted 5 to 4.\n"},
        {"url": "https://a.example/story?amp=1"},
        {"tags": ("politics",)},
        {"word_count": 999},
        {
            "lead_image": LeadImage(
                url="https://a.example/img.jpg", caption="New caption"
            )
        },
        # the same instant written in another zone
        {
            "updated_at": datetime(
                2024, 3, 1, 14, 0, tzinfo=timezone(timedelta(hours=2))
            )
        },
    ],
)
def test_a_content_hash_ignores_what_is_not_a_revision(
    change: dict[str, object],
) -> None:
    assert content_hash(ARTICLE.model_copy(update=change)) == content_hash(ARTICLE)


def test_a_content_hash_is_the_same_in_every_process() -> None:
    # Pinned: built from BLAKE2b over sorted JSON, never from Python's salted hash().
    assert content_hash(ARTICLE) == "1e9f1215213253f9978fe065209f33ab"
