"""How a document names its own encoding: the Content-Type charset and the BOM; and,
when it names none that fits, the encoding its bytes look like.

Pure, so that the fetcher (``worker.net``), the HTML decoder and the feed decoder read
all three the same way. RFC 9110 §8.3 (Content-Type); Unicode §23.8 and XML 1.0
Appendix F (byte-order marks); WHATWG Encoding §4.2 (windows-1252 as the web's
default legacy encoding).
"""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

# Longest first: the UTF-32 LE mark starts with the UTF-16 LE one.
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def sniff_bom(data: bytes) -> tuple[str | None, int]:
    """``(codec, length of the mark)`` of the byte-order mark ``data`` starts with,
    or ``(None, 0)``."""
    for mark, name in BOMS:
        if data.startswith(mark):
            return name, len(mark)
    return None, 0


def mostly_utf8(data: bytes) -> str | None:
    """``data`` read as UTF-8 with U+FFFD for its invalid bytes, if it has more valid
    multi-byte characters than invalid bytes; else ``None``.

    A UTF-8 document with a few stray bytes (a Latin-1 "ñ" pasted in) is still UTF-8:
    read so, as a browser would, rather than guessed at, which would turn every "é"
    of it into "Ã©".
    """
    text = data.decode("utf-8", errors="replace")
    invalid = text.count("\ufffd")
    valid = len(text) - len(text.encode("ascii", "ignore")) - invalid
    return text if valid > invalid else None


# WHATWG HTML §13.2.3.3, the suggested default encoding for a user's locale: its
# single-byte rows (the multi-byte encodings of the CJK rows never tie with these),
# used here for the document's own language. Greek is left out: windows-1253 and
# the table's ISO 8859-7 tie on most text and differ on "Ά", so neither is a better
# guess than detection's. Every other language, and none, suggests windows-1252.
_LOCALE_ENCODINGS = {
    **dict.fromkeys(("ar", "fa"), "cp1256"),
    **dict.fromkeys(
        ("ba", "be", "bg", "kk", "ky", "mk", "ru", "sah", "sr", "tg", "tt", "uk"),
        "cp1251",
    ),
    **dict.fromkeys(("cs", "hr", "sk"), "cp1250"),
    **dict.fromkeys(("hu", "pl", "sl"), "iso8859-2"),
    **dict.fromkeys(("et", "lt", "lv"), "cp1257"),
    **dict.fromkeys(("ku", "tr"), "cp1254"),
    "he": "cp1255",
    "th": "cp874",
    "vi": "cp1258",
}
_WINDOWS_1252 = "cp1252"


def detect_encoding(data: bytes, language: str | None = None) -> str | None:
    """The Python codec name of the encoding charset_normalizer finds most likely
    for ``data``, or ``None``.

    Text with few non-ASCII bytes leaves several code pages tied (the same chaos
    and coherence: "č" in windows-1250 is "è" in windows-1252, and either reads
    plausibly). The tie goes to the encoding a browser set to the document's
    ``language`` (a BCP 47 tag, from ``<html lang>``) would assume: windows-1250
    for Czech, windows-1251 for Russian…; else to windows-1252, the web's commonest
    legacy encoding; and only then to whichever code page sorts first. A match
    stands for every code page that decodes the bytes the same way
    (``could_be_from_charset``), so those count as tied too.
    """
    matches = list(from_bytes(data))
    if not matches:
        return None
    best = matches[0]
    tied = {
        _codec_name(name)
        for match in matches
        if (match.chaos, match.coherence) == (best.chaos, best.coherence)
        for name in (match.encoding, *match.could_be_from_charset)
    }
    primary = (language or "").strip().lower().replace("_", "-").split("-")[0]
    for choice in (_LOCALE_ENCODINGS.get(primary), _WINDOWS_1252):
        if choice is not None and _codec_name(choice) in tied:
            return _codec_name(choice)
    return _codec_name(best.encoding)


def _codec_name(label: str) -> str | None:
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def parse_content_type(value: str | None) -> tuple[str, str | None]:
    """``("text/html", "utf-8")`` from ``"text/HTML; charset=UTF-8"``; ``("", None)``
    if absent."""
    if not value:
        return "", None
    media_type, _, params = value.partition(";")
    charset = None
    for param in params.split(";"):
        name, _, val = param.partition("=")
        if name.strip().lower() == "charset":
            charset = val.strip().strip("\"'").lower() or None
    return media_type.strip().lower(), charset
