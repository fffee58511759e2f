"""``newsfeed articles``, ``show``, ``export``, and the storage-free tools
``extract`` and ``parse-feed``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, TextIO

from worker.cli.common import (
    CliError,
    cli_settings,
    iso_utc,
    open_session,
    print_json,
)
from worker.errors import NewsfeedError


def cmd_articles(args: argparse.Namespace) -> int:
    from worker.store import articles  # noqa: PLC0415

    with open_session() as session:
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

    with open_session() as session:
        article = articles.get_article(session, args.id)
        if article is None:
            raise CliError(f"no article {args.id}")
        record = reports.article_record(session, article)
    if args.json:
        print_json(record)
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
    with open_session() as session, _output(args.output) as stream:
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


def _read_input(
    source: str, *, accept: Literal["html", "feed"]
) -> tuple[bytes, str, str | None, str]:
    """(body, url, charset, content type) from a file path or an http(s) URL."""
    if source.startswith(("http://", "https://")):
        from worker.net.fetcher import Fetcher  # noqa: PLC0415

        fetcher = Fetcher.from_settings(cli_settings())
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
            print_json(record)
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
                "published": iso_utc(e.published),
                "updated": iso_utc(e.updated),
            }
            for e in parsed.entries
        ],
    }
    if args.json:
        print_json(doc)
    else:
        print(f"{parsed.kind.value}: {parsed.title} ({len(parsed.entries)} entries)")
        for e in doc["entries"]:
            print(f"  {e['published'] or '-':<25} {e['title']}\n  {'':<25} {e['url']}")
    return 0


def article_commands(
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
