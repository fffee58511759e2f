"""The figures of a soak (bench/soak.py): what a sample holds, the pure arithmetic
that turns samples into RELIABILITY L5 verdicts, and the printed report."""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.live_site import LiveSiteServer, Publisher

GROWTH_LIMIT = 10.0  # per cent, RELIABILITY L5
KEYS_RELATIVE, KEYS_FLOOR = 0.10, 20  # the key-count stability rule (bench/soak.py)
WINDOW = 30.0  # seconds of samples behind each RSS figure


@dataclass(frozen=True)
class Sample:
    t: float  # seconds since `newsfeed up` started
    rss: dict[int, tuple[str, int]]  # pid -> (role, KiB)
    keys: dict[int, tuple[int, int]]  # Redis db -> (keys, keys with a TTL)
    depths: dict[str, int]  # each queue, and "unacked"
    stored: int
    polls: dict[str, int]  # poll attempts by status
    redis_mib: float


# ------------------------------------------------------------------ pure helpers


def median_between(
    points: Sequence[tuple[float, float]], start: float, end: float
) -> float | None:
    """The median value of the points with ``start <= t <= end``."""
    values = [v for t, v in points if start <= t <= end]
    return statistics.median(values) if values else None


def growth_percent(before: float, after: float) -> float:
    return 100.0 * (after - before) / before if before else 0.0


def slope(points: Sequence[tuple[float, float]]) -> float:
    """Least-squares slope of value over time (per second); 0 for fewer than 2."""
    if len(points) < 2:
        return 0.0
    mean_t = statistics.fmean(t for t, _ in points)
    mean_v = statistics.fmean(v for _, v in points)
    spread = sum((t - mean_t) ** 2 for t, _ in points)
    if not spread:
        return 0.0
    return sum((t - mean_t) * (v - mean_v) for t, v in points) / spread


def key_drift(points: Sequence[tuple[float, float]]) -> tuple[float, float]:
    """(drift, limit): the trend extrapolated over the points' span, and what the
    stability rule allows: KEYS_RELATIVE of the mean count, at least KEYS_FLOOR."""
    if not points:
        return 0.0, float(KEYS_FLOOR)
    span = points[-1][0] - points[0][0]
    mean = statistics.fmean(v for _, v in points)
    return slope(points) * span, max(KEYS_RELATIVE * mean, KEYS_FLOOR)


def warmup_end(
    stored: Sequence[tuple[float, float]],
    *,
    backlog: int,
    min_seconds: float,
    claim_ttl: float,
) -> float | None:
    """The later of ``min_seconds`` and ``claim_ttl`` after the first time ``backlog``
    articles were stored; None while the backlog is not stored."""
    for t, count in stored:
        if count >= backlog:
            return max(min_seconds, t + claim_ttl)
    return None


def role_series(samples: Sequence[Sample], *roles: str) -> list[tuple[float, float]]:
    """(t, summed KiB) of the processes in ``roles`` at each sample."""
    return [
        (s.t, float(sum(kib for role, kib in s.rss.values() if role in roles)))
        for s in samples
    ]


def key_points(
    samples: Sequence[Sample], db: int, *, without_ttl: bool = False
) -> list[tuple[float, float]]:
    """(t, keys of ``db``) at each sample that reached Redis; a database with no
    keys left is missing from ``INFO keyspace`` and counts 0."""
    points = []
    for s in samples:
        if s.keys:
            keys, with_ttl = s.keys.get(db, (0, 0))
            points.append((s.t, float(keys - with_ttl if without_ttl else keys)))
    return points


def rss_verdict(
    series: Sequence[tuple[float, float]], start: float, end: float, window: float
) -> tuple[float, float, float] | None:
    """(KiB after warm-up, KiB at the end, growth %) from the medians of the first and
    the last ``window`` seconds of [start, end]."""
    before = median_between(series, start, start + window)
    after = median_between(series, end - window, end)
    if before is None or after is None:
        return None
    return before, after, growth_percent(before, after)


@dataclass
class Run:
    """What a soak saw: samples, events and the end state."""

    samples: list[Sample] = field(default_factory=list)
    stopped_publishing: float = 0.0
    all_stored_after: float | None = None  # seconds after publishing stopped
    drained_after: float | None = None  # seconds after publishing stopped
    final_depths: dict[str, int] = field(default_factory=dict)
    exit_status: int | None = None
    stop_seconds: float = 0.0
    left_running: list[str] = field(default_factory=list)
    recrawls_failed: int = 0
    early_exit: str | None = None
    lasting_keys: dict[int, list[str]] = field(default_factory=dict)  # no TTL, at end


