"""The encoding cascade: HTTP charset, BOM, XML declaration, UTF-8, detection (B8)."""

from __future__ import annotations

import codecs

import pytest

from worker.pipeline.feeds import parse_feed
from worker.pipeline.feeds.encoding import decode_document

TITLE = "Café owners’ “fair rent” march"


def _rss(decl: str = '<?xml version="1.0"?>', title: str = TITLE) -> str:
    return (
        f'{decl}<rss version="2.0"><channel><title>T</title>'
        f"<item><title>{title}</title><link>https://a.example/1</link></item>"
        "</channel></rss>"
    )


def _title(
    data: bytes, content_type: str | None = None
) -> tuple[str | None, str | None]:
    feed = parse_feed(data, url="https://a.example/rss", content_type=content_type)
    return feed.entries[0].title, feed.encoding


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (
            codecs.BOM_UTF16_LE
            + _rss('<?xml version="1.0" encoding="utf-16"?>').encode("utf-16-le"),
            "utf-16-le",
        ),
        (
            codecs.BOM_UTF16_BE
            + _rss('<?xml version="1.0" encoding="utf-16"?>').encode("utf-16-be"),
            "utf-16-be",
        ),
        (
            _rss('<?xml version="1.0" encoding="utf-16"?>').encode("utf-16-le"),
            "utf-16-le",
        ),
        (
            _rss('<?xml version="1.0" encoding="utf-16"?>').encode("utf-16-be"),
            "utf-16-be",
        ),
        (codecs.BOM_UTF32_LE + _rss().encode("utf-32-le"), "utf-32-le"),
        (codecs.BOM_UTF8 + _rss().encode(), "utf-8"),
        (_rss().encode(), "utf-8"),
        (
            _rss('<?xml version="1.0" encoding="windows-1252"?>').encode("cp1252"),
            "cp1252",
        ),
    ],
    ids=[
        "utf16le-bom",
        "utf16be-bom",
        "utf16le-no-bom",
        "utf16be-no-bom",
        "utf32le-bom",
        "utf8-bom",
        "utf8",
        "cp1252",
    ],
)
def test_each_encoding_is_read_and_named(data: bytes, encoding: str) -> None:
    assert _title(data) == (TITLE, encoding)


def test_a_bom_beats_a_contradicting_declaration_and_says_so() -> None:
    data = (
        codecs.BOM_UTF8 + _rss('<?xml version="1.0" encoding="ISO-8859-1"?>').encode()
    )

    feed = parse_feed(data, url="https://a.example/rss")

    assert (feed.entries[0].title, feed.encoding) == (TITLE, "utf-8")
    assert "encoding: BOM (utf-8) overrides declaration 'ISO-8859-1'" in feed.problems


def test_a_bom_beats_a_contradicting_header() -> None:
    data = codecs.BOM_UTF16_LE + _rss().encode("utf-16-le")
    assert _title(data, "text/xml; charset=iso-8859-1") == (TITLE, "utf-16-le")


def test_the_header_charset_beats_the_declaration() -> None:
    # RFC 7303 §3.2: the charset parameter is authoritative.
    data = _rss('<?xml version="1.0" encoding="utf-8"?>', title="Über").encode("cp1252")

    feed = parse_feed(
        data, url="https://a.example/rss", content_type="text/xml; charset=windows-1252"
    )

    assert (feed.entries[0].title, feed.encoding) == ("Über", "cp1252")
    assert (
        "encoding: header charset 'windows-1252' contradicts declaration 'utf-8'"
        in feed.problems
    )


def test_valid_utf8_declared_as_such_beats_a_latin1_header() -> None:
    # The documented exception: a server-default ISO-8859-1 header on a real UTF-8 feed.
    data = _rss('<?xml version="1.0" encoding="utf-8"?>').encode()
    assert _title(data, "text/xml; charset=ISO-8859-1") == (TITLE, "utf-8")


def test_a_header_that_does_not_decode_falls_back_to_the_declaration() -> None:
    data = _rss('<?xml version="1.0" encoding="ISO-8859-1"?>', title="Señora").encode(
        "latin-1"
    )

    feed = parse_feed(
        data,
        url="https://a.example/rss",
        content_type="application/rss+xml; charset=utf-8",
    )

    assert (feed.entries[0].title, feed.encoding) == ("Señora", "cp1252")
    assert "encoding: not valid utf-8" in feed.problems


def test_iso_8859_1_is_read_as_windows_1252_as_browsers_do() -> None:
    data = _rss('<?xml version="1.0" encoding="ISO-8859-1"?>').encode("cp1252")
    assert _title(data) == (TITLE, "cp1252")


def test_a_few_stray_bytes_in_utf8_are_replaced_not_guessed_around() -> None:
    data = _rss(title="Café – Señora").encode().replace("ñ".encode(), b"\xf1")

    feed = parse_feed(data, url="https://a.example/rss")

    assert (feed.entries[0].title, feed.encoding) == ("Café – Se\ufffdora", "utf-8")
    assert "encoding: invalid utf-8 bytes replaced" in feed.problems


def test_undeclared_latin1_is_detected() -> None:
    data = _rss(title="Crème brûlée à la française pour les élèves").encode("latin-1")

    feed = parse_feed(data, url="https://a.example/rss")

    assert feed.entries[0].title == "Crème brûlée à la française pour les élèves"
    assert feed.encoding == "cp1252"
    assert "encoding: detected cp1252" in feed.problems


@pytest.mark.parametrize(
    "content_type", ["text/xml; charset=x-no-such-thing", "text/xml; charset=utf-16"]
)
def test_an_unknown_or_impossible_header_charset_is_not_fatal(
    content_type: str,
) -> None:
    assert _title(_rss().encode(), content_type) == (TITLE, "utf-8")


def test_a_utf16_declaration_on_utf8_bytes_is_ignored() -> None:
    data = _rss('<?xml version="1.0" encoding="UTF-16"?>').encode()
    assert _title(data) == (TITLE, "utf-8")


def test_legacy_multibyte_encodings_are_read_from_the_declaration() -> None:
    data = _rss(
        '<?xml version="1.0" encoding="shift_jis"?>', title="地元のニュース"
    ).encode("shift_jis")
    assert _title(data) == ("地元のニュース", "shift_jis")


def test_a_json_feed_in_utf16_is_read() -> None:
    data = codecs.BOM_UTF16_LE + (
        '{"version": "https://jsonfeed.org/version/1.1", "items": '
        f'[{{"id": "1", "url": "https://a.example/1", "title": "{TITLE}"}}]}}'
    ).encode("utf-16-le")
    assert _title(data) == (TITLE, "utf-16-le")


def test_utf8_passes_through_unchanged() -> None:
    data = _rss().encode()
    decoded = decode_document(data)
    assert decoded.utf8 is data
    assert decoded.problems == ()
