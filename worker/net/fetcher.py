"""One bounded GET against the open web, with our own redirect loop.

Every URL is hostile input, so a fetch is fenced on all sides:

* **Where it connects** (RELIABILITY S1-S3): each new connection resolves its host once
  through ``guard.resolve_checked`` and connects to the checked address, keeping the
  name for ``Host``, SNI and certificate checks. A DNS answer that changes between
  check and connect (rebinding) cannot move us. Only ``http`` and ``https``.
* **Redirects** (B3, S3): requests never follows or drains them. We loop ourselves, one
  concern per function in the manner of httpx's ``_send_handling_redirects``: at most
  ``max_redirects`` hops, loops refused on the second visit, ``Location`` resolved
  against the current URL, scheme and address checked again, ``before_hop`` called
  before every request, 3xx bodies closed unread.
* **How long** (F11): ``(connect, read)`` timeouts, and a total deadline that also
  bounds every socket read of the body, so a trickling server stops at the deadline.
* **How much** (B1, B2, B4): the body is read raw and decoded here, layer by layer,
  with bounded output per step as in scrapy's ``_compression.py``; the decoded size is
  capped, and so are raw wire bytes. More than 5 ``Content-Encoding`` layers are
  refused (CVE-2025-66418).
* **What** (B5): the media type is judged from the headers before any body is read.
* **Whose environment** (S5): ``trust_env`` is off, so no proxy variables and no
  ``.netrc`` credentials (CVE-2024-47081); cookies are never kept between requests.

It deliberately does not retry (Celery does), cache, parse bodies, sniff feeds, or
decide robots/rate/scope (``before_hop`` lets the caller do that per hop). Only the
exception tree of ``worker.errors`` escapes ``fetch``.

The total deadline bounds the body; while waiting for the status line and headers each
socket read is bounded by the read timeout only, so the Celery hard time limit is the
backstop for a server that trickles its headers.

References: RFC 9110 (8.4 Content-Encoding, 10.2.2 Location, 10.2.3 Retry-After, 15.4
Redirection), RFC 1950/1951/1952, RFC 7932 (brotli), CVE-2025-66418, CVE-2024-47081.
"""

from __future__ import annotations

import sys
import time
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http.cookiejar import DefaultCookiePolicy
from socket import socket
from typing import Any, Literal, Protocol
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests
import structlog
import urllib3
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from schemas.enums import FailureReason
from worker.errors import (
    BadEncoding,
    BadScheme,
    ConnectionFailed,
    ContentError,
    DeadlineExceeded,
    FetchTimeout,
    HttpClientError,
    NewsfeedError,
    RateLimited,
    Refused,
    ServerError,
    TooLarge,
    TooManyRedirects,
)
from worker.net.guard import Resolver, resolve_checked
from worker.settings import Settings

try:
    import brotli  # type: ignore[import-untyped]
except ImportError:  # pragma: no cover - brotli is a declared dependency
    brotli = None

log = structlog.get_logger(__name__)

Accept = Literal["html", "feed", "robots", "any"]