# ------------------------------------------------------------------ reporting


def _rss_section(
    samples: list[Sample], start: float, end: float, failures: list[str]
) -> None:
    window = min(WINDOW, (end - start) / 3)
    print(
        f"\nRSS: median of the {window:.0f} s after warm-up, of the last {window:.0f} s"
    )
    groups = {
        "worker (parent + pool)": ("worker", "pool"),
        "worker parent": ("worker",),
        "beat": ("beat",),
        "Redis server": ("redis",),
        "newsfeed up (CLI)": ("cli",),
    }
    for label, roles in groups.items():
        figures = rss_verdict(role_series(samples, *roles), start, end, window)
        if figures is None:
            print(f"  {label:<24}no samples")
            continue
        before, after, growth = figures
        checked = "redis" not in roles and "cli" not in roles
        print(
            f"  {label:<24}{before / 1024:7.1f} -> {after / 1024:7.1f} MiB  "
            f"{growth:+6.1f} %{'' if checked else '  (not an L5 condition)'}"
        )
        if checked and growth >= GROWTH_LIMIT:
            failures.append(
                f"RSS of {label} grew {growth:.1f} % (limit {GROWTH_LIMIT} %)"
            )
    _per_process(samples, start, end)


def _per_process(samples: list[Sample], start: float, end: float) -> None:
    seen: dict[int, list[tuple[float, str, int]]] = {}
    for s in samples:
        for pid, (role, kib) in s.rss.items():
            seen.setdefault(pid, []).append((s.t, role, kib))
    print(
        "  per process: role pid, alive from-to s, RSS MiB at warm-up end / end / peak"
    )
    for pid, points in sorted(seen.items(), key=lambda item: item[1][0][0]):
        at_start = next((k for t, _, k in points if t >= start), None)
        at_end = next((k for t, _, k in reversed(points) if t <= end), None)
        peak = max(k for _, _, k in points)

        def mib(kib: int | None) -> str:
            return f"{kib / 1024:6.1f}" if kib else "     -"

        print(
            f"    {points[0][1]:<7}{pid:>8}  {points[0][0]:5.0f}-{points[-1][0]:5.0f}"
            f"  {mib(at_start)} / {mib(at_end)} / {mib(peak)}"
        )
    pool_peaks = [
        max(k for _, _, k in points)
        for points in seen.values()
        if points[0][1] == "pool"
    ]
    if pool_peaks:
        print(
            f"  pool children: {len(pool_peaks)} over the run; peak of any "
            f"{max(pool_peaks) / 1024:.1f} MiB, median peak "
            f"{statistics.median(pool_peaks) / 1024:.1f} MiB"
        )


def _keys_section(
    samples: list[Sample], start: float, end: float, failures: list[str]
) -> None:
    after = [s for s in samples if start <= s.t <= end]
    print(
        f"\nRedis keys after warm-up ({len(after)} samples); stable when the trend "
        f"over the span adds < {KEYS_RELATIVE:.0%} of the mean or {KEYS_FLOOR} keys"
    )
    for db in sorted({db for s in samples for db in s.keys}):
        for label, without_ttl in (("all keys", False), ("without TTL", True)):
            points = key_points(after, db, without_ttl=without_ttl)
            if not points:
                continue
            values = [v for _, v in points]
            drift, limit = key_drift(points)
            print(
                f"  db{db} {label:<12} min {min(values):5.0f}  max {max(values):5.0f}"
                f"  first {values[0]:5.0f}  last {values[-1]:5.0f}"
                f"  trend {drift:+7.1f} over {points[-1][0] - points[0][0]:.0f} s"
                f" (limit {limit:.0f})"
            )
            if drift >= limit:
                failures.append(
                    f"db{db} {label}: trend {drift:+.0f} keys (limit {limit:.0f})"
                )


