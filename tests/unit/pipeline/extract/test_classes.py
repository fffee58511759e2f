"""What class names and ids say (``classes.sig_bits``)."""

from __future__ import annotations

import pytest

from worker.pipeline.extract import classes


@pytest.mark.parametrize(
    ("cls", "bit"),
    [
        ("share-bar", classes.BOILER),
        ("top_ad_slot", classes.BOILER),
        ("imageCaption", classes.BOILER),  # camelCase words are words
        ("relatedStories", classes.TEASER),
        ("read-more", classes.TEASER),
        ("c-article__body", classes.CONTENT),
        ("entry_content", classes.STORY_BOX),
        ("post-author", classes.AUTHORISH),
        ("author-bio", classes.AUTHOR_BOX),
        ("about-the-author", classes.AUTHOR_BOX),
        ("main-nav", classes.NAV),
        ("pubdate", classes.DATE),
        ("article-dek", classes.STANDFIRST),
        ("video-player", classes.BOILER_MEDIA),
    ],
)
def test_class_names_say_what_the_box_is(cls, bit):
    assert classes.sig_bits(cls, None) & bit


@pytest.mark.parametrize(
    "cls",
    [
        "canvas-wrapper",  # "nav" only as a whole word
        "ContainerWithSidebarWrapper",  # a layout state, not a sidebar
        "has-sidebar",
        "no-comments",
        "AdDsWC",  # a random id is not camelCase words
    ],
)
def test_words_inside_other_words_or_states_are_not_furniture(cls):
    assert not classes.is_boilerplate(classes.sig_bits(cls, None))


def test_typography_utilities_do_not_name_the_story_box():
    bits = classes.sig_bits("prose prose-sm", None)

    assert bits & classes.CONTENT
    assert not bits & classes.STORY_BOX
