"""Read a Content-Type header into its media type and charset.

Pure, so that both the fetcher (``worker.net``) and the parsers that get the header as a
hint (listing pages, discovery) read it the same way. RFC 9110 §8.3.
"""

from __future__ import annotations


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
