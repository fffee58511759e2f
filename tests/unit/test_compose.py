"""docker-compose.yml and ops/Dockerfile, checked statically (no Docker engine here).

The compose file is validated against the Compose specification's JSON schema (the copy
that check-jsonschema ships), then against our own rules from RELIABILITY S6/S7. Each
service's command is run for real, outside containers, in tests/e2e/test_services.py.
"""

from __future__ import annotations

import argparse
import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from worker.cli import build_parser

ROOT = Path(__file__).parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
APP_SERVICES = ("migrate", "worker", "beat", "flower")
DOCKERFILE = (ROOT / "ops" / "Dockerfile").read_text()


def _schema() -> dict[str, Any]:
    vendor = resources.files("check_jsonschema.builtin_schemas.vendor")
    return json.loads(vendor.joinpath("compose-spec.json").read_text())  # type: ignore[no-any-return]


def _command(name: str) -> list[str]:
    command = SERVICES[name]["command"]
    return command if isinstance(command, list) else command.split()


def test_compose_file_follows_the_compose_specification() -> None:
    jsonschema.validate(COMPOSE, _schema())


def test_redis_is_unpublished_password_protected_persistent_and_never_evicts() -> None:
    redis = SERVICES["redis"]
    command = " ".join(_command("redis"))
    assert "ports" not in redis
    assert "--requirepass ${REDIS_PASSWORD:?" in command
    assert "--appendonly yes" in command
    assert "--maxmemory-policy noeviction" in command


def test_flower_needs_basic_auth_and_is_published_on_loopback_only() -> None:
    flower = SERVICES["flower"]
    assert any(
        a.startswith("--basic-auth=${FLOWER_BASIC_AUTH:?") for a in _command("flower")
    )
    assert all(str(p).startswith("127.0.0.1:") for p in flower["ports"])
    assert "FLOWER_UNAUTHENTICATED_API" not in (ROOT / "docker-compose.yml").read_text()


@pytest.mark.parametrize("name", list(SERVICES))
def test_every_service_has_a_restart_policy_and_a_health_check(name: str) -> None:
    service = SERVICES[name]
    if name == "migrate":
        assert service["restart"] == "no"  # a one-shot job
        return
    assert service["restart"] == "unless-stopped"
    assert service["healthcheck"]["test"]


def test_app_services_share_one_image_and_fail_fast_on_missing_secrets() -> None:
    app = COMPOSE["x-app"]
    assert app["build"]["dockerfile"] == "ops/Dockerfile"
    env = app["environment"]
    assert "${POSTGRES_PASSWORD:?" in env["DATABASE_URL"]
    assert "${REDIS_PASSWORD:?" in env["REDIS_URL"]


def test_the_worker_waits_for_migrations_and_shuts_down_warmly() -> None:
    worker = SERVICES["worker"]
    assert (
        worker["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    )
    assert worker["stop_signal"] == "SIGTERM"
    assert int(worker["stop_grace_period"].rstrip("s")) >= 30


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


@pytest.mark.parametrize("name", APP_SERVICES)
def test_every_app_command_resolves_to_a_real_entry_point(name: str) -> None:
    command = _command(name)
    if command[0] == "newsfeed":
        sub = _subcommands(build_parser())
        assert command[1] in sub
        sub[command[1]].parse_args(command[2:])
    else:
        assert command[:3] == ["celery", "-A", "worker"]
        assert command[3] in {"worker", "beat", "flower"}


def test_the_cli_offers_every_documented_command() -> None:
    assert set(_subcommands(build_parser())) >= {
        "add-feed",
        "feeds",
        "crawl",
        "up",
        "recrawl",
        "articles",
        "show",
        "export",
        "extract",
        "parse-feed",
        "db",
    }


def test_dockerfile_installs_the_project_and_runs_unprivileged() -> None:
    assert re.search(r"^FROM python:3\.1[1-9]", DOCKERFILE, re.MULTILINE)
    assert re.search(r"^USER (?!root)\S+", DOCKERFILE, re.MULTILINE)
    assert "pip install ." in DOCKERFILE
    for source in re.findall(r"^COPY (.+) \S+$", DOCKERFILE, re.MULTILINE):
        for path in source.split():
            assert (ROOT / path).exists(), path
    cmd = re.search(r'^CMD \["([^"]+)"', DOCKERFILE, re.MULTILINE)
    assert cmd is not None
    assert cmd.group(1) in {"celery", "newsfeed"}


def test_the_image_declares_newsfeed_as_a_console_script() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'newsfeed = "worker.cli:main"' in pyproject
