"""The exception tree. Every error carries a ``reason`` (a FailureReason), so no code
path parses messages, and the branch it sits on decides what a task does with it::

    NewsfeedError
    ├── TransientError            retried with exponential backoff and jitter
    │   ├── FetchTimeout          connect/read timeout (reason: timeout)
    │   ├── ConnectionFailed      reset, refused, DNS hiccup (connection_error)
    │   ├── ServerError           HTTP 5xx (http_5xx)
    │   ├── RateLimited           429, or 503 with Retry-After (http_429): retry_after
    │   └── RobotsUnavailable     robots.txt 5xx or timed out (robots_unavailable)
    └── PermanentError            recorded with the reason; the task returns normally
        ├── HttpClientError       HTTP 4xx other than 429 (http_4xx)
        ├── ContentError          not HTML / not a feed / unparseable / no article body
        └── Refused               policy refusals, decided before or while connecting
            ├── BlockedAddress    loopback/private/link-local/metadata (blocked_address)
            ├── BadScheme         anything but http/https (bad_scheme)
            ├── RobotsDisallowed  robots.txt says no (robots_disallowed)
            ├── TooLarge          body or decompressed body over the cap (too_large)
            ├── TooManyRedirects  more hops than allowed, or a loop (too_many_redirects)
            ├── DeadlineExceeded  the total deadline passed mid-body (deadline_exceeded)
            └── BadEncoding       too many content-encoding layers, corrupt stream

``DeadlineExceeded`` is permanent: a server that trickles bytes will trickle again.
"""

from __future__ import annotations

from schemas.enums import FailureReason


class NewsfeedError(Exception):
    """Root of every error newsfeed raises on purpose."""

    reason: FailureReason = FailureReason.INTERNAL_ERROR

    def __init__(
        self,
        message: str,
        *,
        reason: FailureReason | None = None,
        http_status: int | None = None,
    ) -> None:
        super().__init__(message)
        if reason is not None:
            self.reason = reason
        self.http_status = http_status


class TransientError(NewsfeedError):
    """Worth trying again later."""

    reason = FailureReason.CONNECTION_ERROR


class FetchTimeout(TransientError):
    reason = FailureReason.TIMEOUT


class ConnectionFailed(TransientError):
    reason = FailureReason.CONNECTION_ERROR


class ServerError(TransientError):
    reason = FailureReason.HTTP_5XX


class RateLimited(TransientError):
    """429, or 503 with Retry-After: try again no sooner than ``retry_after`` s."""

    reason = FailureReason.HTTP_429

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        reason: FailureReason | None = None,
        http_status: int | None = None,
    ) -> None:
        super().__init__(message, reason=reason, http_status=http_status)
        self.retry_after = retry_after


class RobotsUnavailable(TransientError):
    reason = FailureReason.ROBOTS_UNAVAILABLE


class PermanentError(NewsfeedError):
    """Trying again will not help: record the reason and move on."""


class HttpClientError(PermanentError):
    reason = FailureReason.HTTP_4XX


class ContentError(PermanentError):
    reason = FailureReason.UNPARSEABLE


class Refused(PermanentError):
    """A policy refusal: we chose not to fetch or not to keep reading."""


class BlockedAddress(Refused):
    reason = FailureReason.BLOCKED_ADDRESS


class BadScheme(Refused):
    reason = FailureReason.BAD_SCHEME


class RobotsDisallowed(Refused):
    reason = FailureReason.ROBOTS_DISALLOWED


class TooLarge(Refused):
    reason = FailureReason.TOO_LARGE


class TooManyRedirects(Refused):
    reason = FailureReason.TOO_MANY_REDIRECTS


class DeadlineExceeded(Refused):
    reason = FailureReason.DEADLINE_EXCEEDED


class BadEncoding(Refused):
    reason = FailureReason.BAD_ENCODING
