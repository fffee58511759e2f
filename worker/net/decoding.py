"""Undo a response's ``Content-Encoding`` chunk by chunk, with bounded output per step.

The fetcher reads the body raw and feeds it here, so a decompression bomb never gets
the chance to expand in one call (RELIABILITY B1-B4). Every decoder emits at most about
:data:`CHUNK_SIZE` per call, whatever the compression ratio, in the manner of scrapy's
``_compression.py``:

* **gzip** (members in sequence), **deflate** (zlib-wrapped, or raw as IIS sends it)
  and, when brotli >= 1.2 offers its bounded-output API, **br**;
* layers are undone last-first (RFC 9110 8.4); more than :data:`MAX_ENCODING_LAYERS`
  are refused (CVE-2025-66418);
* trailing garbage after the outermost stream ends is ignored (B2).

:func:`read_decoded` drives the loop: it pulls raw chunks from a callable, caps the
decoded size (refusing, or truncating for robots.txt) and the raw wire bytes (the cap
plus :data:`RAW_SLACK`, against endless trailing garbage, B2).

What this module does not do: touch sockets, timeouts or the deadline (the ``read``
callable the fetcher passes does), or look at any header other than the
``Content-Encoding`` value it is given. It raises :class:`worker.errors.BadEncoding`
and :class:`worker.errors.TooLarge`; anything ``read`` raises passes through.

References: RFC 9110 8.4 (Content-Encoding), RFC 1950/1951/1952 (zlib, deflate, gzip),
RFC 7932 (brotli), CVE-2025-66418.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from worker.errors import BadEncoding, TooLarge

try:
    import brotli  # type: ignore[import-untyped]
except ImportError:  # pragma: no cover - brotli is a declared dependency
    brotli = None

__all__ = [
    "ACCEPT_ENCODING",
    "CHUNK_SIZE",
    "MAX_ENCODING_LAYERS",
    "RAW_SLACK",
    "Decoder",
    "read_decoded",
]

# One read and one decode step. Bounds the memory a single step can take: every
# decoder below emits at most about this much per call, whatever the input ratio.
CHUNK_SIZE = 64 * 1024
# urllib3 >= 2.6 allows 5 layers (CVE-2025-66418); each layer multiplies the bomb.
MAX_ENCODING_LAYERS = 5
# Compressed data is never much larger than its output, so more raw bytes than the
# decoded cap plus this slack is junk (endless trailing garbage, B2) or padding.
RAW_SLACK = 1024 * 1024
_GZIP_MAGIC = b"\x1f\x8b"
# Bomb-safe brotli needs the bounded-output API of brotli >= 1.2 (RELIABILITY S10).
_HAS_BROTLI = brotli is not None and hasattr(
    brotli.Decompressor, "can_accept_more_data"
)
ACCEPT_ENCODING = "gzip, deflate, br" if _HAS_BROTLI else "gzip, deflate"


def read_decoded(
    read: Callable[[], bytes], content_encoding: str, cap: int, *, truncate: bool
) -> tuple[bytes, int]:
    """The decoded body (at most ``cap`` bytes) and the raw bytes read for it.

    ``read`` returns the next raw chunk, ``b""`` at the end. Over ``cap`` decoded
    bytes the body is cut at ``cap`` when ``truncate``, else refused.

    Raises:
        TooLarge: the decoded body or the raw bytes exceed their caps.
        BadEncoding: unsupported, too many or corrupt content-encoding layers.
    """
    decoder = Decoder(content_encoding)
    body = bytearray()
    wire = 0
    while not decoder.finished:
        chunk = read()
        wire += len(chunk)
        if wire > cap + RAW_SLACK:
            raise TooLarge(f"more than {cap + RAW_SLACK} bytes on the wire")
        pieces = decoder.feed(chunk) if chunk else decoder.finish()
        for piece in pieces:
            body += piece
            if len(body) > cap:
                if truncate:
                    return bytes(body[:cap]), wire
                raise TooLarge(f"body larger than {cap} bytes")
        if not chunk:
            break
    return bytes(body), wire


class _Layer(Protocol):
    @property
    def finished(self) -> bool: ...

    def feed(self, data: bytes) -> Iterator[bytes]: ...

    def finish(self) -> Iterator[bytes]: ...


class Decoder:
    """Content-Encoding undone chunk by chunk, each step's output bounded (B1-B4)."""

    def __init__(self, header: str) -> None:
        codings = [c.strip().lower() for c in header.split(",")]
        codings = [c for c in codings if c and c != "identity"]
        if len(codings) > MAX_ENCODING_LAYERS:
            raise BadEncoding(f"{len(codings)} content-encoding layers")
        # Listed in the order applied, so undone last-first (RFC 9110 8.4).
        self._layers = [_layer_for(coding) for coding in reversed(codings)]

    @property
    def finished(self) -> bool:
        """The outermost stream ended: anything after it is trailing junk."""
        return bool(self._layers) and self._layers[0].finished

    def feed(self, data: bytes) -> Iterator[bytes]:
        """Decoded pieces of ``data``, each at most about :data:`CHUNK_SIZE`."""
        return _through(self._layers, data)

    def finish(self) -> Iterator[bytes]:
        """What the layers still hold once the raw stream has ended."""
        for index, layer in enumerate(self._layers):
            for tail in layer.finish():
                yield from _through(self._layers[index + 1 :], tail)