# One read and one decode step. Bounds the memory a single step can take: every
# decoder below emits at most about this much per call, whatever the input ratio.
CHUNK_SIZE = 64 * 1024
# urllib3 >= 2.6 allows 5 layers (CVE-2025-66418); each layer multiplies the bomb.
MAX_ENCODING_LAYERS = 5
# Compressed data is never much larger than its output, so more raw bytes than the
# decoded cap plus this slack is junk (endless trailing garbage, B2) or padding.
RAW_SLACK = 1024 * 1024
# A prefork child fetches one URL at a time: a few warm hosts, 2 sockets each
# (robots.txt and the page), is all the pooling that pays.
POOL_CONNECTIONS = 16
POOL_MAXSIZE = 2
# RELIABILITY rule 4: Retry-After is honoured up to one hour, never more.
MAX_RETRY_AFTER = 3600.0
# A timeout this close to the deadline is the deadline's doing, not the server's.
_DEADLINE_SLACK = 0.05
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_GZIP_MAGIC = b"\x1f\x8b"
# Headers that must not travel to another origin on a redirect (httpx does the same).
_ORIGIN_BOUND_HEADERS = ("Authorization", "Cookie", "Proxy-Authorization")
# Bomb-safe brotli needs the bounded-output API of brotli >= 1.2 (RELIABILITY S10).
_HAS_BROTLI = brotli is not None and hasattr(
    brotli.Decompressor, "can_accept_more_data"
)
ACCEPT_ENCODING = "gzip, deflate, br" if _HAS_BROTLI else "gzip, deflate"
_ACCEPT_HEADERS: dict[str, str] = {
    "html": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
    "feed": "application/rss+xml,application/atom+xml,application/feed+json,"
    "application/xml;q=0.9,text/xml;q=0.9,*/*;q=0.1",
    "robots": "text/plain,*/*;q=0.1",
    "any": "*/*",
}


@dataclass(frozen=True)
class FetchResult:
    url: str  # final URL after redirects
    status: int  # 2xx, or 304
    headers: Mapping[str, str]  # case-insensitive
    body: bytes  # decoded (Content-Encoding removed), <= cap; b"" for 304
    content_type: str  # media type, lower-case, no parameters ("" if absent)
    charset: str | None  # from Content-Type
    redirects: tuple[str, ...]  # URLs visited before the final one
    elapsed: float  # seconds
    bytes_read: int  # raw bytes on the wire


