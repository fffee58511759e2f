"""Real Celery processes for end-to-end tests: ``celery -A worker worker`` and beat.

They run exactly the command docker-compose runs, configured only through the
environment, and are always stopped (SIGTERM, then SIGKILL) even when a test fails.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import redis

from worker.service import is_drained


def service_env(**values: str) -> dict[str, str]:
    """The parent environment minus our own variables, plus ``values``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("NEWSFEED_", "CELERY_"))
        and k not in {"DATABASE_URL", "REDIS_URL"}
    }
    env.update(values)
    return env


@contextmanager
def celery_process(
    args: list[str],
    env: Mapping[str, str],
    log_path: Path,
    *,
    own_group: bool = False,
) -> Iterator[subprocess.Popen[bytes]]:
    """``celery -A worker ARGS``; with ``own_group``, in a process group of its own
    (whose id is its pid), so that a test can kill it with all its children."""
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "worker", *args],
            env=dict(env),
            stdout=log,
            stderr=subprocess.STDOUT,
            process_group=0 if own_group else None,
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


@contextmanager
def worker_process(
    env: Mapping[str, str],
    log_path: Path,
    *,
    concurrency: int = 2,
    own_group: bool = False,
) -> Iterator[subprocess.Popen[bytes]]:
    args = [
        "worker",
        "-Q",
        "feeds,articles,links",
        "--concurrency",
        str(concurrency),
        "--loglevel",
        "INFO",
        "--without-mingle",
        "--without-gossip",
        "--hostname",
        f"e2e-{os.getpid()}-{time.monotonic_ns()}@%h",
    ]
    with celery_process(args, env, log_path, own_group=own_group) as process:
        yield process


def wait_until_drained(
    client: redis.Redis,
    *,
    timeout: float = 60.0,
    process: subprocess.Popen[bytes] | None = None,
) -> None:
    """Block until every queue and the unacked set stay empty; fail on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"worker exited with {process.returncode}")
        if is_drained(client, checks=4, interval=0.25):
            return
        time.sleep(0.1)
    raise AssertionError("queues did not drain in time")
