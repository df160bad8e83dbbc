"""First passages between the checks: the Brownian-bridge observer against exact laws.

For a Brownian motion with constant drift ``mu`` and noise ``sigma`` started at 0, the first
passage to the level ``a > 0`` has the inverse-Gaussian law, mean ``a / mu`` and
``P(T <= t) = Phi((mu t - a) / (sigma sqrt t)) + exp(2 mu a / sigma^2) Phi(-(mu t + a) /
(sigma sqrt t))``. Euler-Maruyama is exact for this process at the steps, and the bridge test is
exact between them for a flat boundary, so the bridged first-passage law is exact at the check
times, while detection at the steps alone is late by about ``0.5826 sigma sqrt(dt) / mu``
(Siegmund's correction) on the mean.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import stats

from effdyn.sde import (
    SDE,
    Ball,
    Box,
    BridgedFirstPassage,
    EulerMaruyama,
    FirstPassage,
    Interval,
    simulate,
)

F64 = torch.float64
DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def exact_cdf(t, a, mu, sigma):
    s = sigma * np.sqrt(t)
    return stats.norm.cdf((mu * t - a) / s) + np.exp(2 * mu * a / sigma**2) * stats.norm.cdf(
        -(mu * t + a) / s
    )


def drifted_brownian(mu, sigma, n, dt, horizon, observers, device="cpu", seed=1):
    sde = SDE(lambda t, x: torch.full_like(x, mu), sigma)
    x0 = torch.zeros(n, 1, dtype=F64, device=device)
    simulate(EulerMaruyama(sde), x0, dt, round(horizon / dt), seed=seed, observers=observers)


@pytest.mark.parametrize("device", DEVICES)
def test_bridged_first_passage_law_is_exact_at_the_checks(device):
    mu, sigma, a, dt, n = 1.0, 1.0, 1.0, 0.05, 20_000
    bridged = BridgedFirstPassage(Interval(a, math.inf), sigma**2, seed=2)
    steps = FirstPassage(Interval(a, math.inf))
    drifted_brownian(mu, sigma, n, dt, 3.0, [bridged, steps], device=device)
    for t in (0.5, 1.0, 2.0):
        exact = exact_cdf(t, a, mu, sigma)
        se = math.sqrt(exact * (1 - exact) / n)
        got = float((bridged.times <= t + 1e-9).double().mean())
        late = float((steps.times <= t + 1e-9).double().mean())
        assert abs(got - exact) < 4 * se, (t, got, exact)
        assert exact - late > 8 * se, (t, late, exact)  # the step-only observer is late
    assert bridged.n_bridged > 0


def test_bridged_mfpt_removes_the_sqrt_dt_bias():
    """Mean: step detection is late by ~0.58 sigma sqrt(dt) / mu; the bridge leaves O(dt)."""
    mu, sigma, a, n = 1.0, 1.0, 1.0, 10_000
    for dt in (0.04, 0.02):
        bridged = BridgedFirstPassage(Interval(a, math.inf), sigma**2, seed=3)
        steps = FirstPassage(Interval(a, math.inf), stop=True)  # arrives last on every path
        drifted_brownian(mu, sigma, n, dt, 40.0, [bridged, steps])
        assert bridged.fraction_hit == 1.0 and steps.fraction_hit == 1.0
        se = float(torch.std(bridged.times)) / math.sqrt(n)
        siegmund = 0.5826 * sigma * math.sqrt(dt) / mu
        # recorded at the end of the check interval: late by at most dt
        assert -4 * se < bridged.mfpt().value - a / mu < dt + 4 * se
        assert steps.mfpt().value - a / mu == pytest.approx(siegmund, abs=4 * se + dt)


def test_double_well_bridged_mfpt_converges_with_order_one_and_the_plain_one_with_one_half():
    """Double well V = (x^2 - 1)^2 at beta = 2, from x = -1 up to x = -0.5 (MFPT 0.836).

    The bridged MFPT error (Euler's own O(dt) bias) has a fitted slope near 1 in dt. Detection at
    the steps alone adds a late arrival of order sqrt(dt) on the same paths: the excess of the
    plain over the bridged passage time has a slope near 1/2, and the plain error (the sum of
    the two, of opposite signs here) stays well above the bridged one.
    """
    from effdyn.operators import mfpt_1d
    from effdyn.sde import OverdampedLangevin
    from effdyn.systems import DoubleWell

    beta, a, b, n = 2.0, -1.0, -0.5, 100_000
    V = DoubleWell()
    exact = mfpt_1d(V, beta, a, b)
    dts = [0.04, 0.02, 0.01]
    bridged_err, plain_err, excess, se = [], [], [], []
    for i, dt in enumerate(dts):
        plain = FirstPassage(Interval(b, math.inf), stop=True)
        bridged = BridgedFirstPassage(Interval(b, math.inf), 2 / beta, seed=i)
        x0 = torch.full((n, 1), a, dtype=F64)
        simulate(
            OverdampedLangevin(V, beta),
            x0,
            dt,
            round(40 / dt),
            seed=50 + i,
            observers=[plain, bridged],
        )
        assert plain.fraction_hit == 1.0
        tb, tp = bridged.times, plain.times
        bridged_err.append(abs(float(tb.mean()) - exact))
        plain_err.append(abs(float(tp.mean()) - exact))
        excess.append(float((tp - tb).mean()))
        se.append(float(tb.std()) / math.sqrt(n))
    slope = lambda e: float(np.polyfit(np.log(dts), np.log(e), 1)[0])  # noqa: E731
    assert min(bridged_err) > 5 * max(se), (bridged_err, se)
    assert 0.8 < slope(bridged_err) < 1.25, bridged_err
    assert 0.35 < slope(excess) < 0.65, excess
    assert all(p > c for p, c in zip(plain_err, bridged_err, strict=True)), plain_err
    assert slope(plain_err) < 0.6, plain_err  # not order 1: the sqrt(dt) lateness dominates


def test_level_function_by_autograd_matches_the_signed_distance():
    """A level function with a non-unit gradient is normalised: same law as the Ball."""
    center, r = torch.tensor([0.8, 0.0], dtype=F64), 0.3
    ball = BridgedFirstPassage(Ball(center.tolist(), r), 2.0, seed=5)
    level = BridgedFirstPassage(lambda x: ((x - center) ** 2).sum(-1) - r**2, 2.0, seed=5)
    grad = BridgedFirstPassage(
        lambda x: ((x - center) ** 2).sum(-1) - r**2, 2.0, seed=5, grad=lambda x: 2 * (x - center)
    )
    x = torch.stack([torch.linspace(-1, 2, 7, dtype=F64), torch.zeros(7, dtype=F64)], 1)
    for obs in (ball, level, grad):
        obs.start(x, 0.0, 0.1)
    d_ball = ball.distance(x)
    # x^2 - r^2 over its gradient norm 2|x|: equal to the distance to first order at the sphere
    near = d_ball.abs() < 0.05
    assert torch.allclose(level.distance(x), grad.distance(x))
    assert torch.all(torch.sign(level.distance(x)) == torch.sign(d_ball))
    assert torch.allclose(level.distance(x)[near], d_ball[near], atol=1e-2)


def test_bridged_observer_in_two_dimensions_is_unbiased_for_free_diffusion():
    """2-D Brownian motion to a half-plane given as a level function of both coordinates."""
    n, dt, s2 = 10_000, 0.05, 2.0
    normal = torch.tensor([0.6, 0.8], dtype=F64)
    obs = BridgedFirstPassage(lambda x: 1.0 - x @ normal, s2, seed=7)
    sde = SDE(lambda t, x: torch.zeros_like(x), math.sqrt(s2))
    simulate(
        EulerMaruyama(sde),
        torch.zeros(n, 2, dtype=F64),
        dt,
        round(2.0 / dt),
        seed=4,
        observers=[obs],
    )
    exact = exact_cdf(2.0, 1.0, 1e-12, math.sqrt(s2))
    got = float(torch.isfinite(obs.times).double().mean())
    assert abs(got - exact) < 4 * math.sqrt(exact * (1 - exact) / n)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="noise_variance"):
        BridgedFirstPassage(Interval(0, 1), 0.0)
    with pytest.raises(TypeError, match="level function"):
        BridgedFirstPassage("ball", 1.0)
    with pytest.raises(TypeError, match="no level function"):
        BridgedFirstPassage(Box([0.0], [1.0]), 1.0)
