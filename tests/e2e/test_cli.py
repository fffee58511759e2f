"""The `newsfeed` command as a user runs it: the sample crawl, and the service with Flower.

`newsfeed up` starts its own embedded Redis, a worker, beat and Flower; re-crawls are
triggered through Flower's REST API and `celery call`, and Ctrl-C stops everything.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.support.workers import service_env

pytestmark = pytest.mark.e2e

NEWSFEED = [sys.executable, "-m", "worker.cli"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, auth: str | None = None, data: bytes | None = None) -> int:
    request = urllib.request.Request(url, data=data, method="POST" if data else "GET")
    if auth:
        request.add_header(
            "Authorization", "Basic " + base64.b64encode(auth.encode()).decode()
        )
    if data:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except OSError:
        return 0


def _rows(data_dir: Path, sql: str) -> list[tuple[object, ...]]:
    engine = create_engine(f"sqlite:///{data_dir / 'newsfeed.db'}")
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql)).all()]
    finally:
        engine.dispose()


def test_crawl_sample_stores_and_shows_the_sample_sites_articles(
    tmp_path: Path,
) -> None:
    # Given a fresh data directory
    env = service_env(NEWSFEED_DATA_DIR=str(tmp_path), NEWSFEED_LOG_FORMAT="json")
    # When the README's first command runs
    result = subprocess.run(
        [*NEWSFEED, "crawl", "--sample", "--timeout", "120"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    # Then it exits cleanly, summarises, and lists what it stored
    assert result.returncode == 0, result.stderr[-3000:]
    assert "articles stored" in result.stdout
    stored = _rows(tmp_path, "SELECT headline, depth FROM articles")
    assert len(stored) >= 5
    assert max(int(str(depth)) for _, depth in stored) <= 2
    for headline, _ in stored:
        assert str(headline) in result.stdout
    assert "failures: none" in result.stdout
    # and its worker and pool processes are gone, stopped without an error logged
    if Path("/proc/self").exists():
        assert _processes_of(tmp_path) == []
    assert not [
        line
        for line in (tmp_path / "crawl.log").read_text().splitlines()
        if (line.startswith("{") and json.loads(line)["level"] in {"error", "critical"})
        # billiard's own logger is not ours: it writes plain text
        or "exited with" in line
        or line.startswith("Traceback")
    ]


def _processes_of(data_dir: Path) -> list[int]:
    """Live processes started with ``NEWSFEED_DATA_DIR=data_dir`` or naming a file
    in it (redis-server rewrites its environment with its title), from Linux /proc."""
    marker = f"NEWSFEED_DATA_DIR={data_dir}".encode()
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            environ = (entry / "environ").read_bytes()
            command = (entry / "cmdline").read_bytes()
        except OSError:  # gone meanwhile, or not ours
            continue
        if marker in environ.split(b"\0") or f"{data_dir}/".encode() in command:
            found.append(int(entry.name))
    return found


def test_up_serves_flower_with_auth_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    # Given the service started with Flower
    port, auth = _free_port(), "admin:s3cret-pass"
    env = service_env(
        NEWSFEED_DATA_DIR=str(tmp_path),
        NEWSFEED_LOG_FORMAT="json",
        NEWSFEED_CONCURRENCY="1",
        FLOWER_BASIC_AUTH=auth,
    )
    log = (tmp_path / "up.log").open("wb")
    process = subprocess.Popen(
        [*NEWSFEED, "up", "--flower", "--flower-port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        api = f"http://127.0.0.1:{port}/api/workers"
        deadline = time.monotonic() + 60
        while _get(api, auth) != 200 and time.monotonic() < deadline:
            time.sleep(0.5)
        # Then Flower answers only with the right credentials (S6)
        assert _get(api, auth) == 200
        assert _get(api) == 401
        assert _get(api, "admin:wrong") == 401
        # When a re-crawl of the metadata address comes through Flower's REST API
        payload = json.dumps({"kwargs": {"url": "http://169.254.169.254/latest/"}})
        status = _get(
            f"http://127.0.0.1:{port}/api/task/async-apply/newsfeed.recrawl",
            auth,
            payload.encode(),
        )
        assert status == 200
        # … and another through `celery call`
        subprocess.run(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "worker",
                "call",
                "newsfeed.recrawl",
                "--kwargs",
                json.dumps({"url": "http://10.0.0.1/x"}),
            ],
            env=env,  # no REDIS_URL: finds the embedded server of this data dir
            check=True,
            capture_output=True,
            timeout=60,
        )
        deadline = time.monotonic() + 30
        sql = "SELECT reason FROM fetch_attempts"
        while len(_rows(tmp_path, sql)) < 2 and time.monotonic() < deadline:
            time.sleep(0.5)
        # Then both are refused inside the task (S4)
        assert _rows(tmp_path, sql) == [("blocked_address",), ("blocked_address",)]
    finally:
        # When Ctrl-C arrives
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=90)
        log.close()
    # Then the service and every child stop, and the embedded Redis is gone
    assert code == 0, (tmp_path / "up.log").read_text()[-3000:]
    assert not (tmp_path / "redis.sock").exists()


def test_up_stops_cleanly_when_ctrl_c_reaches_its_whole_process_group(
    tmp_path: Path,
) -> None:
    # Given the service started as a shell without job control starts a background
    # command: in a process group of its own, with SIGINT ignored
    env = service_env(
        NEWSFEED_DATA_DIR=str(tmp_path),
        NEWSFEED_LOG_FORMAT="json",
        NEWSFEED_CONCURRENCY="1",
    )
    log_path = tmp_path / "up.log"
    with log_path.open("wb") as log:
        # An ignored signal stays ignored across exec: the shell's way, in a script
        ignoring = (
            "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_IGN); "
            "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])"
        )
        process = subprocess.Popen(
            [sys.executable, "-c", ignoring, *NEWSFEED[1:], "up"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            process_group=0,
        )
        try:
            deadline = time.monotonic() + 60
            while b" ready." not in log_path.read_bytes():
                assert time.monotonic() < deadline, "the worker never got ready"
                time.sleep(0.2)
        finally:
            # When Ctrl-C reaches every process of the group, as a terminal sends it
            os.killpg(process.pid, signal.SIGINT)
            code = process.wait(timeout=90)
    # Then the service stops as on its own Ctrl-C: exit 0, every child gone
    assert code == 0, log_path.read_text()[-3000:]
    assert b"stopping (warm shutdown)" in log_path.read_bytes()
    assert not (tmp_path / "redis.sock").exists()
    if Path("/proc/self").exists():
        assert _processes_of(tmp_path) == []
