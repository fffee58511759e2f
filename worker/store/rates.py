"""Per-host politeness shared by every worker: a minimum interval between requests.

Each host has one Redis key holding the earliest time (microseconds, Redis clock) the
next request may start. ``wait_turn`` reserves a slot atomically in one Lua script, so
4 processes hammering one host still arrive ``interval`` apart (RELIABILITY L4), then
sleeps until that slot. The clock is Redis ``TIME``: workers on several machines agree
on it even when their own clocks drift. ``back_off`` pushes the next slot out after a
429/503 (RELIABILITY rule 4: Retry-After honoured up to 1 h).

It deliberately does not queue work or decide the interval: the caller passes
``max(min_interval, Crawl-delay)`` (RFC 9309 leaves Crawl-delay non-standard; we cap
it in ``worker.net.robots``). A wait longer than ``max_wait`` is not slept: the caller
gets ``RateLimited`` and the task is rescheduled, so no pool child idles for minutes.
"""

from __future__ import annotations

import time

import redis

from worker.errors import RateLimited

# RELIABILITY rule 4: Retry-After is honoured up to one hour, never more.
MAX_BACK_OFF = 3600.0
# Keys outlive their slot by this much, then vanish: no key per host crawled forever.
_KEY_GRACE_MS = 1000
_MICROS = 1_000_000

# KEYS[1] host key; ARGV[1] interval µs; ARGV[2] max wait µs; ARGV[3] grace ms.
# Returns {reserved (0/1), wait µs}. Numbers are written with %.0f because Lua's
# tostring() would print a 16-digit microsecond time in exponent form.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local next_allowed = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, next_allowed)
local wait = slot - now
if wait > tonumber(ARGV[2]) then
  return {0, wait}
end
local until_next = slot + tonumber(ARGV[1])
local ttl = math.ceil((until_next - now) / 1000) + tonumber(ARGV[3])
redis.call('SET', KEYS[1], string.format('%.0f', until_next), 'PX', ttl)
return {1, wait}
"""

# KEYS[1] host key; ARGV[1] back-off µs; ARGV[2] grace ms. Never moves a slot earlier.
_BACK_OFF = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local next_allowed = tonumber(redis.call('GET', KEYS[1]) or '0')
local target = math.max(next_allowed, now + tonumber(ARGV[1]))
local ttl = math.ceil((target - now) / 1000) + tonumber(ARGV[2])
redis.call('SET', KEYS[1], string.format('%.0f', target), 'PX', ttl)
return 1
"""


class HostRateGate:
    """One request per host per interval, across every worker sharing this Redis."""

    def __init__(
        self, client: redis.Redis, *, min_interval: float, max_wait: float = 30.0
    ) -> None:
        self._client = client
        self._min_interval = min_interval
        self._max_wait = max_wait
        self._reserve = client.register_script(_RESERVE)
        self._back_off = client.register_script(_BACK_OFF)

    def wait_turn(self, host: str, *, interval: float | None = None) -> float:
        """Sleep until ``host`` may be contacted again; return the seconds waited.

        Raises:
            RateLimited: the turn is more than ``max_wait`` away (``retry_after`` says
                when); nothing was reserved.
        """
        effective = max(self._min_interval, interval or 0.0)
        if effective <= 0:
            return 0.0
        reserved, wait_us = self._reserve(
            keys=[_key(host)],
            args=[
                round(effective * _MICROS),
                round(self._max_wait * _MICROS),
                _KEY_GRACE_MS,
            ],
        )
        wait = int(wait_us) / _MICROS
        if not reserved:
            raise RateLimited(f"{host} is busy for {wait:.1f} s", retry_after=wait)
        if wait > 0:
            time.sleep(wait)
        return wait

    def back_off(self, host: str, seconds: float) -> None:
        """Keep everyone off ``host`` for ``seconds`` (at most an hour) from now."""
        seconds = min(max(seconds, 0.0), MAX_BACK_OFF)
        self._back_off(
            keys=[_key(host)], args=[round(seconds * _MICROS), _KEY_GRACE_MS]
        )


def _key(host: str) -> str:
    return f"rate:{host.lower()}"
