"""Exponential backoff with jitter, as a pure function.

``delay = min(base * 2**attempt, maximum)``; with jitter the delay is drawn uniformly
from ``[delay / 2, delay]`` ("equal jitter"), so a crowd of workers that failed together
does not retry together, and no retry comes sooner than half the nominal delay.

What this module does not do: sleep, count attempts, or decide whether an error is worth
retrying (``worker.errors`` decides that by branch). Randomness comes from ``rng`` when
given, so tests are deterministic.

References: dramatiq ``dramatiq/common.py`` ``compute_backoff`` (the model);
AWS Architecture Blog, "Exponential Backoff And Jitter" (2015).
"""

from __future__ import annotations

import random

# 2**64 times any sane base is far beyond any maximum; capping the exponent keeps the
# float arithmetic finite however large ``attempt`` grows.
_MAX_EXPONENT = 64


def compute_backoff(
    attempt: int,
    *,
    base: float,
    maximum: float,
    jitter: bool = True,
    rng: random.Random | None = None,
) -> float:
    """Seconds to wait before retry number ``attempt``.

    As in dramatiq, callers count from 1 for the first retry (``base * 2`` seconds);
    0 gives ``base``.

    Without jitter: ``min(base * 2**attempt, maximum)``. With jitter: uniform in
    ``[d / 2, d]`` for that ``d``.

    Raises:
        ValueError: ``attempt``, ``base`` or ``maximum`` is negative.
    """
    if attempt < 0 or base < 0 or maximum < 0:
        raise ValueError("attempt, base and maximum must not be negative")
    delay = min(base * 2.0 ** min(attempt, _MAX_EXPONENT), maximum)
    if not jitter:
        return delay
    # Jitter spreads retries; it is not a security decision, so random is right here.
    source = rng if rng is not None else random
    return delay / 2 + source.uniform(0, delay / 2)
