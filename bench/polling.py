"""Polling 2,000 local feeds that answer 304: feeds/s and CPU per poll.

    python -m bench.polling [--feeds 2000] [--concurrency 4]

A threaded HTTP server on 127.0.0.1 serves ``/feed/N.xml``, a small RSS document with
an ``ETag``, and answers ``304 Not Modified`` to a matching ``If-None-Match``. The bench
runs the real service (embedded Redis, ``celery worker`` processes, a SQLite database
in a temporary directory), adds the feeds, and polls each one twice by sending
``poll_feed`` for every feed: the first round stores the validators, the second is all
304s. It prints, for the second round: feeds/s, worker CPU per poll (read from /proc
for the whole worker process tree) and the server's count of 304 answers, which must
equal the number of feeds. Loopback only, politeness off for the loopback host.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Feed {n}</title><link>{base}/</link>
<description>A quiet feed</description></channel></rss>
"""
CLK_TCK = os.sysconf("SC_CLK_TCK")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def do_GET(self) -> None:
        if not self.path.startswith("/feed/"):
            self._send(404, b"")
            return
        etag = f'"{self.path}"'
        if self.headers.get("If-None-Match") == etag:
            self.server.count("304")
            self._send(304, None, etag)
            return
        self.server.count("200")
        n = self.path.removeprefix("/feed/").removesuffix(".xml")
        self._send(200, FEED.format(n=n, base=self.server.base).encode(), etag)

    def _send(self, status: int, body: bytes | None, etag: str | None = None) -> None:
        self.send_response(status)
        if etag:
            self.send_header("ETag", etag)
        if body is not None:
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002, ARG002
        return


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.base = f"http://127.0.0.1:{self.server_address[1]}"
        self.counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def count(self, key: str) -> None:
        with self._lock:
            self.counts[key] = self.counts.get(key, 0) + 1


@contextmanager
def _serve() -> Iterator[_Server]:
    server = _Server()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _tree_cpu(root: int) -> float:
    """CPU seconds of ``root`` and its descendants, live or reaped, from /proc."""
    children: dict[int, list[int]] = {}
    stats: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry.name), int(fields[1])
        children.setdefault(ppid, []).append(pid)
        # utime + stime, plus cutime + cstime: pool children that were replaced
        # and reaped are counted in their parent's c-times.
        stats[pid] = sum(int(f) for f in fields[11:15]) / CLK_TCK
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += stats.get(pid, 0.0)
        todo.extend(children.get(pid, []))
    return total


def _round(
    app: Any,
    session_factory: Callable[[], AbstractContextManager[Any]],
    feed_ids: list[int],
    status: str,
) -> float:
    from sqlmodel import col, func, select  # noqa: PLC0415

    from schemas import Feed  # noqa: PLC0415

    started = datetime.now(UTC)
    t0 = time.perf_counter()
    with app.producer_or_acquire() as producer:
        for feed_id in feed_ids:
            app.send_task(
                "newsfeed.poll_feed", kwargs={"feed_id": feed_id}, producer=producer
            )
    while True:
        with session_factory() as session:
            done = session.exec(
                select(func.count())
                .select_from(Feed)
                .where(col(Feed.last_polled_at) >= started, Feed.last_status == status)
            ).one()
        if done >= len(feed_ids):
            return time.perf_counter() - t0
        time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, _serve() as server:
        os.environ.update(
            NEWSFEED_DATA_DIR=tmp,
            NEWSFEED_ALLOW_PRIVATE_NETWORKS="true",
            NEWSFEED_HOST_MIN_INTERVAL="0",
            NEWSFEED_LOG_FORMAT="json",
            NEWSFEED_LOG_LEVEL="WARNING",
        )
        for name in ("REDIS_URL", "DATABASE_URL"):
            os.environ.pop(name, None)
        run(server, Path(tmp), args.feeds, args.concurrency)


def run(server: _Server, data: Path, count: int, concurrency: int) -> None:
    from worker.app import create_app  # noqa: PLC0415
    from worker.runtime import get_runtime  # noqa: PLC0415
    from worker.service import Service  # noqa: PLC0415
    from worker.settings import get_settings  # noqa: PLC0415
    from worker.store import feeds  # noqa: PLC0415
    from worker.store.migrate import upgrade  # noqa: PLC0415

    settings = get_settings()
    upgrade(settings.resolved_database_url())
    service = Service(settings, log_path=data / "worker.log")
    redis_url = service.start_broker(appendonly=False)
    runtime = get_runtime(settings, redis_url)
    now = datetime.now(UTC)
    feed_ids = []
    with runtime.session() as session:
        for n in range(count):
            feed, _ = feeds.add_feed(
                session,
                f"{server.base}/feed/{n}.xml",
                scope_domain="127.0.0.1",
                now=now,
                interval=900,
            )
            assert feed.id is not None
            feed_ids.append(feed.id)
    app = create_app(settings)
    try:
        service.start_worker(concurrency=concurrency)
        worker_pid = service.children[0][1].pid
        first = _round(app, runtime.reading, feed_ids, "polled")
        cpu0 = _tree_cpu(worker_pid)
        wall = _round(app, runtime.reading, feed_ids, "not_modified")
        cpu = _tree_cpu(worker_pid) - cpu0
    finally:
        service.stop()
    print(f"first round (200, validators stored): {count / first:.0f} feeds/s")
    print(
        f"second round, {count} feeds answering 304, concurrency {concurrency}:"
        f" {count / wall:.0f} feeds/s, {cpu / count * 1000:.2f} ms worker CPU per poll,"
        f" server answered {server.counts.get('304', 0)} x 304"
    )


if __name__ == "__main__":
    main()
