"""``newsfeed up`` (the service), ``crawl`` (until the queues drain), ``recrawl`` and
``reextract``."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from worker import broker
from worker.cli.common import (
    CliError,
    cli_settings,
)
from worker.settings import export_to_environment


def cmd_up(args: argparse.Namespace) -> int:
    from worker.service import Service, install_stop_handlers  # noqa: PLC0415
    from worker.store.migrate import upgrade  # noqa: PLC0415

    settings = cli_settings()
    if args.flower and settings.flower_basic_auth is None:
        raise CliError(
            "--flower needs FLOWER_BASIC_AUTH=user:password (Flower is never open)"
        )
    upgrade(settings.resolved_database_url())
    service = Service(settings)
    install_stop_handlers()
    try:
        url = service.start_broker(appendonly=True)
        print(f"broker: {broker.mask_url(url)}", file=sys.stderr)
        service.start_worker(concurrency=args.concurrency or settings.concurrency)
        if not args.no_beat:
            service.start_beat()
        if args.flower:
            service.start_flower(port=args.flower_port)
            print(f"flower: http://127.0.0.1:{args.flower_port}", file=sys.stderr)
        print("newsfeed is up; Ctrl-C stops it (queued work is kept)", file=sys.stderr)
        while (problem := service.failed_child()) is None:
            time.sleep(0.5)
        raise CliError(problem)
    except KeyboardInterrupt:
        print("stopping (warm shutdown)…", file=sys.stderr)
        return 0
    finally:
        service.stop()


def cmd_crawl(args: argparse.Namespace) -> int:
    from worker.crawl import run_crawl  # noqa: PLC0415

    if args.sample:
        from worker.devserver import serve_site  # noqa: PLC0415
        from worker.sample_site import write_site  # noqa: PLC0415

        print(
            "serving the bundled sample site on 127.0.0.1; private addresses are "
            "allowed and politeness is off for this run only",
            file=sys.stderr,
        )
        export_to_environment(
            {
                "NEWSFEED_ALLOW_PRIVATE_NETWORKS": "true",
                "NEWSFEED_HOST_MIN_INTERVAL": "0",
            }
        )
        with tempfile.TemporaryDirectory(prefix="newsfeed-sample-") as root:
            write_site(Path(root))
            with serve_site(Path(root)) as base:
                return run_crawl([f"{base}/feed.xml", *args.urls], args, show=True)
    return run_crawl(list(args.urls), args, show=args.show)


def cmd_recrawl(args: argparse.Namespace) -> int:
    _require_broker()
    from worker.celery import app  # noqa: PLC0415

    kwargs: dict[str, Any] = {}
    if args.url:
        kwargs["url"] = args.url
    if args.article is not None:
        kwargs["article_id"] = args.article
    if args.feed is not None:
        kwargs["feed_id"] = args.feed
    if not kwargs:
        raise CliError("recrawl needs a URL, --article ID or --feed ID")
    result = app.send_task("newsfeed.recrawl", kwargs=kwargs)
    print(f"recrawl enqueued: task {result.id}")
    return 0


def cmd_reextract(args: argparse.Namespace) -> int:
    scope: dict[str, Any] = {
        "feed_id": args.feed,
        "domain": args.domain,
        "since": args.since,
        "until": args.until,
    }
    if not args.inline:
        _require_broker()
        from worker.celery import app  # noqa: PLC0415

        result = app.send_task("newsfeed.reextract", kwargs=scope)
        print(f"re-extraction enqueued: task {result.id}")
        return 0
    from collections import Counter  # noqa: PLC0415

    from worker.runtime import get_runtime  # noqa: PLC0415
    from worker.store.migrate import upgrade  # noqa: PLC0415
    from worker.tasks.reextract import BATCH, reextract_batch  # noqa: PLC0415

    settings = cli_settings()
    upgrade(settings.resolved_database_url())
    # Re-extraction touches only the database: the Redis client is never connected.
    redis_url = settings.redis_url or broker.EmbeddedRedis(settings.data_dir).url
    runtime = get_runtime(settings, redis_url)
    counts: Counter[str] = Counter()
    ids = [0] * BATCH
    while len(ids) == BATCH:
        ids, done = reextract_batch(runtime, after_id=ids[-1], **scope)
        counts.update(done)
    print(", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "no articles")
    return 0


def _require_broker() -> None:
    settings = cli_settings()
    if (
        not settings.redis_url
        and not broker.EmbeddedRedis(settings.data_dir).is_running()
    ):
        raise CliError(
            "no broker: start the service with `newsfeed up`, set REDIS_URL, "
            "or use --inline"
        )


def run_commands(
    add: Callable[[str, Callable[[argparse.Namespace], int], str], Any],
) -> None:
    p = add(
        "crawl", cmd_crawl, "Crawl feeds/pages until the queues drain; print a summary."
    )
    p.add_argument("urls", nargs="*", help="feed or article URLs (default: every feed)")
    p.add_argument(
        "--sample", action="store_true", help="crawl the bundled sample site"
    )
    p.add_argument("--concurrency", type=int, help="worker processes")
    p.add_argument(
        "--timeout", type=float, default=3600.0, help="give up after seconds"
    )
    p.add_argument(
        "--show", action="store_true", help="list the stored articles at the end"
    )
    p = add("up", cmd_up, "Run the service: broker, worker, beat (and Flower).")
    p.add_argument("--concurrency", type=int, help="worker processes")
    p.add_argument("--flower", action="store_true", help="also run Flower (needs auth)")
    p.add_argument("--flower-port", type=int, default=5555)
    p.add_argument("--no-beat", action="store_true", help="do not schedule feed polls")
    p = add("recrawl", cmd_recrawl, "Fetch a URL, article or feed again now.")
    p.add_argument("url", nargs="?")
    p.add_argument("--article", type=int)
    p.add_argument("--feed", type=int)
    p = add(
        "reextract",
        cmd_reextract,
        "Re-derive stored articles from their stored pages (no fetching).",
    )
    p.add_argument("--feed", type=int, help="only articles from this feed")
    p.add_argument("--domain", help="only articles on this domain (and subdomains)")
    p.add_argument("--since", help="first seen at or after (ISO 8601)")
    p.add_argument("--until", help="first seen before (ISO 8601)")
    p.add_argument("--inline", action="store_true", help="run here, not as a task")
