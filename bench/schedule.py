"""How long one beat tick takes: ``schedule_due_feeds`` over 100,000 feeds.

    python -m bench.schedule                       # SQLite
    python -m bench.schedule --postgres postgresql://postgres@127.0.0.1:5432/test

For each database, the bench fills the ``feeds`` table (migrated by Alembic) with
``--feeds`` rows, makes a given share of them due, and runs the real task once in this
process (``schedule_due_feeds.apply()``): it claims the due feeds through the
``ix_feeds_due`` index in batches and publishes one ``poll_feed`` per feed to a real
(embedded) Redis. It checks that every due feed was published exactly once and that a
second tick publishes nothing (the lease), then prints the tick time. Rows: 0.1 %, 1 %
and 5 % due of the full table, and 1 % due of a tenth of it, to show that the time
follows the number due, not the total. Target (issue 4): < 1 s at 1 % of 100,000.
A Postgres run uses its own schema and drops it afterwards.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, delete, insert, text, update

from schemas import Feed
from schemas.base import url_hash
from worker.app import create_app
from worker.broker import EmbeddedRedis
from worker.logs import configure_logging
from worker.settings import Settings
from worker.store.migrate import upgrade


@contextmanager
def _database(kind: str, postgres: str | None, tmp: Path) -> Iterator[str]:
    if kind == "sqlite":
        url = f"sqlite:///{tmp / 'schedule.db'}"
        upgrade(url)
        yield url
        return
    assert postgres is not None
    server = Settings(database_url=postgres).resolved_database_url()
    schema = f"nf_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{server}{'&' if '?' in server else '?'}options=-csearch_path%3D{schema}"
    try:
        upgrade(url)
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _fill(url: str, total: int) -> None:
    engine = create_engine(url)
    later = datetime.now(UTC) + timedelta(days=1)
    with engine.begin() as conn:
        conn.execute(delete(Feed))
        for start in range(0, total, 10_000):
            rows = [
                {
                    "url": f"https://site{i % 997}.example/feed/{i}.xml",
                    "url_hash": url_hash(f"https://site{i % 997}.example/feed/{i}.xml"),
                    "scope_domain": f"site{i % 997}.example",
                    "kind": "rss",
                    "enabled": i % 50 != 0,  # some disabled feeds, as in real life
                    "poll_interval_seconds": 900,
                    "next_poll_at": later + timedelta(seconds=i),
                    "error_streak": 0,
                    "permanent_error_streak": 0,
                    "entries_seen": 0,
                    "stale": False,
                    "created_at": later,
                }
                for i in range(start, min(start + 10_000, total))
            ]
            conn.execute(insert(Feed), rows)
    engine.dispose()


def _make_due(url: str, count: int) -> None:
    engine = create_engine(url)
    past = datetime.now(UTC) - timedelta(minutes=1)
    with engine.begin() as conn:
        ids = [
            row[0]
            for row in conn.execute(
                text("SELECT id FROM feeds WHERE enabled ORDER BY id LIMIT :n"),
                {"n": count},
            )
        ]
        conn.execute(update(Feed).where(Feed.id.in_(ids)).values(next_poll_at=past))  # type: ignore[union-attr]
    engine.dispose()


def _tick(settings: Settings) -> tuple[float, int, int]:
    app = create_app(settings)
    from worker.tasks.schedule import schedule_due_feeds  # noqa: PLC0415

    client = app.broker_connection().default_channel.client  # type: ignore[attr-defined]
    client.flushdb()
    t0 = time.perf_counter()
    result = schedule_due_feeds.apply().get()
    elapsed = time.perf_counter() - t0
    published = int(client.llen("feeds"))
    again = schedule_due_feeds.apply().get()["count"]
    assert result["count"] == published, (result, published)
    return elapsed, published, int(again)


def run(kind: str, url: str, redis: str, total: int) -> None:
    settings = Settings(
        database_url=url, redis_url=redis, log_level="WARNING", log_format="json"
    )
    cases = [(total, 0.001), (total, 0.01), (total, 0.05), (total // 10, 0.01)]
    _fill(url, total)
    _tick(settings)  # warm up: app, engine and broker connections
    filled = total
    for size, share in cases:
        if size != filled:
            _fill(url, size)
            filled = size
        due = int(size * share)
        _make_due(url, due)
        elapsed, published, again = _tick(settings)
        ok = "ok" if published == due and again == 0 else "WRONG"
        print(
            f"{kind:<8} {size:>7,} feeds {share:>6.1%} due ({due:>5,}):"
            f" tick {elapsed * 1000:7.1f} ms, published {published:,},"
            f" second tick {again} [{ok}]"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=100_000)
    parser.add_argument("--postgres", help="also run on this PostgreSQL server URL")
    args = parser.parse_args()
    configure_logging("WARNING", "json")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        redis = EmbeddedRedis(tmp / "redis", appendonly=False)
        redis_url = redis.start()
        try:
            kinds = ["sqlite"] + (["postgres"] if args.postgres else [])
            for kind in kinds:
                with _database(kind, args.postgres, tmp) as url:
                    run(kind, url, redis_url, args.feeds)
        finally:
            redis.stop()


if __name__ == "__main__":
    main()