class Fetcher:
    """A GET with SSRF guard, redirect loop, timeouts, deadline and size caps."""

    def __init__(
        self,
        *,
        user_agent: str,
        connect_timeout: float,
        read_timeout: float,
        deadline: float,
        max_body_bytes: int,
        max_redirects: int,
        allow_private_networks: bool,
        resolver: Resolver | None = None,
    ) -> None:
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._deadline = deadline
        self._max_body_bytes = max_body_bytes
        self._max_redirects = max_redirects
        policy = _AddressPolicy(allow_private=allow_private_networks, resolver=resolver)
        self._session = _build_session(user_agent, policy)

    @classmethod
    def from_settings(cls, settings: Settings) -> Fetcher:
        return cls(
            user_agent=settings.user_agent,
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.read_timeout,
            deadline=settings.fetch_deadline,
            max_body_bytes=settings.max_body_bytes,
            max_redirects=settings.max_redirects,
            allow_private_networks=settings.allow_private_networks,
        )

    def fetch(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        accept: Accept = "any",
        max_bytes: int | None = None,
        before_hop: Callable[[str], None] | None = None,
    ) -> FetchResult:
        """GET ``url`` within every limit, following up to ``max_redirects`` hops.

        ``accept="robots"`` truncates the body at the cap instead of refusing it
        (RFC 9309 2.5: parse at least the first 500 KiB).

        Raises:
            NewsfeedError: only subclasses of it; see ``worker.errors``.
        """
        started = time.monotonic()
        deadline = started + self._deadline
        cap = self._max_body_bytes if max_bytes is None else max_bytes
        request_headers = {"Accept": _ACCEPT_HEADERS[accept], **(headers or {})}
        try:
            response, redirects = self._send_handling_redirects(
                _checked_url(url), request_headers, deadline, before_hop
            )
            with response:
                return self._build_result(
                    response, accept, cap, deadline, redirects, started
                )
        except NewsfeedError as exc:
            log.debug("fetch_failed", url=url, reason=str(exc.reason), error=str(exc))
            raise

    def close(self) -> None:
        self._session.close()

    # ------------------------------------------------------------------ redirects

    def _send_handling_redirects(
        self,
        url: str,
        headers: dict[str, str],
        deadline: float,
        before_hop: Callable[[str], None] | None,
    ) -> tuple[requests.Response, tuple[str, ...]]:
        visited: list[str] = []
        while True:
            if before_hop is not None:
                before_hop(url)
            response = self._send(url, headers, deadline)
            location = _redirect_location(response)
            if location is None:
                return response, tuple(visited)
            response.close()  # never read a redirect body: it may be a bomb (B3)
            next_url = _checked_url(urljoin(url, location))
            visited.append(url)
            _check_hop(next_url, visited, self._max_redirects)
            headers = _headers_for_hop(headers, url, next_url)
            url = next_url

    def _send(
        self, url: str, headers: Mapping[str, str], deadline: float
    ) -> requests.Response:
        remaining = _remaining(deadline)
        timeout = (
            min(self._connect_timeout, remaining),
            min(self._read_timeout, remaining),
        )
        try:
            return self._session.get(
                url,
                headers=headers,
                timeout=timeout,
                stream=True,
                allow_redirects=False,
            )
        except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
            # requests re-raises some urllib3 errors (LocationParseError) unwrapped.
            raise _translate(exc, deadline) from exc

    # ------------------------------------------------------------------ response

    def _build_result(
        self,
        response: requests.Response,
        accept: Accept,
        cap: int,
        deadline: float,
        redirects: tuple[str, ...],
        started: float,
    ) -> FetchResult:
        _raise_for_status(response)
        media_type, charset = parse_content_type(response.headers.get("Content-Type"))
        body, wire = b"", 0
        if response.status_code != 304:  # noqa: PLR2004 - Not Modified has no body
            _check_media_type(media_type, accept)
            body, wire = self._read_body(response, cap, deadline, accept == "robots")
        return FetchResult(
            url=response.url,
            status=response.status_code,
            headers=CaseInsensitiveDict(response.headers),
            body=body,
            content_type=media_type,
            charset=charset,
            redirects=redirects,
            elapsed=time.monotonic() - started,
            bytes_read=wire,
        )

    def _read_body(
        self, response: requests.Response, cap: int, deadline: float, truncate: bool
    ) -> tuple[bytes, int]:
        raw: urllib3.HTTPResponse = response.raw
        decoder = _Decoder(raw.headers.get("Content-Encoding", ""))
        body = bytearray()
        wire = 0
        while not decoder.finished:
            chunk = self._read_chunk(raw, deadline)
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

    def _read_chunk(self, raw: urllib3.HTTPResponse, deadline: float) -> bytes:
        # Each socket read may wait at most until the deadline, and read1 makes at
        # most one read, so a server trickling 1 byte at a time stops on time (F11).
        remaining = _remaining(deadline)
        connection = raw.connection
        if connection is not None and connection.sock is not None:
            connection.sock.settimeout(min(self._read_timeout, remaining))
        try:
            return raw.read1(CHUNK_SIZE, decode_content=False)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise _translate(exc, deadline) from exc


# ---------------------------------------------------------------------- helpers


def _checked_url(url: str) -> str:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise Refused(
            f"invalid URL: {exc}", reason=FailureReason.URL_REJECTED
        ) from None
    if parts.scheme.lower() not in ("http", "https"):
        raise BadScheme(f"scheme {parts.scheme!r} is not fetched")
    if not parts.hostname:
        raise Refused("URL without a host", reason=FailureReason.URL_REJECTED)
    # Userinfo would become an Authorization header; a hostile link chooses it.
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    netloc = host if port is None else f"{host}:{port}"
    return urlunsplit((parts.scheme.lower(), netloc, parts.path, parts.query, ""))


def _redirect_location(response: requests.Response) -> str | None:
    if response.status_code not in REDIRECT_STATUSES:
        return None
    location = response.headers.get("Location", "").strip()
    if not location:
        return None  # a 3xx we cannot follow; _raise_for_status reports it
    try:  # http.client decodes header bytes as latin-1; servers send UTF-8
        return location.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return location


