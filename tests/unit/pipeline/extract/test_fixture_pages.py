"""Every fixture page gives exactly its expected article (data-driven: add files).

Each ``tests/fixtures/pages/<layout>/<case>.html`` has a hand-checked
``<case>.expected.json`` holding the whole ``ExtractedArticle``; the page is
extracted from ``expected["url"]`` and compared field by field.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from schemas.messages import ExtractedArticle
from worker.pipeline.extract import extract_article

PAGES = Path(__file__).parents[3] / "fixtures" / "pages"
CASES = sorted(PAGES.glob("*/*.html"))


def test_there_is_a_fixture_page_for_each_required_layout():
    layouts = {page.parent.name for page in CASES}
    assert len(layouts) >= 15
    assert all(page.with_name(f"{page.stem}.expected.json").exists() for page in CASES)


@pytest.mark.parametrize(
    "page", CASES, ids=[f"{page.parent.name}/{page.stem}" for page in CASES]
)
def test_fixture_page_gives_its_expected_article(page: Path):
    expected = ExtractedArticle.model_validate(
        json.loads(page.with_name(f"{page.stem}.expected.json").read_text("utf-8"))
    )

    article = extract_article(page.read_bytes(), url=expected.url)

    for name in ExtractedArticle.model_fields:
        assert getattr(article, name) == getattr(expected, name), name
    assert article == expected
