"""What the body keeps and what it leaves out."""

from __future__ import annotations

import json

from worker.pipeline.extract import extract_article

STORY = "".join(
    f"<p>Paragraph {n} of the story about the harbour wall is long enough to count as "
    "real text, with a comma, and a full stop at the end.</p>"
    for n in range(1, 4)
)


def _body(inner: str) -> str:
    html = f"<html><body><article><h1>Harbour wall repaired</h1>{inner}</article></body></html>"
    return extract_article(html, url="https://n.example/s").body_text or ""


def test_cards_in_a_list_are_not_body_even_with_a_long_blurb():
    cards = "".join(
        f'<li><a href="/s{n}">Another story headline that is long enough {n}</a>'
        "<p>A blurb that describes the other story in a full sentence or two, so "
        "that the card is mostly text and not mostly link.</p></li>"
        for n in range(3)
    )

    body = _body(f"{STORY}<ul>{cards}</ul>")

    assert "blurb" not in body
    assert body.count("Paragraph") == 3


def test_a_plain_list_in_the_story_is_kept():
    body = _body(f"{STORY}<ul><li>the first point,</li><li>the second point.</li></ul>")

    assert "the first point," in body


def test_story_paragraphs_hidden_until_login_are_kept():
    hidden = "".join(
        f'<div class="locked" style="display:none"><p>Hidden paragraph {n} of the '
        "story, shipped in the page with the rest of it and shown to subscribers only "
        "after they log in.</p></div>"
        for n in range(2)
    )

    body = _body(STORY + hidden)

    assert "Hidden paragraph 1" in body


def test_hidden_furniture_is_dropped():
    menu = '<div class="menu" hidden><p>' + "Menu entry " * 20 + "</p></div>"

    assert "Menu entry" not in _body(STORY + menu)


def test_headings_left_at_the_end_are_dropped():
    body = _body(f"{STORY}<h2>Most read</h2><h3>Follow us</h3>")

    assert not body.endswith(("Most read", "Follow us"))


def test_hidden_text_without_a_class_is_dropped():
    hidden = (
        '<p>A short note <span style="display: none">tracking pixel text</span></p>'
    )

    assert "tracking pixel" not in _body(STORY + hidden)


def test_a_box_of_several_stories_gives_the_first_one():
    def story(n: int) -> str:
        text = (STORY * 2).replace("harbour wall", f"story{n} wall")
        return f"<article><h2>Story {n}</h2>{text}</article>"

    stories = "".join(story(n) for n in (1, 2, 3))
    html = f"<html><body><main><div>{stories}</div></main></body></html>"

    body = extract_article(html, url="https://n.example/s").body_text or ""

    assert "story1 wall" in body
    assert "story2 wall" not in body


def test_the_author_bio_that_ends_the_story_is_dropped():
    html = (
        "<html><head><meta name='author' content='Jane Doe'></head><body><article>"
        f"{STORY}<p>Jane Doe is a senior reporter covering the coast. Follow her on X."
        "</p></article></body></html>"
    )

    body = extract_article(html, url="https://n.example/s").body_text or ""

    assert "senior reporter" not in body
    assert body.count("Paragraph") == 3


def test_photo_credits_and_advertising_labels_are_not_body():
    body = _body(
        "<p>The repaired wall seen from the pier at dawn. Credit: John Poe</p>"
        f"{STORY}<p>(Photo: Jane Roe/Agency)</p><p>Advertisement</p>"
        "<p>Article continues below this ad</p>"
    )

    assert "Jane Roe" not in body
    assert "Advertisement" not in body
    assert "seen from the pier" not in body
    assert "continues below" not in body


def test_a_short_story_inside_a_paywall_wrapper_is_kept():
    html = (
        '<html><body><article><div class="story paywall"><div class="entry-content">'
        "<p>Sixteen new officers have joined the police department, the chief said on "
        "Tuesday at a ceremony.</p></div></div>"
        '<div class="disclaimer"><p>If you purchase a product through a link we may '
        "receive compensation, and by using this site you consent to our agreement.</p>"
        "</div></article></body></html>"
    )

    body = extract_article(html, url="https://n.example/s").body_text or ""

    assert "Sixteen new officers" in body


def _with_declared_body(declared: str, visible: str) -> str:
    json_ld = json.dumps({"@type": "NewsArticle", "articleBody": declared})
    html = (
        f'<html><head><script type="application/ld+json">{json_ld}</script></head>'
        f"<body><article>{visible}</article></body></html>"
    )
    return extract_article(html, url="https://n.example/s").body_text or ""


RANKED = "".join(
    f"<p>Entry {n} of the ranking below the story, a long paragraph about one team "
    "and its week, with a comma, and a full stop.</p>"
    for n in range(1, 6)
)


