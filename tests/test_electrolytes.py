"""Tests of effdyn.electrolytes (driven-coulomb chapter) and of the d-dimensional PeriodicGrid."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.linalg import solve_continuous_lyapunov

from effdyn.electrolytes import (
    FourierSPDE,
    LatticeDeanKawasaki,
    LinearDrivenElectrolyte,
    PolarChemotaxis1D,
    fit_dynamic_exponent,
    fit_power_law,
    ray_cut,
    real_space_correlation,
    relaxation_times,
    slab_force,
)
from effdyn.fields import PeriodicGrid

pytestmark = pytest.mark.usefixtures("one_torch_thread")


# ----------------------------------------------------------------------------- grid
@pytest.mark.parametrize("dim", [2, 3])
def test_grid_laplacian_has_exact_spectrum(dim):
    g = PeriodicGrid(8, 3.0, dim=dim)
    mesh = g.mesh()
    m = [1, -2, 3][:dim]
    k = [2 * math.pi * mi / g.length for mi in m]
    wave = torch.cos(sum(ki * xi for ki, xi in zip(k, mesh, strict=True)))
    expected = -sum(ki**2 for ki in k) * wave
    torch.testing.assert_close(g.laplacian(wave), expected, atol=1e-10, rtol=0)
    # the symbol itself: -|k|^2 on every mode of the spectrum
    eye = torch.zeros((1, *g.spectrum_shape), dtype=torch.complex128)
    eye[(0, *([1] * dim))] = 1.0
    out = g.rfft(g.laplacian(g.irfft(eye)))
    assert abs(out[(0, *([1] * dim))] + g.k_squared[(1,) * dim]) < 1e-10


@pytest.mark.parametrize("dim", [1, 2, 3])
def test_grid_poisson_solve_inverts_laplacian(dim):
    g = PeriodicGrid(8, 5.0, dim=dim)
    u = torch.randn((3, *g.shape), generator=torch.Generator().manual_seed(1), dtype=g.dtype)
    u = u - u.mean(dim=tuple(range(-dim, 0)), keepdim=True)
    torch.testing.assert_close(g.poisson_solve(g.laplacian(u)), u, atol=1e-10, rtol=0)


def test_grid_derivative_along_axis_and_integral():
    g = PeriodicGrid(16, 2 * math.pi, dim=2)
    x, y = g.mesh()
    f = torch.sin(2 * x) * torch.cos(y)
    torch.testing.assert_close(g.derivative(f, axis=0), 2 * torch.cos(2 * x) * torch.cos(y))
    torch.testing.assert_close(g.derivative(f, axis=1), -torch.sin(2 * x) * torch.sin(y))
    assert float(g.integrate(torch.cos(x) ** 2)) == pytest.approx(2 * math.pi**2, rel=1e-12)
    with pytest.raises(ValueError, match="dim must be"):
        PeriodicGrid(8, 1.0, dim=4)
    with pytest.raises(ValueError, match="length must be"):
        PeriodicGrid(8, 0.0, dim=2)


# ----------------------------------------------------------------------- linear theory
@pytest.mark.parametrize("d", [1, 2, 3])
def test_closed_form_covariance_equals_scipy_lyapunov(d):
    model = LinearDrivenElectrolyte(1.3, 0.7, 0.9, 2.1, d)
    k = torch.randn(40, d, generator=torch.Generator().manual_seed(d), dtype=torch.float64)
    a, b, s = (model.drift_matrix(k).numpy(), model.noise_matrix(k).numpy(), model.covariance(k))
    for i in range(k.shape[0]):
        ref = solve_continuous_lyapunov(a[i], -b[i])
        np.testing.assert_allclose(s[i].numpy(), ref, atol=1e-12 * abs(ref).max())


def test_zero_field_is_debye_hueckel():
    model = LinearDrivenElectrolyte(2.0, 1.0, 1.5, 0.0, 2)
    k = torch.rand(50, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64) * 4
    k2 = (k**2).sum(-1)
    s = model.structure_factors(k)
    torch.testing.assert_close(s.rho_rho, 2 * 2.0 * k2 / (k2 + 1.5**2))
    torch.testing.assert_close(s.cc, torch.full_like(k2, 4.0))
    assert float(s.rho_c.abs().max()) == 0.0


def test_field_makes_long_wavelength_limit_direction_dependent():
    model = LinearDrivenElectrolyte(1.0, 1.0, 1.0, 2.0, 2)
    theta = torch.tensor([0.0, 0.7, math.pi / 2], dtype=torch.float64)
    for eps in (1e-3, 1e-4):
        k = eps * torch.stack([torch.cos(theta), torch.sin(theta)], -1)
        s = model.structure_factors(k).cc - 2.0
        torch.testing.assert_close(
            s, model.long_wavelength_density(theta), atol=20 * eps**2, rtol=0
        )
    assert float(model.long_wavelength_density(theta)[0]) == pytest.approx(-2 * 4 / 5)


def test_quench_covariance_solves_the_moment_equation():
    model = LinearDrivenElectrolyte(1.0, 0.5, 1.0, 1.5, 2)
    k = torch.tensor([[0.3, 0.2], [1.0, -0.5]], dtype=torch.float64)
    a, b = model.drift_matrix(k), model.noise_matrix(k)
    torch.testing.assert_close(
        model.covariance_after_quench(0.0, k), model.with_field(0.0).covariance(k)
    )
    t, h = 1.7, 1e-5
    sig = model.covariance_after_quench(t, k)
    deriv = (model.covariance_after_quench(t + h, k) - model.covariance_after_quench(t - h, k)) / (
        2 * h
    )
    rhs = a @ sig + sig @ a.conj().transpose(-1, -2) + b
    torch.testing.assert_close(deriv, rhs, atol=1e-7, rtol=1e-6)
    torch.testing.assert_close(model.covariance_after_quench(400.0, k), model.covariance(k))


# ----------------------------------------------------------------------- correlations
def test_real_space_correlation_is_the_inverse_transform():
    model = LinearDrivenElectrolyte(1.0, 1.0, 0.8, 1.2, 2)
    g = PeriodicGrid(8, 6.0, dim=2)
    corr = real_space_correlation(model, g)
    # brute-force sum over the full Fourier lattice at one separation
    m = torch.fft.fftfreq(8, d=1 / 8, dtype=torch.float64)
    kx, ky = torch.meshgrid(2 * math.pi * m / 6.0, 2 * math.pi * m / 6.0, indexing="ij")
    kx, ky = (
        kx.abs().where(kx.abs() == math.pi * 8 / 6.0, kx),
        ky.abs().where(ky.abs() == math.pi * 8 / 6.0, ky),
    )
    s = model.structure_factors(torch.stack([kx, ky], -1)).cc - 2.0
    s[0, 0] = 0.0
    rx, ry = 2 * g.dx, 3 * g.dx
    ref = (s * torch.cos(kx * rx + ky * ry)).sum() / g.volume
    assert float(corr[2, 3]) == pytest.approx(float(ref), rel=1e-10)
    assert float(real_space_correlation(model.with_field(0.0), g).abs().max()) < 1e-14
    r, v = ray_cut(corr, g, (1, 1))
    assert float(v[0]) == float(corr[1, 1]) and float(r[0]) == pytest.approx(g.dx * math.sqrt(2))


def test_power_law_fit_recovers_exponent():
    r = torch.linspace(1.0, 50.0, 40, dtype=torch.float64)
    slope, log_amp = fit_power_law(r, -3.0 * r**-2.5, 2.0, 40.0)
    assert slope == pytest.approx(-2.5) and log_amp == pytest.approx(math.log(3.0))
    with pytest.raises(ValueError, match="at least 3"):
        fit_power_law(r, r, 100.0, 200.0)


# -------------------------------------------------------------------------- slab
def test_slab_force_scales_as_inverse_cube_and_field_squared():
    model = LinearDrivenElectrolyte(1.0, 1.0, 1.0, 1.0, 3)
    p40, p80 = slab_force(model, 40.0), slab_force(model, 80.0)
    assert p40 > 0  # repulsive
    assert math.log(p80 / p40) / math.log(2.0) == pytest.approx(-3.0, abs=0.01)
    small = [slab_force(model.with_field(e), 40.0) for e in (0.02, 0.04)]
    assert small[1] / small[0] == pytest.approx(4.0, rel=2e-3)
    assert slab_force(model.with_field(0.0), 40.0) == 0.0
    p2 = [slab_force(LinearDrivenElectrolyte(1.0, 1.0, 1.0, 1.0, 2), h) for h in (40.0, 80.0)]
    assert math.log(p2[1] / p2[0]) / math.log(2.0) == pytest.approx(-2.0, abs=0.01)


# ---------------------------------------------------------------------- simulations
def _variance_error_slope(run_variance, exact, dts):
    errs = [abs(run_variance(dt) / exact - 1.0) for dt in dts]
    return float(np.polyfit(np.log(dts), np.log(errs), 1)[0])


def test_fourier_spde_stationary_variance_has_weak_order_one():
    g = PeriodicGrid(8, 2 * math.pi)  # mode m = 1 has rate D k^2 = 1
    model = LinearDrivenElectrolyte(1.0, 1.0, 1.0, 0.0, 1)
    gen = torch.Generator().manual_seed(3)

    def variance(dt):
        sim = FourierSPDE(model, g, dt)
        res = sim.run(1000, round(20 / dt), n_burn=round(4 / dt), generator=gen)
        return float(res.cc[:, 1].mean())

    slope = _variance_error_slope(variance, 2.0, [0.4, 0.2, 0.1])
    assert 0.7 < slope < 1.3


def test_lattice_variance_has_weak_order_one_and_conserves_ions():
    g = PeriodicGrid(8, 8.0)  # h = 1
    model = LinearDrivenElectrolyte(1e4, 1.0, 0.1, 0.0, 1)
    gen = torch.Generator().manual_seed(4)

    def variance(dt):
        sim = LatticeDeanKawasaki(model, g, dt)
        res = sim.run(1000, round(24 / dt), n_burn=round(6 / dt), generator=gen)
        return float(res.cc[:, 1].mean())

    slope = _variance_error_slope(variance, 2e4, [0.4, 0.2, 0.1])
    assert 0.7 < slope < 1.4
    sim = LatticeDeanKawasaki(
        LinearDrivenElectrolyte(1e4, 1.0, 0.1, 1.0, 2), PeriodicGrid(8, 8.0, dim=2), 0.1
    )
    plus = torch.full((2, 8, 8), 1e4, dtype=torch.float64)
    p, m = sim.step(plus, plus.clone(), gen)
    for _ in range(20):
        p, m = sim.step(p, m, gen)
    torch.testing.assert_close(p.sum((-1, -2)), plus.sum((-1, -2)), rtol=1e-12, atol=0)
    torch.testing.assert_close(m.sum((-1, -2)), plus.sum((-1, -2)), rtol=1e-12, atol=0)


def test_chemotaxis_gaussian_point_variance_and_exponent():
    g = PeriodicGrid(16, 2 * math.pi)
    gen = torch.Generator().manual_seed(5)

    def variance(dt):
        sim = PolarChemotaxis1D(g, 1.0, 1.0, 0.0, dt)
        run = sim.run(1000, round(20 / dt), n_burn=round(4 / dt), generator=gen)
        return float((run.phi_hat[:, :, 1].abs() ** 2).mean())

    slope = _variance_error_slope(variance, 1.0, [0.4, 0.2, 0.1])  # Delta / (nu k^4) = 1
    assert 0.7 < slope < 1.3
    sim = PolarChemotaxis1D(g, 1.0, 1.0, 0.0, 0.01)
    run = sim.run(200, 1500, n_burn=300, save_every=2, generator=gen)
    corr = run.dynamic_structure_factor(100).mean(1)
    tau = relaxation_times(corr[:, 1:4], 0.02)
    assert fit_dynamic_exponent(g.k[1:4], tau) == pytest.approx(2.0, abs=0.1)


# ------------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda: LinearDrivenElectrolyte(0.0, 1.0, 1.0, 0.0, 2), "C0"),
        (lambda: LinearDrivenElectrolyte(1.0, -1.0, 1.0, 0.0, 2), "D must"),
        (lambda: LinearDrivenElectrolyte(1.0, 1.0, 0.0, 0.0, 2), "kappa"),
        (lambda: LinearDrivenElectrolyte(1.0, 1.0, 1.0, float("inf"), 2), "E must"),
        (lambda: LinearDrivenElectrolyte(1.0, 1.0, 1.0, 0.0, 4), "d must"),
        (
            lambda: LatticeDeanKawasaki(
                LinearDrivenElectrolyte(1.0, 1.0, 1.0, 0.0, 2), PeriodicGrid(8, 8.0, dim=2), 0.3
            ),
            "stability bound",
        ),
        (
            lambda: slab_force(LinearDrivenElectrolyte(1.0, 1.0, 1.0, 1.0, 3), 0.5, spacing=1.0),
            "H must be larger",
        ),
        (lambda: PolarChemotaxis1D(PeriodicGrid(8, 1.0), 1.0, 1.0, float("nan"), 0.1), "coupling"),
    ],
)
def test_bad_input_raises_one_line_value_error(build, match):
    with pytest.raises(ValueError, match=match) as err:
        build()
    assert "\n" not in str(err.value)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_simulations_run_on_cuda():
    g = PeriodicGrid(16, 16.0, dim=2, device="cuda")
    model = LinearDrivenElectrolyte(100.0, 1.0, 0.5, 1.0, 2)
    gen = torch.Generator(device="cuda").manual_seed(0)
    for cls in (FourierSPDE, LatticeDeanKawasaki):
        res = cls(model, g, 0.1).run(2, 5, generator=gen)
        assert res.cc.device.type == "cuda" and torch.isfinite(res.cc).all()
    corr = real_space_correlation(model, g)
    assert corr.device.type == "cuda"
