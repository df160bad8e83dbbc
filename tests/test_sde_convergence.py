"""Strong and weak orders of the integrators, fitted on Brownian paths shared across steps.

Each test integrates a problem with a known solution (or a much finer reference on the same
path) at several step sizes, fits the slope of log-error against log-step and asserts that it
lies in a band around the declared order, as torchsde and diffrax test theirs. The same tests
run on CUDA when it is present.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from effdyn.sde import (
    BAOAB,
    OBABO,
    SDE,
    SRA1,
    BrownianPath,
    EulerMaruyama,
    Heun,
    Milstein,
    OverdampedLangevin,
    integrate,
)
from effdyn.systems import DoubleWell, GeometricBrownianMotion

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
F64 = torch.float64
T = 1.0


def fitted_order(n_steps: list[int], errors: list[float]) -> float:
    h = T / np.asarray(n_steps, dtype=float)
    return float(np.polyfit(np.log(h), np.log(errors), 1)[0])


def additive_sde() -> SDE:
    """A nonlinear drift with additive noise: dX = (X - X^3) dt + 0.5 dW."""
    return SDE(lambda t, x: x - x**3, 0.5, time_homogeneous=True, name="additive")


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize(
    ("scheme", "band"), [(EulerMaruyama, (0.4, 0.7)), (Milstein, (0.85, 1.15))]
)
def test_strong_order_gbm(device, scheme, band):
    gbm = GeometricBrownianMotion(mu=1.0, sigma=0.5)
    B = 1000
    x0 = torch.ones(B, 1, dtype=F64, device=device)
    path = BrownianPath((B, 1), 0.0, T, seed=1, n_base=8, device=device)
    exact = gbm.exact(x0, T, path.values(8)[-1])
    ns = [2**k for k in range(3, 10)]
    errs = [
        (integrate(scheme(gbm.sde()), x0, n_steps=n, brownian=path) - exact).abs().mean().item()
        for n in ns
    ]
    order = fitted_order(ns, errs)
    assert band[0] <= order <= band[1], (scheme.strong_order, order, errs)
    assert band[0] <= scheme(gbm.sde()).strong_order <= band[1]


@pytest.fixture(scope="module", params=DEVICES)
def additive_reference(request):
    """A shared path with Levy areas and the SRA1 solution on its 2**11-step grid."""
    device = request.param
    B = 500
    x0 = torch.full((B, 1), 0.3, dtype=F64, device=device)
    path = BrownianPath((B, 1), 0.0, T, seed=2, levy_area=True, n_base=4, device=device)
    return x0, path, integrate(SRA1(additive_sde()), x0, n_steps=2**11, brownian=path)


@pytest.mark.parametrize(
    ("scheme", "band"),
    [(EulerMaruyama, (0.85, 1.2)), (Heun, (0.85, 1.2)), (SRA1, (1.35, 1.8))],
)
def test_strong_order_additive(additive_reference, scheme, band):
    x0, path, reference = additive_reference
    sde = additive_sde()
    ns = [2**k for k in range(2, 7)]
    errs = [
        (integrate(scheme(sde), x0, n_steps=n, brownian=path) - reference).abs().mean().item()
        for n in ns
    ]
    order = fitted_order(ns, errs)
    assert band[0] <= order <= band[1], (order, errs)
    assert band[0] <= scheme(sde).strong_order <= band[1]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("scheme", [BAOAB, OBABO, OverdampedLangevin])
def test_strong_order_langevin(device, scheme):
    """Langevin schemes have additive noise: strong order 1 on a shared path."""
    V = DoubleWell()
    B = 500
    kwargs = {"gamma": 1.0, "mass": 1.0} if scheme is not OverdampedLangevin else {}
    integ = scheme(V, beta=2.0, **kwargs)
    x0 = torch.full((B, 1), 0.3, dtype=F64, device=device)
    p0 = torch.full_like(x0, 0.5) if scheme is not OverdampedLangevin else None
    path = BrownianPath((B, 1), 0.0, T, seed=3, n_base=4, device=device)
    reference = integrate(integ, x0, n_steps=2**12, brownian=path, p0=p0)
    ns = [2**k for k in range(3, 8)]
    errs = [
        (integrate(integ, x0, n_steps=n, brownian=path, p0=p0) - reference).abs().mean().item()
        for n in ns
    ]
    order = fitted_order(ns, errs)
    assert 0.85 <= order <= 1.2, (order, errs)
    assert integ.strong_order == 1.0


@pytest.mark.parametrize("device", DEVICES)
def test_weak_order_euler_maruyama_gbm(device):
    """E[X_T] of GBM; the exact solution on the same path removes most Monte Carlo noise."""
    gbm = GeometricBrownianMotion(mu=1.0, sigma=0.5)
    B = 20000
    x0 = torch.ones(B, 1, dtype=F64, device=device)
    path = BrownianPath((B, 1), 0.0, T, seed=4, n_base=8, device=device)
    exact = gbm.exact(x0, T, path.values(8)[-1])
    ns = [2**k for k in range(3, 7)]
    sde = gbm.sde()
    errs = [
        abs((integrate(EulerMaruyama(sde), x0, n_steps=n, brownian=path) - exact).mean().item())
        for n in ns
    ]
    order = fitted_order(ns, errs)
    assert 0.85 <= order <= 1.15, (order, errs)
    assert EulerMaruyama(sde).weak_order == 1.0


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize(
    ("scheme", "band"), [(EulerMaruyama, (0.8, 1.3)), (Heun, (1.7, 2.3)), (SRA1, (1.6, 2.3))]
)
def test_weak_order_ou_second_moment(device, scheme, band):
    """E[X_T^2] of an OU process; the same scheme on an 8x finer grid of the same path is the
    reference (its weak error is small), which keeps the Monte Carlo noise small."""
    sde = SDE(lambda t, x: -x, 1.0, time_homogeneous=True, name="OU")
    B = 20000
    x0 = torch.ones(B, 1, dtype=F64, device=device)
    path = BrownianPath((B, 1), 0.0, T, seed=5, levy_area=True, n_base=2, device=device)
    fine = integrate(scheme(sde), x0, n_steps=2**7, brownian=path) ** 2
    ns = [2**k for k in range(1, 5)]
    errs = [
        abs((integrate(scheme(sde), x0, n_steps=n, brownian=path) ** 2 - fine).mean().item())
        for n in ns
    ]
    order = fitted_order(ns, errs)
    assert band[0] <= order <= band[1], (order, errs)
    assert band[0] <= scheme(sde).weak_order <= band[1]


def test_strong_order_time_dependent_additive_noise(additive_reference):
    """sigma(t) = 0.5 (1 + t): SRA1 keeps order 1.5 and Heun order 1."""
    x0, path, _ = additive_reference
    sde = SDE(
        lambda t, x: x - x**3,
        lambda t, x: (0.5 * (1 + t)) * torch.ones_like(x),
        additive=True,
        name="time-dependent additive",
    )
    reference = integrate(SRA1(sde), x0, n_steps=2**11, brownian=path)
    ns = [2**k for k in range(2, 7)]
    for scheme, band in ((Heun, (0.85, 1.2)), (SRA1, (1.35, 1.85))):
        errs = [
            (integrate(scheme(sde), x0, n_steps=n, brownian=path) - reference).abs().mean().item()
            for n in ns
        ]
        assert band[0] <= fitted_order(ns, errs) <= band[1], (scheme.__name__, errs)
