"""A task delivered a second time (a retry, or a redelivery after its process died)
sends again what the run before it may have committed and never sent; so does a poll
given up because its process died, since polls are never retried.

A run can die between its commit and its messages: the URLs it wrote stay pending
with no message, until the database sweep re-sends them minutes later. Tasks run in
this process (``apply``) on a real Redis, database and HTTP server; the lost messages
are staged by emptying Redis after a first, complete run.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis
from billiard.exceptions import WorkerLostError
from celery.signals import task_failure

from tests.support.http_server import FixtureServer
from tests.support.messages import queued, queued_fetch_urls
from tests.support.site import build_site
from worker.app import LINKS_QUEUE, NewsfeedCelery
from worker.store import feeds
from worker.store.database import create_db_engine, session_scope
from worker.tasks import fetch, poll

pytestmark = pytest.mark.integration


@pytest.fixture
def site(http_server: FixtureServer, tmp_path: Path) -> FixtureServer:
    build_site(tmp_path / "site", http_server.base_url)
    http_server.serve_directory(tmp_path / "site")
    return http_server


def test_a_poll_delivered_again_sends_the_entries_left_pending(
    app: NewsfeedCelery, site: FixtureServer, redis_client: redis.Redis
) -> None:
    # Given a poll that committed its feed's entries, whose messages were then lost
    engine = create_db_engine(app.settings.resolved_database_url())
    with session_scope(engine) as session:
        feed, _ = feeds.add_feed(
            session,
            site.url("/feed.xml"),
            scope_domain="127.0.0.1",
            now=datetime.now(UTC),
            interval=900,
        )
    engine.dispose()
    poll.poll_feed.apply(kwargs={"feed_id": feed.id}).get()
    entries = set(queued_fetch_urls(redis_client))
    assert len(entries) == 2
    redis_client.flushall()
    # When the poll is delivered once more as a first delivery, nothing goes out
    # (the entries are not new)
    poll.poll_feed.apply(kwargs={"feed_id": feed.id}).get()
    assert set(queued_fetch_urls(redis_client)) == set()
    # but delivered as a retry, the entries still pending go out again
    poll.poll_feed.apply(kwargs={"feed_id": feed.id}, retries=1).get()
    assert set(queued_fetch_urls(redis_client)) == entries


def test_a_poll_whose_process_died_sends_the_entries_left_pending(
    app: NewsfeedCelery, site: FixtureServer, redis_client: redis.Redis
) -> None:
    # Given a poll that committed its feed's entries, whose messages were then lost
    engine = create_db_engine(app.settings.resolved_database_url())
    with session_scope(engine) as session:
        feed, _ = feeds.add_feed(
            session,
            site.url("/feed.xml"),
            scope_domain="127.0.0.1",
            now=datetime.now(UTC),
            interval=900,
        )
    engine.dispose()
    poll.poll_feed.apply(kwargs={"feed_id": feed.id}).get()
    entries = set(queued_fetch_urls(redis_client))
    assert len(entries) == 2
    redis_client.flushall()
    # When Celery gives the poll up as its pool process died (polls are never
    # retried, so no second delivery follows): the handler of task_failure
    task_failure.send(
        sender=poll.poll_feed,
        task_id="killed",
        exception=WorkerLostError("Worker exited prematurely: signal 9 (SIGKILL)."),
        args=(),
        kwargs={"feed_id": feed.id},
    )
    # Then the entries still pending go out again
    assert set(queued_fetch_urls(redis_client)) == entries


def test_a_fetch_delivered_again_sends_its_follow_links_again(
    app: NewsfeedCelery, site: FixtureServer, redis_client: redis.Redis
) -> None:
    # Given a page stored by a fetch whose follow_links message was then lost
    kwargs = {"url": site.url("/news/a1.html"), "depth": 0, "scope": "127.0.0.1"}
    first = fetch.fetch_article.apply(kwargs=kwargs).get()
    assert first["status"] == "new"
    assert [m.task for m in queued(redis_client, LINKS_QUEUE)] == [
        "newsfeed.follow_links"
    ]
    redis_client.flushall()
    # When the fetch is delivered once more as a first delivery, it only finds the
    # page known
    assert fetch.fetch_article.apply(kwargs=kwargs).get()["status"] == "known"
    assert queued(redis_client, LINKS_QUEUE) == []
    # but delivered as a retry, it sends the page's follow_links again, which decides
    # from the stored page
    again = fetch.fetch_article.apply(kwargs=kwargs, retries=1).get()
    assert again == {"status": "known", "article_id": first["article_id"]}
    [sent] = queued(redis_client, LINKS_QUEUE)
    assert sent.task == "newsfeed.follow_links"
    assert sent.kwargs["article_id"] == first["article_id"]
    assert "links" not in sent.kwargs
