"""Bylines, roles, organisations and author boxes."""

from __future__ import annotations

import pytest

from schemas.messages import Author
from worker.pipeline.extract import extract_article
from worker.pipeline.extract.bylines import looks_like_person, parse_byline


def test_byline_with_two_names_gives_two_authors():
    assert parse_byline("By Jane Doe and John Roe") == [
        Author(name="Jane Doe"),
        Author(name="John Roe"),
    ]


def test_role_after_a_comma_belongs_to_the_author_before_it():
    assert parse_byline("Jane Doe, Head of North America desk") == [
        Author(name="Jane Doe", role="Head of North America desk")
    ]


def test_several_authors_with_roles_are_separated():
    authors = parse_byline(
        "By Jane Doe, Senior Political Correspondent; Ana de la Cruz, Data editor"
    )

    assert authors == [
        Author(name="Jane Doe", role="Senior Political Correspondent"),
        Author(name="Ana de la Cruz", role="Data editor"),
    ]


def test_timestamp_after_the_names_is_not_part_of_the_byline():
    assert parse_byline("By Jane Doe Updated March 5, 2024 10:00 EST") == [
        Author(name="Jane Doe")
    ]


@pytest.mark.parametrize(
    "text",
    ["Associated Press", "Newswire Staff", "AFP", "Updated Tuesday", "March 5, 2024"],
)
def test_organisations_and_dates_are_not_people(text):
    assert not looks_like_person(text)
    assert parse_byline(f"By {text}") == []


@pytest.mark.parametrize(
    "name",
    ["EJ Antoni", "JR Raphael", "George T. Conway III", "Martin Luther King Jr."],
)
def test_initials_and_name_suffixes_are_people(name):
    assert looks_like_person(name)
    # A byline loses its closing full stop: "Jr." is read as "Jr".
    assert parse_byline(f"By {name}")[0].name == name.rstrip(".")


@pytest.mark.parametrize("text", ["AP News", "BBC Sport", "EJ"])
def test_acronyms_are_still_not_people(text):
    assert not looks_like_person(text)


@pytest.mark.parametrize(
    "byline",
    ["By Jane DoePublished: December 19, 2023", "By Jane Doe•Published Dec. 19"],
)
def test_a_status_glued_to_the_name_is_not_part_of_it(byline):
    assert [author.name for author in parse_byline(byline)] == ["Jane Doe"]


def test_organisation_author_in_json_ld_is_skipped():
    html = """<html><head><script type="application/ld+json">
    {"@type": "NewsArticle", "headline": "H", "author": [
      {"@type": "Organization", "name": "Harbour Times"},
      {"@type": "Person", "name": "Jane Doe", "jobTitle": "Reporter"}]}
    </script></head><body><p>Text.</p></body></html>"""

    article = extract_article(html, url="https://news.example/s")

    assert article.authors == (Author(name="Jane Doe", role="Reporter"),)
    assert article.field_sources["authors"] == "json_ld"


def test_author_box_adds_bio_and_profile_link():
    html = """<html><body><div class="byline">By Jane Doe</div>
    <div class="author-bio"><h4>Jane Doe</h4>
    <p>Jane Doe writes about harbours, ferries and the people who run them.</p>
    <a href="/people/jane-doe">Read more</a></div></body></html>"""

    article = extract_article(html, url="https://news.example/s")

    assert article.authors == (
        Author(
            name="Jane Doe",
            bio="Jane Doe writes about harbours, ferries and the people who run them.",
            url="https://news.example/people/jane-doe",
        ),
    )


def test_links_to_author_profiles_name_the_authors_when_nothing_else_does():
    html = (
        "<html><body><article><ul><li><span>By</span> "
        '<a href="/content/author/jane-doe">Jane Doe</a> and '
        '<a href="/content/author/john-roe">John Roe</a></li></ul>'
        "<p>Text of the story.</p>"
        '<aside><a href="/author/ann-lee">Ann Lee</a></aside></article></body></html>'
    )

    article = extract_article(html, url="https://n.example/s")

    assert [author.name for author in article.authors] == ["Jane Doe", "John Roe"]
    assert article.authors[0].url == "https://n.example/content/author/jane-doe"
