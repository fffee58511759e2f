"""Broker URL helpers and the embedded server's configuration."""

from __future__ import annotations

from pathlib import Path

from worker.broker import EmbeddedRedis, kombu_url, mask_url, with_db


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