def _check_hop(next_url: str, visited: list[str], max_redirects: int) -> None:
    if next_url in visited:
        raise TooManyRedirects(
            f"redirect loop back to {next_url}", reason=FailureReason.REDIRECT_LOOP
        )
    if len(visited) > max_redirects:
        raise TooManyRedirects(f"more than {max_redirects} redirects")


def _headers_for_hop(
    headers: dict[str, str], url: str, next_url: str
) -> dict[str, str]:
    if _origin(url) == _origin(next_url):
        return headers
    bound = {name.lower() for name in _ORIGIN_BOUND_HEADERS}
    return {k: v for k, v in headers.items() if k.lower() not in bound}


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, parts.hostname or "", parts.port


def _remaining(deadline: float) -> float:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise DeadlineExceeded("fetch deadline passed")
    return remaining


def _translate(exc: Exception, deadline: float) -> NewsfeedError:
    timeouts = (requests.Timeout, urllib3.exceptions.TimeoutError, TimeoutError)
    if isinstance(exc, timeouts):
        if time.monotonic() >= deadline - _DEADLINE_SLACK:
            return DeadlineExceeded(f"fetch deadline passed: {exc}")
        return FetchTimeout(str(exc))
    if isinstance(exc, requests.exceptions.InvalidSchema):
        return BadScheme(str(exc))
    if isinstance(exc, ValueError):  # InvalidURL, InvalidHeader, LocationParseError
        return Refused(str(exc), reason=FailureReason.URL_REJECTED)
    return ConnectionFailed(str(exc))


def _raise_for_status(response: requests.Response) -> None:
    status = response.status_code
    if 200 <= status < 300 or status == 304:  # noqa: PLR2004
        return
    retry_after = response.headers.get("Retry-After")
    if status == 429 or (status == 503 and retry_after):  # noqa: PLR2004
        raise RateLimited(
            f"HTTP {status}",
            retry_after=parse_retry_after(retry_after),
            http_status=status,
        )
    if status >= 500:  # noqa: PLR2004
        raise ServerError(f"HTTP {status}", http_status=status)
    if status >= 400:  # noqa: PLR2004
        raise HttpClientError(f"HTTP {status}", http_status=status)
    raise ContentError(f"unexpected HTTP {status}", http_status=status)


