"""Lead image captions and credits."""

from __future__ import annotations

import pytest

from worker.pipeline.extract import extract_article
from worker.pipeline.extract.media import clean_credit, split_credit


def test_credit_is_split_from_caption():
    caption, credit = split_credit(
        "Protesters gather outside parliament. "
        "(Gareth Fuller/PA Images via Getty Images)"
    )

    assert caption == "Protesters gather outside parliament."
    assert credit == "Gareth Fuller/PA Images via Getty Images"


@pytest.mark.parametrize(
    ("text", "caption", "credit"),
    [
        (
            "A crowd at the quay. Photo: Ines Farrow",
            "A crowd at the quay.",
            "Ines Farrow",
        ),
        (
            "A crowd at the quay. Credit: Example Images",
            "A crowd at the quay.",
            "Example Images",
        ),
        (
            "A crowd at the quay. Photograph by Jo Bell",
            "A crowd at the quay.",
            "Jo Bell",
        ),
        ("A crowd at the quay © Jo Bell", "A crowd at the quay", "Jo Bell"),
    ],
)
def test_labelled_credits_are_split_from_caption(text, caption, credit):
    assert split_credit(text) == (caption, credit)


def test_parenthesis_that_is_not_a_credit_stays_in_the_caption():
    text = "The mayor (left) greets the ferry crew."

    assert split_credit("The mayor greets the crew (left to right)") == (
        "The mayor greets the crew (left to right)",
        None,
    )
    assert split_credit(text) == (text, None)


def test_credit_label_is_dropped_from_a_credit_element():
    assert clean_credit("Photo: Ines Farrow/Coastline") == "Ines Farrow/Coastline"
    assert clean_credit("© Jo Bell") == "Jo Bell"


def test_credit_element_inside_figcaption_is_the_credit():
    html = """<html><head><meta property="og:image" content="/a/boat-1.jpg"></head>
    <body><figure><img src="/a/boat-1.jpg?w=640" alt="A boat">
    <figcaption>The boat at dusk. <span class="credit">Jo Bell/Example</span></figcaption>
    </figure></body></html>"""

    image = extract_article(html, url="https://news.example/s").lead_image

    assert image is not None
    assert image.url == "https://news.example/a/boat-1.jpg"
    assert (image.caption, image.credit, image.alt) == (
        "The boat at dusk.",
        "Jo Bell/Example",
        "A boat",
    )
