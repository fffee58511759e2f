"""Logging: structlog for our events, one stdlib handler for everything.

Our code logs snake_case past-tense events with key-value fields
(``log.info("article_stored", url=..., outcome=...)``). Celery, kombu and urllib3 log
through the standard library; a single ``ProcessorFormatter`` renders both the same way
(the arrangement of warehouse/logging.py): readable on a terminal, JSON lines otherwise.

Inside a task, Celery signals bind ``task_id`` and ``task_name`` into contextvars and
the task base binds the domain key (url / feed_id / article_id), so every line
carries them.
Credentials in URLs are masked wherever they appear in an event.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

_CREDENTIALS = re.compile(
    r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:/@\s]*):[^@/\s]+@"
)


def _mask_secret(value: str) -> str:
    return _CREDENTIALS.sub(r"\g<scheme>\g<user>:**@", value)


def mask_credentials(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """Replace ``user:password@`` in every string value with ``user:**@`` (S11)."""
    for key, value in event_dict.items():
        if isinstance(value, str) and "@" in value:
            event_dict[key] = _mask_secret(value)
    return event_dict


def _shared_processors() -> list[Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.stdlib.ExtraAdder(),
        mask_credentials,
    ]


KOMBU_RESTORE_LOGGER = "kombu.transport.virtual.base"


def configure_logging(level: str = "INFO", fmt: str = "auto") -> None:
    """Configure structlog and the root logger once per process."""
    as_json = fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())
    renderer: Processor = (
        structlog.processors.JSONRenderer()
        if as_json
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    shared = _shared_processors()
    structlog.configure(
        processors=[
            *shared,
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Per-request chatter from these is noise at INFO.
    # Celery's per-task "received"/"succeeded" lines repeat what our one summary event
    # per task says; they come back at DEBUG.
    quiet = (
        "urllib3",
        "kombu",
        "amqp",
        "alembic",
        "celery.worker.strategy",
        "celery.app.trace",
    )
    quiet_level = root.level if root.level <= logging.DEBUG else logging.WARNING
    for noisy in quiet:
        logging.getLogger(noisy).setLevel(max(quiet_level, root.level))
    # Except kombu's one line at a stop, "Restoring N unacknowledged message(s)": the
    # messages a stopping worker hands back to the queue (RELIABILITY F8).
    logging.getLogger(KOMBU_RESTORE_LOGGER).setLevel(root.level)


def get_logger(name: str) -> Any:
    """A structlog logger; ``Any`` because BoundLogger's methods are dynamic."""
    return structlog.get_logger(name)


def bind_task_context(task_id: str | None, task_name: str | None) -> None:
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(task_id=task_id, task_name=task_name)


def clear_task_context() -> None:
    structlog.contextvars.clear_contextvars()
