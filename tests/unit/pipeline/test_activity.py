"""Publishing activity: the poll window, its rate, the usual gap and staleness."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from worker.pipeline.activity import (
    MIN_POLLS,
    WINDOW,
    Activity,
    Poll,
    dump_window,
    is_stale,
    load_window,
    publishing_rate,
)
from worker.pipeline.feed_health import disable_reason, is_permanent

T0 = datetime(2024, 3, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _polls(*counts: int, every: timedelta = HOUR) -> list[Poll]:
    return [Poll(T0 + i * every, n) for i, n in enumerate(counts)]


def test_the_rate_is_unknown_until_the_window_has_enough_polls() -> None:
    assert publishing_rate(_polls(*[5] * (MIN_POLLS - 1))) is None
    assert publishing_rate(_polls(50, 1, 1)) == 2 / 7200


def test_the_first_polls_backlog_does_not_count_towards_the_rate() -> None:
    assert publishing_rate(_polls(400, 0, 0, 0)) == 0.0


def test_the_window_keeps_the_last_polls_only() -> None:
    activity = Activity()
    for i in range(WINDOW + 10):
        activity = activity.observe(now=T0 + i * HOUR, new_entries=1)
    assert len(activity.window) == WINDOW
    assert activity.window[0].at == T0 + 10 * HOUR
    assert activity.rate == (WINDOW - 1) / ((WINDOW - 1) * 3600)


def test_the_usual_gap_moves_only_when_entries_arrive() -> None:
    activity = Activity().observe(now=T0, new_entries=20)  # backlog: no gap yet
    assert (activity.usual_gap, activity.last_new_at) == (None, T0)
    activity = activity.observe(now=T0 + HOUR, new_entries=2)
    assert activity.usual_gap == 1800
    quiet = activity.observe(now=T0 + 5 * HOUR, new_entries=0)
    assert (quiet.usual_gap, quiet.last_new_at) == (1800, T0 + HOUR)
    later = quiet.observe(now=T0 + 7 * HOUR, new_entries=1)
    assert later.usual_gap == pytest.approx(0.7 * 1800 + 0.3 * 6 * 3600)


def test_an_hourly_feed_silent_for_many_hours_is_stale() -> None:
    activity = Activity(usual_gap=3600, last_new_at=T0)
    floor = timedelta(hours=1)
    assert not activity.stale(now=T0 + 9 * HOUR, factor=10, floor=floor)
    assert activity.stale(now=T0 + 11 * HOUR, factor=10, floor=floor)
    # a fast feed is not stale after a few quiet minutes: the floor holds
    fast = Activity(usual_gap=60, last_new_at=T0)
    assert not fast.stale(now=T0 + timedelta(minutes=30), factor=10, floor=floor)
    assert not is_stale(None, T0, now=T0 + 1000 * HOUR, factor=10, floor=floor)
    assert not is_stale(3600, T0, now=T0 + 1000 * HOUR, factor=0, floor=floor)


@given(st.lists(st.integers(min_value=0, max_value=10_000), max_size=WINDOW))
def test_the_window_survives_its_json_round_trip(counts: list[int]) -> None:
    window = _polls(*counts)
    assert load_window(dump_window(window)) == window


def test_a_damaged_window_starts_afresh() -> None:
    for text in (
        None,
        "",
        "{",
        '{"a": 1}',
        "[[1, 2, 3]]",
        '[["x", 1]]',
        "[[1e400, 1]]",
    ):
        assert load_window(text) == []


def test_permanent_failures_disable_after_the_threshold_and_410_at_once() -> None:
    assert is_permanent("http_4xx")
    assert is_permanent("not_feed")
    assert not is_permanent("http_5xx")
    assert not is_permanent("timeout")
    assert disable_reason("http_4xx", 404, streak=4, threshold=5) is None
    assert (
        disable_reason("http_4xx", 404, streak=5, threshold=5)
        == "http_4xx 404 on 5 polls in a row"
    )
    assert disable_reason("http_4xx", 410, streak=1, threshold=5) == "gone (410)"
    assert disable_reason("unparseable", None, streak=3, threshold=3) == (
        "unparseable on 3 polls in a row"
    )
    assert disable_reason("unparseable", None, streak=99, threshold=0) is None
