"""The ``newsfeed`` command: thin front door to the service, the store and the pipeline.

Each sub-command parses its arguments, calls one thing and prints the result. Errors are
one line on stderr and a non-zero exit status. Run ``newsfeed --help`` for the list.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

from worker.cli.articles import article_commands
from worker.cli.common import CliError, cli_settings
from worker.cli.feeds import feed_commands
from worker.cli.service import run_commands
from worker.errors import NewsfeedError

__all__ = ["CliError", "build_parser", "main"]


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

    for group in (feed_commands, run_commands, article_commands):
        group(add)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from worker.exits import collect_once_at_exit  # noqa: PLC0415
    from worker.logs import configure_logging  # noqa: PLC0415

    collect_once_at_exit()

    settings = cli_settings()
    configure_logging(settings.log_level, settings.log_format)
    try:
        return int(args.func(args))
    except (CliError, NewsfeedError, ValueError, OSError) as exc:
        print(f"newsfeed: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("newsfeed: interrupted", file=sys.stderr)
        return 130
