"""A feed's publishing activity: the poll window, its rate, its usual gap, staleness.

Each successful poll appends ``(polled_at, new_entries)`` to a short window (the last
``WINDOW`` polls; a 304 counts as a poll with 0 new entries). From it:

* :func:`publishing_rate` — new entries per second over the window, or ``None`` while
  the window is too short to say (fewer than ``MIN_POLLS`` polls);
* :func:`update_gap` — the feed's *usual gap* between entries, an exponentially
  weighted mean that moves only when entries arrive, so a long silence does not erase
  what "usual" means;
* :func:`is_stale` — silent for more than ``factor`` times the usual gap (and at least
  ``floor``): a feed that publishes hourly and has said nothing for ten hours.

The window is stored as JSON on the feed row (``feeds.poll_history``);
:func:`load_window` and :func:`dump_window` convert, and tolerate a damaged value by
starting afresh (losing the history only resets the interval to its default).

What this module does not do: decide the next poll time (``schedule.py`` does, from the
rate this module gives), read the clock or the database.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

WINDOW = 24  # polls remembered
MIN_POLLS = 3  # polls needed before the rate is trusted
GAP_WEIGHT = 0.3  # weight of the newest observation in the usual gap


@dataclass(frozen=True)
class Poll:
    at: datetime
    new_entries: int


def load_window(text: str | None) -> list[Poll]:
    """The window stored as ``[[epoch, new_entries], ...]``; [] if unreadable."""
    if not text:
        return []
    try:
        rows = json.loads(text)
        return [Poll(datetime.fromtimestamp(float(t), UTC), int(n)) for t, n in rows]
    except (ValueError, TypeError, OverflowError):
        return []


def dump_window(window: Sequence[Poll]) -> str:
    return json.dumps([[int(p.at.timestamp()), p.new_entries] for p in window])


def record(window: Sequence[Poll], poll: Poll) -> list[Poll]:
    """The window with ``poll`` appended, oldest dropped past ``WINDOW``."""
    return [*window, poll][-WINDOW:]


def publishing_rate(window: Sequence[Poll]) -> float | None:
    """New entries per second between the first and the last poll of the window.

    The first poll's entries are not counted: they arrived before the window began
    (a feed's first poll finds its whole backlog, which says nothing about its rate).
    """
    if len(window) < MIN_POLLS:
        return None
    span = (window[-1].at - window[0].at).total_seconds()
    if span <= 0:
        return None
    return sum(p.new_entries for p in window[1:]) / span


def update_gap(
    usual_gap: float | None,
    last_new_at: datetime | None,
    *,
    now: datetime,
    new_entries: int,
) -> float | None:
    """The usual gap in seconds after a poll at ``now`` found ``new_entries``.

    Unchanged when nothing new arrived, or when there is no earlier entry to measure
    from (the first poll's backlog).
    """
    if new_entries <= 0 or last_new_at is None:
        return usual_gap
    observed = max((now - last_new_at).total_seconds(), 0.0) / new_entries
    if usual_gap is None:
        return observed
    return (1 - GAP_WEIGHT) * usual_gap + GAP_WEIGHT * observed


@dataclass(frozen=True)
class Activity:
    """What the feed row remembers of its publishing, and the figures derived."""

    window: tuple[Poll, ...] = ()
    usual_gap: float | None = None  # seconds between new entries, usually
    last_new_at: datetime | None = None

    def observe(self, *, now: datetime, new_entries: int) -> Activity:
        """The activity after a successful poll (a 304 counts, with 0 entries)."""
        return Activity(
            window=tuple(record(self.window, Poll(now, new_entries))),
            usual_gap=update_gap(
                self.usual_gap, self.last_new_at, now=now, new_entries=new_entries
            ),
            last_new_at=now if new_entries > 0 else self.last_new_at,
        )

    @property
    def rate(self) -> float | None:
        return publishing_rate(self.window)

    @property
    def span(self) -> float | None:
        if len(self.window) < MIN_POLLS:
            return None
        return (self.window[-1].at - self.window[0].at).total_seconds()

    def stale(self, *, now: datetime, factor: float, floor: timedelta) -> bool:
        return is_stale(
            self.usual_gap, self.last_new_at, now=now, factor=factor, floor=floor
        )


def is_stale(
    usual_gap: float | None,
    last_new_at: datetime | None,
    *,
    now: datetime,
    factor: float,
    floor: timedelta,
) -> bool:
    """Silent for longer than ``factor`` × the usual gap, and longer than ``floor``."""
    if usual_gap is None or last_new_at is None or factor <= 0:
        return False
    silence = now - last_new_at
    return silence > max(timedelta(seconds=usual_gap * factor), floor)
