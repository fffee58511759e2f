"""Run the service's processes: embedded Redis, Celery worker(s), beat and Flower.

Used by ``newsfeed up`` (run until Ctrl-C) and ``newsfeed crawl`` (run until the queues
drain). Children are started with ``celery -A worker …`` exactly as docker-compose runs
them, with ``REDIS_URL`` pointing at the broker, so what is tested here is what runs in
production. Stopping sends SIGTERM (Celery's warm shutdown: running tasks finish,
reserved messages go back to the queue) and waits; nothing queued is lost. A caller that
saw the queues drain may say so, and the idle pool is then ended at once.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import redis

from worker.app import QUEUES
from worker.broker import EmbeddedRedis
from worker.settings import Settings, export_to_environment

# A warm shutdown waits for running tasks; fetch_article's hard limit is 90 s, but a
# crawl's tasks are short. Past this we escalate to SIGKILL (the messages are
# redelivered: acks_late).
STOP_TIMEOUT = 60.0
IDLE_STOP_TIMEOUT = 5.0
POOL_CLOSE_GRACE = 0.2  # seconds a stopping worker takes to close its pool (ms here)


@dataclass
class Service:
    settings: Settings
    log_path: Path | None = None  # None: children log to our stderr
    redis_url: str = ""
    embedded: EmbeddedRedis | None = None
    children: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)
    _log_file: IO[bytes] | None = None

    def start_broker(self, *, appendonly: bool = True) -> str:
        """Use REDIS_URL, or start the embedded server owned by this process."""
        if self.settings.redis_url:
            self.redis_url = self.settings.redis_url
        else:
            self.embedded = EmbeddedRedis(self.settings.data_dir, appendonly=appendonly)
            self.redis_url = self.embedded.start()
        export_to_environment({"REDIS_URL": self.redis_url})
        return self.redis_url

    def _spawn(
        self, name: str, args: list[str], env: Mapping[str, str] | None = None
    ) -> None:
        if self.log_path is not None and self._log_file is None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log_file = self.log_path.open("ab")
        out = self._log_file if self._log_file is not None else None
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "worker", *args],
            stdout=out,
            stderr=out,
            env=dict(env) if env else None,
        )
        self.children.append((name, process))

    def start_worker(self, *, concurrency: int, name: str = "newsfeed") -> None:
        self._spawn(
            "worker",
            [
                "worker",
                "-Q",
                ",".join(QUEUES),
                "--concurrency",
                str(concurrency),
                "--hostname",
                f"{name}@%h",
                "--loglevel",
                self.settings.log_level,
                "--without-mingle",
                "--without-gossip",
            ],
        )

    def start_beat(self) -> None:
        self._spawn("beat", ["beat", "--loglevel", self.settings.log_level])

    def start_flower(self, *, port: int) -> None:
        if self.settings.flower_basic_auth is None:
            raise ValueError("Flower needs FLOWER_BASIC_AUTH=user:password")
        self._spawn(
            "flower",
            [
                "flower",
                "--address=127.0.0.1",
                f"--port={port}",
                f"--basic-auth={self.settings.flower_basic_auth.get_secret_value()}",
            ],
        )

    def failed_child(self) -> str | None:
        """The name of a child that exited on its own, if any."""
        for name, process in self.children:
            if process.poll() is not None:
                return f"{name} exited with status {process.returncode}"
        return None

    def stop(self, *, idle: bool = False) -> None:
        """Warm-shut every child down, then the embedded broker.

        ``idle`` says the caller saw every queue and the unacked set stay empty, so
        no task is running or reserved. With the embedded broker, which nothing
        else publishes to, the worker's pool processes then get the SIGTERM too and
        exit at once, instead of each sleeping out billiard's one-second pause
        before exit while the worker waits for them (a drained ``crawl`` stopped in
        about 2 s, now in about 1 s). Otherwise only the worker is signalled: its
        running tasks finish and its reserved messages go back to the queue. (On a
        shared ``REDIS_URL``, another producer could hand the worker a task between
        the caller's last look and the worker's consumer closing.)
        """
        for _, process in self.children:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        if idle and self.embedded is not None:
            for name, process in self.children:
                if name == "worker":
                    _end_idle_pool(process)
        deadline = time.monotonic() + STOP_TIMEOUT
        for _, process in self.children:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.children.clear()
        if self.embedded is not None and self.embedded.process is not None:
            self.embedded.stop()  # only a server this process started
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None


def _end_idle_pool(worker: subprocess.Popen[bytes]) -> None:
    """SIGTERM the pool processes of a warm-stopping, idle worker until it exits.

    A pool process that dies while the pool still runs is logged by billiard as
    an error and replaced, so the worker first gets ``POOL_CLOSE_GRACE`` to act
    on its own SIGTERM (it does when its event loop next wakes; the first pool
    process ended wakes it too). In tests, under CPU load as well, the worker
    always shut its pool down first; should it not, the replacement is ended on
    the next round. Once the pool is closed, the worker sees its processes gone
    and exits. Bounded by ``IDLE_STOP_TIMEOUT``, after which ``stop`` waits as
    usual.
    """
    deadline = time.monotonic() + IDLE_STOP_TIMEOUT
    with contextlib.suppress(subprocess.TimeoutExpired):
        worker.wait(timeout=POOL_CLOSE_GRACE)
    while worker.poll() is None and time.monotonic() < deadline:
        _signal_forks(worker.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            worker.wait(timeout=0.1)


def _signal_forks(pid: int, signum: int) -> None:
    """Send ``signum`` to the children of ``pid`` (forked by any of its threads)
    that are forks of it, running its command line: its pool processes, never a
    program it started (Linux ``/proc``; elsewhere nothing is sent and the
    caller's warm stop just takes longer)."""
    proc = Path("/proc")
    children = []
    with contextlib.suppress(OSError):  # the process just ended
        command = (proc / str(pid) / "cmdline").read_bytes()
        for task in (proc / str(pid) / "task").iterdir():
            with contextlib.suppress(OSError):  # a thread just ended
                children += (task / "children").read_text().split()
    for child in children:
        with contextlib.suppress(OSError):  # ended meanwhile
            if (proc / child / "cmdline").read_bytes() == command:
                os.kill(int(child), signum)


def queue_depths(client: redis.Redis) -> dict[str, int]:
    """Messages waiting per queue, plus those delivered but not yet acknowledged."""
    pipe = client.pipeline(transaction=False)
    for queue in QUEUES:
        pipe.llen(queue)
    pipe.hlen("unacked")
    counts = [int(n) for n in pipe.execute()]
    depths = dict(zip(QUEUES, counts, strict=False))
    depths["unacked"] = counts[-1]
    return depths


def is_drained(client: redis.Redis, *, checks: int = 3, interval: float = 0.2) -> bool:
    """True when every queue and the unacked set stay empty across ``checks`` looks.

    A task publishes its follow-ups before it is acknowledged, and ETA and retry
    messages wait in the unacked set, so a running or waiting task is always seen;
    the one moment a live message is in neither place is inside the worker, between
    kombu's ``BRPOP`` and its write to the unacked set: one step of its event loop,
    unless the process is stalled (starved of CPU, stopped). The looks span
    ``(checks - 1) * interval`` (0.4 s), which is also what the check adds to every
    drained crawl; a stall longer than that between those two steps would end the
    crawl early, and the stop would then hand the task back to the queue
    (``acks_late``, reject on worker lost) for the next run, not lose it.
    """
    for i in range(checks):
        if any(queue_depths(client).values()):
            return False
        if i < checks - 1:
            time.sleep(interval)
    return True


def install_stop_handlers() -> None:
    """Turn SIGTERM and SIGINT into KeyboardInterrupt so all stop the service the
    same way.

    SIGINT too, although Python raises KeyboardInterrupt for it by itself: not when
    the process started with SIGINT ignored, as a shell without job control starts
    a background command (``newsfeed up &`` in a script). Celery's processes stop
    on SIGINT whatever they inherited, so a Ctrl-C sent to the process group would
    stop them and leave this process to report its children gone, exit status 1.
    """

    def _raise(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    with contextlib.suppress(ValueError):  # not the main thread
        signal.signal(signal.SIGTERM, _raise)
        signal.signal(signal.SIGINT, _raise)
