"""Weak-noise increments (``simulate(noise="two-point" | "three-point")``) against exact laws.

The law of the increments the integrator actually consumes is checked on ``dX = dW`` (Euler-
Maruyama with a zero drift records each increment as the change of the state); the weak
order on Ornstein-Uhlenbeck and geometric Brownian motion, whose moments are known in closed
form; the stationary variance of Euler-Maruyama for OU, ``1 / (beta k (1 - k dt / 2))``; and
the mean first-passage time of the double well against quadrature (Kloeden and Platen 1992,
sections 14.1-14.2).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from effdyn.operators import mfpt_1d
from effdyn.sde import (
    SDE,
    BrownianPath,
    EulerMaruyama,
    FirstPassage,
    Heun,
    Interval,
    LeimkuhlerMatthews,
    Milstein,
    OverdampedLangevin,
    simulate,
)
from effdyn.systems import DoubleWell

F64 = torch.float64


def consumed_increments(kind: str, n_traj: int, n_steps: int, dt: float, **kw) -> torch.Tensor:
    """The increments ``(n_steps, n_traj)`` that Euler-Maruyama consumed on ``dX = dW``."""
    sde = SDE(lambda t, x: torch.zeros_like(x), 1.0)
    x0 = torch.zeros(n_traj, 1, dtype=F64)
    res = simulate(EulerMaruyama(sde), x0, dt, n_steps, seed=3, save_every=1, noise=kind, **kw)
    return res.traj[:, :, 0].diff(dim=0)


@pytest.mark.parametrize(
    "kind, support, fourth",
    [("two-point", (-1.0, 1.0), 1.0), ("three-point", (-math.sqrt(3), 0.0, math.sqrt(3)), 3.0)],
)
def test_consumed_increments_have_the_stated_law(kind, support, fourth):
    dt = 0.04
    inc = consumed_increments(kind, 10_000, 100, dt) / math.sqrt(dt)  # 1e6 draws
    z = inc.flatten().numpy()
    n = z.size
    values = np.unique(np.round(z, 9))
    np.testing.assert_allclose(values, support, atol=1e-9)
    # moments 1-4 of the normalised increment within 5 standard errors of the exact ones
    exact = {1: 0.0, 2: 1.0, 3: 0.0, 4: fourth}
    # E[z^6] and E[z^8] of the two kinds, for the standard errors of the sample moments
    sixth = 1.0 if kind == "two-point" else 9.0
    eighth = 1.0 if kind == "two-point" else 27.0
    var_of_power = {1: 1.0, 2: fourth - 1.0, 3: sixth, 4: eighth - fourth**2}
    for p, m in exact.items():
        se = math.sqrt(var_of_power[p] / n) if var_of_power[p] > 0 else 1e-12
        assert abs(float(np.mean(z**p)) - m) <= 5 * se + 1e-12, (kind, p)
    # lag-1 correlation across steps and across trajectories (the noise is independent)
    a = inc.numpy()
    for x, y in ((a[1:], a[:-1]), (a[:, 1:], a[:, :-1])):
        corr = float(np.mean(x * y))
        assert abs(corr) < 5 / math.sqrt(x.size), (kind, corr)
    if kind == "three-point":  # the sixth moment is 9, not the Gaussian 15: weak order 2 only
        assert abs(float(np.mean(z**6)) - 9.0) < 5 * math.sqrt((243.0 - 81.0) / n)


def test_weak_increments_are_reproducible_and_tiled_by_seed():
    a = consumed_increments("two-point", 300, 20, 0.1)
    b = consumed_increments("two-point", 300, 20, 0.1)
    assert torch.equal(a, b)
    tiled = consumed_increments("two-point", 300, 20, 0.1, tile=100)
    assert torch.equal(tiled, consumed_increments("two-point", 300, 20, 0.1, tile=100))
    assert not torch.equal(a, consumed_increments("three-point", 300, 20, 0.1))


def _slope(dts, errors) -> float:
    return float(np.polyfit(np.log(dts), np.log(errors), 1)[0])


def _weak_errors(integrator, x0, T, dts, exact_moments, kind):
    """|E[X_T] - m1| and |E[X_T^2] - m2| at each step, with their Monte Carlo errors."""
    errors, mc = [], []
    for i, dt in enumerate(dts):
        x = simulate(integrator, x0, dt, round(T / dt), seed=10 + i, noise=kind).x[:, 0]
        m1, m2 = exact_moments
        errors.append((abs(float(x.mean()) - m1), abs(float((x * x).mean()) - m2)))
        n = x.numel()
        mc.append((float(x.std()) / math.sqrt(n), float((x * x).std()) / math.sqrt(n)))
    return np.array(errors), np.array(mc)


@pytest.mark.parametrize("problem", ["ou", "gbm"])
def test_two_point_euler_has_weak_order_one(problem):
    T, dts, n = 1.0, [0.2, 0.1, 0.05], 2_000_000
    if problem == "ou":  # dX = -X dt + 0.5 dW, X0 = 1
        theta, sigma, y0 = 1.0, 0.5, 1.0
        sde = SDE(lambda t, x: -theta * x, sigma)
        m1 = y0 * math.exp(-theta * T)
        m2 = m1**2 + sigma**2 / (2 * theta) * (1 - math.exp(-2 * theta * T))
    else:  # dX = mu X dt + s X dW, X0 = 1
        mu, s, y0 = 1.0, 0.5, 1.0
        sde = SDE(lambda t, x: mu * x, lambda t, x: s * x, noise="diagonal")
        m1, m2 = math.exp(mu * T), math.exp((2 * mu + s * s) * T)
    x0 = torch.full((n, 1), y0, dtype=F64)
    errors, mc = _weak_errors(EulerMaruyama(sde), x0, T, dts, (m1, m2), "two-point")
    assert np.all(errors > 5 * mc), (errors, mc)  # the bias, not Monte Carlo noise, is measured
    for k in range(2):
        assert 0.8 < _slope(dts, errors[:, k]) < 1.25, (problem, k, errors[:, k])


def test_three_point_heun_has_weak_order_two_where_two_point_does_not():
    """E[X_T^4] of OU: Heun with three-point increments converges with order 2.

    For a linear SDE the fourth moment of the increments enters E[X_T^4] directly: three-point
    increments match the Gaussian's (3 dt^2), so only the scheme's own order-2 error remains;
    two-point ones (dt^2) would add an error of order 1, which is why Heun refuses them.
    """
    theta, sigma, y0, T = 1.0, 1.0, 0.5, 1.0
    sde = SDE(lambda t, x: -theta * x, sigma)
    m = y0 * math.exp(-theta * T)
    v = sigma**2 / (2 * theta) * (1 - math.exp(-2 * theta * T))
    m4 = m**4 + 6 * m**2 * v + 3 * v**2
    dts, n = [0.5, 0.25, 0.125], 4_000_000
    x0 = torch.full((n, 1), y0, dtype=F64)
    errors, mc = [], []
    for i, dt in enumerate(dts):
        x = simulate(Heun(sde), x0, dt, round(T / dt), seed=20 + i, noise="three-point").x
        x4 = x[:, 0] ** 4
        errors.append(abs(float(x4.mean()) - m4))
        mc.append(float(x4.std()) / math.sqrt(n))
    assert errors[-1] > 3 * mc[-1], (errors, mc)
    assert 1.6 < _slope(dts, errors) < 2.5, errors
    with pytest.raises(ValueError, match="Heun does not support noise='two-point'"):
        simulate(Heun(sde), x0[:10], 0.1, 2, noise="two-point")


def test_two_point_ou_stationary_variance_is_the_euler_one():
    """Euler-Maruyama's stationary variance for V = k x^2 / 2 is 1 / (beta k (1 - k dt / 2)).

    The step is large enough that the exact value 1 / (beta k) is ruled out.
    """
    k, beta, dt = 2.0, 1.0, 0.2
    force = lambda x: -k * x  # noqa: E731
    x0 = torch.zeros(200_000, 1, dtype=F64)
    x = simulate(OverdampedLangevin(force, beta), x0, dt, 60, seed=5, noise="two-point").x
    var = float(x.var())
    se = var * math.sqrt(2 / x.numel())
    euler = 1 / (beta * k * (1 - k * dt / 2))
    assert abs(var - euler) < 4 * se, (var, euler, se)
    assert abs(var - 1 / (beta * k)) > 10 * se


def test_double_well_mfpt_with_two_point_noise_matches_quadrature():
    """Double well V = (x^2 - 1)^2 at beta = 2: the MFPT from -1 to 1 within 3 standard errors.

    At dt = 1e-3 the time-discretisation bias (about +1 %) is below the Monte Carlo error (1 %).
    """
    kind = "two-point"
    beta, dt = 2.0, 1e-3
    V = DoubleWell()
    exact = mfpt_1d(V, beta, -1.0, 1.0)
    x0 = torch.full((10_000, 1), -1.0)
    hit = FirstPassage(Interval(1.0, math.inf), stop=True)
    simulate(OverdampedLangevin(V, beta), x0, dt, 200_000, seed=7, observers=[hit], noise=kind)
    assert hit.fraction_hit == 1.0
    times = hit.times.double()
    se = float(times.std()) / math.sqrt(times.numel())
    assert abs(float(times.mean()) - exact) < 3 * se, (kind, float(times.mean()), exact, se)


def test_weak_noise_requests_that_need_paths_or_gaussians_are_refused():
    sde = SDE(lambda t, x: -x, 1.0)
    x0 = torch.zeros(4, 1, dtype=F64)
    path = BrownianPath((4, 1), 0.0, 1.0, seed=0)
    with pytest.raises(ValueError, match="pathwise"):
        simulate(EulerMaruyama(sde), x0, n_steps=8, brownian=path, noise="two-point")
    with pytest.raises(ValueError, match="noise must be one of"):
        simulate(EulerMaruyama(sde), x0, 0.1, 2, noise="rademacher")
    with pytest.raises(ValueError, match="Gaussian increments only"):
        simulate(Milstein(sde), x0, 0.1, 2, noise="three-point")
    with pytest.raises(ValueError, match="Gaussian increments only"):
        simulate(LeimkuhlerMatthews(lambda x: -x, 1.0), x0, 0.1, 2, noise="two-point")
    # Gaussian noise stays the default and the same stream as before
    a = simulate(EulerMaruyama(sde), x0, 0.1, 5, seed=1).x
    assert torch.equal(a, simulate(EulerMaruyama(sde), x0, 0.1, 5, seed=1, noise="gaussian").x)
