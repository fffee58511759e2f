"""recrawl: the re-crawl trigger users call (``recrawl.delay``, ``celery call``,
Flower's REST API, ``newsfeed recrawl``).

Given a URL or an article, it fetches the page again now, bypassing the seen-before
check; a changed page yields a revision. Given a feed, it polls without conditional
GET and re-fetches every entry. The URL is hostile input like any other: the same
guards apply inside the fetch (S4).
"""

from __future__ import annotations

from typing import Any

from celery import shared_task

from schemas.enums import Stage
from worker.errors import ContentError
from worker.logs import get_logger
from worker.store import articles
from worker.tasks.fetch import FetchTask, crawl_article, to_order

log = get_logger(__name__)


class RecrawlTask(FetchTask):
    stage = Stage.FETCH


@shared_task(base=RecrawlTask, bind=True, name="newsfeed.recrawl")
def recrawl(
    self: RecrawlTask,
    url: str | None = None,
    article_id: int | None = None,
    feed_id: int | None = None,
) -> dict[str, Any]:
    """Fetch a URL, an article or a whole feed again now."""
    from worker.tasks.poll import poll_feed  # noqa: PLC0415 - import cycle

    if feed_id is not None:
        poll_feed.delay(feed_id=feed_id, force=True)
        log.info("recrawl_requested", feed_id=feed_id)
        return {"status": "poll_enqueued", "feed_id": feed_id}
    if url is None and article_id is not None:
        with self.runtime.session() as session:
            article = articles.get_article(session, article_id)
        if article is None:
            raise ContentError(f"no article {article_id}")
        url = article.canonical_url
    if url is None:
        raise ContentError("recrawl needs url, article_id or feed_id")
    order = to_order(url, depth=0, scope=None, feed_id=None, force=True)
    return crawl_article(self, order)
