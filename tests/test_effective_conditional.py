"""Tests of effdyn.effective.conditional (Kramers-Moyal on a grid) and effdyn.effective.model."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from effdyn.effective import ConditionalCoefficients, EffectiveSDE1D
from effdyn.operators.grid import Grid
from effdyn.operators.sqra import SqRA
from effdyn.sde import EulerMaruyama, Interval, OverdampedLangevin, simulate
from effdyn.systems import DoubleWell

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def ou_bursts(theta, sigma, tau, n, r, seed):
    """Exact OU transitions from uniform starts on [-2, 2]."""
    rng = np.random.default_rng(seed)
    z0 = rng.uniform(-2.0, 2.0, n)
    mean = z0 * np.exp(-theta * tau)
    var = sigma**2 * (1.0 - np.exp(-2.0 * theta * tau)) / (2.0 * theta)
    return z0, mean[:, None] + np.sqrt(var) * rng.standard_normal((n, r))


def test_ou_exact_conditional_moments_at_a_long_lag():
    """At tau = 0.5 the estimates equal the exact conditional moments of the OU transition."""
    theta, sigma, tau = 1.0, 1.0, 0.5
    z0, zt = ou_bursts(theta, sigma, tau, 100_000, 4, seed=1)
    g = np.linspace(-1.5, 1.5, 31)
    est = ConditionalCoefficients(g, 0.1, drift_correction=True).fit(z0, zt, tau)
    exact_drift = g * (np.exp(-theta * tau) - 1.0) / tau
    exact_var = sigma**2 * (1.0 - np.exp(-2.0 * theta * tau)) / (2.0 * theta * tau)
    assert np.max(np.abs(est.drift_ - exact_drift)) < 0.02
    assert np.max(np.abs(est.diffusion_ / exact_var - 1.0)) < 0.03
    raw = ConditionalCoefficients(g, 0.1, drift_correction=False).fit(z0, zt, tau)
    exact_second = exact_var + exact_drift**2 * tau
    assert np.max(np.abs(raw.diffusion_ / exact_second - 1.0)) < 0.03
    # the raw second moment is measurably larger than the variance away from z = 0
    assert raw.diffusion_[0] - est.diffusion_[0] > 0.1


def test_ou_coefficients_at_a_short_lag():
    theta, sigma, tau = 1.0, 0.8, 0.005
    z0, zt = ou_bursts(theta, sigma, tau, 100_000, 8, seed=2)
    g = np.linspace(-1.5, 1.5, 31)
    est = ConditionalCoefficients(g, 0.1).fit(z0, zt, tau)
    b = -theta * g
    assert np.sqrt(np.mean((est.drift_ - b) ** 2)) / np.sqrt(np.mean(b**2)) < 0.1
    assert np.max(np.abs(est.diffusion_ / sigma**2 - 1.0)) < 0.03
    assert est.visited_.all() and np.all(est.weight_ > 1000)


def test_local_linear_removes_the_design_bias_of_nadaraya_watson():
    """Starts from N(0, 0.5^2): NW is biased for a linear drift, local-linear is not."""
    rng = np.random.default_rng(3)
    z0 = 0.5 * rng.standard_normal(200_000)
    zt = z0 - 2.0 * z0 * 0.1  # deterministic increments of the drift -2 z over tau = 0.1
    g = np.linspace(-1.0, 1.0, 21)
    nw = ConditionalCoefficients(g, 0.2, degree=0).fit(z0, zt, 0.1)
    ll = ConditionalCoefficients(g, 0.2, degree=1).fit(z0, zt, 0.1)
    assert np.max(np.abs(ll.drift_ + 2.0 * g)) < 1e-8
    assert np.max(np.abs(nw.drift_ + 2.0 * g)) > 0.1  # bias h^2 b' p'/p = 0.32 at |z| = 1


def test_double_well_coefficients_from_euler_maruyama_bursts():
    """Bursts of dz = -V'(z) dt + sigma dW, V = (z^2-1)^2, sigma = 1, simulated by effdyn.sde."""
    n, r, dt, steps = 100_000, 8, 2e-4, 10
    gen = torch.Generator().manual_seed(4)
    z0 = torch.rand(n, generator=gen, dtype=torch.float64) * 3.6 - 1.8
    x0 = z0.repeat_interleave(r)[:, None]
    res = simulate(OverdampedLangevin(DoubleWell(), beta=2.0), x0, dt, steps, seed=5)
    zt = res.x[:, 0].reshape(n, r)
    g = np.linspace(-1.2, 1.2, 25)
    est = ConditionalCoefficients(g, 0.1).fit(z0, zt, dt * steps)
    b = -4.0 * g * (g * g - 1.0)
    rel = np.sqrt(np.mean((est.drift_ - b) ** 2)) / np.sqrt(np.mean(b**2))
    assert rel < 0.15
    assert np.max(np.abs(est.diffusion_ - 1.0)) < 0.05


