"""The feed corpus: every file parses or is refused with a reason, and parse_feed
agrees with feedparser (the oracle) on entry url, id, title and published time.

The corpus (tests/fixtures/feeds/corpus/, written by its generate.py) covers each
format and version, date form and breakage of issue 4 and RELIABILITY B8. Every
difference from feedparser is listed below with its reason; the test fails when one
appears that is not listed, when a listed one disappears (the list must stay true), or
when agreement falls below 99 % of the compared entries. What is compared, and how
each side is normalised, is in bench/feeds.py (the benchmark prints the same figure).
"""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.feeds import CaseResult, agreement, compare_case, load_corpus
from schemas.enums import FailureReason, FeedKind
from worker.errors import ContentError
from worker.pipeline.feeds import parse_feed

CASES = load_corpus()
AGREEMENT_TARGET = 0.99

# Where newsfeed is right and feedparser is not.
_FEEDPARSER_WRONG = {
    ("dates/atom-broken-invalid-month.xml", "published"): (
        1,
        (
            "month 13 does not exist; feedparser rolls it over into January of the next "
            "year, newsfeed reports an unparseable date"
        ),
    ),
    ("dates/atom-iso-basic-format.xml", "published"): (
        1,
        (
            "ISO 8601 basic format 20240304T101500Z: feedparser keeps the date and drops "
            "the time"
        ),
    ),
    ("dates/broken-slashes.xml", "published"): (
        1,
        (
            "2024/03/04 10:15:00 is year-first and unambiguous; feedparser reads it as "
            "1 November"
        ),
    ),
    ("dates/rfc822-cest.xml", "published"): (
        1,
        "CEST is UTC+2; feedparser does not know the name and returns no date",
    ),
    ("dates/rfc822-gmt-offset.xml", "published"): (
        1,
        "'GMT+2' is a numeric offset; feedparser returns no date",
    ),
    ("dates/rfc822-jst.xml", "published"): (
        1,
        (
            "JST is UTC+9; feedparser ignores the unknown zone name and takes the time "
            "as UTC"
        ),
    ),
    ("entities/ampersand-in-titles.xml", "title"): (
        2,
        (
            "'AT&T' and 'Q&A': feedparser's loose parser turns the bare ampersand into an "
            "entity reference and prints 'AT&T;'"
        ),
    ),
    ("illformed/control-characters.xml", "title"): (
        1,
        (
            "U+001B is not an XML character (XML 1.0 §2.2); feedparser keeps it in the "
            "title, newsfeed drops it"
        ),
    ),
}
# Documented policy differences.
_POLICY = {
    ("dates/rfc822-military-zone.xml", "published"): (
        1,
        (
            "single-letter military zones: RFC 5322 §4.3 says to treat them as -0000 "
            "(RFC 822 defined their signs backwards); feedparser applies an offset"
        ),
    ),
    ("dates/rfc822-no-zone.xml", "published"): (
        1,
        "a time without a zone is taken as UTC (dates.py); feedparser returns no date",
    ),
    ("entities/internal-dtd-entity.xml", "title"): (
        1,
        (
            "newsfeed never expands DTD entities, internal ones included (RELIABILITY "
            "S9, B6); feedparser's expat expands the internal subset"
        ),
    ),
    ("illformed/duplicate-elements.xml", "url"): (
        1,
        (
            "an item with two <link> elements: the first one wins in newsfeed, the last "
            "one in feedparser"
        ),
    ),
    ("illformed/rss-uppercase-tags.xml", "only feedparser"): (
        1,
        (
            "XML names are case-sensitive: <ITEM> is not an RSS item to newsfeed; "
            "feedparser's loose parser lower-cases tags"
        ),
    ),
    ("illformed/unquoted-attribute.xml", "id"): (
        1,
        (
            "<guid isPermaLink=false>: libxml2's recovery drops the malformed start tag "
            "and with it the guid; feedparser's loose parser reads it"
        ),
    ),
}
EXPLAINED = {**_FEEDPARSER_WRONG, **_POLICY}

# Entries feedparser reports without an http(s) link (no <link>, javascript:, an
# empty or truncated item): newsfeed skips them by design and notes a problem.
WITHOUT_URL = {
    "illformed/empty-items.xml": 2,
    "illformed/item-without-link.xml": 3,
    "illformed/javascript-link.xml": 3,
    "truncated/atom-mid-entry.xml": 1,
    "truncated/rss-mid-item.xml": 1,
}

