"""May we fetch this URL, and how slowly? robots.txt per RFC 9309, parsed by Protego.

robots.txt is fetched through the same ``Fetcher`` as everything else (SSRF guard,
deadline, 5 redirects), read up to 500 KiB and parsed from there (RFC 9309 2.5). What
the answer means:

* 2xx: the rules; product token ``newsfeed`` matched case-insensitively, longest match
  wins (both done by Protego). A UTF-8 BOM is ignored.
* 4xx (401 and 403 included): no rules, everything allowed (RFC 9309 2.3.1.3).
* 5xx, 429, timeout, connection failure, too many redirects: **unavailable**. The host
  is treated as fully disallowed (RFC 9309 2.3.1.4) and ``RobotsUnavailable`` (a
  transient error) is raised; the verdict is cached for ``unavailable_ttl`` (Nutch
  waits 300 s) so no article of that host is fetched meanwhile, and robots.txt is asked
  again afterwards. Scrapy allows everything on error; we deliberately do not.

The raw text (or the verdict) is cached in Redis under ``robots:{scheme}://{host:port}``
for ``ttl`` seconds (at most 24 h, RFC 9309 2.4) so all workers share one fetch, and the
parsed Protego objects are kept in a small per-process dict until the same expiry.

It deliberately does not rate-limit the robots.txt fetch itself (the caller's gate
does), nor decide scope. References: RFC 9309; RELIABILITY B10.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import redis
import structlog
from protego import Protego

from schemas.enums import FailureReason
from worker.errors import (
    BadEncoding,
    BadScheme,
    BlockedAddress,
    ConnectionFailed,
    ContentError,
    DeadlineExceeded,
    FetchTimeout,
    HttpClientError,
    RateLimited,
    Refused,
    RobotsDisallowed,
    RobotsUnavailable,
    ServerError,
    TooLarge,
    TooManyRedirects,
)
from worker.net.fetcher import Fetcher
from worker.settings import Settings

log = structlog.get_logger(__name__)

# RFC 9309 2.5: crawlers must parse at least the first 500 KiB; more is not read.
MAX_ROBOTS_BYTES = 500 * 1024
# RFC 9309 2.4: a cached robots.txt should not be trusted for more than 24 hours.
DEFAULT_TTL = 86_400
# After a 5xx or timeout, ask again in 5 minutes (Nutch defers 300 s).
UNAVAILABLE_TTL = 300
# A hostile or careless Crawl-delay of hours would stall a host forever (B10).
MAX_CRAWL_DELAY = 60.0
# Bounds the per-process cache of parsed rules: one entry per origin crawled.
_MAX_LOCAL_ENTRIES = 1024

# Errors that make robots.txt "unreachable": the host is disallowed for a while.
_UNAVAILABLE = (
    ServerError,
    RateLimited,
    FetchTimeout,
    DeadlineExceeded,
    ConnectionFailed,
    TooLarge,
    TooManyRedirects,
)

# Cached verdicts, as stored in Redis: a state tag, a newline, then the text if any.
_RULES, _ALLOW_ALL, _UNAVAILABLE_TAG = b"rules", b"allow", b"unavailable"


@dataclass(frozen=True)
class _Verdict:
    state: bytes  # one of the tags above
    rules: Any  # a Protego parser when state is _RULES
    expires_at: float  # time.monotonic()


class RobotsPolicy:
    """Answers "may we fetch this URL, and at what crawl-delay?" for one process."""

    def __init__(
        self,
        *,
        fetcher: Fetcher,
        cache: redis.Redis | None,
        user_agent_token: str = "newsfeed",  # noqa: S107 - a robots.txt product token
        ttl: int = DEFAULT_TTL,
        unavailable_ttl: int = UNAVAILABLE_TTL,
        max_bytes: int = MAX_ROBOTS_BYTES,
        max_crawl_delay: float = MAX_CRAWL_DELAY,
    ) -> None:
        self._fetcher = fetcher
        self._cache = cache
        self._token = user_agent_token
        self._ttl = ttl
        self._unavailable_ttl = unavailable_ttl
        self._max_bytes = max_bytes
        self._max_crawl_delay = max_crawl_delay
        self._local: dict[str, _Verdict] = {}

    @classmethod
    def from_settings(
        cls, settings: Settings, *, fetcher: Fetcher, cache: redis.Redis | None
    ) -> RobotsPolicy:
        # The product token is the User-Agent's first word: "newsfeed/0.1 (+…)".
        token = settings.user_agent.split("/", 1)[0].split(" ", 1)[0] or "newsfeed"
        return cls(
            fetcher=fetcher,
            cache=cache,
            user_agent_token=token,
            ttl=settings.robots_cache_seconds,
            max_crawl_delay=settings.max_crawl_delay,
        )

    def crawl_delay(self, url: str) -> float:
        """The Crawl-delay for ``url``'s host in seconds (0.0 if none), capped.

        Raises:
            RobotsDisallowed: robots.txt forbids ``url``.
            RobotsUnavailable: robots.txt answered 5xx or could not be reached.
        """
        origin = robots_origin(url)
        if not origin.startswith(("http://", "https://")):
            raise BadScheme(f"no robots.txt for {url}")
        verdict = self._verdict(origin)
        if verdict.state == _UNAVAILABLE_TAG:
            raise RobotsUnavailable(f"robots.txt of {origin} is unavailable")
        if verdict.state == _ALLOW_ALL:
            return 0.0
        if not verdict.rules.can_fetch(url, self._token):
            raise RobotsDisallowed(f"robots.txt of {origin} disallows {url}")
        delay = verdict.rules.crawl_delay(self._token)
        if delay is None:
            return 0.0
        if float(delay) > self._max_crawl_delay:
            log.info(
                "crawl_delay_capped",
                origin=origin,
                crawl_delay=float(delay),
                cap=self._max_crawl_delay,
            )
            return self._max_crawl_delay
        return max(float(delay), 0.0)

    # ------------------------------------------------------------------ caching

    def _verdict(self, origin: str) -> _Verdict:
        now = time.monotonic()
        verdict = self._local.get(origin)
        if verdict is not None and verdict.expires_at > now:
            return verdict
        verdict = self._from_cache(origin, now) or self._fetch(origin, now)
        if len(self._local) >= _MAX_LOCAL_ENTRIES:
            self._local = {k: v for k, v in self._local.items() if v.expires_at > now}
            if len(self._local) >= _MAX_LOCAL_ENTRIES:
                self._local.clear()
        self._local[origin] = verdict
        return verdict

    def _from_cache(self, origin: str, now: float) -> _Verdict | None:
        if self._cache is None:
            return None
        with self._cache.pipeline(transaction=False) as pipe:
            pipe.get(_cache_key(origin))
            pipe.pttl(_cache_key(origin))
            stored, pttl = pipe.execute()
        if stored is None or pttl <= 0:
            return None
        state, _, text = bytes(stored).partition(b"\n")
        return _make_verdict(state, text, now + pttl / 1000)

    def _fetch(self, origin: str, now: float) -> _Verdict:
        state, text = self._download(origin)
        ttl = self._unavailable_ttl if state == _UNAVAILABLE_TAG else self._ttl
        if self._cache is not None:
            self._cache.set(_cache_key(origin), state + b"\n" + text, ex=ttl)
        return _make_verdict(state, text, now + ttl)

    def _download(self, origin: str) -> tuple[bytes, bytes]:
        url = origin + "/robots.txt"
        hops: list[str] = []
        try:
            result = self._fetcher.fetch(
                url, accept="robots", max_bytes=self._max_bytes, before_hop=hops.append
            )
        except (BlockedAddress, BadScheme) as exc:
            if len(hops) <= 1 and isinstance(exc, BlockedAddress):
                raise  # the origin itself is refused, and so is every URL on it
            # A redirect to somewhere we never go: as good as unreachable.
            log.warning("robots_unavailable", origin=origin, reason=str(exc.reason))
            return _UNAVAILABLE_TAG, b""
        except HttpClientError as exc:
            log.info("robots_missing", origin=origin, http_status=exc.http_status)
            return _ALLOW_ALL, b""
        except (ContentError, BadEncoding, TooLarge) as exc:
            # No rules can be read from it: as with an empty file (RFC 9309 2.2).
            log.info("robots_unreadable", origin=origin, error=str(exc))
            return _ALLOW_ALL, b""
        except _UNAVAILABLE as exc:
            log.warning("robots_unavailable", origin=origin, reason=str(exc.reason))
            return _UNAVAILABLE_TAG, b""
        log.info("robots_fetched", origin=origin, bytes=len(result.body))
        return _RULES, result.body


def robots_origin(url: str) -> str:
    """``scheme://host:port`` with the port always spelled out, for cache keys."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise Refused(
            f"invalid URL: {exc}", reason=FailureReason.URL_REJECTED
        ) from None
    scheme = parts.scheme.lower()
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    port = port or (443 if scheme == "https" else 80)
    return f"{scheme}://{host}:{port}"


def _cache_key(origin: str) -> str:
    return f"robots:{origin}"


def _make_verdict(state: bytes, text: bytes, expires_at: float) -> _Verdict:
    rules = None
    if state == _RULES:
        # RFC 9309 2.2: UTF-8; "utf-8-sig" drops a BOM, bad bytes cannot match anyway.
        rules = Protego.parse(text.decode("utf-8-sig", errors="replace"))
    return _Verdict(state=state, rules=rules, expires_at=expires_at)