def test_fetch_model_is_independent_and_interpolates():
    g = np.array([-1.0, 0.0, 2.0])
    est = ConditionalCoefficients(g, 0.5)
    with pytest.raises(RuntimeError, match="fit"):
        est.fetch_model()
    rng = np.random.default_rng(0)
    z0 = rng.uniform(-1, 2, 1000)
    est.fit(z0, z0 + 0.01 * rng.standard_normal(1000), 1.0)
    model = est.fetch_model()
    before = model.drift_values.copy()
    est.drift_[:] = 1e9
    assert np.array_equal(model.drift_values, before)
    m = EffectiveSDE1D(g, [1.0, 3.0, -1.0], [1.0, 1.0, 2.0])
    z = torch.tensor([-5.0, -1.0, -0.5, 1.0, 2.0, 7.0], dtype=torch.float32)
    expected = torch.tensor([1.0, 1.0, 2.0, 1.0, -1.0, -1.0])
    out = m.drift(z)
    assert out.dtype == torch.float32 and torch.allclose(out, expected)
    assert torch.allclose(m.diffusion(z[:, None]), torch.tensor([1, 1, 1, 1.5, 2, 2.0])[:, None])


def test_knn_bandwidth_adapts_to_the_data_density():
    """Starts from N(0, 1): the k-NN bandwidth holds k samples and beats a narrow fixed one."""
    theta, sigma, tau, k = 1.0, 1.0, 0.01, 400
    rng = np.random.default_rng(6)
    z0 = rng.standard_normal(40_000)
    zt = z0 * np.exp(-theta * tau) + sigma * np.sqrt(
        (1 - np.exp(-2 * theta * tau)) / (2 * theta)
    ) * rng.standard_normal(z0.size)
    g = np.linspace(-3.0, 3.0, 61)
    knn = ConditionalCoefficients(g, "knn", n_neighbors=k, min_bandwidth=1e-6).fit(z0, zt, tau)
    h = knn.bandwidth_
    counts = np.array([np.sum(np.abs(z0 - gi) <= hi) for gi, hi in zip(g, h, strict=True)])
    assert np.all(counts == k)
    assert h[0] > 10 * h[30]  # wide in the sparse tails, narrow in the bulk
    fixed = ConditionalCoefficients(g, h[30]).fit(z0, zt, tau)
    exact = g * (np.exp(-theta * tau) - 1.0) / tau
    tails = np.abs(g) >= 2.5
    err_knn = np.sqrt(np.mean((knn.drift_ - exact)[tails] ** 2))
    err_fixed = np.sqrt(np.mean((fixed.drift_ - exact)[tails] ** 2))
    assert err_knn < 0.5 * err_fixed
    assert "knn" in repr(knn)
    # default floor: half the grid spacing
    assert np.all(
        ConditionalCoefficients(g, "knn", n_neighbors=2).fit(z0, zt, tau).bandwidth_ >= 0.05
    )


def test_per_point_bandwidth_equals_a_constant_one():
    rng = np.random.default_rng(7)
    z0 = rng.uniform(-2, 2, 5000)
    zt = z0 + 0.1 * rng.standard_normal(5000)
    g = np.linspace(-1.5, 1.5, 11)
    a = ConditionalCoefficients(g, 0.2).fit(z0, zt, 0.1)
    b = ConditionalCoefficients(g, np.full(11, 0.2)).fit(z0, zt, 0.1)
    assert np.array_equal(a.drift_, b.drift_) and np.array_equal(a.diffusion_, b.diffusion_)
    assert np.all(a.bandwidth_ == 0.2)


