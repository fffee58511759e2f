"""Log rendering: credentials never reach the output (RELIABILITY S11)."""

from __future__ import annotations

import json
import logging

import pytest
import structlog
from kombu.transport.virtual import base as kombu_virtual

from worker.logs import KOMBU_RESTORE_LOGGER, configure_logging, mask_credentials


def test_credentials_in_urls_are_masked() -> None:
    event = mask_credentials(
        None,
        "info",
        {
            "event": "fetched",
            "url": "http://user:pass@host/a",
            "redis": "redis://:s3cret@h:6379/0",
            "n": 3,
        },
    )
    assert event["url"] == "http://user:**@host/a"
    assert event["redis"] == "redis://:**@h:6379/0"
    assert event["n"] == 3


def test_json_lines_carry_bound_task_context(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("INFO", "json")
    structlog.contextvars.bind_contextvars(task_id="t-1", url="http://a:b@x/")
    try:
        structlog.get_logger("t").info("article_stored", outcome="new")
        logging.getLogger("celery.test").warning("foreign %s", "line")
    finally:
        structlog.contextvars.clear_contextvars()
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    ours = next(line for line in lines if line["event"] == "article_stored")
    assert ours["task_id"] == "t-1"
    assert ours["url"] == "http://a:**@x/"
    assert any(line["event"] == "foreign line" for line in lines)


def test_kombu_is_quiet_at_info_but_for_the_messages_a_stop_hands_back() -> None:
    configure_logging("INFO", "json")
    assert not logging.getLogger("kombu.connection").isEnabledFor(logging.INFO)
    restore = logging.getLogger(KOMBU_RESTORE_LOGGER)
    assert restore.isEnabledFor(logging.INFO)
    # the logger kombu logs "Restoring N unacknowledged message(s)" with
    assert kombu_virtual.logger is restore
