"""Tests of the point-cloud reduced-model solver (target-measure Mahalanobis diffusion map)."""

import math
import warnings

import numpy as np
import pytest
import torch

from effdyn.operators.grid import Grid
from effdyn.ratecv import MahalanobisDiffusionMap, ReducedModel1D, kernel_sum_bandwidth
from effdyn.ratecv.pointcloud import mahalanobis_sq_distances

A_CORE, B_CORES = (math.pi - 0.2, math.pi + 0.2), [(0.9, 1.1), (5.2, 5.4)]


def periodic_samples(n, beta, seed=0):
    """Samples of exp(-beta F), F = cos 3z + 0.5 cos z, and M = 1 + 0.5 sin z at them."""
    grid = Grid.box([(0.0, 2 * math.pi)], 2000, periodic=True)
    z = grid.axes[0]
    F = np.cos(3 * z) + 0.5 * np.cos(z)
    p = np.exp(-beta * (F - F.min()))
    rng = np.random.default_rng(seed)
    zs = z[rng.choice(z.size, size=n, p=p / p.sum())] + (rng.random(n) - 0.5) * grid.h[0]
    exact = ReducedModel1D(grid, F - F.min(), 1 + 0.5 * np.sin(z), np.ones(z.size), beta)
    return zs, 1 + 0.5 * np.sin(zs), exact


def core_masks(z):
    a = (z >= A_CORE[0]) & (z <= A_CORE[1])
    b = np.any([(z >= lo) & (z <= hi) for lo, hi in B_CORES], axis=0)
    return a, b


def test_rate_matches_the_grid_model_at_high_barriers():
    """Over 8 sample sets the mean rate is within 15 % of the exact model's (at this bandwidth
    the kernel reaches across the core edges, where q has kinks: about 9 % low)."""
    beta = 2.0
    ratios = []
    for seed in range(8):
        z, M, exact = periodic_samples(2000, beta, seed)
        a, b = core_masks(z)
        dmap = MahalanobisDiffusionMap(0.04, period=2 * math.pi).fit(z, M)
        rate = dmap.reactive_frequency(a, b, scale=1 / beta)
        ratios.append(rate / exact.rate(A_CORE, B_CORES, gamma=1.0))
    assert np.mean(ratios) == pytest.approx(1.0, abs=0.15)
    q = dmap.committor(a, b)
    assert np.all((q > -1e-9) & (q < 1 + 1e-9))  # a Markov matrix: a maximum principle


def test_generator_with_varying_tensor_and_target():
    """(P f - f) / eps -> (1/2) e^{-log pi} (pi M f')' on an even grid of points: the
    det(M)^{-1/4} weight removes a spurious (1/4) M' f' drift (7.8 % of |L f| here)."""
    n = 2000
    z = (np.arange(n) + 0.5) * 2 * math.pi / n
    M, log_pi = 1 + 0.5 * np.sin(z), -np.cos(z)
    f, fp, fpp = np.sin(2 * z), 2 * np.cos(2 * z), -4 * np.sin(2 * z)
    exact = 0.5 * (M * fpp + (0.5 * np.cos(z) + M * np.sin(z)) * fp)
    P = MahalanobisDiffusionMap(1e-3, period=2 * math.pi).fit(z, M, log_target=log_pi).P
    error = np.abs((P @ f - f) / 1e-3 - exact).max() / np.abs(exact).max()
    assert error < 0.01


def test_rescaling_the_cv_and_its_tensor_leaves_everything_unchanged():
    """z -> c z with M -> c^2 M keeps the Mahalanobis distances, hence P, q and the rate."""
    z, M, _ = periodic_samples(400, 2.0, seed=1)
    a, b = core_masks(z)
    c = 3.0
    r1 = MahalanobisDiffusionMap(0.05, period=2 * math.pi).fit(z, M).reactive_frequency(a, b)
    r2 = MahalanobisDiffusionMap(0.05, period=2 * math.pi * c).fit(c * z, c * c * M)
    assert r2.reactive_frequency(a, b) == pytest.approx(r1, rel=1e-10)


def test_a_full_constant_tensor_is_a_linear_change_of_coordinates():
    """Points x with M = I and z = A x with M = A A^T give the same P and rate."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=(500, 2)) * [1.0, 0.5]
    x[:250, 0] -= 1.5
    x[250:, 0] += 1.5
    Amat = np.array([[1.0, 0.7], [0.0, 0.6]])
    z = x @ Amat.T
    a, b = x[:, 0] < -1.5, x[:, 0] > 1.5
    iso = MahalanobisDiffusionMap(0.3).fit(x, np.broadcast_to(np.eye(2), (500, 2, 2)))
    aniso = MahalanobisDiffusionMap(0.3).fit(z, np.broadcast_to(Amat @ Amat.T, (500, 2, 2)))
    np.testing.assert_allclose(aniso.P, iso.P, atol=1e-12)
    assert aniso.reactive_frequency(a, b) == pytest.approx(iso.reactive_frequency(a, b), rel=1e-9)
    d2 = mahalanobis_sq_distances(z, np.broadcast_to(Amat @ Amat.T, (500, 2, 2)))
    np.testing.assert_allclose(d2, ((x[:, None] - x[None]) ** 2).sum(-1), atol=1e-10)


def test_bandwidth_from_mahalanobis_distances_and_bad_input():
    z, M, _ = periodic_samples(300, 2.0)
    d2 = mahalanobis_sq_distances(z, M, period=2 * math.pi)
    eps = kernel_sum_bandwidth(sq_dists=torch.tensor(d2))
    assert 0 < eps < float(np.median(d2))
    with pytest.raises(ValueError, match="exactly one"):
        kernel_sum_bandwidth()
    with pytest.raises(ValueError, match="positive definite"):
        MahalanobisDiffusionMap(0.1).fit(z, np.zeros_like(M))
    dmap = MahalanobisDiffusionMap(0.1, period=2 * math.pi).fit(z, M)
    a, _ = core_masks(z)
    with pytest.raises(ValueError, match="overlap"):
        dmap.committor(a, a)
    with pytest.raises(ValueError, match="epsilon"):
        MahalanobisDiffusionMap(0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dmap.reactive_frequency(*core_masks(z))  # well conditioned at a sensible bandwidth


def test_a_disconnected_graph_is_refused_with_a_clear_error():
    z = np.array([0.0, 0.1, 5.0, 5.1, 10.0, 10.1])
    a, b = np.array([1, 0, 0, 0, 0, 0], bool), np.array([0, 0, 0, 0, 0, 1], bool)
    dmap = MahalanobisDiffusionMap(1e-6).fit(z, np.ones(6))
    with pytest.raises(ValueError, match="larger epsilon"):
        dmap.committor(a, b)
