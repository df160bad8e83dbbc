"""Effective dynamics where the answer is exact (issue 47).

For a separable potential ``V(x, y) = V1(x) + V2(y)`` and the CV ``xi = x`` the Legoll-Lelievre
effective dynamics *is* the 1D overdamped dynamics in ``V1``, so its MFPT must equal the 1D
quadrature :func:`effdyn.operators.mfpt_1d`. A CV that depends on ``y`` too is no longer exact,
and the full system's MFPT into the same level set (SqRA) measures its error.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from effdyn.effective import ConditionalCoefficients, EffectiveSDE1D, level_set_model
from effdyn.operators import Grid, SqRA, mfpt_1d
from effdyn.sde import OverdampedLangevin, simulate
from effdyn.systems import DoubleWell

BETA = 2.0


class Separable:
    """``V = (x^2 - 1)^2 + y^2`` on ``[-2, 2] x [-2.5, 2.5]``."""

    dim = 2
    domain = ((-2.0, 2.0), (-2.5, 2.5))

    def energy(self, x: torch.Tensor) -> torch.Tensor:
        return (x[..., 0] ** 2 - 1.0) ** 2 + x[..., 1] ** 2

    def force(self, x: torch.Tensor) -> torch.Tensor:
        fx = -4.0 * x[..., 0] * (x[..., 0] ** 2 - 1.0)
        return torch.stack([fx, -2.0 * x[..., 1]], dim=-1)


@pytest.fixture(scope="module")
def quadrature():
    grid = Grid.box(Separable.domain, 161)
    sqra = SqRA(Separable(), grid, beta=BETA)
    return grid, sqra, grid.points()


def test_from_density_with_the_exact_law_reproduces_the_1d_mfpt():
    z = np.linspace(-2.0, 2.0, 2001)
    V1 = (z**2 - 1) ** 2
    model = EffectiveSDE1D.from_density(z, np.exp(-BETA * V1), np.full_like(z, 2 / BETA))
    exact = mfpt_1d(DoubleWell(), BETA, -1.0, 1.0)
    assert model.mfpt(-1.0, 1.0) == pytest.approx(exact, rel=2e-3)
    # the drift is the force: b = -V1' (with a = 2 / beta)
    inner = slice(10, -10)
    np.testing.assert_allclose(model.drift_values[inner], (-4 * z * (z**2 - 1))[inner], atol=1e-3)


def test_level_set_model_is_exact_for_the_separable_cv():
    """Tabulated at the grid's columns, the error is the grid's, of second order."""
    exact = mfpt_1d(DoubleWell(), BETA, -1.0, 1.0)
    errors = []
    for n in (81, 161):
        grid = Grid.box(Separable.domain, n)
        sqra = SqRA(Separable(), grid, beta=BETA)
        points = grid.points()
        columns = grid.axes[0]  # each column's weight lands on its own point
        model = level_set_model(points[:, 0], np.ones(len(points)), sqra.pi, BETA, bins=columns)
        np.testing.assert_allclose(model.diffusion_values, 2 / BETA)
        errors.append(abs(model.mfpt(-1.0, 1.0) / exact - 1))
    assert errors[1] < 0.005, errors
    assert 3.0 < errors[0] / errors[1] < 5.0, errors  # second order in the grid spacing


def test_level_set_model_measures_the_error_of_a_tilted_cv(quadrature):
    """xi = x + c y: level sets tilted against the slow direction slow the effective dynamics.

    |grad xi|^2 = 1 + c^2 is constant, but the marginal law of xi is the double well smeared
    by c y: the barrier in xi is lower than the true one, so the effective MFPT is shorter than
    the full system's MFPT into the same level set; with c = 0 both agree (previous test).
    """
    grid, sqra, points = quadrature
    c = 0.5
    xi = points[:, 0] + c * points[:, 1]
    model = level_set_model(xi, np.full(len(points), 1 + c * c), sqra.pi, BETA, bins=161)
    a, b = -1.0, 1.0  # the levels through the minima (-1, 0) and (1, 0)
    effective = model.mfpt(a, b)
    full = float(grid.interpolate(sqra.mfpt(xi >= b), np.array([[-1.0, 0.0]]))[0])
    assert effective < 0.8 * full, (effective, full)


@pytest.mark.parametrize("route", ["equilibrium", "kramers-moyal"])
def test_fitted_effective_dynamics_on_equilibrium_data(route):
    """Trajectories of the separable system from its Boltzmann law, CV xi = x.

    The equilibrium route (kernel density of the CV + Kramers-Moyal diffusion) recovers the
    exact MFPT within 10 %; the Kramers-Moyal drift route is printed beside it.
    """
    torch.manual_seed(0)
    grid = Grid.box(Separable.domain, 81)
    sqra = SqRA(Separable(), grid, beta=BETA)
    gen = torch.Generator().manual_seed(1)
    cells = torch.multinomial(torch.as_tensor(sqra.pi), 2000, replacement=True, generator=gen)
    jitter = (torch.rand(2000, 2, generator=gen, dtype=torch.float64) - 0.5) * torch.as_tensor(
        grid.h
    )
    x0 = torch.as_tensor(grid.points())[cells] + jitter
    traj = simulate(OverdampedLangevin(Separable(), BETA), x0, 1e-3, 2000, seed=2, save_every=5)
    z = traj.traj[..., 0]
    zgrid = np.linspace(-1.6, 1.6, 81)
    est = ConditionalCoefficients(zgrid, 0.05, degree=0).fit(
        z[:-1].reshape(-1), z[1:].reshape(-1), 5e-3
    )
    model = est.fetch_model(drift=route)
    got, exact = model.mfpt(-1.0, 1.0), mfpt_1d(DoubleWell(), BETA, -1.0, 1.0)
    print(f"{route}: MFPT {got:.3f}, exact {exact:.3f}")
    if route == "equilibrium":
        assert got == pytest.approx(exact, rel=0.10)
    assert math.isfinite(got)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="one value per point"):
        level_set_model(np.zeros(3), np.zeros(2), np.ones(3), 1.0)
    with pytest.raises(ValueError, match="non-negative"):
        level_set_model(np.arange(5.0), np.ones(5), -np.ones(5), 1.0)
    with pytest.raises(ValueError, match="density must be positive"):
        EffectiveSDE1D.from_density(np.arange(3.0), np.array([1.0, 0.0, 1.0]), np.ones(3))
    est = ConditionalCoefficients(np.linspace(0, 1, 5), 0.1).fit_values(
        np.linspace(0, 1, 20), np.zeros(20), 1.0
    )
    with pytest.raises(RuntimeError, match="needs fit"):
        est.fetch_model(drift="equilibrium")
    with pytest.raises(ValueError, match="drift must be"):
        est.fetch_model(drift="bogus")
