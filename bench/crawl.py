"""End-to-end crawl benchmark: a generated local site, the real ``newsfeed crawl``.

    python -m bench.crawl [--articles 3000] [--concurrency N]

Generates the site (bench/site.py) into a temporary folder, serves it on 127.0.0.1 with
worker.devserver, and runs ``newsfeed crawl`` on its feeds as a subprocess with a fresh
data directory (embedded Redis, SQLite). Per-host politeness is OFF for this loopback
test host (NEWSFEED_HOST_MIN_INTERVAL=0) and private addresses are allowed for it; both
are printed. Reports articles/s end to end and in steady state (between the 10th and
90th percentile of the stores' finish times) and the fixed costs around it (start-up
until the first store, drain check and stop after the last), CPU seconds per article
(the crawl's process tree: CLI, Redis, worker parent and children; the in-process HTTP
server separately), peak RSS of any single worker process, and then extraction pages/s
on the same pages in this process. Only loopback is ever contacted.
"""

from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

from bench.site import feed_paths, generate_site
from worker.devserver import serve_site


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        for child in children.get(current, []):
            out.append(child)
            todo.append(child)
    return out


_TICKS = os.sysconf("SC_CLK_TCK")


def proc_stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds) of a live process."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICKS


class _Sampler(threading.Thread):
    """Every 0.2 s: peak RSS of any single celery process under ``pid``, and the last
    CPU time seen of every process, by role (CLI, Redis, worker parent, pool child).
    A process that exits between two looks loses at most 0.2 s of CPU here."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_kib, self.stop = pid, 0, threading.Event()
        self.cpu: dict[int, tuple[str, float]] = {}

    def _role(self, pid: int, parent: int, cmdline: bytes) -> str:
        if pid == self.pid:
            return "CLI"
        if b"redis-server" in cmdline:
            return "Redis"
        if b"celery" in cmdline:
            return "worker parent" if parent == self.pid else "pool children"
        return "other"

    def run(self) -> None:
        while not self.stop.wait(0.2):
            for child in [self.pid, *descendants(self.pid)]:
                stat = proc_stat(child)
                try:
                    cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
                except OSError:
                    continue
                if stat is not None:
                    # A role is judged once: an exiting child's cmdline reads empty.
                    known = self.cpu.get(child)
                    role = known[0] if known else self._role(child, stat[0], cmdline)
                    self.cpu[child] = (role, stat[1])
                if b"celery" in cmdline:
                    self.peak_kib = max(self.peak_kib, rss_kib(child))

    def cpu_by_role(self) -> dict[str, float]:
        roles: dict[str, float] = {}
        for role, seconds in self.cpu.values():
            roles[role] = roles.get(role, 0.0) + seconds
        return roles


def _cpu(usage: resource.struct_rusage) -> float:
    return usage.ru_utime + usage.ru_stime


def run_crawl(
    root: Path, data: Path, *, feeds: int, concurrency: int
) -> dict[str, float]:
    env = dict(
        os.environ,
        NEWSFEED_DATA_DIR=str(data),
        NEWSFEED_ALLOW_PRIVATE_NETWORKS="true",
        NEWSFEED_HOST_MIN_INTERVAL="0",
        NEWSFEED_LOG_FORMAT="json",
        NEWSFEED_LOG_LEVEL="WARNING",
    )
    for name in ("REDIS_URL", "DATABASE_URL"):
        env.pop(name, None)
    with serve_site(root) as base:
        command = [sys.executable, "-m", "worker.cli", "crawl"]
        command += [base + path for path in feed_paths(feeds)]
        command += ["--concurrency", str(concurrency)]
        self_before, children_before = (
            _cpu(resource.getrusage(resource.RUSAGE_SELF)),
            _cpu(resource.getrusage(resource.RUSAGE_CHILDREN)),
        )
        t0, started = time.perf_counter(), time.time()
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
        sampler = _Sampler(process.pid)
        sampler.start()
        out, _ = process.communicate()
        wall, ended = time.perf_counter() - t0, time.time()
        sampler.stop.set()
    if process.returncode != 0:
        raise SystemExit(f"newsfeed crawl failed ({process.returncode}):\n{out}")
    print(out.strip())
    with sqlite3.connect(data / "newsfeed.db") as db:
        stored = db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        failures = db.execute(
            "SELECT COUNT(*) FROM fetch_attempts WHERE reason IS NOT NULL"
        ).fetchone()[0]
        finished = [
            datetime.fromisoformat(row[0]).timestamp()
            for row in db.execute(
                "SELECT finished_at FROM fetch_attempts WHERE stage = 'fetch' "
                "AND status = 'stored' ORDER BY finished_at"
            )
        ]
    return {
        "wall": wall,
        # Fixed costs of a run: until the first article is stored (imports, broker,
        # worker boot, seeding, first poll) and after the last one (drain check, stop).
        "first_store": finished[0] - started if finished else 0.0,
        "after_last": ended - finished[-1] if finished else 0.0,
        "steady": steady_rate(finished),
        "stored": stored,
        "failures": failures,
        "crawl_cpu": _cpu(resource.getrusage(resource.RUSAGE_CHILDREN))
        - children_before,
        "server_cpu": _cpu(resource.getrusage(resource.RUSAGE_SELF)) - self_before,
        "peak_rss_mib": sampler.peak_kib / 1024,
        **{f"cpu:{role}": seconds for role, seconds in sampler.cpu_by_role().items()},
    }


def steady_rate(finished: list[float]) -> float:
    """Articles/s between the 10th and 90th percentile of the stores' finish times:
    the crawl's pace once running, without start-up and drain."""
    if len(finished) < 10:
        return 0.0
    low, high = finished[len(finished) // 10], finished[len(finished) * 9 // 10]
    count = len(finished) * 9 // 10 - len(finished) // 10
    return count / (high - low) if high > low else 0.0


def extraction_rate(root: Path) -> tuple[float, float]:
    """(pages/s, median ms) of extract_article on the site's pages, one core."""
    from worker.pipeline.extract import extract_article  # noqa: PLC0415

    pages = [(p.read_bytes(), p.name) for p in sorted((root / "news").iterdir())]
    times = []
    for body, name in pages:
        t0 = time.perf_counter()
        extract_article(body, url=f"http://127.0.0.1/news/{name}")
        times.append(time.perf_counter() - t0)
    return len(pages) / sum(times), statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--feeds", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=2 * (os.cpu_count() or 1))
    args = parser.parse_args()
    print("per-host politeness: OFF for the loopback test host (interval 0)")
    print("private addresses: allowed for this run (the site is on 127.0.0.1)")
    with tempfile.TemporaryDirectory(prefix="newsfeed-bench-") as tmp:
        root, data = Path(tmp) / "site", Path(tmp) / "data"
        generate_site(root, articles=args.articles, feeds=args.feeds)
        size = sum(p.stat().st_size for p in (root / "news").iterdir()) / args.articles
        figures = run_crawl(root, data, feeds=args.feeds, concurrency=args.concurrency)
        pages_per_s, median_ms = extraction_rate(root)
    stored = figures["stored"] or 1
    rows = [
        (
            "site",
            f"{args.articles} articles, {size / 1024:.0f} KiB/page, {args.feeds} feeds",
        ),
        ("workers", f"concurrency {args.concurrency} on {os.cpu_count()} cores"),
        ("articles stored", f"{figures['stored']:.0f}"),
        ("failures recorded", f"{figures['failures']:.0f}"),
        ("wall time", f"{figures['wall']:.1f} s (start-up and drain included)"),
        (
            "  start-up, drain",
            (
                f"first article stored after {figures['first_store']:.1f} s; "
                f"exit {figures['after_last']:.1f} s after the last"
            ),
        ),
        ("end to end", f"{figures['stored'] / figures['wall']:.1f} articles/s"),
        (
            "steady state",
            f"{figures['steady']:.1f} articles/s (10th to 90th percentile of stores)",
        ),
        (
            "CPU per article",
            (
                f"{1000 * figures['crawl_cpu'] / stored:.1f} ms (crawl) + "
                f"{1000 * figures['server_cpu'] / stored:.1f} ms (HTTP server)"
            ),
        ),
        (
            "  of which",
            ", ".join(
                f"{name[4:]} {1000 * seconds / stored:.1f}"
                for name, seconds in sorted(figures.items())
                if name.startswith("cpu:")
            )
            + " ms (sampled every 0.2 s)",
        ),
        ("peak RSS, one worker", f"{figures['peak_rss_mib']:.0f} MiB"),
        ("extraction", f"{pages_per_s:.0f} pages/s, {median_ms:.2f} ms median"),
    ]
    print()
    for name, value in rows:
        print(f"{name:<22}{value}")


if __name__ == "__main__":
    main()
