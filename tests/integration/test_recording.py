"""A task whose outcome cannot be recorded because the database blinked is tried
again, not ended with its record lost (F9). fetch_article runs in this process
(``apply``) on a real Redis and database; the blink is one real SQLAlchemy
``OperationalError`` from the first write of the record."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any

import pytest
import redis
from celery.exceptions import SoftTimeLimitExceeded
from celery.result import EagerResult
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from schemas import FetchAttempt
from tests.support.messages import queued
from worker.app import ARTICLES_QUEUE, NewsfeedCelery
from worker.store import attempts, feeds
from worker.store.database import create_db_engine, session_scope
from worker.tasks import fetch, fetch_batch, poll
from worker.tasks.base import RECORD_RETRIES

pytestmark = pytest.mark.integration

METADATA_URL = "http://169.254.169.254/latest/meta-data/"


@pytest.fixture
def app_settings() -> dict[str, Any]:
    return {}  # the default policy: private addresses refused


def _blink(monkeypatch: pytest.MonkeyPatch, times: int) -> list[str]:
    """Make the first ``times`` writes of an attempt fail as a locked database does;
    the list records every write tried."""
    real = attempts.record_attempt
    tried: list[str] = []

    def record_attempt(session: Session, record: Any) -> Any:
        tried.append(record.reason)
        if len(tried) <= times:
            raise OperationalError(
                "INSERT INTO fetch_attempts ...",
                {},
                sqlite3.OperationalError("database is locked"),
            )
        return real(session, record)

    monkeypatch.setattr(attempts, "record_attempt", record_attempt)
    return tried


def _refuse_with_blinks(
    monkeypatch: pytest.MonkeyPatch, times: int
) -> tuple[EagerResult[Any], list[str]]:
    """Fetch the metadata address (refused) while the first ``times`` writes of its
    record fail; the result, and every write tried."""
    tried = _blink(monkeypatch, times)
    return fetch.fetch_article.apply(kwargs={"url": METADATA_URL}), tried


def _rows(app: NewsfeedCelery) -> list[tuple[str, str | None, str]]:
    engine = create_db_engine(app.settings.resolved_database_url())
    try:
        with Session(engine) as session:
            rows = session.exec(select(FetchAttempt)).all()
            return [(r.status, r.reason, r.url) for r in rows]
    finally:
        engine.dispose()


def test_a_refusal_whose_record_fails_once_is_recorded_by_the_retry(
    app: NewsfeedCelery, monkeypatch: pytest.MonkeyPatch
) -> None:
    # When a fetch is refused and the database fails the first write of its record
    result, tried = _refuse_with_blinks(monkeypatch, times=1)
    # Then the task is tried again and its second try records the refusal, once
    assert result.get() == {"status": "refused", "reason": "blocked_address"}
    assert tried == ["blocked_address", "blocked_address"]
    assert _rows(app) == [("refused", "blocked_address", METADATA_URL)]


def test_a_database_that_stays_down_fails_the_task_after_its_retries(
    app: NewsfeedCelery, monkeypatch: pytest.MonkeyPatch
) -> None:
    # When a fetch is refused and the database fails every write of its record
    result, tried = _refuse_with_blinks(monkeypatch, times=1_000)
    # Then the task is tried its five retries more, each writing once, then fails
    # visibly with the database's error
    assert result.failed()
    assert isinstance(result.result, OperationalError)
    assert len(tried) == 1 + RECORD_RETRIES == 6
    assert _rows(app) == []


def test_a_batch_sends_a_url_whose_record_fails_alone_as_a_retry(
    app: NewsfeedCelery, monkeypatch: pytest.MonkeyPatch, redis_client: redis.Redis
) -> None:
    # Given a database that fails the first write of a refusal's record
    tried = _blink(monkeypatch, times=1)
    # When a batch holding the metadata address runs
    kwargs = {"urls": [[METADATA_URL, 1]], "scope": "169.254.169.254"}
    result = fetch_batch.fetch_articles.apply(kwargs=kwargs).get()
    # Then the batch ends, and the URL goes out alone as its first retry
    assert result == {"status": "done", "outcomes": {"retrying": 1}}
    assert tried == ["blocked_address"]
    [message] = queued(redis_client, ARTICLES_QUEUE)
    assert (message.task, message.retries) == ("newsfeed.fetch_article", 1)
    assert (message.kwargs["url"], message.kwargs["depth"]) == (METADATA_URL, 1)
    assert _rows(app) == []


def test_a_poll_whose_record_fails_once_is_retried_though_polls_never_retry(
    app: NewsfeedCelery, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a feed at the metadata address (refused), and a database that fails the
    # first write of the poll's record
    engine = create_db_engine(app.settings.resolved_database_url())
    with session_scope(engine) as session:
        feed, _ = feeds.add_feed(
            session,
            METADATA_URL,
            scope_domain="169.254.169.254",
            now=datetime.now(UTC),
            interval=900,
        )
    engine.dispose()
    assert poll.poll_feed.max_retries == 0  # a failed poll waits for the schedule
    tried = _blink(monkeypatch, times=1)
    # When the feed is polled
    result = poll.poll_feed.apply(kwargs={"feed_id": feed.id})
    # Then the poll is tried again through the broker, and its refusal recorded once
    assert result.get() == {"status": "refused", "reason": "blocked_address"}
    assert tried == ["blocked_address", "blocked_address"]
    assert _rows(app) == [("refused", "blocked_address", METADATA_URL)]


def test_a_batch_out_of_time_sends_a_url_whose_record_fails_alone_as_a_retry(
    app: NewsfeedCelery, monkeypatch: pytest.MonkeyPatch, redis_client: redis.Redis
) -> None:
    # Given a batch that runs out of time (its soft limit) on its first URL, and a
    # database that fails the first write of that URL's record
    tried = _blink(monkeypatch, times=1)

    def out_of_time(*_: object) -> None:
        raise SoftTimeLimitExceeded

    monkeypatch.setattr(fetch_batch, "fetch_page", out_of_time)
    urls = ["https://example.com/a", "https://example.com/b"]
    kwargs = {"urls": [[url, 1] for url in urls], "scope": "example.com"}
    # When it runs
    result = fetch_batch.fetch_articles.apply(kwargs=kwargs).get()
    # Then the URL goes out alone as its first retry, the rest as a batch of its own
    assert tried == ["timeout"]
    assert result == {"status": "done", "outcomes": {"retrying": 1, "deferred": 1}}
    sent = {(m.task, m.retries): m.kwargs for m in queued(redis_client, ARTICLES_QUEUE)}
    assert sent[("newsfeed.fetch_article", 1)]["url"] == urls[0]
    assert sent[("newsfeed.fetch_articles", 0)]["urls"] == [[urls[1], 1]]
    assert _rows(app) == []
