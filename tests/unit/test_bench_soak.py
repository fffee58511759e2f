"""The arithmetic behind bench.soak's L5 verdicts, on made-up samples."""

from __future__ import annotations

import pytest

from bench.soak_figures import (
    KEYS_FLOOR,
    Sample,
    growth_percent,
    key_drift,
    key_points,
    median_between,
    role_series,
    rss_verdict,
    slope,
    warmup_end,
)


def _sample(
    t: float,
    *,
    rss: dict[int, tuple[str, int]] | None = None,
    keys: dict[int, tuple[int, int]] | None = None,
    stored: int = 0,
) -> Sample:
    return Sample(t, rss or {}, keys or {}, {}, stored, {}, 0.0)


def test_growth_is_a_percentage_of_the_first_figure():
    assert growth_percent(200.0, 220.0) == pytest.approx(10.0)
    assert growth_percent(200.0, 190.0) == pytest.approx(-5.0)


def test_slope_of_a_straight_line_is_its_gradient():
    assert slope([(0.0, 5.0), (10.0, 25.0), (20.0, 45.0)]) == pytest.approx(2.0)


def test_slope_of_too_few_points_is_zero():
    assert slope([(3.0, 7.0)]) == 0.0
    assert slope([(3.0, 7.0), (3.0, 9.0)]) == 0.0


def test_a_key_count_that_wobbles_around_a_level_is_stable():
    counts = [40, 52, 38, 47, 55, 41, 39, 50, 44, 46]
    drift, limit = key_drift([(5.0 * i, float(c)) for i, c in enumerate(counts)])
    assert drift < limit


def test_a_key_count_that_gains_a_key_per_sample_is_not_stable():
    drift, limit = key_drift([(5.0 * i, 40.0 + i) for i in range(60)])
    assert drift == pytest.approx(59.0)
    assert drift >= limit


def test_the_stability_limit_is_a_tenth_of_the_mean_or_the_floor():
    assert key_drift([(0.0, 1000.0), (10.0, 1000.0)]) == (0.0, 100.0)
    assert key_drift([(0.0, 8.0), (10.0, 8.0)])[1] == KEYS_FLOOR


def test_warm_up_waits_for_the_backlog_and_its_claims_to_expire():
    stored = [(10.0, 50.0), (20.0, 180.0), (30.0, 200.0), (40.0, 203.0)]
    assert warmup_end(stored, backlog=200, min_seconds=60, claim_ttl=60) == 90.0
    assert warmup_end(stored, backlog=200, min_seconds=120, claim_ttl=60) == 120.0


def test_warm_up_never_ends_when_the_backlog_is_never_stored():
    stored = [(10.0, 50.0), (20.0, 180.0)]
    assert warmup_end(stored, backlog=200, min_seconds=0, claim_ttl=0) is None


def test_median_between_takes_only_the_points_inside():
    points = [(0.0, 1.0), (5.0, 100.0), (10.0, 3.0), (15.0, 5.0), (20.0, 1000.0)]
    assert median_between(points, 5.0, 15.0) == 5.0
    assert median_between(points, 21.0, 30.0) is None


def test_rss_figures_compare_the_medians_of_the_first_and_last_windows():
    series = [(float(t), 100.0 + (50.0 if t >= 90 else 0.0)) for t in range(0, 121, 5)]
    assert rss_verdict(series, 0.0, 120.0, 30.0) == (100.0, 150.0, 50.0)


def test_role_series_sums_the_processes_of_the_roles_asked_for():
    samples = [
        _sample(0.0, rss={1: ("worker", 100), 2: ("pool", 50), 3: ("beat", 70)}),
        _sample(5.0, rss={1: ("worker", 110), 4: ("pool", 60), 5: ("pool", 65)}),
    ]
    assert role_series(samples, "worker", "pool") == [(0.0, 150.0), (5.0, 235.0)]
    assert role_series(samples, "beat") == [(0.0, 70.0), (5.0, 0.0)]


def test_key_points_skip_samples_without_redis_and_count_a_vanished_db_as_empty():
    samples = [
        _sample(0.0, keys={0: (8, 0), 1: (30, 30)}),
        _sample(5.0),  # Redis did not answer this time
        _sample(10.0, keys={0: (9, 1)}),
    ]
    assert key_points(samples, 1) == [(0.0, 30.0), (10.0, 0.0)]
    assert key_points(samples, 0, without_ttl=True) == [(0.0, 8.0), (10.0, 8.0)]
