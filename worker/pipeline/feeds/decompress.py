"""Gzip-compressed documents (``sitemap.xml.gz``), inflated with a hard size cap.

Sitemaps are commonly published gzipped as files (the sitemaps.org protocol allows
``.gz``), which is a different thing from ``Content-Encoding: gzip``: the fetcher
removes the transfer coding, and what is left may still be a gzip file. It is
recognised by its magic bytes (RFC 1952 §2.3.1: ``1f 8b``), never by the URL or the
Content-Type, and inflated in one bounded call: zlib is asked for at most one byte more
than the cap, so a decompression bomb (a few KiB that inflate to gigabytes; RELIABILITY
B4) costs at most the cap in memory before it is refused.

A stream cut short keeps what was inflated and notes it (like a truncated document);
concatenated gzip members (RFC 1952 §2.2) are all read, under the same cap. One layer
only: a gzip file inside a gzip file is left as it is and will not parse.

What this module does not do: handle ``Content-Encoding`` (``worker/net/fetcher.py``
does), deflate or brotli files, or anything that is not gzip.

Errors: past the cap, ``ContentError(reason=TOO_LARGE)``; a corrupt stream,
``ContentError(reason=BAD_ENCODING)``.

References: RFC 1952 (gzip); sitemaps.org protocol (gzip, 50 MB uncompressed);
scrapy ``scrapy/utils/_compression.py`` (the same bounded-inflation idea).
"""

from __future__ import annotations

import zlib

from schemas.enums import FailureReason
from worker.errors import ContentError

__all__ = ["DEFAULT_MAX_DECOMPRESSED_BYTES", "gunzip_capped", "is_gzip"]

GZIP_MAGIC = b"\x1f\x8b"
# sitemaps.org: a sitemap may be 50 MB uncompressed; RELIABILITY.md caps sitemaps at
# 50 MiB. A bomb inflates to at most this before it is refused.
DEFAULT_MAX_DECOMPRESSED_BYTES = 50 * 1024 * 1024
_GZIP_WBITS = 16 + zlib.MAX_WBITS  # zlib's "expect a gzip header and trailer"


def is_gzip(data: bytes) -> bool:
    """Whether ``data`` starts with the gzip magic bytes."""
    return data.startswith(GZIP_MAGIC)


def gunzip_capped(data: bytes, *, max_bytes: int) -> tuple[bytes, tuple[str, ...]]:
    """``data`` inflated, and what was wrong with the stream (if anything).

    Raises:
        ContentError: ``too_large`` past ``max_bytes``; ``bad_encoding`` if corrupt.
    """
    parts: list[bytes] = []
    size = 0
    remaining = data
    problems: tuple[str, ...] = ()
    while remaining:
        inflater = zlib.decompressobj(_GZIP_WBITS)
        try:
            part = inflater.decompress(remaining, max_bytes - size + 1)
        except zlib.error as exc:
            if parts:  # trailing garbage after a complete member: keep what we have
                problems = ("gzip: trailing bytes after the stream ignored",)
                break
            raise ContentError(
                "corrupt gzip stream", reason=FailureReason.BAD_ENCODING
            ) from exc
        size += len(part)
        if size > max_bytes:
            raise ContentError(
                f"gzip body inflates past {max_bytes} bytes",
                reason=FailureReason.TOO_LARGE,
            )
        parts.append(part)
        if not inflater.eof:
            problems = ("gzip: stream truncated",)
            break
        remaining = inflater.unused_data
    return b"".join(parts), problems
