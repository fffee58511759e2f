"""Soak benchmark (RELIABILITY L5): ``newsfeed up`` for minutes on a site that keeps
publishing, with the worker's memory, Redis's keys and the queues watched throughout.

    python -m bench.soak [--minutes 10] [--articles 1000] [--feeds 4] [--concurrency N]

Generates the bench site (bench/site.py) and serves it on 127.0.0.1 through
bench/live_site.py (worker.devserver's server, re-reading changed files and answering
conditional GETs with 304). Adds its feeds with ``newsfeed add-feed`` and runs
``newsfeed up`` (embedded Redis, worker, beat) as a subprocess in a session of its own,
with a fresh data directory. Only loopback is contacted. Settings of the run, all
printed: private addresses allowed and per-host politeness off for the loopback host
(as bench.crawl); every feed polled every ``--poll-interval`` seconds (the global
minimum and maximum poll interval both set to it, so the adaptive schedule cannot
slow a feed down); URL claims live ``--claim-ttl`` seconds instead of an hour, so that
claims are seen to expire within the run.

While it runs, the site publishes an article every ``--publish-every`` seconds (its
feed is rewritten; the other feeds stay unchanged and answer 304) and every
``--edit-every`` seconds adds a paragraph to an old article and asks for it with
``newsfeed recrawl URL`` (re-polls never re-fetch a known entry: a re-crawl is how a
revision happens). Every ``--sample-every`` seconds it records the RSS of each process
of the service (CLI, Redis, beat, worker parent, each pool child), the keys of each
Redis database (``INFO keyspace``: all keys, and those with a TTL), ``LLEN`` of each
queue and ``HLEN unacked``, and the articles and polls in the SQLite database.

Warm-up ends at the later of ``--warmup`` seconds and ``--claim-ttl`` seconds after the
initial backlog (every generated article) is stored: by then the backlog's claims have
expired. Publishing then goes on to the end of ``--minutes``. The L5 verdicts:

* RSS: the median over the first 30 s after warm-up against the median over the last
  30 s of publishing grows < 10 %, for the worker (parent plus pool children, which
  are replaced after ``worker_max_tasks_per_child``), the worker parent and beat;
* keys: for each database, all keys and the keys without a TTL, the least-squares
  trend after warm-up, extrapolated over that span, adds fewer than 10 % of the mean
  count or 20 keys, whichever is larger (a key per poll or per article would add
  hundreds);
* end: after publishing stops and the last article published is stored (its feed's
  next poll may be a poll interval away), the queues and the unacked set drain (three
  empty looks, as ``newsfeed crawl`` decides) within ``--drain-timeout``: every
  ``LLEN`` and ``HLEN unacked`` 0;
* stop: SIGINT to the service's process group (Ctrl-C in a terminal) ends it with
  status 0 and no process of it left running.

The exit status is 1 when a verdict fails.
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import redis

from bench.crawl import descendants, proc_stat, rss_kib
from bench.live_site import LiveSiteServer, Publisher, serve_live_site
from bench.site import feed_paths, generate_site
from bench.soak_figures import Run, Sample, report
from worker.broker import EmbeddedRedis
from worker.service import is_drained, queue_depths

STOP_TIMEOUT = 120.0  # seconds; the service's own warm stop gives up after 60


# ------------------------------------------------------------------ watching


class Watcher:
    """Takes samples of the service started as ``cli_pid`` with data in ``data``."""

    def __init__(self, cli_pid: int, data: Path) -> None:
        self.cli_pid = cli_pid
        self.url = EmbeddedRedis(data).url
        self.redis = redis.Redis.from_url(self.url, socket_timeout=10)
        self.db = data / "newsfeed.db"
        self.roles: dict[int, str] = {}
        self.errors: Counter[str] = Counter()

    def sample(self, t: float) -> Sample:
        keys, depths, mib = self._redis()
        stored, polls = self._database()
        return Sample(t, self._rss(), keys, depths, stored, polls, mib)

    def processes(self) -> dict[int, str]:
        """pid -> role of every process of the service now."""
        out = {}
        for pid in [self.cli_pid, *descendants(self.cli_pid)]:
            stat = proc_stat(pid)
            if stat is not None:
                out[pid] = self._role(pid, stat[0])
        return out

    def stored(self) -> int:
        return self._database()[0]

    def lasting_keys(self, limit: int = 30) -> dict[int, list[str]]:
        """The names of the keys without a TTL in each database (at most ``limit``)."""
        out: dict[int, list[str]] = {}
        for name in self.redis.info("keyspace"):
            db = int(name[2:])
            with redis.Redis.from_url(self.url, db=db) as client:
                keys = [key.decode() for key in client.scan_iter(count=1000)]
                ttls = client.pipeline(transaction=False)
                for key in keys:
                    ttls.ttl(key)
                found = zip(keys, ttls.execute(), strict=True)
                out[db] = sorted(key for key, ttl in found if ttl < 0)[:limit]
        return out

    def _rss(self) -> dict[int, tuple[str, int]]:
        found = {pid: (role, rss_kib(pid)) for pid, role in self.processes().items()}
        return {pid: entry for pid, entry in found.items() if entry[1]}

    def _role(self, pid: int, parent: int) -> str:
        known = self.roles.get(
            pid
        )  # judged once: an exiting process's cmdline is empty
        if known is not None:
            return known
        try:
            args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return "gone"
        role = "other"
        if pid == self.cli_pid:
            role = "cli"
        elif any(b"redis-server" in arg for arg in args):
            role = "redis"
        elif self.roles.get(parent) == "worker":
            role = "pool"
        elif b"-A" in args and parent == self.cli_pid:
            sub = args[args.index(b"-A") + 2 :][:1]  # celery -A worker SUBCOMMAND
            role = sub[0].decode() if sub else "other"
        self.roles[pid] = role
        return role

    def _redis(self) -> tuple[dict[int, tuple[int, int]], dict[str, int], float]:
        try:
            space = self.redis.info("keyspace")
            memory = self.redis.info("memory")
            depths = queue_depths(self.redis)
        except (redis.RedisError, OSError) as exc:
            self.errors[f"redis: {type(exc).__name__}"] += 1
            return {}, {}, 0.0
        keys = {
            int(name[2:]): (int(v["keys"]), int(v["expires"]))
            for name, v in space.items()
        }
        return keys, depths, int(memory["used_memory"]) / 2**20

    def _database(self) -> tuple[int, dict[str, int]]:
        try:
            with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=10) as db:
                stored = db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
                polls = dict(
                    db.execute(
                        "SELECT status, COUNT(*) FROM fetch_attempts "
                        "WHERE stage = 'poll' GROUP BY status"
                    ).fetchall()
                )
        except sqlite3.Error as exc:
            self.errors[f"sqlite: {exc}"] += 1
            return 0, {}
        return int(stored), polls


# ------------------------------------------------------------------ running


def service_env(data: Path, args: argparse.Namespace) -> dict[str, str]:
    env = dict(
        os.environ,
        NEWSFEED_DATA_DIR=str(data),
        NEWSFEED_ALLOW_PRIVATE_NETWORKS="true",
        NEWSFEED_HOST_MIN_INTERVAL="0",
        NEWSFEED_MIN_POLL_INTERVAL=str(args.poll_interval),
        NEWSFEED_MAX_POLL_INTERVAL=str(args.poll_interval),
        NEWSFEED_DEFAULT_POLL_INTERVAL=str(args.poll_interval),
        NEWSFEED_CLAIM_TTL_SECONDS=str(args.claim_ttl),
        NEWSFEED_LOG_FORMAT="json",
        NEWSFEED_LOG_LEVEL="WARNING",
    )
    for name in ("REDIS_URL", "DATABASE_URL"):
        env.pop(name, None)
    return env


def newsfeed(*args: str) -> list[str]:
    return [sys.executable, "-m", "worker.cli", *args]


def add_feeds(base: str, feeds: int, env: dict[str, str]) -> None:
    for path in feed_paths(feeds):
        done = subprocess.run(
            newsfeed("add-feed", base + path),
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"add-feed {path} failed:\n{done.stdout}{done.stderr}")


class Soak:
    """One run: the service, the publishing site, the samples, the stop."""

    def __init__(
        self,
        args: argparse.Namespace,
        env: dict[str, str],
        site: LiveSiteServer,
        publisher: Publisher,
    ) -> None:
        self.args, self.env, self.site, self.publisher = args, env, site, publisher
        self.data = Path(env["NEWSFEED_DATA_DIR"])
        self.run = Run()
        self.recrawls: list[subprocess.Popen[bytes]] = []

    def go(self, log: Path) -> Run:
        command = newsfeed("up")
        if self.args.concurrency:
            command += ["--concurrency", str(self.args.concurrency)]
        with log.open("ab") as out:
            service = subprocess.Popen(
                command, env=self.env, stdout=out, stderr=out, start_new_session=True
            )
        self.started = time.monotonic()
        try:
            self._wait_for_broker(service)
            watcher = Watcher(service.pid, self.data)
            self._publish_and_watch(service, watcher)
            if self.run.early_exit is None:
                self._drain(watcher)
            self._stop(service, watcher)
        finally:
            if service.poll() is None:  # an error above: never leave it running
                os.killpg(service.pid, signal.SIGKILL)
                service.wait()
        return self.run

    def _now(self) -> float:
        return time.monotonic() - self.started

    def _wait_for_broker(self, service: subprocess.Popen[bytes]) -> None:
        embedded = EmbeddedRedis(self.data)
        while not embedded.is_running():
            if service.poll() is not None or self._now() > 60:
                raise SystemExit("newsfeed up did not start its broker; see the log")
            time.sleep(0.1)

    def _publish_and_watch(
        self, service: subprocess.Popen[bytes], watcher: Watcher
    ) -> None:
        a, end = self.args, self.args.minutes * 60
        due = {"publish": a.publish_every, "edit": a.edit_every, "sample": 0.0}
        while (now := self._now()) < end:
            if service.poll() is not None:
                self.run.early_exit = f"exited with {service.returncode} at {now:.0f} s"
                return
            if now >= due["publish"]:
                self.publisher.publish()
                due["publish"] += a.publish_every
            if now >= due["edit"]:
                url = self.site.base_url + self.publisher.edit()
                self.recrawls.append(
                    subprocess.Popen(
                        newsfeed("recrawl", url),
                        env=self.env,
                        stdout=subprocess.DEVNULL,
                    )
                )
                due["edit"] += a.edit_every
            if now >= due["sample"]:
                self.run.samples.append(watcher.sample(now))
                _progress(self.run.samples[-1], self.publisher)
                due["sample"] += a.sample_every
            self._reap()
            time.sleep(max(0.05, min(due.values()) - self._now()))
        self.run.stopped_publishing = self._now()

    def _reap(self, *, wait: bool = False) -> None:
        for process in list(self.recrawls):
            if wait:
                process.wait()
            if process.poll() is not None:
                self.recrawls.remove(process)
                self.run.recrawls_failed += process.returncode != 0

    def _drain(self, watcher: Watcher) -> None:
        """Wait until the last article published has been polled and stored, then
        until the queues and the unacked set are empty (or the drain timeout)."""
        self._reap(wait=True)
        stopped, deadline = (
            self.run.stopped_publishing,
            self._now() + self.args.drain_timeout,
        )
        expected = self.publisher.initial + self.publisher.published
        while self._now() < deadline:
            if self.run.all_stored_after is None and watcher.stored() >= expected:
                self.run.all_stored_after = self._now() - stopped
            if self.run.all_stored_after is not None and is_drained(watcher.redis):
                self.run.drained_after = self._now() - stopped
                break
            time.sleep(0.5)
        self.run.final_depths = queue_depths(watcher.redis)
        self.run.lasting_keys = watcher.lasting_keys()
        self.run.samples.append(watcher.sample(self._now()))

    def _stop(self, service: subprocess.Popen[bytes], watcher: Watcher) -> None:
        tree = watcher.processes()
        t0 = time.monotonic()
        if service.poll() is None:
            os.killpg(service.pid, signal.SIGINT)  # what Ctrl-C in a terminal sends
        try:
            self.run.exit_status = service.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.run.exit_status = None
        self.run.stop_seconds = time.monotonic() - t0
        time.sleep(1.0)
        for pid, role in tree.items():
            if proc_stat(pid) is not None and pid != service.pid:
                self.run.left_running.append(f"{role} {pid}")
                # Ours: a process of the service this run started.
                os.kill(pid, signal.SIGKILL)


def _progress(sample: Sample, publisher: Publisher) -> None:
    worker = sum(kib for role, kib in sample.rss.values() if role in ("worker", "pool"))
    keys = " ".join(f"db{db} {n}/{ttl}" for db, (n, ttl) in sorted(sample.keys.items()))
    depths = " ".join(f"{name} {n}" for name, n in sample.depths.items())
    print(
        f"{sample.t:6.0f} s  stored {sample.stored:>5}"
        f"  published {publisher.published:>4}  polls {sum(sample.polls.values()):>4}"
        f"  worker RSS {worker / 1024:6.1f} MiB"
        f"  keys (all/TTL) {keys}  {depths}",
        flush=True,
    )


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Soak benchmark (RELIABILITY L5): `newsfeed up` for minutes on "
        "a site that keeps publishing."
    )
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--feeds", type=int, default=4)
    parser.add_argument("--concurrency", type=int, help="default: the service's own")
    parser.add_argument("--poll-interval", type=int, default=10, help="seconds")
    parser.add_argument("--claim-ttl", type=int, default=60, help="seconds")
    parser.add_argument("--publish-every", type=float, default=5.0, help="seconds")
    parser.add_argument("--edit-every", type=float, default=30.0, help="seconds")
    parser.add_argument("--sample-every", type=float, default=5.0, help="seconds")
    parser.add_argument(
        "--warmup", type=float, help="seconds; default 120, or a fifth of a shorter run"
    )
    parser.add_argument("--drain-timeout", type=float, default=120.0, help="seconds")
    parser.add_argument("--log", type=Path, help="service log (default: temporary)")
    args = parser.parse_args()
    if args.warmup is None:
        args.warmup = min(120.0, args.minutes * 60 / 5)
    return args


def main() -> int:
    args = _parse()
    for name, value in vars(args).items():
        print(f"{name:<16}{value}")
    print("private addresses allowed, per-host politeness OFF (loopback test host)")
    with tempfile.TemporaryDirectory(prefix="nf-soak-") as tmp:
        root, data = Path(tmp) / "site", Path(tmp) / "data"
        log = args.log or Path(tmp) / "service.log"
        stories = generate_site(root, articles=args.articles, feeds=args.feeds)
        publisher = Publisher(root, stories, args.feeds)
        with serve_live_site(root) as site:
            env = service_env(data, args)
            add_feeds(site.base_url, args.feeds, env)
            run = Soak(args, env, site, publisher).go(log)
            failures = report(run, args, publisher, site, data, log)
    print()
    for failure in failures:
        print(f"L5 FAIL: {failure}")
    print("L5: PASS" if not failures else f"L5: FAIL ({len(failures)})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