# The files newsfeed refuses, each with its reason; every other file parses.
REFUSED = {
    "html/comment-then-html.html": FailureReason.NOT_FEED,
    "html/empty.xml": FailureReason.UNPARSEABLE,
    "html/error-page-as-rss.xml": FailureReason.NOT_FEED,
    "html/homepage.html": FailureReason.NOT_FEED,
    "html/json-not-a-feed.json": FailureReason.NOT_FEED,
    "html/login-wall.html": FailureReason.NOT_FEED,
    "html/plain-text.txt": FailureReason.UNPARSEABLE,
    "html/svg-not-a-feed.xml": FailureReason.NOT_FEED,
    "html/xhtml-page.xml": FailureReason.NOT_FEED,
    "sitemap/corrupt.xml.gz": FailureReason.BAD_ENCODING,
    "sitemap/gzipped-html.html.gz": FailureReason.NOT_FEED,
    "truncated/json-cut.json": FailureReason.UNPARSEABLE,
}


@pytest.fixture(scope="module")
def results() -> list[CaseResult]:
    return [compare_case(case) for case in CASES]


def test_the_corpus_is_large_and_covers_every_format_and_breakage() -> None:
    groups = Counter(case.name.split("/")[0] for case in CASES)

    assert len(CASES) >= 150
    assert set(groups) >= {
        "rss20", "rss09x", "rdf", "atom10", "atom03", "json", "dates", "encoding",
        "entities", "truncated", "html", "base", "illformed", "sitemap",
    }  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_every_corpus_file_parses_or_is_refused_with_its_reason(case) -> None:
    # compare_case catches ContentError only: anything else fails here.
    result = compare_case(case)

    expected = REFUSED.get(case.name)
    assert result.error == (expected.value if expected else None)
    if expected is None:
        assert result.kind is not None


def test_parsed_corpus_files_yield_entries_or_child_sitemaps() -> None:
    for case in CASES:
        if case.name in REFUSED:
            continue
        parsed = case.parse()
        assert parsed.entries or parsed.sitemaps, case.name
        assert parsed.encoding, case.name


def test_every_difference_from_feedparser_is_explained(results) -> None:
    found = Counter(
        (result.name, field) for result in results for field, _ in result.differences
    )

    unexplained = {key: n for key, n in found.items() if key not in EXPLAINED}
    stale = {key for key in EXPLAINED if key not in found}
    miscounted = {
        key: (n, EXPLAINED[key][0])
        for key, n in found.items()
        if key in EXPLAINED and n != EXPLAINED[key][0]
    }
    assert unexplained == {}
    assert stale == set()
    assert miscounted == {}


def test_entries_without_an_http_url_are_the_listed_ones(results) -> None:
    found = {
        result.name: result.without_url for result in results if result.without_url
    }
    assert found == WITHOUT_URL


def test_agreement_with_feedparser_is_at_least_99_percent(results) -> None:
    agreeing, compared = agreement(results)

    assert compared >= 1500
    assert agreeing / compared >= AGREEMENT_TARGET


def test_feedparser_is_compared_on_every_feed_it_can_read(results) -> None:
    # JSON Feed and sitemaps are the only kinds left out (feedparser reads neither).
    skipped = {r.kind for r in results if not r.compared}
    assert skipped <= {FeedKind.JSON_FEED, FeedKind.SITEMAP, FeedKind.SITEMAP_INDEX}


_PARSEABLE = [case for case in CASES if case.name not in REFUSED]


@settings(max_examples=300, deadline=None)
@given(
    case=st.sampled_from(_PARSEABLE),
    cut=st.floats(min_value=0, max_value=1),
    junk=st.binary(max_size=12),
    where=st.floats(min_value=0, max_value=1),
)
def test_a_damaged_corpus_file_parses_or_is_refused_never_crashes(
    case, cut: float, junk: bytes, where: float
) -> None:
    # RELIABILITY B8: 0 unhandled exceptions, whatever the bytes.
    data = case.data[: int(len(case.data) * cut)]
    position = int(len(data) * where)
    damaged = data[:position] + junk + data[position:]
    reason = None
    try:
        parse_feed(damaged, url=case.url, content_type=case.content_type)
    except ContentError as exc:
        reason = exc.reason
    assert reason in {
        None,
        FailureReason.NOT_FEED,
        FailureReason.UNPARSEABLE,
        FailureReason.BAD_ENCODING,
    }
