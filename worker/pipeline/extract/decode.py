"""Turn the bytes of an HTML page into text, following the order the web uses.

The order is the one the extractor promises its callers:

1. the ``charset`` argument (the HTTP ``Content-Type`` parameter),
2. a byte order mark,
3. a ``<meta charset>`` or ``<meta http-equiv="Content-Type">`` in the first bytes,
4. UTF-8 with replacement characters for a page that is mostly UTF-8 (more valid
   multi-byte characters than invalid bytes: a few stray bytes pasted in),
5. detection with charset_normalizer (a tie between code pages goes to the one a
   browser would assume for the page's ``<html lang>``, windows-1252 when it names
   none),
6. UTF-8 with replacement characters.

Each declared encoding (1 and 3) is tried strictly and skipped when the bytes do not
decode with it, so a page that lies about its charset falls through to detection
instead of turning into replacement characters. As in the WHATWG encoding sniffing
algorithm, a ``<meta>`` that claims UTF-16 or UTF-32 in an ASCII-compatible document is
read as UTF-8.

What this module does not do: parse HTML or guess a language. NUL characters are
removed here because libxml2 treats them as the end of the text.

References: WHATWG HTML §13.2.3 "Determining the character encoding"; WHATWG Encoding
§4.2 (labels); RFC 9110 §8.3.1 (the charset parameter).
"""

from __future__ import annotations

import codecs
import re

from worker.pipeline.content_type import detect_encoding, mostly_utf8, sniff_bom

# WHATWG's prescan looks at the first 1024 bytes; real pages put a long <head> before
# the meta often enough that a little more is worth reading. Still a bounded cost.
_PRESCAN_BYTES = 4096
# charset_normalizer reads the whole input; a 5 MB page must not cost seconds, and the
# first 64 KiB say as much about the encoding as the rest.
_DETECTION_SAMPLE_BYTES = 65536

# The document's language, which names the legacy encoding a browser would assume.
_HTML_LANG = re.compile(
    rb"""<html\b[^>]*?[\s:]lang\s*=\s*["']?([A-Za-z]{2,3})(?![A-Za-z])""", re.IGNORECASE
)
_META_CHARSET = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([a-zA-Z0-9_:.+-]+)""", re.IGNORECASE
)


def decode_html(html: bytes | str, charset: str | None = None) -> str:
    """Return the page as text, without NUL characters; never raises."""
    text = html if isinstance(html, str) else _decode_bytes(html, charset)[0]
    return text.replace("\x00", "") if "\x00" in text else text


def utf8_html(html: bytes | str, charset: str | None = None) -> bytes:
    """The page as UTF-8 bytes without NUL bytes, for the parser; never raises.

    Same decoding as :func:`decode_html`; the NUL test runs on the bytes, where it
    is a ``memchr``, instead of on a wide ``str``. Bytes that are read as UTF-8
    are passed on as they are: encoding their text again gives the same bytes, at
    a cost of a few hundred microseconds on a large page.
    """
    if isinstance(html, str):
        data = html.encode("utf-8", errors="replace")
    else:
        text, encoding = _decode_bytes(html, charset)
        data = html if encoding == "utf-8" else text.encode("utf-8", errors="replace")
    return data.replace(b"\x00", b"") if b"\x00" in data else data


def _decode_bytes(data: bytes, charset: str | None) -> tuple[str, str | None]:
    """The text, and ``"utf-8"`` when it is the strict UTF-8 reading of all of
    ``data`` (so that ``data`` is its UTF-8 form)."""
    declared = _strict_decode(data, charset)
    if declared is not None:
        return declared
    encoding, bom_length = sniff_bom(data)
    if encoding is not None:
        return data[bom_length:].decode(encoding, errors="replace"), None
    meta = _meta_charset(data[:_PRESCAN_BYTES])
    declared = _strict_decode(data, meta)
    if declared is not None:
        return declared
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    return _undeclared_text(data), None


def _undeclared_text(data: bytes) -> str:
    """Steps 4 to 6: bytes that no declaration and no strict UTF-8 reading fit."""
    text = mostly_utf8(data)
    if text is not None:
        return text
    detected = _detected_encoding(data)
    return data.decode(detected or "utf-8", errors="replace")


def _meta_charset(head: bytes) -> str | None:
    match = _META_CHARSET.search(head)
    if match is None:
        return None
    label = match.group(1).decode("ascii", errors="replace").lower()
    if label.startswith(("utf-16", "utf-32")):
        return "utf-8"
    return label


def _strict_decode(data: bytes, encoding: str | None) -> tuple[str, str | None] | None:
    if not encoding:
        return None
    try:
        codec = codecs.lookup(_python_codec(encoding)).name
        return data.decode(codec), codec
    except (LookupError, UnicodeDecodeError):
        return None


def _python_codec(label: str) -> str:
    label = label.strip().strip("\"'").lower()
    # WHATWG Encoding: these labels all mean windows-1252, which is a superset of
    # latin-1 for the bytes browsers actually see.
    if label in {"iso-8859-1", "latin1", "latin-1", "us-ascii", "ascii", "l1"}:
        return "cp1252"
    return label


def _detected_encoding(data: bytes) -> str | None:
    language = _HTML_LANG.search(data[:_PRESCAN_BYTES])
    return detect_encoding(
        data[:_DETECTION_SAMPLE_BYTES],
        language.group(1).decode("ascii") if language else None,
    )
