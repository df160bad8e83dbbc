"""Tests of the spherical Langevin sampler with iterate averaging (effdyn.highdim.langevin).

Exact references: the von Mises-Fisher law exp(kappa theta_1) on S^{d-1}, whose mean of theta_1
is I_{d/2}(kappa) / I_{d/2-1}(kappa), and the uniform law (no gradient), whose moments are
E theta_i^2 = 1/d and E theta_1^4 = 3 / (d (d + 2)).
"""

from __future__ import annotations

import math

import pytest
import torch
from scipy.special import ive

from effdyn.highdim import (
    SphericalLangevin,
    TensorPCA,
    random_unit_vectors,
    riemannian_gradient,
    spherical_gradient_descent,
)

D, KAPPA = 32, 10.0
VMF_MEAN = ive(D / 2, KAPPA) / ive(D / 2 - 1, KAPPA)


def _linear_gradient(theta: torch.Tensor) -> torch.Tensor:
    g = torch.zeros_like(theta)
    g[..., 0] = -1.0  # L = -theta_1, so exp(-beta L) = exp(kappa theta_1) at beta = kappa
    return g


def _vmf_time_average(step: float, n_runs: int = 400, time: float = 32.0) -> float:
    n_steps = int(round(time / step))
    theta0 = random_unit_vectors(n_runs, D, torch.Generator().manual_seed(1), dtype=torch.float64)
    sampler = SphericalLangevin(KAPPA, step, n_steps, burn_in=n_steps // 4)
    return float(sampler.run(_linear_gradient, theta0, seed=3).mean[:, 0].mean())


def test_time_average_matches_the_von_mises_fisher_mean_at_small_step():
    assert _vmf_time_average(0.01) == pytest.approx(VMF_MEAN, rel=0.02)


def test_von_mises_fisher_bias_shrinks_linearly_in_the_step():
    coarse, fine = _vmf_time_average(0.04), _vmf_time_average(0.02)
    ratio = (coarse - VMF_MEAN) / (fine - VMF_MEAN)
    assert 1.5 < ratio < 2.5  # first order: halving the step halves the bias
    assert 2 * fine - coarse == pytest.approx(VMF_MEAN, rel=0.01)  # Richardson extrapolation


def test_without_signal_the_stationary_law_is_uniform():
    d, runs = 8, 4000
    theta0 = torch.zeros(runs, d, dtype=torch.float64)
    theta0[:, 0] = 1.0  # start far from uniform (relaxation time ~ beta / ((d - 1) eta) = 3)
    sampler = SphericalLangevin(1.0, 0.05, 60, burn_in=30)
    last = sampler.run(torch.zeros_like, theta0, seed=5).last
    second = (last**2).mean(0)
    se2 = (last**2).std(0) / math.sqrt(runs)
    assert bool(((second - 1.0 / d).abs() < 4 * se2).all())
    fourth = float((last[:, 0] ** 4).mean())
    se = float((last[:, 0] ** 4).std()) / math.sqrt(runs)
    assert abs(fourth - 3.0 / (d * (d + 2))) < 4 * se
    assert abs(float(last[:, 0].mean())) < 4 / math.sqrt(d * runs)


@pytest.mark.parametrize("order", [3, 4])
def test_einsum_gradient_equals_autograd_and_the_riemannian_one_is_tangent(order):
    d = 6
    problem = TensorPCA.sample(d, order, [50.0, 500.0], seed=2, dtype=torch.float64)
    theta = random_unit_vectors(2, d, torch.Generator().manual_seed(4), dtype=torch.float64)
    theta.requires_grad_(True)
    problem.loss(theta).sum().backward()
    assert torch.allclose(problem.gradient(theta.detach()), theta.grad, atol=1e-12)
    tangent = riemannian_gradient(theta.detach(), problem.gradient(theta.detach()))
    assert torch.allclose((tangent * theta.detach()).sum(-1), torch.zeros(2, dtype=torch.float64))


def test_noiseless_loss_is_the_population_loss():
    problem = TensorPCA.sample(5, 3, [1e14], seed=0, dtype=torch.float64)
    theta = random_unit_vectors(1, 5, torch.Generator().manual_seed(1), dtype=torch.float64)
    m = (theta * problem.theta_star).sum(-1)
    assert torch.allclose(problem.loss(theta), -(m**3), atol=1e-6)


def test_refinement_from_the_spike_stays_there_and_outputs_have_unit_norm():
    problem = TensorPCA.sample(16, 3, [1e6] * 3, seed=0, dtype=torch.float64)
    refined = spherical_gradient_descent(problem.gradient, problem.theta_star, 0.2, 20)
    assert bool((problem.overlap(refined) > 0.999).all())
    theta0 = random_unit_vectors(3, 16, torch.Generator().manual_seed(0), dtype=torch.float64)
    res = SphericalLangevin(8.0, 0.05, 50, burn_in=10, refine_steps=5).run(
        problem.gradient, theta0, target=problem.theta_star, record_every=10
    )
    for out in (res.last, res.averaged, res.refined, res.refined_last):
        assert torch.allclose(out.norm(dim=-1), torch.ones(3, dtype=torch.float64))
    assert res.record.last.shape == (6, 3)
    assert torch.equal(res.record.steps, torch.arange(0, 60, 10))


def test_seeded_runs_repeat_exactly():
    theta0 = random_unit_vectors(4, 10, torch.Generator().manual_seed(0))
    sampler = SphericalLangevin(torch.tensor([1.0, 2.0, 3.0, 4.0]), 0.05, 30, burn_in=5)
    a = sampler.run(_linear_gradient, theta0, seed=7)
    b = sampler.run(_linear_gradient, theta0, seed=7)
    assert torch.equal(a.averaged, b.averaged)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"beta": 0.0}, "beta"),
        ({"beta": -1.0}, "beta"),
        ({"step": 0.0}, "step"),
        ({"n_steps": 0}, "n_steps"),
        ({"burn_in": 10}, "burn_in"),
        ({"refine_steps": -1}, "refine_steps"),
    ],
)
def test_bad_sampler_parameters_are_refused(kwargs, match):
    base = {"beta": 1.0, "step": 0.1, "n_steps": 10, "burn_in": 0}
    base.update(kwargs)
    beta, step, n_steps = base.pop("beta"), base.pop("step"), base.pop("n_steps")
    with pytest.raises(ValueError, match=match):
        SphericalLangevin(beta, step, n_steps, **base)


def test_bad_initial_points_are_refused():
    sampler = SphericalLangevin(1.0, 0.1, 10)
    with pytest.raises(ValueError, match="theta0 must have rows of unit norm"):
        sampler.run(_linear_gradient, torch.ones(3, 4))
    with pytest.raises(ValueError, match="theta0 must be a tensor of shape"):
        sampler.run(_linear_gradient, torch.ones(4))
    with pytest.raises(ValueError, match="beta must be a scalar or have shape"):
        SphericalLangevin(torch.ones(2), 0.1, 10).run(
            _linear_gradient, random_unit_vectors(3, 4, torch.Generator().manual_seed(0))
        )


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA not available")
def test_langevin_on_tensor_pca_runs_on_cuda():
    problem = TensorPCA.sample(12, 3, [1e4, 1e4], seed=0, device="cuda")
    theta0 = random_unit_vectors(
        2, 12, torch.Generator(device="cuda").manual_seed(0), device="cuda"
    )
    res = SphericalLangevin(6.0, 0.05, 40, burn_in=10, refine_steps=5).run(
        problem.gradient, theta0, target=problem.theta_star
    )
    assert res.refined.device.type == "cuda"
    assert res.record.averaged.device.type == "cuda"
