"""The character encoding of a feed or sitemap document, and its bytes as UTF-8.

:func:`decode_document` decides how the bytes are to be read and returns them as UTF-8,
which is what the XML and JSON parsers are then told to read, whatever the document
declares. The cascade, first match wins:

1. **a byte order mark** (UTF-8, UTF-16 and UTF-32, LE and BE). It is authoritative:
   it beats both the HTTP charset and the XML declaration (RFC 7303 §3.2, XML 1.0
   Appendix F); a contradiction is noted.
2. **the HTTP charset** (``Content-Type: …; charset=``). RFC 7303 §3.2 and feedparser
   rank it above the XML declaration, and so do we, with one exception: when the
   declaration says UTF-8 and the bytes are valid UTF-8 with multi-byte sequences,
   the declaration wins. Valid multi-byte UTF-8 is almost never an accident, while a
   header charset is often a server default (``ISO-8859-1``) the author never chose;
   reading such a feed as Latin-1 would turn every "é" into "Ã©".
3. **the XML declaration** (``<?xml … encoding="…"?>``), read in the byte family the
   first four bytes show (XML 1.0 Appendix F), so UTF-16 without a BOM is found too.
4. **UTF-8**, XML's default (XML 1.0 §4.3.3) and JSON's (RFC 8259 §8.1).

A candidate is taken only if it decodes the bytes strictly *and* the text then starts
like a document (``<``, ``{`` or ``[`` after whitespace); a UTF-16 header on an ASCII
document decodes without error into nonsense, and this check catches it. When no
candidate decodes the bytes:

5. **mostly UTF-8**: more valid multi-byte characters than invalid bytes means a UTF-8
   document with a few stray bytes; it is read as UTF-8 with U+FFFD for the strays, as
   a browser would, rather than guessed at;
6. **detection** with charset-normalizer; when several Latin code pages tie (short
   texts), windows-1252 is chosen, the web's commonest legacy encoding;
7. else the first plausible candidate, with U+FFFD for the invalid bytes.

Every such decision is a short stable phrase in ``problems`` ("encoding: not valid
utf-8", "encoding: detected cp1252", "encoding: header charset 'x' contradicts
declaration 'y'", "encoding: BOM (utf-8) overrides declaration 'x'"). Labels are mapped
as browsers do where it matters: ISO-8859-1/Latin-1 is read as windows-1252 (WHATWG
Encoding), whose printable characters in 0x80-0x9F are what such feeds mean.

What this module does not do: parse anything, guess from the Content-Type alone (a
``text/*`` type without a charset is not taken to mean US-ASCII, as RFC 3023 once
said; RFC 7303 dropped that rule), or decompress (see ``decompress.py``).

References: RFC 7303 §3 (XML media types and charsets); XML 1.0 (5th ed.) §4.3.3 and
Appendix F; RFC 8259 §8.1; WHATWG Encoding §4.2 (labels); feedparser
``encodings.convert_to_utf8``.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from worker.pipeline.content_type import detect_encoding, mostly_utf8, sniff_bom

__all__ = ["Decoded", "decode_document"]

# XML 1.0 Appendix F: "<?" (or "<" and a name) in each family, without a BOM.
_FAMILIES = (
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00?\x00", "utf-16-le"),
    (b"\x00<\x00?", "utf-16-be"),
)
_DECLARED = re.compile(r"^\s*<\?xml[^>]*?\bencoding\s*=\s*[\"']([A-Za-z0-9._:-]+)")
_CHARSET_PARAM = re.compile(
    r";\s*charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.IGNORECASE
)
# WHATWG Encoding: these labels mean windows-1252, a superset in printable characters.
_AS_WINDOWS_1252 = frozenset({"latin-1", "iso8859-1", "cp819"})
_BARE_FAMILIES = frozenset({"utf-16", "utf-32"})
_DOCUMENT_START = frozenset("<{[")
_HEAD = 1024  # the XML declaration must be at the very start (XML 1.0 §2.8)


@dataclass(frozen=True)
class Decoded:
    """A document re-encoded as UTF-8, the encoding it was read in and what was odd."""

    utf8: bytes
    encoding: str
    problems: tuple[str, ...]


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return "cp1252" if name in _AS_WINDOWS_1252 else name


def _same_family(codec: str, bom: str) -> bool:
    # "utf-16" declared under a UTF-16 LE BOM agrees with it.
    return bom.startswith(codec.removesuffix("-le").removesuffix("-be"))


def _declared_label(data: bytes) -> str | None:
    family = next((name for head, name in _FAMILIES if data.startswith(head)), None)
    head = data[: _HEAD * 4] if family else data[:_HEAD]
    text = head.decode(family or "latin-1", errors="replace")
    match = _DECLARED.match(text)
    return match.group(1) if match else None


def _header_label(content_type: str | None) -> str | None:
    match = _CHARSET_PARAM.search(content_type or "")
    return match.group(1) if match else None


def _decodes(data: bytes, codec: str) -> str | None:
    try:
        text = data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None
    start = text[:_HEAD].lstrip(" \t\r\n\ufeff")[:1]
    return text if start in _DOCUMENT_START else None


def _is_multibyte_utf8(data: bytes) -> bool:
    return not data.isascii() and _decodes(data, "utf-8") is not None


def _detected(data: bytes) -> str | None:
    return _codec(detect_encoding(data))


def _candidates(
    body: bytes, header: str | None, declared: str | None, problems: list[str]
) -> list[str]:
    """The codecs to try, in cascade order, BOM excluded."""
    family = next((name for head, name in _FAMILIES if body.startswith(head)), None)
    header_codec, declared_codec = _codec(header), _codec(declared)
    if family:  # "utf-16" without a BOM: the byte pattern says which end is first
        header_codec = family if header_codec in _BARE_FAMILIES else header_codec
        declared_codec = family if declared_codec in _BARE_FAMILIES else declared_codec
    if header and header_codec is None:
        problems.append(f"encoding: unknown header charset {header!r}")
    if declared and declared_codec is None:
        problems.append(f"encoding: unknown declared encoding {declared!r}")
    if header_codec and declared_codec and header_codec != declared_codec:
        problems.append(
            f"encoding: header charset {header!r} contradicts declaration {declared!r}"
        )
        if declared_codec == "utf-8" and _is_multibyte_utf8(body):
            header_codec = None  # see the module docstring: valid UTF-8 wins
    ordered = (header_codec, declared_codec, family, "utf-8")
    return list(dict.fromkeys(codec for codec in ordered if codec))


def decode_document(data: bytes, *, content_type: str | None = None) -> Decoded:
    """``data`` as UTF-8 bytes, read by the cascade in the module docstring."""
    problems: list[str] = []
    bom, skip = sniff_bom(data)
    body = data[skip:]
    header, declared = _header_label(content_type), _declared_label(body)
    if bom is not None:
        for label, where in ((header, "header charset"), (declared, "declaration")):
            codec = _codec(label)
            if codec and not _same_family(codec, bom):
                problems.append(f"encoding: BOM ({bom}) overrides {where} {label!r}")
        candidates = [bom]
    else:
        candidates = _candidates(body, header, declared, problems)
    for tried, codec in enumerate(candidates):
        text = _decodes(body, codec)
        if text is not None:
            problems.extend(f"encoding: not valid {c}" for c in candidates[:tried])
            return Decoded(
                body if codec == "utf-8" else text.encode("utf-8"),
                codec,
                tuple(problems),
            )
    problems.extend(f"encoding: not valid {codec}" for codec in candidates)
    if bom is None or bom == "utf-8":
        text = mostly_utf8(body)
        if text is not None:
            problems.append("encoding: invalid utf-8 bytes replaced")
            return Decoded(text.encode("utf-8"), "utf-8", tuple(problems))
    detected = None if bom else _detected(body)
    if detected and (text := _decodes(body, detected)):
        problems.append(f"encoding: detected {detected}")
        return Decoded(text.encode("utf-8"), detected, tuple(problems))
    codec, text = _replacing(body, candidates)
    problems.append(f"encoding: invalid {codec} bytes replaced")
    return Decoded(text.encode("utf-8"), codec, tuple(problems))


def _replacing(body: bytes, codecs_: list[str]) -> tuple[str, str]:
    # The first candidate whose lossy reading starts like a document, else the first.
    readings = [(codec, body.decode(codec, errors="replace")) for codec in codecs_[:4]]
    for codec, text in readings:
        if text[:_HEAD].lstrip(" \t\r\n\ufeff")[:1] in _DOCUMENT_START:
            return codec, text
    return readings[0]
