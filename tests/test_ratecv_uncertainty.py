"""Tests of the standard errors behind the rate-preserving-CV chapter's statistical claims."""

import math

import numpy as np
import pytest

from effdyn.ratecv import (
    difference_z,
    exposure_for_relative_stderr,
    poisson_stderr,
    ratio_stderr,
    replica_bootstrap,
)


def test_poisson_stderr_matches_the_spread_of_simulated_counts():
    rng = np.random.default_rng(0)
    rate, exposure = 0.04, 500.0
    rates = rng.poisson(rate * exposure, size=20000) / exposure
    n_typical = round(rate * exposure)
    assert poisson_stderr(n_typical, exposure) == pytest.approx(rates.std(), rel=0.03)
    assert poisson_stderr(0, exposure) == pytest.approx(1 / exposure)
    with pytest.raises(ValueError):
        poisson_stderr(-1, exposure)
    with pytest.raises(ValueError):
        poisson_stderr(3, 0.0)


def test_exposure_for_relative_stderr_gives_the_wanted_count():
    n, exposure = 16, 409.6
    needed = exposure_for_relative_stderr(n, exposure, 0.1)
    expected_count = n / exposure * needed
    assert expected_count == pytest.approx(100.0)
    assert 1 / math.sqrt(expected_count) == pytest.approx(0.1)
    with pytest.raises(ValueError):
        exposure_for_relative_stderr(0, exposure, 0.1)
    with pytest.raises(ValueError):
        exposure_for_relative_stderr(n, exposure, 1.5)


def test_ratio_stderr_and_difference_z_against_monte_carlo():
    rng = np.random.default_rng(1)
    a = 2.0 + 0.1 * rng.standard_normal(200000)
    b = 4.0 + 0.3 * rng.standard_normal(200000)
    assert ratio_stderr(2.0, 0.1, 4.0, 0.3) == pytest.approx((a / b).std(), rel=0.05)
    assert math.isnan(ratio_stderr(0.0, 0.1, 4.0, 0.3))
    assert difference_z(5.0, 3.0, 1.0, 4.0) == pytest.approx(4.0 / 5.0)
    z = (a - b) / math.hypot(0.1, 0.3)
    assert z.std() == pytest.approx(1.0, rel=0.02)


def replica_data(n_times=50, n_replicas=400, seed=2):
    """Frames correlated within a replica: a per-replica offset plus independent noise."""
    rng = np.random.default_rng(seed)
    offsets = rng.standard_normal(n_replicas)
    x = offsets[None, :] + 0.5 * rng.standard_normal((n_times, n_replicas))
    return x.reshape(-1)  # time-major, as simulate(...).traj[1:].reshape(-1, dim)


def test_replica_bootstrap_sees_the_within_replica_correlation():
    n_times, n_replicas = 50, 400
    x = replica_data(n_times, n_replicas)
    result = replica_bootstrap(np.mean, [x], n_replicas, n_boot=400, seed=0)
    # the mean's error: per-replica variance (1 + 0.25 / n_times) over n_replicas
    exact = math.sqrt((1 + 0.25 / n_times) / n_replicas)
    assert result.stderr() == pytest.approx(exact, rel=0.15)
    # resampling single frames would have missed the correlation by a factor ~ sqrt(n_times)
    assert result.stderr() > 3 * x.std() / math.sqrt(x.size)
    lo, hi = result.interval()
    assert lo < result.value[0] < hi


def test_replica_bootstrap_keeps_correlations_between_statistics():
    n_replicas = 200
    x = replica_data(20, n_replicas)
    y = replica_data(20, n_replicas, seed=3) + 5.0

    def stats(a, b):
        return a.mean(), 2 * a.mean(), b.mean() + 5.0

    result = replica_bootstrap(stats, [x, y], n_replicas, n_boot=200, seed=1)
    assert result.value.shape == (3,)
    # the same draws for every statistic: an exact relation has no spread
    _, se = result.combined(lambda u, v: v / u, 0, 1)
    assert se < 1e-12
    # independent data: the difference has the combined error
    _, se_diff = result.combined(lambda u, w: w - u, 0, 2)
    assert se_diff == pytest.approx(math.hypot(result.stderr(0), result.stderr(2)), rel=0.25)


def test_replica_bootstrap_refuses_bad_layouts_and_counts_failures():
    x = replica_data(10, 20)
    with pytest.raises(ValueError, match="whole number"):
        replica_bootstrap(np.mean, [x[:-1]], 20)
    with pytest.raises(ValueError, match="differ"):
        replica_bootstrap(np.mean, [x, x[:20]], 20)
    with pytest.raises(ValueError):
        replica_bootstrap(np.mean, [x], 1)

    def fragile(a):
        if a.mean() > np.mean(x):
            raise ValueError("an empty core")
        return a.mean()

    result = replica_bootstrap(fragile, [x - 1e-9], 20, n_boot=50, seed=0)
    assert 0 < result.n_failed < 50
    assert math.isfinite(result.stderr())
