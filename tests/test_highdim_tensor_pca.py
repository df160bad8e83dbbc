"""Tests of tensor PCA instances, the unfolding and smoothed baselines, the single-index model
and the phase-transition fits (effdyn.highdim for the langevin-averaging chapter)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from numpy.polynomial.hermite_e import hermegauss

from effdyn.highdim import (
    SingleIndexModel,
    SphericalLangevin,
    TensorPCA,
    hermite,
    logistic_fit,
    random_unit_vectors,
    riemannian_gradient,
    smoothed_gradient,
    tensor_unfolding_estimate,
    threshold_exponents,
)


def test_unfolding_succeeds_far_above_and_fails_far_below_d_to_the_k_over_2():
    d = 24
    above = TensorPCA.sample(d, 3, [16 * d**1.5] * 6, seed=0)
    below = TensorPCA.sample(d, 3, [d**1.5 / 16] * 6, seed=1)
    assert bool((above.overlap(tensor_unfolding_estimate(above)) > 0.9).all())
    assert bool((below.overlap(tensor_unfolding_estimate(below)) < 0.6).all())


def test_symmetrised_noise_has_the_variance_of_the_averaged_permutations():
    # Off-diagonal entries of S are means of 6 independent N(0, 1/n) entries of Z/sqrt(n).
    d, n = 10, 4.0
    problem = TensorPCA.sample(d, 3, [n] * 20, seed=3, dtype=torch.float64)
    s = problem.tensor.view(20, d, d, d)
    spike = torch.einsum("ri,rj,rk->rijk", *(problem.theta_star,) * 3)
    noise = s - spike
    i, j, k = torch.meshgrid(*(torch.arange(d),) * 3, indexing="ij")
    distinct = (i != j) & (j != k) & (i != k)
    values = noise[:, distinct]
    assert float(values.var()) == pytest.approx(1.0 / (6 * n), rel=0.05)
    assert torch.allclose(noise, noise.permute(0, 2, 1, 3))
    assert torch.allclose(noise, noise.permute(0, 3, 2, 1))


def test_smoothed_gradient_tends_to_the_riemannian_gradient_at_small_radius():
    problem = TensorPCA.sample(8, 3, [100.0] * 2, seed=0, dtype=torch.float64)
    theta = random_unit_vectors(2, 8, torch.Generator().manual_seed(1), dtype=torch.float64)
    g = smoothed_gradient(problem.gradient, theta, 1e-6, 4, torch.Generator().manual_seed(0))
    exact = riemannian_gradient(theta, problem.gradient(theta))
    assert torch.allclose(riemannian_gradient(theta, g), exact, atol=1e-5)


def test_hermite_polynomials_are_orthogonal_with_norm_factorial():
    nodes, weights = hermegauss(30)
    weights = weights / weights.sum()
    z = torch.tensor(nodes, dtype=torch.float64)
    values = torch.stack([hermite(k, z)[0] for k in range(6)]).numpy()
    gram = (values * weights) @ values.T
    assert np.allclose(gram, np.diag([math.factorial(k) for k in range(6)]), atol=1e-8)
    # derivative He_k' = k He_{k-1}
    zz = z.clone().requires_grad_(True)
    hermite(4, zz)[0].sum().backward()
    assert torch.allclose(zz.grad, hermite(4, z)[1])


def test_single_index_gradient_equals_autograd_and_population_signal():
    model = SingleIndexModel.sample(6, 3, 20000, 2, seed=0, dtype=torch.float64)
    theta = random_unit_vectors(2, 6, torch.Generator().manual_seed(2), dtype=torch.float64)
    theta.requires_grad_(True)
    model.loss(theta).sum().backward()
    assert torch.allclose(model.gradient(theta.detach()), theta.grad, atol=1e-12)
    # population correlation loss at theta* is -E[sigma(z)^2] = -1
    assert model.loss(model.theta_star).numpy() == pytest.approx([-1.0, -1.0], abs=0.08)


def test_logistic_fit_recovers_a_known_threshold():
    rng = np.random.default_rng(0)
    x = np.linspace(0.0, 4.0, 9)
    p = 1.0 / (1.0 + np.exp(-(x - 2.3) / 0.3))
    trials = 400
    fit = logistic_fit(x, rng.binomial(trials, p), trials)
    assert fit.log_threshold == pytest.approx(2.3, abs=0.05)
    assert fit.within_grid
    assert not logistic_fit(x, np.zeros(9), trials).within_grid


def test_threshold_exponents_recover_a_planted_slope_and_pair_the_bootstrap():
    rng = np.random.default_rng(1)
    dims = [32, 64, 128, 256]
    grid = np.log(np.array(dims, dtype=float))[:, None] * 1.5 + np.linspace(-2, 2, 9)[None]
    seeds = 64
    p = 1.0 / (1.0 + np.exp(-(grid - 1.5 * np.log(dims)[:, None]) / 0.4))
    a = rng.random((len(dims), 9, seeds)) < p[..., None]
    b = rng.random((len(dims), 9, seeds)) < p[..., None]
    fits = threshold_exponents(dims, grid, {"a": a, "b": b}, n_bootstrap=200, seed=0)
    lo, hi = fits["a"].interval
    assert lo < 1.5 < hi
    assert fits["a"].exponent == pytest.approx(1.5, abs=4 * fits["a"].stderr)
    assert hi - lo < 0.5
    assert fits["a"].samples.shape == (200,)
    assert bool(fits["a"].within_grid.all())


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: TensorPCA.sample(8, 1, [10.0]), "order"),
        (lambda: TensorPCA.sample(8, 2.5, [10.0]), "order"),
        (lambda: TensorPCA.sample(1, 3, [10.0]), "n_dim"),
        (lambda: TensorPCA.sample(8, 3, [0.0]), "n_samples"),
        (lambda: TensorPCA.sample(8, 3, [-3.0]), "n_samples"),
        (lambda: SingleIndexModel.sample(8, 3, 0, 1), "n_samples"),
        (lambda: tensor_unfolding_estimate(TensorPCA.sample(4, 3, [1.0]), -1), "power_steps"),
        (lambda: logistic_fit([1.0, 0.0], [0, 0], 1), "log_n"),
        (lambda: threshold_exponents([8, 8], np.ones((2, 3)), {}), "dims"),
    ],
)
def test_bad_input_is_refused(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_memory_limit_names_d_k_and_the_bytes():
    with pytest.raises(
        ValueError, match=r"memory_limit: 3 tensors with d=100, k=4 need 1200000000"
    ):
        TensorPCA.sample(100, 4, [1.0] * 3, memory_limit=1e9)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA not available")
def test_instances_baselines_and_fits_run_on_cuda():
    problem = TensorPCA.sample(16, 3, [1e4] * 2, seed=0, device="cuda")
    assert tensor_unfolding_estimate(problem).device.type == "cuda"
    theta0 = random_unit_vectors(
        2, 16, torch.Generator(device="cuda").manual_seed(0), device="cuda"
    )
    g = smoothed_gradient(problem.gradient, theta0, 2.0, 4, torch.Generator(device="cuda"))
    assert g.device.type == "cuda"
    res = SphericalLangevin(8.0, 0.05, 20, burn_in=5).run(problem.gradient, theta0)
    assert res.averaged.device.type == "cuda"