def test_fit_values_averages_pointwise_slow_drift_over_the_fast_law():
    """Ito values x - x y with y ~ N(x^2, s^2): the kernel mean over y is x - x^3, exactly."""
    rng = np.random.default_rng(8)
    x = rng.uniform(-1.6, 1.6, 200_000)
    y = x**2 + 0.07 * rng.standard_normal(x.size)
    g = np.linspace(-1.5, 1.5, 31)
    est = ConditionalCoefficients(g, 0.05).fit_values(x, x - x * y, 0.49)
    exact = g - g**3
    assert np.sqrt(np.mean((est.drift_ - exact) ** 2)) / np.sqrt(np.mean(exact**2)) < 0.01
    assert np.allclose(est.diffusion_, 0.49, rtol=1e-12)
    assert est.tau_ is None and est.visited_.all()
    model = est.fetch_model()
    assert model.mfpt(-1.0, 1.0) > 0
    # local-linear smoothing reproduces a linear drift exactly, whatever the design
    z = rng.standard_normal(3000)
    lin = ConditionalCoefficients(g, 0.3).fit_values(z[:, None], -2.0 * z, 1.0 + 0 * z)
    assert np.max(np.abs(lin.drift_ + 2.0 * g)) < 1e-8
    with pytest.raises(ValueError, match="one value per point"):
        est.fit_values(x, x[:-1], 0.49)


def double_well_model(sigma, n=2001):
    return EffectiveSDE1D.from_functions(
        np.linspace(-2.5, 2.5, n), lambda z: -4.0 * z * (z * z - 1.0), sigma**2
    )


def test_stationary_density_and_free_energy_of_the_double_well():
    sigma = 0.8
    m = double_well_model(sigma)
    z = m.grid
    exact = np.exp(-2.0 * (z * z - 1.0) ** 2 / sigma**2)
    exact /= np.trapezoid(exact, z)
    assert np.max(np.abs(m.stationary_density() - exact)) < 1e-4
    f = m.free_energy()
    v = 2.0 * (z * z - 1.0) ** 2 / sigma**2
    assert np.allclose(f - f.min(), v - v.min(), atol=1e-3)


def test_stationary_density_with_position_dependent_diffusion():
    """dz = a'(z)/2 dt + sqrt(a) dW has the uniform density, whatever a is."""
    m = EffectiveSDE1D.from_functions(np.linspace(-2, 2, 4001), lambda z: z, lambda z: 1 + z * z)
    p = m.stationary_density()
    assert np.allclose(p, 0.25, rtol=1e-5)


def test_mfpt_equals_the_sqra_reference_of_effdyn_operators():
    sigma = 1.0
    m = double_well_model(sigma)
    t_quad = m.mfpt(-1.0, 1.0)
    grid = Grid.box([(-2.5, 2.5)], 4000)
    tau = SqRA(DoubleWell(), grid, beta=2.0 / sigma**2).mfpt(Interval(1.0, 10.0))
    t_sqra = float(np.interp(-1.0, grid.axes[0], tau))
    assert t_quad == pytest.approx(t_sqra, rel=5e-4)
    assert m.mfpt(1.0, -1.0) == pytest.approx(t_quad, rel=1e-9)  # symmetric well
    assert m.mfpt(0.3, 0.3) == 0.0