def _through(layers: list[_Layer], data: bytes) -> Iterator[bytes]:
    if not layers:
        if data:
            yield data
        return
    for piece in layers[0].feed(data):
        yield from _through(layers[1:], piece)


def _layer_for(coding: str) -> _Layer:
    if coding in ("gzip", "x-gzip", "deflate"):
        return _ZlibLayer(gzip=coding != "deflate")
    if coding == "br" and _HAS_BROTLI:
        return _BrotliLayer()
    raise BadEncoding(f"unsupported content-encoding {coding!r}")


class _ZlibLayer:
    """gzip (members in sequence) or deflate (zlib-wrapped, or raw as IIS sends it)."""

    def __init__(self, *, gzip: bool) -> None:
        self._gzip = gzip
        self._inflater = zlib.decompressobj(
            16 + zlib.MAX_WBITS if gzip else zlib.MAX_WBITS
        )
        self._raw_tried = gzip  # gzip has no raw variant to fall back to
        self._produced = False
        self.finished = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        while data and not self.finished:
            if self._inflater.eof:
                data = self._next_member(data)
                continue
            try:
                out = self._inflater.decompress(data, CHUNK_SIZE)
            except zlib.error as exc:
                data = self._recover(data, exc)
                continue
            if out:
                self._produced = True
                yield out
            data = self._inflater.unconsumed_tail or self._inflater.unused_data

    def finish(self) -> Iterator[bytes]:
        # feed() always drains unconsumed_tail, so what flush() returns here is the
        # little output zlib still holds; a truncated stream keeps what it decoded.
        if not self.finished and not self._inflater.eof:
            tail = self._inflater.flush()
            if tail:
                yield tail

    def _next_member(self, data: bytes) -> bytes:
        if self._gzip and data.startswith(_GZIP_MAGIC):
            self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            return data
        self.finished = True  # trailing garbage after the stream: ignored (B2)
        return b""

    def _recover(self, data: bytes, exc: zlib.error) -> bytes:
        if not self._raw_tried and not self._produced:
            # "deflate" is meant to be zlib-wrapped (RFC 9110 8.4.1.2); some servers
            # send raw deflate instead. Retry the same bytes once as raw.
            self._raw_tried = True
            self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
            return data
        if self._gzip and self._produced:
            self.finished = True  # junk after a member that merely began like gzip
            return b""
        raise BadEncoding(f"corrupt compressed body: {exc}") from exc


class _BrotliLayer:
    def __init__(self) -> None:
        self._decompressor: Any = brotli.Decompressor()

    @property
    def finished(self) -> bool:
        return bool(self._decompressor.is_finished())

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self.finished:
            return  # trailing bytes after the stream: ignored
        try:
            out: bytes = self._decompressor.process(
                data, output_buffer_limit=CHUNK_SIZE
            )
            while out:
                yield out
                out = self._decompressor.process(b"", output_buffer_limit=CHUNK_SIZE)
        except brotli.error as exc:
            raise BadEncoding(f"corrupt brotli body: {exc}") from exc

    def finish(self) -> Iterator[bytes]:
        return self.feed(b"")
