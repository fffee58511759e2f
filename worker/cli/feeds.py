"""``newsfeed db``, ``add-feed`` (with discovery) and ``feeds`` (each feed's polling
state)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from worker import broker
from worker.cli.common import (
    CliError,
    cli_settings,
    database_url,
    human_when,
    iso_utc,
    open_session,
    print_json,
)


def cmd_db(args: argparse.Namespace) -> int:
    from worker.store import migrate  # noqa: PLC0415

    url = database_url()
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

    settings = cli_settings()
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

    with open_session() as session:
        for url in urls:
            feed, created = feeds.add_feed(
                session,
                url,
                scope_domain=registrable_domain(url),
                now=datetime.now(UTC),
                interval=cli_settings().default_poll_interval,
            )
            state = "added" if created else "already present"
            print(f"{state}: feed {feed.id} {url}")


def cmd_feeds(args: argparse.Namespace) -> int:
    from worker.store import feeds  # noqa: PLC0415

    with open_session() as session:
        rows = feeds.list_feeds(session)
    if not rows:
        print("no feeds; add one with: newsfeed add-feed URL")
    if args.json:
        for f in rows:
            print_json(_feed_state(f))
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
            f"      last poll {human_when(f.last_polled_at)}: {f.last_status or '-'}"
            f"{' (' + f.last_reason + ')' if f.last_reason else ''},"
            f" entries seen {f.entries_seen}, error streak {f.error_streak}"
        )
        print(
            f"      every {_duration(f.poll_interval_seconds)} ({f.interval_reason}),"
            f" next {human_when(f.next_poll_at)}"
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
        "last_polled_at": iso_utc(f.last_polled_at),
        "last_status": f.last_status,
        "last_reason": f.last_reason,
        "last_http_status": f.last_http_status,
        "entries_seen": f.entries_seen,
        "interval_seconds": f.poll_interval_seconds,
        "interval_reason": f.interval_reason,
        "next_poll_at": iso_utc(f.next_poll_at),
        "error_streak": f.error_streak,
        "permanent_error_streak": f.permanent_error_streak,
        "stale": f.stale,
        "last_new_entry_at": iso_utc(f.last_new_entry_at),
        "usual_gap_seconds": f.usual_gap_seconds,
        "problems": f.last_problems,
    }


def _duration(seconds: int) -> str:
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"


def feed_commands(
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
    p = add(
        "db", cmd_db, "Database schema: upgrade to head, check drift, show current."
    )
    p.add_argument("action", choices=["upgrade", "check", "current"])
