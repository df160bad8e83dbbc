"""Tests of the estimators: MFPTs and rates with intervals, transition rates, free energies."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from effdyn.estimators import (
    Estimate,
    batch_means_ci,
    bootstrap_ci,
    free_energy_from_counts,
    histogram_free_energy,
    mean_ci,
    mfpt,
    poisson_rate,
    rate_from_mfpt,
    transition_rates,
)


def test_mfpt_sample_mean_with_t_interval():
    rng = np.random.default_rng(0)
    t = rng.exponential(5.0, 4000)
    est = mfpt(t)
    assert est.method == "sample mean" and est.n == 4000
    assert est.contains(5.0) and est.relative_halfwidth < 0.05
    assert mfpt(torch.as_tensor(t)).value == pytest.approx(est.value)


def test_censored_exponential_mle_has_its_coverage():
    """Exponential times censored at a horizon: the chi-square interval covers ~95%."""
    rng = np.random.default_rng(1)
    tau, horizon, covered = 5.0, 4.0, 0
    for _ in range(400):
        t = rng.exponential(tau, 300)
        t[t > horizon] = np.inf
        est = mfpt(t, horizon=horizon)
        covered += est.contains(tau)
    assert est.method == "exponential MLE"
    assert 0.92 <= covered / 400 <= 0.98


def test_mfpt_refusals_and_no_arrivals():
    t = np.array([1.0, 2.0, np.inf])
    with pytest.raises(ValueError, match="1 of 3 trajectories did not arrive"):
        mfpt(t, method="mean")
    with pytest.raises(ValueError, match="need the observation horizon"):
        mfpt(t)
    with pytest.raises(ValueError, match="exceed the horizon"):
        mfpt(t, horizon=1.5)
    with pytest.raises(ValueError, match="non-negative"):
        mfpt([1.0, -1.0])
    none = mfpt(np.full(10, np.inf), horizon=2.0)
    assert none.value == math.inf and none.high == math.inf and 0 < none.low < math.inf


def test_poisson_rate_garwood_values():
    zero = poisson_rate(0, 1.0)
    assert zero.value == 0 and zero.low == 0 and zero.high == pytest.approx(3.6889, abs=1e-4)
    ten = poisson_rate(10, 2.0)
    assert ten.value == 5.0
    assert (ten.low, ten.high) == (pytest.approx(2.3977, abs=1e-4), pytest.approx(9.1952, abs=1e-4))
    with pytest.raises(ValueError, match="exposure time must be positive"):
        poisson_rate(1, 0.0)


def test_rate_from_mfpt_inverts_the_interval():
    r = rate_from_mfpt(Estimate(4.0, 2.0, 8.0, 0.95, 10, "x"))
    assert (r.value, r.low, r.high) == (0.25, 0.125, 0.5)


def test_transition_rates_from_counts():
    rates = transition_rates(np.array([[0, 20], [10, 0]]), np.array([100.0, 50.0]))
    np.testing.assert_allclose(rates.rate, [[0, 0.2], [0.2, 0]])
    np.testing.assert_allclose(rates.mfpt, [[np.inf, 5.0], [5.0, np.inf]])
    assert rates.mfpt_low[0, 1] < 5.0 < rates.mfpt_high[0, 1]
    assert rates.rate_low[0, 1] == pytest.approx(poisson_rate(20, 100.0).low)
    with pytest.raises(ValueError, match="counts must be"):
        transition_rates(np.zeros((2, 3)), np.ones(2))


def test_histogram_free_energy_of_a_gaussian():
    """Samples of exp(-beta x^2/2): F(x) = x^2/2 up to a constant."""
    beta = 2.0
    rng = np.random.default_rng(2)
    x = rng.normal(0.0, 1 / math.sqrt(beta), 400_000)
    centers, F = histogram_free_energy(x, 40, (-1.0, 1.0), beta)
    expected = 0.5 * centers**2
    expected -= expected.min()
    np.testing.assert_allclose(F, expected, atol=0.02)
    # 2-D, and reweighting a uniform sample to the Gaussian
    xy = rng.normal(0, 1 / math.sqrt(beta), (1_000_000, 2))
    (cx, cy), F2 = histogram_free_energy(xy, [10, 12], [(-1, 1), (-1, 1)], beta)
    assert F2.shape == (10, 12)
    expected2 = 0.5 * (cx[:, None] ** 2 + cy[None, :] ** 2)
    np.testing.assert_allclose(F2, expected2 - expected2.min(), atol=0.05)
    u = rng.uniform(-1, 1, 400_000)
    c, Fw = histogram_free_energy(u, 20, (-1, 1), beta, weights=np.exp(-beta * u**2 / 2))
    np.testing.assert_allclose(Fw, 0.5 * c**2 - (0.5 * c**2).min(), atol=0.02)


def test_free_energy_from_counts():
    F = free_energy_from_counts(np.array([0, 1, 10, 100]), beta=1.0, min_count=2)
    assert np.isnan(F[0]) and np.isnan(F[1])
    np.testing.assert_allclose(F[2:], [math.log(10), 0.0])
    with pytest.raises(ValueError, match="no bin has enough counts"):
        free_energy_from_counts(np.zeros(3), 1.0)


def test_mean_bootstrap_and_batch_means_intervals():
    rng = np.random.default_rng(3)
    x = rng.normal(1.0, 2.0, 2000)
    m, b = mean_ci(x), bootstrap_ci(x, seed=1)
    assert m.contains(1.0) and b.contains(1.0)
    assert abs((m.high - m.low) / (b.high - b.low) - 1) < 0.15
    # an AR(1) series: batch means widen the interval compared to the naive one
    ar = np.zeros(20000)
    for k in range(1, ar.size):
        ar[k] = 0.95 * ar[k - 1] + rng.normal()
    naive, batched = mean_ci(ar), batch_means_ci(ar, n_batches=20)
    assert (batched.high - batched.low) > 3 * (naive.high - naive.low)
    assert batched.contains(0.0)
    assert "95% CI" in str(batched)
    with pytest.raises(ValueError, match="confidence must be in"):
        mean_ci(x, confidence=1.5)
