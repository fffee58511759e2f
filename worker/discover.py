"""Find the sources a site offers, for ``newsfeed add-feed https://site/``.

Given a URL, :func:`discover` fetches it. A feed or sitemap is itself the answer. A
web page is searched for its feeds, in the order a reader would trust them:

1. ``<link rel="alternate">`` feeds the page declares, then links in the page that
   name a feed ("RSS", ``/feed.xml``);
2. the common feed and sitemap paths of the site (``/feed``, ``/rss.xml``,
   ``/sitemap.xml`` ...);
3. the ``Sitemap:`` lines of the site's robots.txt.

Each candidate is fetched and parsed before it is offered, and candidates robots.txt
disallows are skipped. When none is found and the page itself lists articles, the page
is offered as an HTML listing. The pure parts (reading ``<link>`` elements, robots
lines, listing structure) are in ``worker.pipeline.discovery`` and
``worker.pipeline.sources``; this module does the requests, through the same guarded
fetcher the workers use.

What this module does not do: store anything (the CLI adds what the user accepts).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import get_args
from urllib.parse import urljoin

from protego import Protego

from schemas.enums import FailureReason, FeedKind
from worker.errors import ContentError, NewsfeedError
from worker.logs import get_logger
from worker.net.fetcher import Fetcher
from worker.pipeline.discovery import (
    FeedSource,
    common_feed_candidates,
    discover_feeds,
    robots_sitemap_candidates,
)
from worker.pipeline.feeds import parse_feed
from worker.pipeline.listing import parse_listing
from worker.pipeline.urls import canonical_url

log = get_logger(__name__)

# Requests spent on checking candidates, beyond the page and robots.txt.
MAX_CHECKS = 24
# ``FeedSource`` lists the discovery sources most trusted first; "given" beats them all.
SOURCES = ("given", *get_args(FeedSource))


@dataclass(frozen=True)
class Found:
    url: str
    kind: FeedKind
    source: str  # one of SOURCES
    title: str | None = None
    entries: int = 0


def discover(fetcher: Fetcher, url: str, *, user_agent: str) -> list[Found]:
    """The sources ``url`` offers, checked, most trusted first.

    Raises:
        NewsfeedError: the URL itself could not be fetched.
    """
    page = fetcher.fetch(url, accept="feed")
    content_type = page.headers.get("Content-Type")
    try:
        parsed = parse_feed(page.body, url=page.url, content_type=content_type)
    except ContentError as exc:
        if exc.reason != FailureReason.NOT_FEED:
            raise
    else:
        return [
            Found(
                canonical_url(page.url),
                parsed.kind,
                "given",
                parsed.title,
                len(parsed.entries),
            )
        ]
    robots_txt = _robots(fetcher, page.url)
    robots = Protego.parse(robots_txt)
    candidates: dict[str, str] = {}
    for candidate in (
        *discover_feeds(page.body, url=page.url, content_type=content_type),
        *common_feed_candidates(page.url),
        *robots_sitemap_candidates(robots_txt, url=page.url),
    ):
        candidates.setdefault(candidate.url, candidate.source)
    found = _check(fetcher, candidates, robots, user_agent)
    if not found:
        try:
            listing = parse_listing(page.body, url=page.url, content_type=content_type)
        except ContentError:
            return []
        if listing.entries:
            found.append(
                Found(
                    canonical_url(page.url),
                    FeedKind.HTML_LISTING,
                    "page_itself",
                    listing.title,
                    len(listing.entries),
                )
            )
    return found


def choose(found: list[Found]) -> list[Found]:
    """What ``add-feed`` adds by default: the candidates of the most trusted source
    that produced any (a site's declared feeds make its sitemaps redundant)."""
    for source in SOURCES:
        chosen = [f for f in found if f.source == source]
        if chosen:
            return chosen
    return []


def _robots(fetcher: Fetcher, url: str) -> str:
    try:
        page = fetcher.fetch(urljoin(url, "/robots.txt"), accept="robots")
    except NewsfeedError:
        return ""
    return page.body.decode("utf-8", "replace")


def _check(
    fetcher: Fetcher, candidates: dict[str, str], robots: Protego, user_agent: str
) -> list[Found]:
    found: dict[str, Found] = {}
    for url, source in list(candidates.items())[:MAX_CHECKS]:
        if not robots.can_fetch(url, user_agent):
            log.info("discovery_skipped", url=url, reason="robots_disallowed")
            continue
        try:
            page = fetcher.fetch(url, accept="feed")
            parsed = parse_feed(
                page.body, url=page.url, content_type=page.headers.get("Content-Type")
            )
            final = canonical_url(page.url)
        except (NewsfeedError, ValueError) as exc:
            log.debug("discovery_candidate_failed", url=url, error=str(exc))
            continue
        # /feed and /rss.xml are often the same feed behind a redirect.
        found.setdefault(
            final, Found(final, parsed.kind, source, parsed.title, len(parsed.entries))
        )
    return list(found.values())