def test_mfpt_with_position_dependent_diffusion_is_exact():
    """b = a'/2, a = 1 + z^2, wall at l: T(x -> y) = [log(1 + z^2) - 2 l arctan z]_x^y."""
    lo = -2.0
    m = EffectiveSDE1D.from_functions(np.linspace(lo, 3, 5001), lambda z: z, lambda z: 1 + z * z)

    def primitive(z):
        return np.log1p(z * z) - 2.0 * lo * np.arctan(z)

    assert m.mfpt(-1.0, 2.0) == pytest.approx(primitive(2.0) - primitive(-1.0), rel=1e-6)
    # leftward passage, wall at the right end hi = 3: T = [2 hi arctan z - log(1 + z^2)]_y^x
    hi = 3.0

    def primitive_right(z):
        return 2.0 * hi * np.arctan(z) - np.log1p(z * z)

    assert m.mfpt(1.0, -1.5) == pytest.approx(
        primitive_right(1.0) - primitive_right(-1.5), rel=1e-6
    )


def test_to_sde_simulates_with_the_core_integrators():
    """The OU model simulated by Euler-Maruyama: exact mean and variance at t = 1."""
    theta, sigma = 1.0, 0.7
    m = EffectiveSDE1D.from_functions(np.linspace(-4, 4, 161), lambda z: -theta * z, sigma**2)
    x0 = torch.ones(10_000, 1, dtype=torch.float64)
    res = simulate(EulerMaruyama(m.to_sde()), x0, 2e-3, 500, seed=0)
    x = res.x[:, 0]
    var = sigma**2 * (1 - np.exp(-2 * theta)) / (2 * theta)
    assert float(x.mean()) == pytest.approx(np.exp(-theta), abs=4 * np.sqrt(var / 10_000) + 2e-3)
    assert float(x.var()) == pytest.approx(var, rel=0.05)
    # non-constant diffusion goes through the callable path
    grid = np.linspace(-2, 2, 11) ** 3  # non-uniform grid: the searchsorted path
    m2 = EffectiveSDE1D(grid, -theta * grid, sigma**2 + 1e-12 * grid**2)
    res2 = simulate(EulerMaruyama(m2.to_sde()), x0, 2e-3, 500, seed=0)
    assert float(res2.x.var()) == pytest.approx(var, rel=0.05)


def test_bad_input_is_refused():
    g = np.linspace(-1, 1, 5)
    with pytest.raises(ValueError, match="bandwidth"):
        ConditionalCoefficients(g, 0.0)
    with pytest.raises(ValueError, match="degree"):
        ConditionalCoefficients(g, 0.1, degree=2)
    with pytest.raises(ValueError, match="knn"):
        ConditionalCoefficients(g, "silverman")
    with pytest.raises(ValueError, match="per grid point"):
        ConditionalCoefficients(g, np.ones(3))
    with pytest.raises(ValueError, match="n_neighbors"):
        ConditionalCoefficients(g, "knn", n_neighbors=1)
    with pytest.raises(ValueError, match="grid"):
        ConditionalCoefficients([0.0, 0.0, 1.0], 0.1)
    est = ConditionalCoefficients(g, 0.1)
    with pytest.raises(ValueError, match="tau"):
        est.fit(np.zeros(3), np.zeros(3), -1.0)
    with pytest.raises(ValueError, match="z_tau"):
        est.fit(np.zeros(3), np.zeros((4, 2)), 1.0)
    with pytest.raises(ValueError, match="z0"):
        est.fit(np.array([np.nan, 0.0]), np.zeros(2), 1.0)
    with pytest.raises(ValueError, match="drift"):
        EffectiveSDE1D(g, np.zeros(4), np.ones(5))
    m = EffectiveSDE1D(g, np.zeros(5), np.ones(5))
    with pytest.raises(ValueError, match="b must lie"):
        m.mfpt(0.0, 2.0)
    with pytest.raises(ValueError, match="positive"):
        EffectiveSDE1D(g, np.zeros(5), np.array([1.0, 1.0, 0.0, 1.0, 1.0])).stationary_density()
    with pytest.raises(ValueError, match="dimension"):
        EffectiveSDE1D(Grid.box([(0, 1), (0, 1)], 4), np.zeros(16), np.ones(16))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_model_runs_on_cuda():
    m = double_well_model(1.0, n=201)
    z = torch.linspace(-2, 2, 11, device="cuda")
    assert m.drift(z).device.type == "cuda"
    res = simulate(EulerMaruyama(m.to_sde()), z[:, None], 1e-3, 10, seed=0)
    assert res.x.device.type == "cuda"