def test_the_story_ends_where_its_declared_article_body_ends():
    declared = " ".join(
        f"Paragraph {n} of the story about the harbour wall is long enough to count "
        "as real text, with a comma, and a full stop at the end."
        for n in range(1, 4)
    )

    body = _with_declared_body(declared * 2, STORY * 2 + RANKED)

    assert body.count("Paragraph") == 6
    assert "Entry 1" not in body


def test_a_short_declared_teaser_does_not_end_the_story():
    teaser = "Paragraph 1 of the story about the harbour wall is long enough to count"

    body = _with_declared_body(teaser, STORY + RANKED)

    assert "Entry 5" in body


def test_short_unfinished_lines_and_contact_lines_that_end_the_body_are_dropped():
    body = _body(
        f"{STORY}<p>Reporting by Jane Roe; editing by John Poe</p>"
        "<p>Contact the reporter at jroe@n.example or on social media.</p>"
    )

    assert "Reporting by" not in body
    assert "jroe@" not in body
    assert body.count("Paragraph") == 3


def test_a_list_that_ends_the_story_is_kept():
    body = _body(f"{STORY}<ul><li>1998: Chicago</li><li>1997: Washington</li></ul>")

    assert "1997: Washington" in body


def test_embedded_social_posts_are_not_body():
    tweet = (
        '<blockquote class="twitter-tweet"><p>What a night for the harbour, everyone '
        "came out to see the new wall lit up pic.example/abc</p>&mdash; Jane Roe "
        '(@janeroe) <a href="https://social.example/janeroe/1">December 20, 2023</a>'
        "</blockquote>"
    )

    body = _body(STORY + tweet + STORY.replace("Paragraph", "Section"))

    assert "What a night" not in body
    assert body.count("Paragraph") == 3
    assert body.count("Section") == 3


def test_repeated_item_descriptions_of_a_gallery_are_the_story():
    items = "".join(
        f'<div class="gallery-item"><h3>{n}. Pier number {n}</h3>'
        f'<div class="gallery-item__deck"><p>Item {n} describes one pier of the '
        "harbour wall at length, with a comma, so that it reads as a real paragraph "
        "of the story.</p></div></div>"
        for n in range(1, 5)
    )
    html = (
        "<html><body><article><h1>Harbour wall repaired</h1>"
        '<p class="deck">The wall is open again.</p>'
        f"<section>{items}</section></article></body></html>"
    )

    body = extract_article(html, url="https://n.example/s").body_text or ""

    assert body.count("describes one pier") == 4


def test_what_follows_the_story_box_inside_the_story_is_not_body():
    html = (
        '<html><body><article><h1>Harbour wall repaired</h1><div class="byline">'
        f'By Jane Roe</div><div class="article-body">{STORY}</div>'
        "<p>If you buy something through a link on this page we may earn a "
        "commission, and by using the site you agree to its terms of use.</p>"
        "</article></body></html>"
    )

    body = extract_article(html, url="https://n.example/s").body_text or ""

    assert body.count("Paragraph") == 3
    assert "commission" not in body


def test_what_follows_the_readers_comments_is_not_body():
    html = (
        f"<html><body><div class='post'><h1>Harbour wall repaired</h1>{STORY}"
        "<section id='comments'><h2>Comments</h2><p>Great news, thanks for the "
        "report.</p></section><div>Disclaimer: all rights reserved for the writing "
        "on this site, and no credit is claimed for any of the images shown.</div>"
        "</div></body></html>"
    )

    body = extract_article(html, url="https://n.example/s").body_text or ""

    assert body.count("Paragraph") == 3
    assert "Disclaimer" not in body
    assert "Great news" not in body


def test_a_comment_link_above_the_story_does_not_end_it():
    html = (
        "<html><body><div class='post'><h1>Harbour wall repaired</h1>"
        "<div class='comment-count'><a href='#c'>12 comments</a></div>"
        f"{STORY}</div></body></html>"
    )

    body = extract_article(html, url="https://n.example/s").body_text or ""

    assert body.count("Paragraph") == 3


def test_a_sign_up_prompt_around_a_form_is_not_body():
    prompt = (
        "<div><h4>Harbour fan?</h4><p>Sign up for our weekly harbour brief for the "
        "latest news delivered right to your inbox.</p><form><input type='email'>"
        "</form><p>Thanks for signing up!</p></div>"
    )

    body = _body(STORY + prompt + STORY.replace("Paragraph", "Section"))

    assert "weekly harbour brief" not in body
    assert "Thanks for signing up" not in body
    assert body.count("Section") == 3
