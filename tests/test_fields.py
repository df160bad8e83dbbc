"""Tests of effdyn.fields: spectral grid, Stormer-Verlet, exact solutions, conservation."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from effdyn.fields import (
    LinearKG,
    PeriodicGrid,
    Phi4,
    SineGordon,
    StormerVerlet,
    Yoshida4,
    energy,
    exact,
    momentum,
    solve,
)
from effdyn.fields.analysis import (
    centre_series,
    entropy_measures,
    interpolated_maxima,
    phase_space_stats,
)
from effdyn.fields.collisions import (
    CollisionOutcome,
    collision_outcomes,
    critical_velocity,
    kink_antikink_state,
    refine_critical_velocity,
    zero_crossings,
)
from effdyn.fields.package_ics import (
    package_breather,
    package_grid,
    package_kink_antikink,
    package_leapfrog,
)

OMEGA = 0.5
T0 = -math.pi / (2 * OMEGA)  # start the breather at its turning point


def slope(h, err):
    return float(np.polyfit(np.log(h), np.log(err), 1)[0])


def breather_error(grid, dt, t_final, method=None):
    phi, pi = exact.sine_gordon_breather(grid.x, 0.0, omega=OMEGA, t0=T0)
    sol = solve(phi, pi, grid, SineGordon(), dt=dt, t_final=t_final, method=method)
    ref, _ = exact.sine_gordon_breather(grid.x, t_final, omega=OMEGA, t0=T0)
    return float((sol.phi[-1] - ref).abs().max())


# ------------------------------------------------------------------------ grid
def test_grid_has_no_duplicated_endpoint():
    g = PeriodicGrid(8, 2.0)
    assert torch.allclose(g.x, torch.linspace(-1.0, 0.75, 8, dtype=torch.float64))
    assert g.dx == pytest.approx(0.25)
    assert g.k_max == pytest.approx(math.pi * 8 / 2.0)


def test_spectral_derivatives_of_a_trigonometric_polynomial_are_exact():
    g = PeriodicGrid(64, 10.0)
    w = 2 * math.pi * 3 / g.length
    f = torch.sin(w * g.x) + 0.5 * torch.cos(2 * w * g.x)
    df = w * torch.cos(w * g.x) - w * torch.sin(2 * w * g.x)
    d2f = -(w**2) * torch.sin(w * g.x) - 2 * w**2 * torch.cos(2 * w * g.x)
    assert torch.allclose(g.derivative(f), df, atol=1e-11)
    assert torch.allclose(g.laplacian(f), d2f, atol=1e-10)
    # batched: the same operator row by row
    batch = torch.stack([f, 2 * f])
    assert torch.allclose(g.laplacian(batch)[1], 2 * d2f, atol=1e-10)


def test_spectral_derivative_converges_exponentially():
    errs = []
    ns = [64, 128, 192, 256]
    for n in ns:
        g = PeriodicGrid(n, 50.0)
        f = 1.0 / torch.cosh(g.x)
        exact_d = -torch.tanh(g.x) / torch.cosh(g.x)
        errs.append(float((g.derivative(f) - exact_d).abs().max()))
    # exponential: log(error) falls linearly in n, by orders of magnitude
    assert errs[-1] < 1e-9
    assert errs[0] / errs[-1] > 1e4
    rates = -np.diff(np.log(errs)) / np.diff(ns)
    assert np.all(rates > 0.05)


def test_gradient_energy_is_the_quadratic_form_of_the_laplacian():
    g = PeriodicGrid(32, 7.0)
    gen = torch.Generator().manual_seed(0)
    f = torch.randn(3, 32, generator=gen, dtype=torch.float64)
    direct = -0.5 * g.integrate(f * g.laplacian(f))
    assert torch.allclose(g.gradient_energy(f), direct, rtol=1e-12)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: PeriodicGrid(3, 1.0), "n must be"),
        (lambda: PeriodicGrid(16, -1.0), "length must be"),
        (lambda: Phi4(lam=0.0), "lam must be"),
        (lambda: LinearKG(mass=-1.0), "mass must be"),
        (lambda: exact.breather_energy(1.2), "omega must"),
        (lambda: exact.lorentz_factor(1.0), "velocity must"),
    ],
)
def test_bad_parameters_raise_precise_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_solve_rejects_unstable_and_incommensurate_steps():
    g = PeriodicGrid(64, 20.0)
    phi, pi = exact.gaussian_pulse(g.x)
    with pytest.raises(ValueError, match="stability limit"):
        solve(phi, pi, g, LinearKG(), dt=0.5, t_final=1.0)
    with pytest.raises(ValueError, match="t_final / dt"):
        solve(phi, pi, g, LinearKG(), dt=0.03, t_final=1.0)
    with pytest.raises(ValueError, match="last dimension"):
        solve(phi[:10], pi[:10], g, LinearKG(), dt=0.01, t_final=1.0)


# ---------------------------------------------------------------- exact solutions
def test_exact_solutions_have_their_textbook_energies_and_momenta():
    g = PeriodicGrid(1024, 100.0)
    phi, pi = exact.sine_gordon_breather(g.x, 0.3, omega=OMEGA, t0=T0)
    assert float(energy(phi, pi, g, SineGordon())) == pytest.approx(16 * math.sqrt(0.75), 1e-12)
    assert abs(float(momentum(phi, pi, g))) < 1e-12
    assert exact.breather_amplitude(OMEGA) == pytest.approx(4.1887902, abs=1e-7)
    v = 0.4
    phi, pi = exact.phi4_kink_antikink(g.x, positions=(-25.0, 25.0), velocities=(v, v))
    e_kink = exact.phi4_kink_energy(velocity=v)
    assert float(energy(phi, pi, g, Phi4())) == pytest.approx(2 * e_kink, rel=1e-10)
    assert float(momentum(phi, pi, g)) == pytest.approx(2 * v * e_kink, rel=1e-10)
    assert exact.phi4_kink_energy() == pytest.approx(0.942809, abs=1e-6)
    phi, pi = exact.sine_gordon_kink_antikink(g.x, -20.0, velocity=v)
    e_sg = 2 * exact.sine_gordon_kink_energy(v)
    assert float(energy(phi, pi, g, SineGordon())) == pytest.approx(e_sg, rel=1e-9)


def test_exact_pi_is_the_time_derivative_of_phi():
    x = torch.linspace(-10, 10, 41, dtype=torch.float64)
    h = 1e-5
    cases = [
        lambda t: exact.sine_gordon_breather(x, t, omega=0.3),
        lambda t: exact.sine_gordon_kink(x, t, velocity=0.6, charge=-1),
        lambda t: exact.sine_gordon_kink_antikink(x, t, velocity=0.5),
        lambda t: exact.phi4_kink(x, t, lam=2.0, vacuum=1.5, velocity=-0.7),
    ]
    for sol in cases:
        fd = (sol(0.7 + h)[0] - sol(0.7 - h)[0]) / (2 * h)
        assert torch.allclose(sol(0.7)[1], fd, atol=1e-7)


def test_phi4_kink_solves_the_static_equation():
    g = PeriodicGrid(1024, 100.0)
    pot = Phi4(lam=2.0, vacuum=1.5)
    phi, _ = exact.phi4_kink_antikink(g.x, positions=(-25.0, 25.0), lam=2.0, vacuum=1.5)
    residual = g.laplacian(phi) - pot.dV(phi)
    assert float(residual.abs().max()) < 1e-9


# ------------------------------------------------------------------ convergence
def test_linear_case_matches_the_propagator_at_second_order():
    g = PeriodicGrid(256, 60.0)
    phi, pi = exact.gaussian_pulse(g.x)
    ref, _ = exact.linear_propagator(phi, pi, g, 1.0, 5.0)
    dts = [0.04, 0.02, 0.01]
    errs = []
    for dt in dts:
        sol = solve(phi, pi, g, LinearKG(), dt=dt, t_final=5.0)
        errs.append(float((sol.phi[-1] - ref).abs().max()))
    assert 1.9 < slope(dts, errs) < 2.1
    # the propagator is exact: it conserves the energy to round-off
    p1, q1 = exact.linear_propagator(phi, pi, g, 1.0, 37.0)
    e0, e1 = energy(phi, pi, g, LinearKG()), energy(p1, q1, g, LinearKG())
    assert float((e1 - e0).abs() / e0) < 1e-13


def test_time_order_two_for_verlet_and_four_for_yoshida_on_the_breather():
    g = PeriodicGrid(256, 60.0)
    dts = [0.08, 0.04, 0.02]
    errs = [breather_error(g, dt, 4.0) for dt in dts]
    assert 1.9 < slope(dts, errs) < 2.1
    errs4 = [breather_error(g, dt, 4.0, Yoshida4()) for dt in dts]
    assert 3.7 < slope(dts, errs4) < 4.3
    assert StormerVerlet.order == 2 and Yoshida4.order == 4


def test_spectral_convergence_in_space_on_the_breather():
    ns = [48, 64, 96, 128, 192]
    errs = [breather_error(PeriodicGrid(n, 60.0), 0.02, 2.0, Yoshida4()) for n in ns]
    assert errs[-1] < 1e-7
    assert errs[0] / errs[-1] > 1e4
    rates = -np.diff(np.log(errs)) / np.diff(ns)
    assert np.all(rates > 0.05)  # geometric decrease (theory: pi^2 / (2 beta L) = 0.095)


def test_nonlinear_collision_matches_the_exact_sine_gordon_kink_antikink():
    g = PeriodicGrid(512, 80.0)
    v, t_start, t_end = 0.5, -15.0, 15.0
    phi, pi = exact.sine_gordon_kink_antikink(g.x, t_start, velocity=v)
    sol = solve(phi, pi, g, SineGordon(), dt=0.01, t_final=t_end - t_start, n_saves=3)
    for t, f in zip(sol.t.tolist(), sol.phi, strict=True):
        ref, _ = exact.sine_gordon_kink_antikink(g.x, t_start + t, velocity=v)
        assert float((f - ref).abs().max()) < 2e-3
    # a moving phi^4 pair translates rigidly
    g4 = PeriodicGrid(256, 100.0)
    kw = dict(positions=(-25.0, 25.0), velocities=(0.3, 0.3))
    phi, pi = exact.phi4_kink_antikink(g4.x, 0.0, **kw)
    sol = solve(phi, pi, g4, Phi4(), dt=0.01, t_final=10.0, method=Yoshida4())
    ref, _ = exact.phi4_kink_antikink(g4.x, 10.0, **kw)
    assert float((sol.phi[-1] - ref).abs().max()) < 1e-6


# -------------------------------------------------------------------- energy
def test_energy_error_is_bounded_second_order_and_does_not_drift():
    g = PeriodicGrid(128, 60.0)
    phi, pi = exact.sine_gordon_breather(g.x, 0.0, omega=OMEGA, t0=T0)
    peaks = []
    for dt in (0.1, 0.05):
        sol = solve(phi, pi, g, SineGordon(), dt=dt, t_final=600.0, save_every=round(0.5 / dt))
        e = sol.energy()
        rel = ((e - e[0]) / e[0]).abs()
        half = rel.shape[0] // 2
        first, second = float(rel[:half].max()), float(rel[half:].max())
        assert second < 1.3 * first  # no secular growth over 1200 time units / 100 periods
        peaks.append(max(first, second))
        p = sol.momentum()
        assert float(p.abs().max()) < 1e-10  # the symmetric breather keeps P = 0
    assert 3.5 < peaks[0] / peaks[1] < 4.5  # the bounded error scales like dt^2


# ----------------------------------------------------------------- collisions
def test_kink_centres_and_collision_outcomes():
    g = PeriodicGrid(512, 100.0)
    phi, _ = kink_antikink_state(g, 0.3, separation=20.0)
    centres = torch.tensor([-10.0, 10.0], dtype=g.dtype)
    assert torch.allclose(zero_crossings(phi, g), centres, atol=1e-3)
    vs = torch.tensor([0.1, 0.3], dtype=torch.float64)
    phi, pi = kink_antikink_state(g, vs, separation=20.0)
    sol = solve(phi, pi, g, Phi4(), dt=0.05, t_final=120.0, save_every=4)
    slow, fast = collision_outcomes(sol, vs)
    assert not slow.escaped and slow.bounces > 2  # captured into a bion
    assert fast.one_bounce_escape and 0.05 < fast.outgoing_velocity < 0.3
    est, lo, hi = critical_velocity([slow, fast])
    assert (lo, hi) == (0.1, 0.3) and est == pytest.approx(0.2)
    with pytest.raises(ValueError, match="lower the velocities"):
        critical_velocity([fast, fast])


def _step_outcomes(vs, v_c):
    """Outcomes of a model transition: one-bounce reflection iff v > v_c, else a bion."""
    return [
        CollisionOutcome(v, 1, True, 10.0, 0.1)
        if v > v_c
        else CollisionOutcome(v, 9, False, 0.0, math.nan)
        for v in vs
    ]


def test_refinement_shrinks_the_bracket_around_the_step():
    v_c = 0.25983
    calls = []

    def simulate(vs):
        calls.append(list(vs))
        return _step_outcomes(vs, v_c)

    coarse = _step_outcomes([0.20, 0.25, 0.30], v_c)
    est, lo, hi, out = refine_critical_velocity(simulate, coarse, n_per_round=4, rounds=3)
    assert lo < v_c < hi
    assert hi - lo == pytest.approx(0.05 / 5**3)
    assert len(calls) == 3 and all(len(c) == 4 for c in calls) and len(out) == 3 + 12
    assert est == pytest.approx(0.5 * (lo + hi))
    # bisection; a two-bounce escape below v_c does not count as a reflection
    window = [CollisionOutcome(0.2597, 2, True, 10.0, 0.1)]
    est, lo, hi, _ = refine_critical_velocity(
        lambda vs: _step_outcomes(vs, v_c), coarse + window, n_per_round=1, rounds=10
    )
    assert lo < v_c < hi and hi - lo < 0.0427 / 2**10 + 1e-12
    with pytest.raises(ValueError, match="n_per_round"):
        refine_critical_velocity(simulate, coarse, n_per_round=0)
    with pytest.raises(ValueError, match="outcomes for"):
        refine_critical_velocity(lambda vs: [], coarse)


def test_interpolated_maxima_recover_peaks_between_samples():
    h = 0.4
    t = torch.arange(0.0, 40.0, h, dtype=torch.float64)
    omega, phase = 0.5, 0.3
    times, values = interpolated_maxima(torch.cos(omega * t + phase), t)
    true_times = (2 * math.pi * torch.arange(1, 4, dtype=torch.float64) - phase) / omega
    assert len(values) == 3
    assert torch.allclose(times, true_times, atol=1e-3)
    sampled_error = 1.0 - float(torch.cos(omega * t + phase).max())
    assert float((1.0 - values).abs().max()) < 1e-4 < sampled_error
    # a series that starts at its peak does not report the initial sample
    times, values = interpolated_maxima(torch.cos(omega * t), t)
    assert len(values) == 3 and float(times[0]) > 12.0
    times, values = interpolated_maxima(torch.cos(omega * t), t, t_min=20.0)
    assert len(values) == 2 and float(times[0]) > 20.0
    with pytest.raises(ValueError, match="uniformly"):
        interpolated_maxima(t, t**2)


# ---------------------------------------------------------------- the package
def test_package_breather_is_not_the_breather():
    g = package_grid(512, -40.0, 40.0)
    phi, pi = package_breather(g.x, OMEGA)
    e = float(energy(phi, pi, g, SineGordon()))
    p = float(momentum(phi, pi, g))
    assert abs(e - exact.breather_energy(OMEGA)) > 1.0  # 12.30 against 13.86
    assert abs(p) > 3.0  # it carries momentum: it drifts
    assert float(phi.max()) < exact.breather_amplitude(OMEGA) - 0.5


def test_package_kink_antikink_sits_on_the_potential_maximum():
    g = package_grid(1024, -50.0, 50.0)
    phi, pi = package_kink_antikink(g.x)
    assert float(phi[0]) == pytest.approx(0.0, abs=1e-8)  # outside: V'' < 0, unstable
    assert float(phi[512]) == pytest.approx(2.0, abs=1e-5)
    ours, _ = kink_antikink_state(PeriodicGrid(1024, 100.0), 0.3, separation=20.0)
    assert float(ours[0]) == pytest.approx(-1.0, abs=1e-5)
    assert float(ours[512]) == pytest.approx(1.0, abs=1e-5)


def test_fixed_step_leapfrog_equals_verlet_and_the_adaptive_one_does_not():
    g = PeriodicGrid(256, 80.0)
    phi, pi = exact.sine_gordon_breather(g.x, 0.0, omega=OMEGA, t0=T0)
    dt = 0.5 / g.k_max
    n = 400
    run = package_leapfrog(phi, pi, g, SineGordon(), dt=dt, t_final=n * dt - 1e-12, adaptive=False)
    ours = solve(phi, pi, g, SineGordon(), dt=dt, t_final=n * dt, save_every=20)
    assert torch.allclose(run.phi, ours.phi[:-1], atol=1e-11)
    # the package's breather set-up: dt0 = 0.01 grows to 0.0134 in 5 % jumps
    for adaptive, lo, hi in ((False, 0.0, 1e-4), (True, 0.1, math.inf)):
        run = package_leapfrog(phi, pi, g, SineGordon(), dt=0.01, t_final=20.0, adaptive=adaptive)
        ref, _ = exact.sine_gordon_breather(g.x, float(run.t_saved[-1]), omega=OMEGA, t0=T0)
        assert lo < float((run.phi[-1] - ref).abs().max()) < hi


# ------------------------------------------------------------------- analysis
def test_entropy_measures_on_known_distributions():
    g = PeriodicGrid(64, 8.0)
    flat = torch.ones(64, dtype=torch.float64)
    m = entropy_measures(flat, g, normalise="mass")
    for key in ("shannon", "renyi_0.5", "renyi_2", "renyi_10"):
        assert float(m[key]) == pytest.approx(math.log(64))  # all Rényi entropies agree
    assert float(m["tsallis_2"]) == pytest.approx(1 - 1 / 64)
    paper = entropy_measures(flat, g, normalise="paper")
    # the paper's density p = 1/L summed over points: S = (n / L) log L
    assert float(paper["shannon"]) == pytest.approx(64 / 8.0 * math.log(8.0))
    c = 0.5 * paper["shannon"] + 0.3 * paper["renyi_2"] + 0.2 * paper["tsallis_2"]
    assert torch.allclose(paper["composite"], c)


def test_phase_space_of_a_harmonic_oscillation_is_a_circle():
    g = PeriodicGrid(16, 4.0)
    t = torch.linspace(0, 4 * math.pi, 2001, dtype=torch.float64)
    phi = torch.cos(t)[:, None] * torch.ones(16, dtype=torch.float64)
    f, r = centre_series(phi, t, g)
    assert torch.allclose(r[1:-1], -torch.sin(t[1:-1]), atol=1e-5)
    stats = phase_space_stats(f, r)
    assert abs(stats["correlation"]) < 1e-3
    assert stats["phi_rms"] == pytest.approx(math.sqrt(0.5), abs=1e-3)


# ----------------------------------------------------------------------- CUDA
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_matches_cpu():
    out = []
    for device in ("cpu", "cuda"):
        g = PeriodicGrid(128, 60.0, device=device)
        phi, pi = exact.sine_gordon_breather(g.x, 0.0, omega=OMEGA, t0=T0)
        sol = solve(phi, pi, g, SineGordon(), dt=0.05, t_final=5.0)
        assert sol.phi.device.type == device
        out.append(sol.phi[-1].cpu())
    assert torch.allclose(out[0], out[1], atol=1e-10)
