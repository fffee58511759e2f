"""Dates are parsed into timezone-aware datetimes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from worker.pipeline.extract import extract_article
from worker.pipeline.extract.dates import parse_datetime, url_date

CET = timezone(timedelta(hours=1))
EST = timezone(timedelta(hours=-5))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-05T14:07:00+01:00", datetime(2024, 3, 5, 14, 7, tzinfo=CET)),
        ("2024-03-05T13:07:00Z", datetime(2024, 3, 5, 13, 7, tzinfo=UTC)),
        ("2024-03-05T14:07:00+0100", datetime(2024, 3, 5, 14, 7, tzinfo=CET)),
        ("2024-03-05 14:07:00", datetime(2024, 3, 5, 14, 7, tzinfo=UTC)),
        ("2024-03-05", datetime(2024, 3, 5, tzinfo=UTC)),
        ("Tue, 05 Mar 2024 13:07:00 GMT", datetime(2024, 3, 5, 13, 7, tzinfo=UTC)),
        ("March 5, 2024 2:07 PM EST", datetime(2024, 3, 5, 14, 7, tzinfo=EST)),
        ("5 March 2024", datetime(2024, 3, 5, tzinfo=UTC)),
    ],
)
def test_date_strings_become_aware_datetimes(text, expected):
    parsed = parse_datetime(text)

    assert parsed == expected
    assert parsed is not None
    assert parsed.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize("text", ["", "yesterday", "2024-13-45", "Feb 31, 2024", None])
def test_nonsense_dates_give_none(text):
    assert parse_datetime(text) is None


def test_updated_time_element_is_the_updated_date():
    html = """<html><body><p>Published <time datetime="2024-01-12T14:05:00+01:00">
    12 Jan</time>, <time class="updated" datetime="2024-01-12T18:40:00+01:00">18:40
    </time></p></body></html>"""

    article = extract_article(html, url="https://news.example/s")

    assert article.published_at == datetime(2024, 1, 12, 14, 5, tzinfo=CET)
    assert article.updated_at == datetime(2024, 1, 12, 18, 40, tzinfo=CET)
    assert article.field_sources["published_at"] == "time_element"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://n.example/2023/12/20/story-title/",
            datetime(2023, 12, 20, tzinfo=UTC),
        ),
        ("https://n.example/news/2023-08-24-title", datetime(2023, 8, 24, tzinfo=UTC)),
        ("https://n.example/2023/12/", None),  # an archive, not a day
        ("https://n.example/story/1307411-2023", None),
        ("https://n.example/2023/02/30/title", None),
    ],
)
def test_the_url_path_gives_the_published_day(url, expected):
    assert url_date(url) == expected


def test_a_page_without_any_date_takes_the_day_from_its_url():
    html = "<html><body><article><p>Text of the story.</p></article></body></html>"

    article = extract_article(html, url="https://n.example/2023/12/20/story/")

    assert article.published_at == datetime(2023, 12, 20, tzinfo=UTC)
    assert article.field_sources["published_at"] == "url"


def test_a_declared_date_wins_over_the_url():
    html = (
        '<html><head><meta property="article:published_time" '
        'content="2023-12-19T22:00:00Z"></head><body><p>Story.</p></body></html>'
    )

    article = extract_article(html, url="https://n.example/2023/12/20/story/")

    assert article.published_at == datetime(2023, 12, 19, 22, tzinfo=UTC)
