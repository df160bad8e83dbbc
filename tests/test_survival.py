"""Mean durations under right-censoring: Kaplan-Meier against exact geometric sojourns.

A two-state discrete-time Markov chain that switches with probability ``p`` at each step has
sojourns of exactly geometric length, mean ``dt / p``. Over a finite run the completed sojourns
alone are biased low (the long ones are cut off at the end); the Kaplan-Meier mean that
:func:`effdyn.estimators.transition_rates` reports must recover ``dt / p``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from effdyn.estimators import kaplan_meier_mean, transition_rates
from effdyn.sde import count_transitions


def test_without_censoring_the_kaplan_meier_mean_is_the_sample_mean():
    rng = np.random.default_rng(0)
    lengths = rng.geometric(0.2, size=5000)
    completed = np.bincount(lengths)
    est = kaplan_meier_mean(completed, np.zeros(1), spacing=0.5)
    assert est.value == pytest.approx(0.5 * lengths.mean(), rel=1e-12)
    se = 0.5 * lengths.std(ddof=0) / math.sqrt(lengths.size)
    assert (est.high - est.low) / (2 * 1.959964) == pytest.approx(se, rel=1e-6)
    assert "restricted" not in est.method


def test_independent_censoring_is_corrected():
    rng = np.random.default_rng(1)
    p, n = 0.05, 200_000
    durations = rng.geometric(p, size=n)
    limits = rng.integers(1, 60, size=n)  # censoring times independent of the durations
    seen = durations <= limits
    completed = np.bincount(durations[seen], minlength=61)
    censored = np.bincount(limits[~seen], minlength=61)
    est = kaplan_meier_mean(completed, censored)
    se = (est.high - est.low) / (2 * 1.959964)
    # durations beyond the largest censoring time are never seen: the mean restricted to 60
    restricted = sum((1 - p) ** k for k in range(60))
    assert abs(est.value - restricted) < 3 * se, (est.value, restricted, se)
    assert "restricted" in est.method
    assert durations[seen].mean() < restricted - 30 * se  # the naive average, far too low


def markov_chain(p: float, n_traj: int, n_steps: int, seed: int) -> torch.Tensor:
    """Positions ``(n_steps + 1, n_traj, 1)`` in {0, 1} of a chain switching with prob. p."""
    gen = torch.Generator().manual_seed(seed)
    start = torch.randint(0, 2, (1, n_traj), generator=gen)
    flips = (torch.rand(n_steps, n_traj, generator=gen) < p).long()
    states = (start + torch.cat([torch.zeros(1, n_traj, dtype=torch.long), flips]).cumsum(0)) % 2
    return states.unsqueeze(-1).double()


def test_two_state_chain_mean_duration_is_exact_and_the_naive_average_is_low():
    p, dt, n_steps = 0.05, 0.1, 400  # mean sojourn 20 steps, the run 20 of them
    x = markov_chain(p, 20_000, n_steps, seed=3)
    cores = [lambda y: y[..., 0] < 0.5, lambda y: y[..., 0] > 0.5]
    counter = count_transitions(x, cores, dt)
    res = transition_rates(counter)
    exact = dt / p
    naive = counter.duration_sum / np.maximum(counter.counts, 1)
    for i, j in ((0, 1), (1, 0)):
        got, se = res.mean_duration[i, j], res.duration_stderr[i, j]
        assert abs(got - exact) < 3 * se, (i, got, exact, se)
        assert res.mean_sojourn_low[i] < exact < res.mean_sojourn_high[i]
        assert naive[i, j] < exact - 3 * se, (i, naive[i, j], exact, se)
        # the standard error is that of ~counts geometric samples (std ~ mean)
        iid = exact * math.sqrt(1 - p) / math.sqrt(counter.counts[i, j])
        assert 0.8 < se / iid < 1.25, (se, iid)
    # every sojourn is accounted for: completed + under way = entries into each label
    assert counter.sojourns.sum() == counter.counts.sum()
    assert counter.open_sojourns.sum() == x.shape[1]


def test_more_than_two_cores_keep_the_direct_average_and_report_the_sojourn():
    x = torch.tensor([0.0, 0.0, 1.0, 1.0, 1.0, 2.0, 2.0, 0.0, 0.0]).view(-1, 1, 1)
    cores = [lambda y, c=c: (y[..., 0] - c).abs() < 0.5 for c in (0.0, 1.0, 2.0)]
    counter = count_transitions(x, cores, dt=1.0)
    res = transition_rates(counter)
    assert res.mean_duration[0, 1] == 2.0 and res.mean_duration[1, 2] == 3.0
    np.testing.assert_array_equal(counter.sojourns.sum(axis=1), [1, 1, 1])
    np.testing.assert_array_equal(counter.open_sojourns.sum(axis=1), [1, 0, 0])
    assert res.mean_sojourn[1] == 3.0


def test_bad_counts_are_refused():
    with pytest.raises(ValueError, match="no completed duration"):
        kaplan_meier_mean(np.zeros(4), np.ones(4))
    with pytest.raises(ValueError, match="non-negative counts"):
        kaplan_meier_mean(np.array([1.0, -1.0]), np.zeros(2))
    with pytest.raises(ValueError, match="spacing"):
        kaplan_meier_mean(np.ones(2), np.zeros(2), spacing=0.0)
