"""One bounded GET against the open web, with our own redirect loop.

Every URL is hostile input, so a fetch is fenced on all sides:

* **Where it connects** (RELIABILITY S1-S3): the session from ``transport.py``
  connects each new socket only to an address ``guard.resolve_checked`` allowed,
  resolved once, so DNS rebinding cannot move us. Only ``http`` and ``https``.
* **Redirects** (B3, S3): requests never follows or drains them. We loop ourselves, one
  concern per function in the manner of httpx's ``_send_handling_redirects``: at most
  ``max_redirects`` hops, loops refused on the second visit, ``Location`` resolved
  against the current URL, scheme and address checked again, ``before_hop`` called
  before every request, 3xx bodies closed unread.
* **How long** (F11): ``(connect, read)`` timeouts, and a total deadline that also
  bounds every socket read of the body, so a trickling server stops at the deadline.
* **How much** (B1, B2, B4): the body is read raw and handed to ``decoding.py``, which
  undoes ``Content-Encoding`` layer by layer with bounded output per step and caps the
  decoded size and the raw wire bytes.
* **What** (B5): the media type is judged from the headers before any body is read.
* **Whose environment** (S5): the session trusts no proxy variables or ``.netrc`` and
  keeps no cookies (see ``transport.py``).

``responses.py`` judges the status line and headers (errors, media type, Retry-After).
It deliberately does not retry (Celery does), cache, parse bodies, sniff feeds, or
decide robots/rate/scope (``before_hop`` lets the caller do that per hop). Only the
exception tree of ``worker.errors`` escapes ``fetch``.

The total deadline bounds the body; while waiting for the status line and headers each
socket read is bounded by the read timeout only, so the Celery hard time limit is the
backstop for a server that trickles its headers.

References: RFC 9110 (8.4 Content-Encoding, 10.2.2 Location, 10.2.3 Retry-After, 15.4
Redirection), CVE-2024-47081; httpx ``_client.py``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests
import structlog
import urllib3
from requests.structures import CaseInsensitiveDict

from schemas.enums import FailureReason
from worker.errors import (
    BadScheme,
    ConnectionFailed,
    DeadlineExceeded,
    FetchTimeout,
    NewsfeedError,
    Refused,
    TooManyRedirects,
)
from worker.net.decoding import (
    ACCEPT_ENCODING,
    CHUNK_SIZE,
    MAX_ENCODING_LAYERS,
    RAW_SLACK,
    read_decoded,
)
from worker.net.guard import Resolver
from worker.net.responses import (
    MAX_RETRY_AFTER,
    Accept,
    check_media_type,
    parse_retry_after,
    raise_for_status,
)
from worker.net.transport import (
    POOL_CONNECTIONS,
    POOL_MAXSIZE,
    AddressPolicy,
    build_session,
)
from worker.pipeline.content_type import parse_content_type
from worker.settings import Settings

# The names re-exported here were defined in this module before decoding.py,
# transport.py and responses.py were split out; importing them from here still works.
__all__ = [
    "ACCEPT_ENCODING",
    "CHUNK_SIZE",
    "MAX_ENCODING_LAYERS",
    "MAX_RETRY_AFTER",
    "POOL_CONNECTIONS",
    "POOL_MAXSIZE",
    "RAW_SLACK",
    "REDIRECT_STATUSES",
    "Accept",
    "FetchResult",
    "Fetcher",
    "parse_content_type",
    "parse_retry_after",
]

log = structlog.get_logger(__name__)

# A timeout this close to the deadline is the deadline's doing, not the server's.
_DEADLINE_SLACK = 0.05
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Headers that must not travel to another origin on a redirect (httpx does the same).
_ORIGIN_BOUND_HEADERS = ("Authorization", "Cookie", "Proxy-Authorization")
_ACCEPT_HEADERS: dict[str, str] = {
    "html": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
    "feed": "application/rss+xml,application/atom+xml,application/feed+json,"
    "application/xml;q=0.9,text/xml;q=0.9,*/*;q=0.1",
    "robots": "text/plain,*/*;q=0.1",
    "any": "*/*",
}


_PERMANENT_REDIRECTS = frozenset({301, 308})


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
    # Every hop was 301 or 308 (RFC 9110 §15.4.2, §15.4.9): the resource has moved
    # for good, and whoever stored the first URL should store the final one.
    moved_permanently: bool = False


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
        policy = AddressPolicy(allow_private=allow_private_networks, resolver=resolver)
        self._session = build_session(user_agent, policy)

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
            response, redirects, moved = self._send_handling_redirects(
                _checked_url(url), request_headers, deadline, before_hop
            )
            with response:
                result = self._build_result(
                    response, accept, cap, deadline, redirects, started
                )
            return replace(result, moved_permanently=moved)
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
    ) -> tuple[requests.Response, tuple[str, ...], bool]:
        visited: list[str] = []
        permanent = True
        while True:
            if before_hop is not None:
                before_hop(url)
            response = self._send(url, headers, deadline)
            location = _redirect_location(response)
            if location is None:
                return response, tuple(visited), bool(visited) and permanent
            permanent = permanent and response.status_code in _PERMANENT_REDIRECTS
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
        raise_for_status(response)
        media_type, charset = parse_content_type(response.headers.get("Content-Type"))
        body, wire = b"", 0
        if response.status_code != 304:  # noqa: PLR2004 - Not Modified has no body
            check_media_type(media_type, accept)
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
        return read_decoded(
            lambda: self._read_chunk(raw, deadline),
            raw.headers.get("Content-Encoding", ""),
            cap,
            truncate=truncate,
        )

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
