"""The ``newsfeed`` command: thin front door to the service, the store and the pipeline.

Each sub-command parses its arguments, calls one thing and prints the result. Errors are
one line on stderr and a non-zero exit status. Run ``newsfeed --help`` for the list.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, TextIO

from worker import broker
from worker.errors import NewsfeedError
from worker.settings import Settings, export_to_environment, get_settings


class CliError(Exception):
    """A user-facing error: printed as one line, exit status 1."""


def _settings() -> Settings:
    return get_settings()


def _database_url() -> str:
    return _settings().resolved_database_url()


@contextmanager
def _session() -> Iterator[Any]:
    from worker.store.database import get_engine, session_scope  # noqa: PLC0415
    from worker.store.migrate import upgrade  # noqa: PLC0415

    url = _database_url()
    upgrade(url)
    with session_scope(get_engine(url)) as session:
        yield session


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, default=str))


# --------------------------------------------------------------------------- db, feeds


def cmd_db(args: argparse.Namespace) -> int:
    from worker.store import migrate  # noqa: PLC0415

    url = _database_url()
    if args.action == "upgrade":
        migrate.upgrade(url)
        print(f"database at head: {broker.mask_url(url)}")
    elif args.action == "check":
        migrate.check(url)
        print("models and migrations agree")
    else:
        print(", ".join(sorted(migrate.current_heads(url))) or "(empty)")
    return 0


def cmd_add_feed(args: argparse.Namespace) -> int:
    from worker.pipeline.urls import canonical_url  # noqa: PLC0415

    try:
        url = canonical_url(args.url)
    except ValueError as exc:
        raise CliError(f"not an http(s) URL: {args.url}") from exc
    if args.no_discover:
        _add_feeds([url])
        return 0
    from worker.discover import choose, discover  # noqa: PLC0415
    from worker.net.fetcher import Fetcher  # noqa: PLC0415

    settings = _settings()
    fetcher = Fetcher.from_settings(settings)
    try:
        found = discover(fetcher, url, user_agent=settings.user_agent)
    finally:
        fetcher.close()
    if not found:
        raise CliError(
            f"no feed, sitemap or article listing found at {url};"
            " add it anyway with --no-discover"
        )
    chosen = found if args.all else choose(found)
    for f in found:
        mark = "+" if f in chosen and not args.dry_run else " "
        print(
            f"{mark} {f.kind.value:<13} {f.url}  ({f.entries} entries,"
            f" {f.source.replace('_', ' ')}){' ' + f.title if f.title else ''}"
        )
    if not args.dry_run:
        _add_feeds([f.url for f in chosen])
    return 0


def _add_feeds(urls: list[str]) -> None:
    from worker.pipeline.urls import registrable_domain  # noqa: PLC0415
    from worker.store import feeds  # noqa: PLC0415

    with _session() as session:
        for url in urls:
            feed, created = feeds.add_feed(
                session,
                url,
                scope_domain=registrable_domain(url),
                now=datetime.now(UTC),
                interval=_settings().default_poll_interval,
            )
            state = "added" if created else "already present"
            print(f"{state}: feed {feed.id} {url}")


def cmd_feeds(args: argparse.Namespace) -> int:
    from worker.store import feeds  # noqa: PLC0415

    with _session() as session:
        rows = feeds.list_feeds(session)
    if not rows:
        print("no feeds; add one with: newsfeed add-feed URL")
    if args.json:
        for f in rows:
            _print_json(_feed_state(f))
        return 0
    for f in rows:
        state = "on " if f.enabled else "off"
        flags = "".join(
            [
                " STALE" if f.stale else "",
                f" (disabled: {f.disabled_reason})" if f.disabled_reason else "",
                f" (from index {f.parent_id})" if f.parent_id else "",
            ]
        )
        print(f"{f.id:>5} {state} {f.kind:<13} {f.url}{flags}")
        print(
            f"      last poll {_when(f.last_polled_at)}: {f.last_status or '-'}"
            f"{' (' + f.last_reason + ')' if f.last_reason else ''},"
            f" entries seen {f.entries_seen}, error streak {f.error_streak}"
        )
        print(
            f"      every {_duration(f.poll_interval_seconds)} ({f.interval_reason}),"
            f" next {_when(f.next_poll_at)}"
        )
        if f.last_problems:
            print(f"      problems: {f.last_problems}")
    return 0


def _feed_state(f: Any) -> dict[str, Any]:
    return {
        "id": f.id,
        "url": f.url,
        "kind": f.kind,
        "title": f.title,
        "enabled": f.enabled,
        "disabled_reason": f.disabled_reason,
        "parent_id": f.parent_id,
        "last_polled_at": _iso(f.last_polled_at),
        "last_status": f.last_status,
        "last_reason": f.last_reason,
        "last_http_status": f.last_http_status,
        "entries_seen": f.entries_seen,
        "interval_seconds": f.poll_interval_seconds,
        "interval_reason": f.interval_reason,
        "next_poll_at": _iso(f.next_poll_at),
        "error_streak": f.error_streak,
        "permanent_error_streak": f.permanent_error_streak,
        "stale": f.stale,
        "last_new_entry_at": _iso(f.last_new_entry_at),
        "usual_gap_seconds": f.usual_gap_seconds,
        "problems": f.last_problems,
    }


def _when(value: datetime | None) -> str:
    if value is None:
        return "never"
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _duration(seconds: int) -> str:
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"


# --------------------------------------------------------------------------- articles


def cmd_articles(args: argparse.Namespace) -> int:
    from worker.store import articles  # noqa: PLC0415

    with _session() as session:
        rows = articles.list_articles(session, limit=args.limit)
    if not rows:
        print("no articles yet")
    for a in rows:
        when = a.published_at.date().isoformat() if a.published_at else "----------"
        print(f"{a.id:>6} {when} [{a.section or '-'}] {a.headline or '(no headline)'}")
        print(
            f"       {a.canonical_url}  ({a.word_count} words, rev {a.revision_count})"
        )
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from worker.store import articles, reports  # noqa: PLC0415

    with _session() as session:
        article = articles.get_article(session, args.id)
        if article is None:
            raise CliError(f"no article {args.id}")
        record = reports.article_record(session, article)
    if args.json:
        _print_json(record)
        return 0
    body = record.pop("body_text")
    for key, value in record.items():
        if value not in (None, [], {}, ""):
            print(f"{key:>20}: {json.dumps(value, ensure_ascii=False, default=str)}")
    print()
    print(body)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from worker.store import reports  # noqa: PLC0415

    count = 0
    with _session() as session, _output(args.output) as stream:
        for record in reports.iter_article_records(session):
            stream.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
            count += 1
    print(f"exported {count} articles", file=sys.stderr)
    return 0


@contextmanager
def _output(path: str | None) -> Iterator[TextIO]:
    if path is None:
        yield sys.stdout
        return
    with Path(path).open("w", encoding="utf-8") as stream:
        yield stream


# --------------------------------------------------------------------------- pure tools


def _read_input(
    source: str, *, accept: Literal["html", "feed"]
) -> tuple[bytes, str, str | None, str]:
    """(body, url, charset, content type) from a file path or an http(s) URL."""
    if source.startswith(("http://", "https://")):
        from worker.net.fetcher import Fetcher  # noqa: PLC0415

        fetcher = Fetcher.from_settings(_settings())
        try:
            page = fetcher.fetch(source, accept=accept)
        finally:
            fetcher.close()
        return page.body, page.url, page.charset, page.content_type
    path = Path(source)
    if not path.is_file():
        raise CliError(f"no such file: {source}")
    return path.read_bytes(), path.resolve().as_uri(), None, ""


def cmd_extract(args: argparse.Namespace) -> int:
    from worker.pipeline.extract import extract_article  # noqa: PLC0415

    failures = 0
    for source in args.inputs:
        try:
            body, url, charset, _ = _read_input(source, accept="html")
        except (CliError, NewsfeedError) as exc:
            print(f"newsfeed: {source}: {exc}", file=sys.stderr)
            failures += 1
            continue
        article = extract_article(body, url=args.url or url, charset=charset)
        record = article.model_dump(mode="json")
        record["body"] = record.pop("body_text")
        if args.json:
            _print_json(record)
        else:
            print(f"# {article.headline or '(no headline)'}\n\n{article.body_text}\n")
    return 1 if failures else 0


def cmd_parse_feed(args: argparse.Namespace) -> int:
    from worker.pipeline.feeds import parse_feed  # noqa: PLC0415

    body, url, _, content_type = _read_input(args.input, accept="feed")
    parsed = parse_feed(
        body,
        url=args.url or url,
        content_type=args.content_type or content_type,
        content_location=args.content_location,
    )
    doc: dict[str, Any] = {
        "feed": {
            "title": parsed.title,
            "url": parsed.url,
            "kind": parsed.kind.value,
            "encoding": parsed.encoding,
            "problems": list(parsed.problems),
        },
        "entries": [
            {
                "url": e.url,
                "id": e.id,
                "title": e.title,
                "summary": e.summary,
                "authors": list(e.authors),
                "published": _iso(e.published),
                "updated": _iso(e.updated),
            }
            for e in parsed.entries
        ],
    }
    if args.json:
        _print_json(doc)
    else:
        print(f"{parsed.kind.value}: {parsed.title} ({len(parsed.entries)} entries)")
        for e in doc["entries"]:
            print(f"  {e['published'] or '-':<25} {e['title']}\n  {'':<25} {e['url']}")
    return 0


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


# --------------------------------------------------------------------------- service


def cmd_up(args: argparse.Namespace) -> int:
    from worker.service import Service, install_stop_handlers  # noqa: PLC0415
    from worker.store.migrate import upgrade  # noqa: PLC0415

    settings = _settings()
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

    settings = _settings()
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
    settings = _settings()
    if (
        not settings.redis_url
        and not broker.EmbeddedRedis(settings.data_dir).is_running()
    ):
        raise CliError(
            "no broker: start the service with `newsfeed up`, set REDIS_URL, "
            "or use --inline"
        )


# --------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsfeed",
        description="Event-driven news ingestion: feeds in, articles out.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func: Callable[[argparse.Namespace], int], help_: str) -> Any:
        p = sub.add_parser(name, help=help_, description=help_)
        p.set_defaults(func=func)
        return p

    for group in (_feed_commands, _run_commands, _article_commands):
        group(add)
    return parser


def _feed_commands(
    add: Callable[[str, Callable[[argparse.Namespace], int], str], Any],
) -> None:
    p = add(
        "add-feed",
        cmd_add_feed,
        "Add a feed, sitemap or listing page to poll; given a site's page, find the "
        "feeds it offers (<link rel=alternate>, common paths, robots.txt sitemaps).",
    )
    p.add_argument("url")
    p.add_argument(
        "--all", action="store_true", help="add every source found, not the best kind"
    )
    p.add_argument("--dry-run", action="store_true", help="list what was found only")
    p.add_argument(
        "--no-discover", action="store_true", help="add the URL as given, unfetched"
    )
    p = add("feeds", cmd_feeds, "List feeds and their polling state.")
    p.add_argument("--json", action="store_true", help="one JSON object per feed")


def _run_commands(
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


def _article_commands(
    add: Callable[[str, Callable[[argparse.Namespace], int], str], Any],
) -> None:
    p = add("articles", cmd_articles, "List stored articles.")
    p.add_argument("--limit", type=int, default=50)
    p = add("show", cmd_show, "Show one stored article with every field.")
    p.add_argument("id", type=int)
    p.add_argument("--json", action="store_true")
    p = add(
        "export", cmd_export, "Export every stored article, one JSON object a line."
    )
    p.add_argument("--format", choices=["jsonl"], default="jsonl")
    p.add_argument("--output", help="file to write (default: stdout)")
    p = add("extract", cmd_extract, "Extract articles from files or URLs (no storage).")
    p.add_argument("inputs", nargs="+", metavar="PATH_OR_URL")
    p.add_argument("--url", help="the page's URL (for links and canonical)")
    p.add_argument("--json", action="store_true", help="one JSON object per input")
    p = add("parse-feed", cmd_parse_feed, "Parse a feed file or URL (no storage).")
    p.add_argument("input", metavar="PATH_OR_URL")
    p.add_argument("--url", help="the feed's URL (for relative links)")
    p.add_argument("--content-type", help="the HTTP Content-Type (charset, JSON)")
    p.add_argument(
        "--content-location", help="the HTTP Content-Location (base for relative URLs)"
    )
    p.add_argument("--json", action="store_true")
    p = add(
        "db", cmd_db, "Database schema: upgrade to head, check drift, show current."
    )
    p.add_argument("action", choices=["upgrade", "check", "current"])


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from worker.logs import configure_logging  # noqa: PLC0415

    settings = _settings()
    configure_logging(settings.log_level, settings.log_format)
    try:
        return int(args.func(args))
    except (CliError, NewsfeedError, ValueError, OSError) as exc:
        print(f"newsfeed: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("newsfeed: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
