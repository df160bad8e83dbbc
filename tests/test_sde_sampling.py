"""Statistical tests of the Langevin schemes against exact references.

- BAOAB samples the Boltzmann density of the double well accurately even at a large step;
- brute-force mean first-passage times and transition-count rates agree with the exact 1-D
  quadrature of the MFPT (a reference independent of any simulation).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from effdyn.operators import Grid, boltzmann_density, mfpt_1d
from effdyn.sde import (
    BAOAB,
    OBABO,
    FirstPassage,
    Histogram,
    Interval,
    LeimkuhlerMatthews,
    OverdampedLangevin,
    TransitionCounter,
    simulate,
)
from effdyn.systems import DoubleWell

F64 = torch.float64
DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
BETA = 2.0  # sigma = 1 in dX = -V' dt + sigma dW


def _equilibrium_histogram(scheme, dt: float, device: str, seed: int = 1):
    V = DoubleWell()
    integ = scheme(V, beta=BETA, gamma=1.0)
    gen = torch.Generator().manual_seed(0)
    x0 = torch.where(torch.rand(2000, 1, generator=gen) < 0.5, -1.0, 1.0).to(F64).to(device)
    burn = simulate(integ, x0, dt, int(20 / dt), seed=seed)
    hist = Histogram(-2.5, 2.5, 50)
    run = simulate(integ, burn.x, dt, int(300 / dt), p0=burn.p, seed=seed + 1, observers=[hist])
    return hist, run


def _boltzmann_on_bins() -> np.ndarray:
    fine = boltzmann_density(DoubleWell(), Grid.box([(-2.5, 2.5)], 5000), BETA)
    return fine.reshape(50, 100).mean(axis=1)


@pytest.mark.parametrize("device", DEVICES)
def test_baoab_samples_the_boltzmann_density(device):
    hist, _ = _equilibrium_histogram(BAOAB, 0.2, device)
    tv = 0.5 * np.abs(hist.density() - _boltzmann_on_bins()).sum() * 0.1
    assert tv < 0.01, tv
    assert hist.n_outside < 1e-4 * hist.counts.sum()


def test_baoab_is_more_accurate_than_obabo_in_configurations():
    """BAOAB's configurational bias is far smaller than OBABO's at the same large step."""
    ref = _boltzmann_on_bins()
    x = np.linspace(-2.45, 2.45, 50)
    second = float((x**2 * ref).sum() * 0.1)
    errs = {}
    for scheme in (BAOAB, OBABO):
        hist, _ = _equilibrium_histogram(scheme, 0.3, "cpu", seed=5)
        errs[scheme.__name__] = abs(float((x**2 * hist.density()).sum() * 0.1) - second)
    assert errs["BAOAB"] < 0.005 < errs["OBABO"], errs


@pytest.mark.parametrize("device", DEVICES)
def test_brute_force_mfpt_matches_quadrature(device):
    """MFPT(-1 -> +1) of the double well at sigma = 1: about 10.26 by quadrature."""
    V = DoubleWell()
    exact = mfpt_1d(V, BETA, -1.0, 1.0)
    x0 = torch.full((1500, 1), -1.0, dtype=F64, device=device)
    fp = FirstPassage(Interval(1.0, 9.0), stop=True)
    simulate(OverdampedLangevin(V, beta=BETA), x0, 2e-3, 100_000, seed=3, observers=[fp])
    est = fp.mfpt(confidence=0.999)
    assert fp.fraction_hit == 1.0
    assert est.contains(exact), (est, exact)
    assert abs(est.value / exact - 1) < 0.1


def test_transition_counts_give_the_mfpt():
    """time_in(A) / N(A -> B) between the cores x <= -1 and x >= 1 estimates MFPT(-1 -> 1)."""
    V = DoubleWell()
    exact = mfpt_1d(V, BETA, -1.0, 1.0)
    x0 = torch.where(torch.arange(1024) % 2 == 0, -1.0, 1.0).to(F64)[:, None]
    tc = TransitionCounter([Interval(-9, -1), Interval(1, 9)], every=2)
    simulate(OverdampedLangevin(V, beta=BETA), x0, 2e-3, 25_000, seed=7, observers=[tc])
    rates = tc.rates(confidence=0.999)
    assert tc.counts[0, 1] > 1000 and tc.counts[1, 0] > 1000
    for i, j in ((0, 1), (1, 0)):
        assert rates.mfpt_low[i, j] < exact < rates.mfpt_high[i, j], (rates.mfpt, exact)
        assert abs(rates.mfpt[i, j] / exact - 1) < 0.1


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dt", [0.5, 1.5])
def test_leimkuhler_matthews_has_the_exact_ou_variance_at_large_steps(device, dt):
    """OU force -k x with mobility D at beta: Var = 1/(beta k) for LM at any stable step,
    1/(beta k (1 - k D dt/2)) for Euler-Maruyama (here 4/3 and 4 times too large)."""
    k, D, beta, B = 1.0, 1.0, 2.0, 40_000
    x0 = torch.zeros(B, 1, dtype=F64, device=device)
    exact = 1 / (beta * k)
    var = {}
    for scheme in (LeimkuhlerMatthews, OverdampedLangevin):
        integ = scheme(lambda x: -k * x, beta=beta, diffusion=D)
        var[scheme.__name__] = float(simulate(integ, x0, dt, 60, seed=2).x.var())
    tol = 4 * exact * (2 / B) ** 0.5
    assert abs(var["LeimkuhlerMatthews"] - exact) < tol, var
    em = exact / (1 - k * D * dt / 2)
    assert abs(var["OverdampedLangevin"] - em) < 4 * em * (2 / B) ** 0.5, var


def test_leimkuhler_matthews_brute_force_mfpt_matches_quadrature():
    """The dynamics stays consistent: double-well MFPT (-1 -> +1) near 10.26."""
    V = DoubleWell()
    exact = mfpt_1d(V, BETA, -1.0, 1.0)
    x0 = torch.full((1500, 1), -1.0, dtype=F64)
    fp = FirstPassage(Interval(1.0, 9.0), stop=True)
    simulate(LeimkuhlerMatthews(V, beta=BETA), x0, 2e-3, 100_000, seed=3, observers=[fp])
    est = fp.mfpt(confidence=0.999)
    assert fp.fraction_hit == 1.0
    assert est.contains(exact), (est, exact)