def parse_retry_after(
    value: str | None, *, now: datetime | None = None
) -> float | None:
    """Seconds to wait from a Retry-After value (RFC 9110 10.2.3), at most one hour."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def parse_content_type(value: str | None) -> tuple[str, str | None]:
    """``("text/html", "utf-8")`` from ``"text/HTML; charset=UTF-8"``."""
    if not value:
        return "", None
    media_type, _, params = value.partition(";")
    charset = None
    for param in params.split(";"):
        name, _, val = param.partition("=")
        if name.strip().lower() == "charset":
            charset = val.strip().strip("\"'").lower() or None
    return media_type.strip().lower(), charset


def _check_media_type(media_type: str, accept: Accept) -> None:
    if accept == "any" or not media_type:
        return  # a missing type is sniffed by the parser later
    if accept == "html":
        if media_type not in ("text/html", "application/xhtml+xml"):
            raise ContentError(
                f"{media_type} is not HTML", reason=FailureReason.NOT_HTML
            )
    elif accept == "feed":
        # Feeds arrive as anything textual; the feed parser sniffs (B5).
        if not (media_type.startswith("text/") or _is_structured_text(media_type)):
            raise ContentError(
                f"{media_type} is not a feed", reason=FailureReason.NOT_FEED
            )
    elif not media_type.startswith("text/"):
        raise ContentError(f"robots.txt served as {media_type}")


def _is_structured_text(media_type: str) -> bool:
    subtype = media_type.partition("/")[2]
    return "xml" in subtype or "json" in subtype


# ---------------------------------------------------------------------- decoding


class _Layer(Protocol):
    @property
    def finished(self) -> bool: ...

    def feed(self, data: bytes) -> Iterator[bytes]: ...

    def finish(self) -> Iterator[bytes]: ...


class _Decoder:
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
        return _through(self._layers, data)

    def finish(self) -> Iterator[bytes]:
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


# ---------------------------------------------------------------------- transport


@dataclass(frozen=True)
class _AddressPolicy:
    allow_private: bool
    resolver: Resolver | None

    def open_socket(self, conn: HTTPConnection, host: str) -> socket:
        """Resolve once, check every address, connect to a checked one (S1, S2)."""
        addresses = resolve_checked(
            host, conn.port, allow_private=self.allow_private, resolver=self.resolver
        )
        error: OSError | None = None
        for address in addresses:
            try:
                sock = urllib3.util.connection.create_connection(
                    (address, conn.port),
                    conn.timeout,
                    source_address=conn.source_address,
                    socket_options=conn.socket_options,
                )
            except TimeoutError as exc:  # socket.timeout since Python 3.10
                raise ConnectTimeoutError(conn, f"connect to {host} timed out") from exc
            except OSError as exc:
                error = exc
                continue
            sys.audit("http.client.connect", conn, host, conn.port)
            return sock
        raise NewConnectionError(conn, f"cannot connect to {host}: {error}")


class _GuardedHTTPConnection(HTTPConnection):
    def __init__(
        self, *args: Any, address_policy: _AddressPolicy, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._address_policy = address_policy

    def _new_conn(self) -> socket:
        return self._address_policy.open_socket(self, self._dns_host)


class _GuardedHTTPSConnection(HTTPSConnection):
    def __init__(
        self, *args: Any, address_policy: _AddressPolicy, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._address_policy = address_policy

    def _new_conn(self) -> socket:
        return self._address_policy.open_socket(self, self._dns_host)


class _GuardedPoolManager(urllib3.PoolManager):
    def __init__(
        self, *args: Any, address_policy: _AddressPolicy, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._address_policy = address_policy

    def _new_pool(
        self,
        scheme: str,
        host: str,
        port: int,
        request_context: dict[str, Any] | None = None,
    ) -> HTTPConnectionPool:
        pool = super()._new_pool(scheme, host, port, request_context)
        https = scheme == "https"
        pool.ConnectionCls = (
            _GuardedHTTPSConnection if https else _GuardedHTTPConnection
        )
        pool.conn_kw["address_policy"] = self._address_policy
        return pool


class _GuardedAdapter(HTTPAdapter):
    def __init__(self, address_policy: _AddressPolicy) -> None:
        self._address_policy = address_policy
        # Retries belong to Celery, which records each attempt (RELIABILITY).
        super().__init__(
            pool_connections=POOL_CONNECTIONS, pool_maxsize=POOL_MAXSIZE, max_retries=0
        )

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
    ) -> None:
        self.poolmanager = _GuardedPoolManager(
            num_pools=connections,
            maxsize=maxsize,
            block=block,
            address_policy=self._address_policy,
            **pool_kwargs,
        )

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:  # noqa: ARG002
        # A proxy would connect to addresses we never checked (S5).
        raise Refused("proxies are never used", reason=FailureReason.BLOCKED_ADDRESS)


class _NoRedirectSession(requests.Session):
    def get_redirect_target(self, resp: requests.Response) -> str | None:  # noqa: ARG002
        # requests drains a redirect body before following it (B3): we loop ourselves.
        return None


def _build_session(user_agent: str, policy: _AddressPolicy) -> requests.Session:
    session = _NoRedirectSession()
    session.trust_env = False  # no proxy variables, no .netrc (S5, CVE-2024-47081)
    # No cookies: no state carried from one hostile site's fetch into the next.
    session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    adapter = _GuardedAdapter(policy)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers.clear()
    session.headers.update(
        {"User-Agent": user_agent, "Accept-Encoding": ACCEPT_ENCODING}
    )
    return session
