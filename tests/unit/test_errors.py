"""The error tree: every error carries a reason; the branch decides retry or give up."""

from __future__ import annotations

import pytest

from schemas.enums import FailureReason
from worker import errors


@pytest.mark.parametrize(
    ("cls", "reason", "transient"),
    [
        (errors.FetchTimeout, FailureReason.TIMEOUT, True),
        (errors.ServerError, FailureReason.HTTP_5XX, True),
        (errors.RateLimited, FailureReason.HTTP_429, True),
        (errors.RobotsUnavailable, FailureReason.ROBOTS_UNAVAILABLE, True),
        (errors.HttpClientError, FailureReason.HTTP_4XX, False),
        (errors.BlockedAddress, FailureReason.BLOCKED_ADDRESS, False),
        (errors.TooLarge, FailureReason.TOO_LARGE, False),
        (errors.DeadlineExceeded, FailureReason.DEADLINE_EXCEEDED, False),
    ],
)
def test_each_error_has_a_reason_and_a_branch(
    cls: type[errors.NewsfeedError], reason: FailureReason, transient: bool
) -> None:
    exc = cls("x")
    assert exc.reason is reason
    assert isinstance(exc, errors.TransientError) is transient
    assert isinstance(exc, errors.PermanentError) is not transient


def test_a_reason_can_be_given_explicitly() -> None:
    exc = errors.ContentError("html", reason=FailureReason.NOT_FEED)
    assert exc.reason is FailureReason.NOT_FEED


def test_rate_limited_carries_retry_after() -> None:
    assert errors.RateLimited("slow down", retry_after=120).retry_after == 120
