"""How a document names its own encoding: the Content-Type charset and the BOM.

Pure, so that the fetcher (``worker.net``), the HTML decoder and the feed decoder read
both the same way. RFC 9110 §8.3 (Content-Type); Unicode §23.8 and XML 1.0 Appendix F
(byte-order marks).
"""

from __future__ import annotations

import codecs

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
