"""Reading time, language, paywall and the other small fields."""

from __future__ import annotations

from worker.pipeline.extract import extract_article

PARAGRAPH = "<p>" + "Harbour words are counted here for the test. " * 10 + "</p>"


def _page(head: str = "", body: str = "", lang: str = "") -> str:
    return (
        f"<html{lang}><head>{head}</head><body><article>{body}</article></body></html>"
    )


def test_stated_reading_time_wins_over_the_computed_one():
    article = extract_article(
        _page(body=f"<span>4 min read</span>{PARAGRAPH}"), url="https://n.example/s"
    )

    assert article.reading_time_minutes == 4
    assert article.field_sources["reading_time_minutes"] == "text"


def test_reading_time_is_computed_from_words_when_the_page_does_not_say():
    article = extract_article(_page(body=PARAGRAPH * 6), url="https://n.example/s")

    assert article.word_count == 480
    assert article.reading_time_minutes == 3  # ceil(480 / 230)
    assert article.field_sources["reading_time_minutes"] == "computed"


def test_language_is_the_lower_case_primary_tag():
    article = extract_article(
        _page(body=PARAGRAPH, lang=' lang="PT-br"'), url="https://n.example/s"
    )

    assert article.language == "pt"


def test_json_ld_not_free_marks_the_article_paywalled():
    head = """<script type="application/ld+json">{"@type": "NewsArticle",
    "headline": "H", "isAccessibleForFree": false}</script>"""

    article = extract_article(
        _page(head=head, body=PARAGRAPH), url="https://n.example/s"
    )

    assert article.is_paywalled
    assert article.headline == "H"


def test_json_ld_article_body_is_used_when_the_dom_has_no_story():
    head = (
        '<script type="application/ld+json">{"@type": "NewsArticle", '
        '"articleBody": "' + "The story is only in the metadata. " * 10 + '"}</script>'
    )

    article = extract_article(_page(head=head), url="https://n.example/s")

    assert article.body_text.startswith("The story is only in the metadata.")
    assert article.field_sources["body_text"] == "json_ld"


def test_printed_headline_wins_over_a_search_engine_headline():
    head = '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Best tide tables 2024: top picks - Site"}</script>'
    html = f"<html><head>{head}</head><body><h1>Why the spring tides came early this year</h1><article>{PARAGRAPH}</article></body></html>"

    article = extract_article(html, url="https://n.example/s")

    assert article.headline == "Why the spring tides came early this year"
    assert article.field_sources["headline"] == "dom"


def test_json_ld_strings_are_unescaped():
    head = '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Tide &amp; time &#8216;wait&#8217;"}</script>'

    article = extract_article(
        _page(head=head, body=PARAGRAPH), url="https://n.example/s"
    )

    assert article.headline == "Tide & time \u2018wait\u2019"


def test_language_is_detected_from_the_text_when_the_page_does_not_say():
    body = (
        "<p>Le conseil a voté une hausse des tarifs pour les parkings du centre, "
        "une décision qui divise les commerçants et les habitants du quartier.</p>"
        "<p>Selon le maire, les recettes serviront à financer les lignes de bus et "
        "la rénovation des trottoirs dans les quartiers du nord de la ville.</p>"
    )

    article = extract_article(_page(body=body), url="https://n.example/s")

    assert article.language == "fr"
    assert article.field_sources["language"] == "text"


def test_the_site_name_is_taken_off_a_declared_headline():
    html = (
        '<html><head><meta property="og:site_name" content="Harbour Times">'
        '<script type="application/ld+json">{"@type": "NewsArticle", '
        '"headline": "Harbour wall repaired after storm - Harbour Times"}</script>'
        "</head><body><p>Text.</p></body></html>"
    )

    article = extract_article(html, url="https://n.example/s")

    assert article.headline == "Harbour wall repaired after storm"


def test_a_kicker_printed_in_front_of_the_headline_is_not_part_of_it():
    html = (
        '<html><head><meta property="og:title" content="Let kids be kids, again">'
        "</head><body><h1><span>Opinion</span> Let kids be kids, again</h1>"
        "<p>Text.</p></body></html>"
    )

    article = extract_article(html, url="https://n.example/s")

    assert article.headline == "Let kids be kids, again"
    assert article.field_sources["headline"] == "opengraph"
