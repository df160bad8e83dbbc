"""Tests of effdyn.optim.SGLD against the exact posterior of a Gaussian linear model."""

from __future__ import annotations

import math

import pytest
import torch

from effdyn.bayes import GaussianLinearModel
from effdyn.optim import SGLD, ensemble_log_predictive
from effdyn.sde import OverdampedLangevin

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def linear_problem(n=20, p=2, seed=0, device="cpu"):
    g = torch.Generator().manual_seed(seed)
    phi = torch.randn(n, p, generator=g, dtype=torch.float64)
    theta = torch.randn(p, generator=g, dtype=torch.float64)
    y = phi @ theta + 0.7 * torch.randn(n, generator=g, dtype=torch.float64)
    model = GaussianLinearModel(prior_std=1.0, noise_std=0.7).fit(phi.to(device), y.to(device))
    return model


def euler_maruyama_covariance(precision: torch.Tensor, h: float) -> torch.Tensor:
    """Stationary covariance of x' = x - h A (x - mu) + sqrt(2h) xi: (A (I - h A / 2))^{-1}."""
    eye = torch.eye(precision.shape[0], dtype=precision.dtype)
    return torch.linalg.inv(precision @ (eye - 0.5 * h * precision))


def test_exact_posterior_against_dense_formula():
    model = linear_problem(n=7, p=3)
    phi, y = model.features, model.targets
    prec = torch.eye(3, dtype=torch.float64) + phi.T @ phi / 0.49
    cov = torch.linalg.inv(prec)
    torch.testing.assert_close(model.covariance, cov)
    torch.testing.assert_close(model.mean, cov @ phi.T @ y / 0.49)
    # predictive density integrates to 1 over y (trapezoid on a wide grid)
    grid = torch.linspace(-15, 15, 4001, dtype=torch.float64)
    dens = model.log_predictive(phi[:1].expand(grid.numel(), -1), grid).exp()
    assert float(torch.trapezoid(dens, grid)) == pytest.approx(1.0, abs=1e-8)