def _end_section(run: Run, failures: list[str]) -> None:
    print("\nend of the run")
    if run.early_exit:
        failures.append(f"the service {run.early_exit}")
        print(f"  the service {run.early_exit}")
    drained = (
        f"after {run.drained_after:.1f} s"
        if run.drained_after is not None
        else "NOT within the timeout"
    )
    stored = (
        f"after {run.all_stored_after:.1f} s"
        if run.all_stored_after is not None
        else "NOT within the timeout"
    )
    print(
        f"  publishing stopped at {run.stopped_publishing:.0f} s; every published "
        f"article stored {stored}; queues drained {drained}"
    )
    print("  final " + ", ".join(f"{k} {v}" for k, v in run.final_depths.items()))
    for db, names in run.lasting_keys.items():
        print(f"  db{db} keys without a TTL: {', '.join(names) or 'none'}")
    left = {k: v for k, v in run.final_depths.items() if v}
    if left or not run.final_depths:
        failures.append(f"queues or unacked not empty at the end: {left or 'unknown'}")
    print(
        f"  SIGINT to the service's process group: exit status {run.exit_status} "
        f"after {run.stop_seconds:.1f} s; left running: {run.left_running or 'none'}"
    )
    if run.exit_status != 0:
        failures.append(f"newsfeed up exited with {run.exit_status} after SIGINT")
    if run.left_running:
        failures.append(f"processes left running after the stop: {run.left_running}")


def _work_section(
    run: Run, publisher: Publisher, site: LiveSiteServer, data: Path
) -> None:
    with sqlite3.connect(f"file:{data / 'newsfeed.db'}?mode=ro", uri=True) as db:
        rows = {
            name: db.execute(query).fetchone()[0]
            for name, query in {
                "articles stored": "SELECT COUNT(*) FROM articles",
                "revisions": "SELECT COUNT(*) FROM revisions",
                "fetches revised": "SELECT COUNT(*) FROM fetch_attempts "
                "WHERE status = 'revised'",
                "attempts with a failure reason": "SELECT COUNT(*) FROM fetch_attempts "
                "WHERE reason IS NOT NULL",
                "URLs still pending": "SELECT COUNT(*) FROM crawl_urls "
                "WHERE state = 'pending'",
            }.items()
        }
        polls = dict(
            db.execute(
                "SELECT status, COUNT(*) FROM fetch_attempts WHERE stage = 'poll' "
                "GROUP BY status"
            ).fetchall()
        )
    print("\nwork done")
    for name, value in rows.items():
        print(f"  {name:<32}{value}")
    print(f"  {'polls':<32}{sum(polls.values())} ({polls})")
    answers = ", ".join(f"{k} {s}: {n}" for (k, s), n in sorted(site.answers.items()))
    print(f"  {'site answers':<32}{answers}")
    print(
        f"  {'published, edited (recrawled)':<32}"
        f"{publisher.published}, {publisher.edited}"
        f" ({run.recrawls_failed} recrawl commands failed)"
    )


def _log_section(log: Path) -> None:
    """Count the service log's events by level; show the lines that are not JSON
    and look like trouble (celery's banner and redis's are not)."""
    events: Counter[str] = Counter()
    trouble: list[str] = []
    for line in log.read_text(errors="replace").splitlines():
        try:
            record = json.loads(line)
            events[f"{record.get('level')} {record.get('event')}"] += 1
        except (ValueError, AttributeError):
            if any(word in line for word in ("Error", "Traceback", "CRITICAL")):
                trouble.append(line)
    print(f"\nservice log {log}: {sum(events.values())} JSON events (WARNING and up)")
    for name, count in events.most_common(12):
        print(f"  {count:>6}  {name}")
    print(f"  {len(trouble)} other lines with Error, Traceback or CRITICAL")
    for line in trouble[:8]:
        print(f"  | {line[:160]}")


def report(
    run: Run,
    args: argparse.Namespace,
    publisher: Publisher,
    site: LiveSiteServer,
    data: Path,
    log: Path,
) -> list[str]:
    """Print the figures; return the failed L5 conditions."""
    failures: list[str] = []
    samples = run.samples
    start = warmup_end(
        [(s.t, float(s.stored)) for s in samples],
        backlog=publisher.initial,
        min_seconds=args.warmup,
        claim_ttl=args.claim_ttl,
    )
    end = run.stopped_publishing
    if start is None:
        failures.append(f"the initial backlog ({publisher.initial}) was never stored")
    elif end - start < 3 * args.sample_every:
        failures.append(f"warm-up ended at {start:.0f} s, too late to judge")
    else:
        print(f"\nwarm-up ended at {start:.0f} s; publishing ran to {end:.0f} s")
        _rss_section(samples, start, end, failures)
        _keys_section(samples, start, end, failures)
    _work_section(run, publisher, site, data)
    _end_section(run, failures)
    _log_section(log)
    return failures
