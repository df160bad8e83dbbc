"""Tests of the Feng et al. pipeline: Hermite/neural identification, manifolds, reduction."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from effdyn.effective import (
    AutoSDE,
    NeuralCoefficients,
    PolynomialCoefficients,
    SlowFastDoubleWell,
    SlowManifoldAutoencoder,
    hermite_features,
    multi_indices,
    pairs_from_paths,
    reduce_to_slow,
    sliced_wasserstein,
)
from effdyn.sde import EulerMaruyama, simulate

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_hermite_features_are_the_probabilists_polynomials():
    z = torch.tensor([[0.5, -1.0], [2.0, 3.0]], dtype=torch.float64)
    idx = multi_indices(2, 3)
    assert len(idx) == 10 and idx[0] == (0, 0)
    f = hermite_features(z, idx)
    he3 = z[:, 0] ** 3 - 3 * z[:, 0]
    he2_y = z[:, 1] ** 2 - 1
    assert torch.allclose(f[:, idx.index((3, 0))], he3)
    assert torch.allclose(f[:, idx.index((1, 2))], z[:, 0] * he2_y)


def test_polynomial_regression_is_exact_on_noise_free_polynomial_increments():
    """Increments b(z) tau + sqrt(a tau) xi with exactly +-1 noise: coefficients to round-off."""
    rng = np.random.default_rng(0)
    z0 = rng.uniform(-2, 2, (500, 2))
    tau = 0.01
    b = np.stack([z0[:, 0] - z0[:, 0] * z0[:, 1], 3.0 * (z0[:, 0] ** 2 - z0[:, 1])], 1)
    a = np.array([0.25, 0.04])
    signs = np.stack([np.ones((500, 2)), -np.ones((500, 2))], 1)  # two bursts: +xi and -xi
    zt = z0[:, None] + b[:, None] * tau + np.sqrt(a * tau) * signs
    est = PolynomialCoefficients(3, diffusion_degree=0).fit(z0, zt, tau)
    model = est.fetch_model()
    test = torch.as_tensor(rng.uniform(-2, 2, (50, 2)))
    bt = torch.stack(
        [test[:, 0] - test[:, 0] * test[:, 1], 3.0 * (test[:, 0] ** 2 - test[:, 1])], 1
    )
    assert torch.allclose(model.drift(test), bt, atol=1e-9)
    assert torch.allclose(model.diffusion(test), torch.as_tensor(a).expand(50, 2), atol=1e-9)


def test_polynomial_regression_standard_errors_match_the_spread_over_replicates():
    """Sandwich standard errors of drift and diffusion coefficients: the spread of 200 fits.

    Exact OU transitions with state-dependent noise level in the lag (heteroscedastic squared
    residuals): the standard deviation of each coefficient over independent data sets must
    match the mean reported standard error, and the parametric draws must have that spread.
    """
    rng = np.random.default_rng(4)
    theta, sigma, tau, n = 1.0, 0.6, 0.05, 2000
    fits = []
    for _ in range(200):
        z0 = rng.uniform(-2, 2, (n, 1))
        mean = z0 * np.exp(-theta * tau)
        sd = sigma * np.sqrt((1 - np.exp(-2 * theta * tau)) / (2 * theta))
        zt = mean + sd * rng.standard_normal((n, 1))
        fits.append(PolynomialCoefficients(1, diffusion_degree=0).fit(z0, zt, tau))
    drift = np.array([f.drift_coef_[:, 0] for f in fits])
    diff = np.array([f.diffusion_coef_[0, 0] for f in fits])
    se_drift = np.mean([f.drift_coef_stderr_[:, 0] for f in fits], axis=0)
    se_diff = np.mean([f.diffusion_coef_stderr_[0, 0] for f in fits])
    # the std over 200 replicates is itself known to about 5 %
    assert drift.std(0, ddof=1) == pytest.approx(se_drift, rel=0.15)
    assert diff.std(ddof=1) == pytest.approx(se_diff, rel=0.15)
    # Gaussian residuals: Var(a_hat) = 2 a^2 / n
    assert se_diff == pytest.approx(np.sqrt(2 / n) * diff.mean(), rel=0.1)
    draws = fits[0].sample_models(400, seed=1)
    spread = np.std([m.drift_coef[1, 0] for m in draws])
    assert spread == pytest.approx(fits[0].drift_coef_stderr_[1, 0], rel=0.15)
    assert np.all([m.diffusion_coef[1, 0] == 0.0 for m in draws])  # unfitted stays zero


def slow_fast_bursts(eps, n, frames, seed, save_every=2):
    """Bursts from a box around the manifold, saved every ``save_every`` steps of 0.05 eps."""
    system = SlowFastDoubleWell(eps, 0.7, 0.1)
    gen = torch.Generator().manual_seed(seed)
    starts = torch.stack(
        [torch.rand(n, generator=gen) * 3.2 - 1.6, torch.rand(n, generator=gen) * 2.9 - 0.3], 1
    )
    dt = 0.05 * eps
    run = simulate(
        EulerMaruyama(system.sde()),
        starts.double(),
        dt,
        frames * save_every,
        seed=seed,
        save_every=save_every,
    )
    z0, zt = pairs_from_paths(run.traj)
    return system, z0, zt, save_every * dt


def slow_drift_error(model, x):
    z = torch.as_tensor(np.stack([x, x**2], 1))
    b = model.drift(z)[:, 0].numpy()
    exact = x - x**3
    return np.sqrt(np.mean((b - exact) ** 2)) / np.sqrt(np.mean(exact**2))


def test_hermite_identification_of_the_slow_fast_system():
    """Short lag (0.1 eps), long bursts: slow drift on y = x^2, both diffusions, fast drift."""
    system, z0, zt, tau = slow_fast_bursts(0.02, 4000, 300, seed=1)
    model = PolynomialCoefficients(3, diffusion_degree=0).fit(z0, zt, tau).fetch_model()
    x = np.linspace(-1.5, 1.5, 61)
    assert slow_drift_error(model, x) < 0.1
    z = torch.as_tensor(np.stack([x, x**2], 1))
    a = model.diffusion(z)[0].numpy()
    # fast: the conditional variance of two Euler-Maruyama steps of the OU part, over 2 dt
    fast = 0.01 / 0.02 * (1 + (1 - 0.05) ** 2) / 2
    assert a == pytest.approx([0.49, fast], rel=0.02)
    # the fast drift (x^2 - y)/eps is identified with its 1/eps scale
    zf = torch.tensor([[1.0, 0.0], [0.0, 1.0]], dtype=torch.float64)
    assert model.drift(zf)[:, 1].numpy() == pytest.approx([50.0, -50.0], rel=0.05)
    # and the slow drift off the manifold: d f / d y = -x (the xy term, not x^3)
    zo = torch.as_tensor(np.stack([x, x**2 + 0.3], 1))
    slope = (model.drift(zo)[:, 0] - model.drift(z)[:, 0]).numpy() / 0.3
    inner = np.abs(x) <= 1.2
    assert np.sqrt(np.mean((slope[inner] + x[inner]) ** 2)) < 0.25


def test_slow_drift_precision_is_set_by_the_observed_time():
    """Same number of increments, ten times the lag: the drift noise sqrt(a / (n tau)) drops."""
    _, z0, zt, tau = slow_fast_bursts(0.02, 2000, 60, seed=2, save_every=2)
    short = PolynomialCoefficients(3, diffusion_degree=0).fit(z0, zt, tau).fetch_model()
    _, z0, zt, tau = slow_fast_bursts(0.02, 2000, 60, seed=2, save_every=20)
    long_ = PolynomialCoefficients(3, diffusion_degree=0).fit(z0, zt, tau).fetch_model()
    x = np.linspace(-1.2, 1.2, 49)
    assert slow_drift_error(long_, x) < 0.5 * slow_drift_error(short, x)


def test_neural_identification_of_an_ou_process():
    rng = np.random.default_rng(3)
    theta, sigma, tau = 1.0, 0.5, 0.01
    z0 = rng.uniform(-2, 2, (20_000, 1))
    zt = z0 * np.exp(-theta * tau) + sigma * np.sqrt(
        (1 - np.exp(-2 * theta * tau)) / (2 * theta)
    ) * rng.standard_normal((20_000, 1))
    est = NeuralCoefficients(32, 2, epochs=8, batch_size=256, lr=1e-2, seed=0).fit(z0, zt, tau)
    model = est.fetch_model()
    x = torch.linspace(-1.5, 1.5, 31, dtype=torch.float64)[:, None]
    assert float((model.drift(x) + theta * x).pow(2).mean().sqrt()) < 0.25
    assert float((model.diffusion(x) / sigma**2 - 1).abs().max()) < 0.1
    assert est.loss_history_[-1] < est.loss_history_[0]


def test_autoencoder_recovers_a_parabola():
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(3000, generator=gen) * 3 - 1.5
    pts = torch.stack([x, x**2 + 0.01 * torch.randn(3000, generator=gen)], 1)
    model = (
        SlowManifoldAutoencoder(1, 32, 2, epochs=40, batch_size=256, seed=0).fit(pts).fetch_model()
    )
    xs = np.linspace(-1.3, 1.3, 53)
    h = model.graph(xs)[:, 0]
    assert np.sqrt(np.mean((h - xs**2) ** 2)) < 0.05
    rec = model.reconstruct(pts[:100])
    assert float((rec - pts[:100]).pow(2).sum(1).mean().sqrt()) < 0.1


def test_autosde_collapses_the_ensemble_onto_the_manifold():
    system = SlowFastDoubleWell(0.02, 0.7, 0.1)
    gen = torch.Generator().manual_seed(1)
    ens = torch.stack(
        [torch.rand(1000, generator=gen) * 3 - 1.5, torch.rand(1000, generator=gen) * 2.9 - 0.3], 1
    )
    dt = 0.02 * system.eps
    auto = AutoSDE(
        EulerMaruyama(system.sde()),
        dt,
        window_steps=25,
        save_every=5,
        max_windows=8,
        tol=0.02,
        epochs=10,
        batch_size=256,
        seed=0,
        n_init=3,
    ).fit(ens.double())
    assert auto.changes_[-1] < auto.changes_[0]
    # the kept initialisation is the one with the lowest loss on the last window
    assert auto.loss_history_[-1] == min(auto.init_losses_)
    assert len(auto.init_losses_) == 3
    model = auto.fetch_model()
    xs = np.linspace(-1.2, 1.2, 49)
    h = model.graph(xs)[:, 0]
    assert np.sqrt(np.mean((h - xs**2) ** 2)) < 0.1


def test_reduce_to_slow_gives_the_averaged_double_well():
    """The exact coefficients restricted to y = x^2 are x - x^3 and sigma_x^2."""
    system = SlowFastDoubleWell(0.01, 0.7, 0.1)

    class Exact:
        def drift(self, z):
            return system.drift(z)

        def diffusion(self, z):
            return torch.tensor(system.noise(), dtype=z.dtype) ** 2 + 0 * z

    grid = np.linspace(-2, 2, 201)
    red = reduce_to_slow(Exact(), lambda x: x**2, grid)
    assert np.allclose(red.drift_values, grid - grid**3, atol=1e-12)
    ref = system.averaged_model(grid)
    assert red.mfpt(-1, 1) == pytest.approx(ref.mfpt(-1, 1), rel=1e-12)
    with pytest.raises(ValueError, match="slow"):
        reduce_to_slow(Exact(), lambda x: x**2, grid, slow=2)


def test_sliced_wasserstein_of_shifted_clouds():
    gen = torch.Generator().manual_seed(0)
    a = torch.randn(4000, 1, generator=gen, dtype=torch.float64)
    assert sliced_wasserstein(a, a + 0.3) == pytest.approx(0.3, rel=1e-9)
    assert sliced_wasserstein(a, a) == 0.0


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="degree"):
        PolynomialCoefficients(-1)
    with pytest.raises(ValueError, match="diffusion_degree"):
        PolynomialCoefficients(2, diffusion_degree=3)
    with pytest.raises(ValueError, match="z_tau"):
        PolynomialCoefficients(1).fit(np.zeros((10, 2)), np.zeros((10, 3)), 0.1)
    with pytest.raises(ValueError, match="tau"):
        PolynomialCoefficients(1).fit(np.zeros((10, 2)), np.zeros((10, 2)), 0.0)
    with pytest.raises(ValueError, match="points"):
        SlowManifoldAutoencoder(2).fit(np.zeros((10, 2)))
    with pytest.raises(ValueError, match="eps"):
        SlowFastDoubleWell(0.0)
    with pytest.raises(ValueError, match="lag"):
        pairs_from_paths(torch.zeros(3, 4, 2), lag=3)
    with pytest.raises(RuntimeError, match="fit"):
        NeuralCoefficients().fetch_model()