def test_sgld_step_is_overdamped_langevin_step():
    """Full batch, constant step: one SGLD step is one OverdampedLangevin (Euler-Maruyama) step."""
    model = linear_problem()
    h, beta = 0.01, 2.0
    sgld = SGLD(model.log_likelihood, 20, h, log_prior=model.log_prior, beta=beta)
    theta0 = torch.randn(5, 2, dtype=torch.float64)
    out = sgld.run(theta0, 1, generator=torch.Generator().manual_seed(3)).final
    force = lambda th: sgld.grad_log_posterior(th, torch.arange(20).expand(th.shape[0], -1))  # noqa: E731
    xi = torch.randn(5, 2, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    ref = OverdampedLangevin(force, beta=beta).step(theta0, 0.0, h, math.sqrt(h) * xi)
    torch.testing.assert_close(out, ref)


def test_sgld_gaussian_posterior():
    """Chains match the exact posterior mean and covariance within Monte Carlo error; the
    step-size bias of the covariance is the Euler-Maruyama one and shrinks with the step."""
    model = linear_problem()
    lam_max = float(torch.linalg.eigvalsh(model.precision).max())
    chains = 1000
    errors = {}
    for h in (0.8 / lam_max, 0.2 / lam_max):
        sgld = SGLD(model.log_likelihood, 20, h, log_prior=model.log_prior)
        theta0 = torch.zeros(chains, 2, dtype=torch.float64)
        n_steps = int(8 / (h * float(torch.linalg.eigvalsh(model.precision).min()))) + 1
        final = sgld.run(theta0, n_steps, generator=torch.Generator().manual_seed(4)).final
        mean = final.mean(0)
        cov = torch.cov(final.T)
        sd = model.covariance.diagonal().sqrt()
        assert bool(((mean - model.mean).abs() < 4 * sd / math.sqrt(chains)).all())
        predicted = euler_maruyama_covariance(model.precision, h)
        var = predicted.diagonal()
        cov_se = torch.sqrt((var[:, None] * var[None, :] + predicted**2) / chains)
        assert bool(((cov - predicted).abs() < 4 * cov_se).all())
        errors[h] = float((cov - model.covariance).abs().max())
    big, small = sorted(errors)[::-1]
    assert errors[small] < errors[big]
    assert errors[big] > 2 * errors[small]


def test_minibatch_sgld_mean_and_sgd_map():
    model = linear_problem()
    lam_max = float(torch.linalg.eigvalsh(model.precision).max())
    sgld = SGLD(model.log_likelihood, 20, 0.1 / lam_max, log_prior=model.log_prior, batch_size=5)
    res = sgld.run(
        torch.zeros(200, 2, dtype=torch.float64),
        500,
        burn_in=300,
        thin=50,
        generator=torch.Generator().manual_seed(5),
    )
    assert res.samples.shape == (4, 200, 2) and int(res.steps[0]) == 350
    mean = res.final.mean(0)
    sd = model.covariance.diagonal().sqrt()
    assert bool(((mean - model.mean).abs() < 4 * sd / math.sqrt(200)).all())
    # beta = inf: noiseless full-batch ascent converges to the MAP = posterior mean
    sgd = SGLD(model.log_likelihood, 20, 0.5 / lam_max, log_prior=model.log_prior, beta=math.inf)
    out = sgd.run(torch.zeros(1, 2, dtype=torch.float64), 400).final[0]
    torch.testing.assert_close(out, model.mean)


def test_closed_form_gradients_equal_autograd():
    model = linear_problem()
    theta = torch.randn(3, 2, dtype=torch.float64)
    idx = torch.randint(0, 20, (3, 6))
    auto = SGLD(model.log_likelihood, 20, 0.1, log_prior=model.log_prior)
    closed = SGLD(
        model.log_likelihood,
        20,
        0.1,
        log_prior=model.log_prior,
        grad_log_likelihood=model.grad_log_likelihood,
        grad_log_prior=model.grad_log_prior,
    )
    torch.testing.assert_close(
        closed.grad_log_posterior(theta, idx), auto.grad_log_posterior(theta, idx)
    )


def test_decay_schedule_and_ensemble():
    sgld = SGLD(lambda th, i: th.sum(-1) * 0, 10, 0.1, decay=0.55, decay_offset=10.0)
    assert sgld.step_size(0) == 0.1
    assert sgld.step_size(10) == pytest.approx(0.1 * 2**-0.55)
    lp = torch.log(torch.tensor([[0.2, 0.5], [0.4, 0.1]], dtype=torch.float64))
    torch.testing.assert_close(
        ensemble_log_predictive(lp), torch.log(torch.tensor([0.3, 0.3], dtype=torch.float64))
    )


def test_sgld_bad_input():
    ll = lambda th, i: th.sum(-1)  # noqa: E731
    with pytest.raises(ValueError, match="step"):
        SGLD(ll, 10, 0.0)
    with pytest.raises(ValueError, match="step"):
        SGLD(ll, 10, -1.0)
    with pytest.raises(ValueError, match="chains"):
        SGLD(ll, 10, 0.1).run(torch.zeros(0, 2), 5)
    with pytest.raises(ValueError, match="batch_size"):
        SGLD(ll, 10, 0.1, batch_size=11)
    with pytest.raises(ValueError, match="beta"):
        SGLD(ll, 10, 0.1, beta=0.0)
    with pytest.raises(ValueError, match="burn_in"):
        SGLD(ll, 10, 0.1).run(torch.zeros(1, 2), 5, burn_in=5)


@pytest.mark.parametrize("device", DEVICES)
def test_sgld_device(device):
    model = linear_problem(device=device)
    sgld = SGLD(model.log_likelihood, 20, 0.005, log_prior=model.log_prior, batch_size=4)
    g = torch.Generator(device=device).manual_seed(0)
    res = sgld.run(torch.zeros(3, 2, dtype=torch.float64, device=device), 20, generator=g)
    assert res.final.device.type == device and res.final.dtype == torch.float64
    lp = model.log_predictive_samples(res.flat(), model.features, model.targets)
    assert lp.shape == (60, 20) and lp.device.type == device
