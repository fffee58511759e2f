"""Each docker-compose service's command, run for real outside a container.

The commands are read from docker-compose.yml, so a change there is tested here. The
compose network is replaced by loopback: the embedded Redis stands in for the redis
service and a SQLite file for postgres; Flower binds 127.0.0.1 on a free port.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from base64 import b64encode
from pathlib import Path

import pytest
import yaml
from alembic.script import ScriptDirectory

from tests.support.workers import celery_process, service_env
from worker.broker import EmbeddedRedis
from worker.store.migrate import alembic_config

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).parents[2]
SERVICES = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
AUTH = "ops:compose-test"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _command(name: str, port: int = 0) -> list[str]:
    """The service's command with ${VAR...} filled in for a loopback run."""
    values = {"NEWSFEED_CONCURRENCY": "2", "FLOWER_BASIC_AUTH": AUTH}

    def fill(match: re.Match[str]) -> str:
        return values.get(match.group(1), match.group(2) or "")

    pattern = re.compile(r"\$\{([A-Z_]+)(?::-([^}]*)|:\?[^}]*)?\}")
    args = [pattern.sub(fill, str(a)) for a in SERVICES[name]["command"]]
    return [
        a.replace("--address=0.0.0.0", "--address=127.0.0.1").replace(
            "--port=5555", f"--port={port}"
        )
        for a in args
    ]


def _status(url: str, auth: str | None = None) -> int:
    request = urllib.request.Request(url)
    if auth:
        request.add_header(
            "Authorization", "Basic " + b64encode(auth.encode()).decode()
        )
    try:
        with urllib.request.urlopen(request, timeout=3) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except OSError:
        return 0


def _wait(predicate: object, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.3)
    return False


@pytest.fixture
def env(tmp_path: Path, redis_server: EmbeddedRedis) -> dict[str, str]:
    return service_env(
        REDIS_URL=redis_server.url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'newsfeed.db'}",
        NEWSFEED_DATA_DIR=str(tmp_path),
        NEWSFEED_SCHEDULE_TICK_SECONDS="1",
    )


def _migrate(env: dict[str, str]) -> None:
    command = _command("migrate")
    assert command[0] == "newsfeed"
    subprocess.run(
        [sys.executable, "-m", "worker.cli", *command[1:]],
        env=env,
        check=True,
        timeout=60,
    )


def test_migrate_service_upgrades_an_empty_database(env: dict[str, str]) -> None:
    _migrate(env)
    result = subprocess.run(
        [sys.executable, "-m", "worker.cli", "db", "current"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    assert result.stdout.strip() == head


def test_worker_service_answers_ping(env: dict[str, str], tmp_path: Path) -> None:
    _migrate(env)
    command = _command("worker")
    with celery_process(command[3:], env, tmp_path / "worker.log") as process:

        def pong() -> bool:
            ping = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "worker",
                    "inspect",
                    "ping",
                    "--timeout",
                    "2",
                ],
                env=env,
                capture_output=True,
                text=True,
                check=False,
                timeout=30,
            )
            return "pong" in ping.stdout

        assert _wait(pong), (tmp_path / "worker.log").read_text()[-2000:]
        assert process.poll() is None


def test_beat_service_sends_the_schedule_tick(
    env: dict[str, str], tmp_path: Path
) -> None:
    log = tmp_path / "beat.log"
    with celery_process(_command("beat")[3:], env, log):
        assert _wait(lambda: "newsfeed.schedule_due_feeds" in log.read_text()), (
            log.read_text()[-2000:]
        )


def test_flower_service_serves_its_api_only_with_credentials(
    env: dict[str, str], tmp_path: Path
) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with celery_process(_command("flower", port)[3:], env, tmp_path / "flower.log"):
        assert _wait(lambda: _status(f"{base}/healthcheck") == 200)
        assert _status(f"{base}/api/workers") == 401
        assert _status(f"{base}/api/workers", "ops:wrong") == 401
        assert _status(f"{base}/api/workers", AUTH) == 200
