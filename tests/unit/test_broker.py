"""Broker URL helpers and the embedded server's configuration."""

from __future__ import annotations

import gc
from dataclasses import dataclass
from pathlib import Path

import pytest
from celery import signals
from celery.exceptions import WorkerShutdown
from kombu import Connection

from worker import broker
from worker.app import BRPOP_TIMEOUT, celery_config  # also its signal handlers
from worker.broker import (
    EmbeddedRedis,
    kombu_url,
    mask_url,
    old_server_version,
    too_old,
    with_db,
)
from worker.settings import Settings


def test_unix_socket_url_becomes_redis_socket_for_kombu() -> None:
    assert kombu_url("unix:///run/r.sock") == "redis+socket:///run/r.sock"
    assert kombu_url("redis://h:6379/0") == "redis://h:6379/0"


def test_with_db_selects_another_logical_database() -> None:
    assert with_db("redis://:pw@h:6379/0", 1) == "redis://:pw@h:6379/1"
    assert with_db("unix:///r.sock", 1) == "unix:///r.sock?db=1"
    assert with_db("unix:///r.sock?db=0", 1) == "unix:///r.sock?db=1"


def test_passwords_are_masked() -> None:
    assert mask_url("redis://:secret@h:6379/0") == "redis://:**@h:6379/0"
    assert mask_url("postgresql://u:p@db/x") == "postgresql://u:**@db/x"
    assert mask_url("redis://h:6379/0") == "redis://h:6379/0"


def test_embedded_server_listens_only_on_a_private_unix_socket(tmp_path: Path) -> None:
    config = EmbeddedRedis(tmp_path)._config(detach=False)
    assert "port 0\n" in config
    assert "unixsocketperm 700\n" in config
    assert "maxmemory-policy noeviction\n" in config
    assert "appendonly yes\n" in config


def test_a_long_data_dir_gets_a_short_socket_path(tmp_path: Path) -> None:
    deep = tmp_path / ("x" * 120)
    assert len(str(EmbeddedRedis(deep).socket)) <= 100


def test_servers_older_than_6_0_are_too_old() -> None:
    assert too_old("5.0.7")
    assert too_old("4.0.9")
    assert not too_old("6.0.0")
    assert not too_old("6.2.14")
    assert not too_old("7.2.4")
    assert not too_old("")  # unknown: let it run


def test_a_server_that_does_not_answer_is_not_called_old(tmp_path: Path) -> None:
    assert old_server_version(f"unix://{tmp_path}/none.sock") is None


@dataclass(frozen=True)
class _App:
    redis_url: str


@dataclass(frozen=True)
class _Worker:  # what Celery sends worker_init from: the worker, with its app
    app: _App


def test_the_embedded_server_is_recent_enough(redis_server: EmbeddedRedis) -> None:
    assert old_server_version(redis_server.url) is None


def test_the_worker_stops_at_start_on_a_redis_older_than_6_0(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(broker, "old_server_version", lambda _url: "5.0.7")
    worker = _Worker(app=_App(redis_url="redis://:pw@old:6379/0"))
    # Celery logs and swallows what a signal handler raises, except SystemExit.
    try:
        with pytest.raises(
            WorkerShutdown, match=r"Redis 6\.0 or newer.*:\*\*@old.*5\.0\.7"
        ):
            signals.worker_init.send(sender=worker)
    finally:
        gc.unfreeze()  # the worker's other worker_init handler froze this process


def test_kombu_takes_the_brpop_timeout_from_the_config(
    redis_server: EmbeddedRedis, tmp_path: Path
) -> None:
    # What shortens a warm stop: the channel's BRPOP waits this long, not 1 s.
    config = celery_config(Settings(data_dir=tmp_path), redis_server.url)
    options = config["broker_transport_options"]
    with Connection(config["broker_url"], transport_options=options) as connection:
        assert connection.default_channel.brpop_timeout == BRPOP_TIMEOUT  # type: ignore[attr-defined]
