"""Hostile and broken pages return an article instead of raising."""

from __future__ import annotations

import pytest

from bench.hostile import long_story
from worker.pipeline.extract import body_text, extract_article
from worker.pipeline.extract.decode import decode_html, utf8_html
from worker.sample_site import render_page

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
    ("page", "stray", "expected"),
    [
        (
            "<p>Der Bär und die Straße, für alle Öffnungszeiten gültig.</p>",
            "für",
            "Der Bär und die Straße, f\ufffdr alle Öffnungszeiten gültig.",
        ),
        (
            '<meta charset="utf-8"><p>São Paulo e Brasília são cidades; três dias.</p>',
            "três",
            "São Paulo e Brasília são cidades; tr\ufffds dias.",
        ),
    ],
)
def test_a_utf8_page_with_a_stray_latin1_byte_stays_utf8(page, stray, expected):
    # Detection read such short pages as windows-1250 ("BĂ¤r") or Shift JIS ("Sﾃ｣o").
    data = page.encode().replace(stray.encode(), stray.encode("latin-1"))

    assert expected in decode_html(data)


def test_a_tie_between_latin_code_pages_goes_to_windows_1252():
    # Few non-ASCII bytes leave windows-1250, -1252, -1257… equally likely; "ï" is
    # 0xEF in windows-1252 and "ď" in windows-1250.
    english = "The council met again on Tuesday about the ferry timetable. " * 300
    page = f"<p>{english} The café owner called the plan “naïve”.</p>"
    data = page.replace("<p>", '<meta charset="utf-16"><p>', 1).encode("cp1252")

    assert "“naïve”" in decode_html(data)


_CROATIAN = (
    "Vlada je u četvrtak usvojila prijedlog državnog proračuna za sljedeću godinu. "
    "Ministar financija rekao je da će rashodi porasti."
)
_CZECH = (
    "Vláda ve čtvrtek schválila návrh státního rozpočtu na příští rok. Ministr "
    "financí řekl, že výdaje vzrostou o čtyři procenta, především kvůli platům."
)
_TURKISH = "Hükûmet bütçeyi kabul etti; müzakereler sürüyor, dedi sözcü."
_ENGLISH = "The council met on Tuesday. " * 40 + "The café owner said “naïve”."


@pytest.mark.parametrize(
    ("text", "lang", "codec"),
    [
        # "č" (0xE8 in windows-1250) reads as "è" in windows-1252: a tie.
        (_CROATIAN, "hr", "cp1250"),
        (_CZECH, "cs_CZ", "cp1250"),  # an underscore, as some CMSs write it
        # windows-1254 decodes these bytes as windows-1252 does but for "û", and
        # charset_normalizer files it under the windows-1252 match.
        (_TURKISH, "tr", "cp1254"),
        # A language whose encoding does not fit still falls back to windows-1252.
        (_ENGLISH, "ru", "cp1252"),
    ],
)
def test_a_tie_between_code_pages_goes_to_the_one_for_the_page_language(
    text, lang, codec
):
    page = f"<html lang='{lang}'><body><article><p>{text}</p></article></body></html>"

    assert text in decode_html(page.encode(codec))


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


def test_a_5_mb_article_page_keeps_every_paragraph():
    """RELIABILITY L6, untimed here (``python -m bench.hostile`` prints the time)."""
    story = long_story()
    page = render_page(story).encode()
    assert len(page) >= 5_000_000

    article = extract_article(page, url=URL)

    assert article.body_text.split("\n\n") == story.paragraphs
    assert article.headline == story.headline


def test_5_mb_of_prose_in_one_text_node_is_kept_whole():
    sentence = "The council met again on Tuesday to discuss the ferry timetable."
    text = " ".join([sentence] * 80_000)

    article = extract_article(f"<p>{text}</p>".encode(), url=URL)

    assert article.body_text == text
