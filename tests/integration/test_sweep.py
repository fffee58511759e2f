"""sweep_pending_urls on a real Redis and database (RELIABILITY F4): URLs pending for
too long are sent again, and all pending URLs are sent again when the broker has
lost its data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import redis
from structlog.testing import capture_logs

from tests.support.messages import queued_fetch_urls
from worker.app import ARTICLES_QUEUE, NewsfeedCelery
from worker.store import frontier
from worker.store.database import create_db_engine, session_scope
from worker.store.frontier import PendingUrl
from worker.tasks import sweep

pytestmark = pytest.mark.integration


def _pend(app: NewsfeedCelery, *urls: str, since: datetime) -> None:
    engine = create_db_engine(app.settings.resolved_database_url())
    with session_scope(engine) as session:
        frontier.add_pending(
            session,
            [PendingUrl(url=u, depth=1, scope_domain="example.com") for u in urls],
            now=since,
        )
    engine.dispose()


def _sweep(**kwargs: float) -> dict[str, object]:
    result = sweep.sweep_pending_urls.apply(kwargs=kwargs).get()
    assert isinstance(result, dict)
    return result


def test_a_sweep_sends_again_only_urls_pending_for_too_long(
    app: NewsfeedCelery, redis_client: redis.Redis
) -> None:
    # Given a broker swept before (its mark set), a URL pending for an hour and one
    # pending since now, with its message presumably still queued
    assert _sweep()["broker_reset"] is True
    redis_client.delete(ARTICLES_QUEUE)
    now = datetime.now(UTC)
    _pend(app, "https://example.com/old", since=now - timedelta(hours=1))
    _pend(app, "https://example.com/new", since=now)
    # When the sweep runs
    result = _sweep()
    # Then only the old one is sent again
    assert result == {"status": "swept", "count": 1, "broker_reset": False}
    assert queued_fetch_urls(redis_client) == ["https://example.com/old"]


def test_a_broker_that_lost_its_data_has_every_pending_url_sent_again(
    app: NewsfeedCelery, redis_client: redis.Redis
) -> None:
    # Given URLs pending since now, their messages queued, and a swept broker
    urls = {f"https://example.com/{n}" for n in range(3)}
    _pend(app, *urls, since=datetime.now(UTC))
    _sweep()
    redis_client.delete(ARTICLES_QUEUE)
    assert _sweep()["count"] == 0
    # When the broker loses everything (FLUSHALL: messages, claims, the mark)
    redis_client.flushall()
    # Then the next sweep sends every pending URL again, and the one after nothing
    assert _sweep() == {"status": "swept", "count": 3, "broker_reset": True}
    assert sorted(queued_fetch_urls(redis_client)) == sorted(urls)
    assert _sweep()["count"] == 0


def test_a_flushed_broker_database_alone_has_its_claimed_urls_sent_again(
    app: NewsfeedCelery, redis_client: redis.Redis
) -> None:
    # Given pending URLs sent (and claimed: claims live in another Redis database)
    urls = {f"https://example.com/{n}" for n in range(3)}
    _pend(app, *urls, since=datetime.now(UTC))
    assert _sweep()["count"] == 3
    # When only the broker's database is flushed (FLUSHDB): messages and mark gone,
    # claims kept
    redis_client.flushdb()
    # Then the next sweep still sends them all again
    assert _sweep() == {"status": "swept", "count": 3, "broker_reset": True}
    assert sorted(queued_fetch_urls(redis_client)) == sorted(urls)


def test_a_reset_sweep_cut_short_is_carried_on_by_the_next(
    app: NewsfeedCelery, redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given five pending URLs, and sweeps that send two URLs and then run out of time
    urls = {f"https://example.com/{n}" for n in range(5)}
    _pend(app, *urls, since=datetime.now(UTC))
    monkeypatch.setattr(sweep, "SWEEP_BATCH", 2)
    monkeypatch.setattr(sweep, "RESET_BUDGET", -1.0)
    # When a new broker is swept four times
    counts = [_sweep()["count"] for _ in range(4)]
    # Then the reset is carried on until every URL went out exactly once, then ends
    assert counts == [2, 2, 1, 0]
    assert sorted(queued_fetch_urls(redis_client)) == sorted(urls)


def test_a_new_broker_with_nothing_to_send_again_is_no_warning(
    app: NewsfeedCelery, redis_client: redis.Redis
) -> None:
    # Given a new broker (no mark) and nothing pending: every fresh install's start
    with capture_logs() as logs:
        # When the first sweep runs, it finds the broker "reset"
        assert _sweep() == {"status": "swept", "count": 0, "broker_reset": True}
        # and after a FLUSHALL with a URL pending, it has something to send again
        _pend(app, "https://example.com/a", since=datetime.now(UTC))
        redis_client.flushall()
        assert _sweep()["count"] == 1
    # Then only the second is a warning to an operator
    levels = [
        (entry["log_level"], entry["pending_reenqueued"])
        for entry in logs
        if entry["event"] == "broker_reset_detected"
    ]
    assert levels == [("info", 0), ("warning", 1)]
