"""Dates are parsed into timezone-aware datetimes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from worker.pipeline.extract import extract_article
from worker.pipeline.extract.dates import parse_datetime

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
