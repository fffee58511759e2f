"""Hostile and broken pages return an article instead of raising."""

from __future__ import annotations

import pytest

from worker.pipeline.extract import body_text, extract_article
from worker.pipeline.extract.decode import decode_html, utf8_html

URL = "https://news.example/s"
STORY = "<p>" + "A sentence of the story, long enough to count. " * 5 + "</p>"


@pytest.mark.parametrize(
    "html",
    [
        b"",
        "",
        b"   \n ",
        b"\x00\x00\x00",
        b"<html><body>" + b"<div>" * 100_000 + b"deep" + b"</div>" * 100_000,
        b"<p>" + b"x" * 5_000_000 + b"</p>",
        b"<p>bad \xff\xfe\xc3\x28 utf-8 \x00 and NUL</p>",
        b'<meta charset="utf-16"><p>caf\xe9 lies about its charset</p>',
        b'<meta charset="no-such-charset"><p>text</p>',
        b"<?xml version='1.0' encoding='utf-8'?><html><body><p>x</p></body></html>",
        "<?xml version='1.0' encoding='utf-8'?><html><body><p>x</p></body></html>",
        b"<html><head><script type='application/ld+json'>{broken</script></head></html>",
        b"<<<>>><a href='http://[::1'>bad url</a>",
    ],
    ids=[
        "empty-bytes",
        "empty-str",
        "whitespace",
        "nul-bytes",
        "100k-nested-divs",
        "5mb-text-node",
        "invalid-utf8",
        "lying-meta-charset",
        "unknown-charset",
        "xml-declaration-bytes",
        "xml-declaration-str",
        "broken-json-ld",
        "broken-markup-and-url",
    ],
)
def test_hostile_page_gives_an_article_without_raising(html):
    article = extract_article(html, url=URL)

    assert article.url == URL
    assert isinstance(article.body_text, str)


def test_empty_page_has_an_empty_body():
    assert extract_article(b"", url=URL).body_text == ""
    assert body_text("", None) == ""


def test_nul_bytes_do_not_truncate_the_page():
    article = extract_article(
        b"<html><body>\x00" + STORY.encode() + b"</body></html>", url=URL
    )

    assert article.body_text.startswith("A sentence of the story")


def test_http_charset_argument_decides_the_encoding():
    assert decode_html("café".encode("cp1252"), "windows-1252") == "café"


def test_byte_order_mark_beats_meta_charset():
    data = "\ufeff<meta charset=iso-8859-1><p>café</p>".encode()

    assert decode_html(data).endswith("café</p>")


def test_meta_charset_is_used_when_there_is_no_header():
    data = '<meta charset="iso-8859-1"><p>café</p>'.encode("latin-1")

    assert decode_html(data).endswith("café</p>")


def test_lying_meta_charset_falls_back_to_what_the_bytes_are():
    data = '<meta charset="utf-8"><p>Straße und Café, gleich um die Ecke.</p>'.encode(
        "cp1252"
    )

    assert "Straße" in decode_html(data)


@pytest.mark.parametrize(
    ("data", "charset"),
    [
        ("<p>Straße, café — “quoted”</p>".encode(), None),
        ("<p>Straße, café</p>".encode(), "UTF8"),
        ('<meta charset="utf-8"><p>café</p>'.encode(), None),
        ("\ufeff<p>café</p>".encode(), "utf-8"),  # the BOM is a character then
        ("<p>café</p>".encode("cp1252"), "windows-1252"),
        ("\ufeff<p>café</p>".encode(), None),
        ("<p>café \x00 NUL</p>".encode(), None),
        (b"<p>bad \xff\xfe\xc3\x28 utf-8</p>", None),
    ],
)
def test_parser_gets_the_utf8_form_of_the_decoded_text(data, charset):
    assert utf8_html(data, charset) == decode_html(data, charset).encode()
