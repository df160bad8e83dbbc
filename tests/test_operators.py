"""Tests of the grid references: SqRA generator, eigenpairs, committors, MFPTs, quadrature.

The reference values quoted in the paper notes are recomputed here, not pasted: the double well
(x^2 - 1)^2 with sigma = 1 (beta = 2) has lambda_1 = 0.2273 and MFPT(-1 -> +1) = 10.26, and the
Metzner-Schütte-Vanden-Eijnden triple well at beta = 1.67 has lambda_1 = 0.0814 and
lambda_2 = 0.755 (eigenvalues of -L for dX = -grad V dt + sqrt(2/beta) dW).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import integrate

from effdyn.operators import Grid, SqRA, boltzmann_density, committor_1d, mfpt_1d
from effdyn.sde import Ball, Interval
from effdyn.systems import AsymmetricDoubleWell, DoubleWell, OrnsteinUhlenbeck, TripleWell


def test_grid_geometry():
    g = Grid.box([(0.0, 1.0), (-1.0, 1.0)], [4, 8])
    assert g.shape == (4, 8) and g.size == 32 and g.dim == 2
    np.testing.assert_allclose(g.h, [0.25, 0.25])
    np.testing.assert_allclose(g.axes[0], [0.125, 0.375, 0.625, 0.875])
    pts = g.points()
    assert pts.shape == (32, 2) and tuple(pts[1]) == (0.125, -0.625)  # C order
    assert g.cell_volume == pytest.approx(0.0625)
    assert g.mask(Ball([0.125, -0.875], 0.01)).sum() == 1
    np.testing.assert_allclose(g.interpolate(pts[:, 0] + 2 * pts[:, 1], [[0.5, 0.0]]), [0.5])
    with pytest.raises(ValueError, match="low < high"):
        Grid.box([(1.0, 0.0)], 10)
    with pytest.raises(ValueError, match="at least 2 cells"):
        Grid.box([(0.0, 1.0)], 1)
    with pytest.raises(ValueError, match="mask has 3 entries"):
        g.mask(np.ones(3, dtype=bool))


def test_sqra_is_a_reversible_rate_matrix():
    V = TripleWell()
    s = SqRA(V, Grid.box(V.domain, [30, 40]), beta=1.67)
    Q = s.Q.toarray()
    np.testing.assert_allclose(Q.sum(axis=1), 0.0, atol=1e-9)
    assert (Q - np.diag(np.diag(Q)) >= 0).all()
    flux = s.pi[:, None] * Q
    np.testing.assert_allclose(flux, flux.T, atol=1e-14)  # detailed balance
    np.testing.assert_allclose(s.pi @ Q, 0.0, atol=1e-12)
    assert s.density.sum() * s.grid.cell_volume == pytest.approx(1.0)
    np.testing.assert_allclose(s.density, boltzmann_density(V, s.grid, 1.67), rtol=1e-12)


def test_ou_eigenvalues_match_the_exact_spectrum():
    """1-D and anisotropic 2-D OU: lambda = sum n_i k_i, with O(h^2) convergence."""
    ou = OrnsteinUhlenbeck(1.5)
    errors = []
    for n in (200, 400):
        grid = Grid.box([(-8 / 1.5**0.5, 8 / 1.5**0.5)], n)
        lam, phi = SqRA(ou, grid, beta=1.0).eigs(5)
        errors.append(np.abs(lam - ou.eigenvalues(5)).max())
        # phi_1 is proportional to x, normalised in L^2(pi)
        x = grid.points()[:, 0]
        assert abs(np.corrcoef(phi[:, 1], x)[0, 1]) > 0.9999
    assert errors[1] < 2e-3 and 3.0 < errors[0] / errors[1] < 5.0  # second order
    ou2 = OrnsteinUhlenbeck([1.0, 2.5])
    grid = Grid.box([(-7, 7), (-7 / 2.5**0.5, 7 / 2.5**0.5)], [140, 140])
    lam, _ = SqRA(ou2, grid, beta=2.0).eigs(6)
    np.testing.assert_allclose(lam, ou2.eigenvalues(6), rtol=3e-3, atol=1e-9)  # h = 0.1


def test_double_well_reference_values():
    """Double well at sigma = 1: lambda_1 ~ 0.2273, lambda_2 ~ 4.08, MFPT(-1 -> 1) ~ 10.26."""
    V = DoubleWell()
    grid = Grid.box([(-2.5, 2.5)], 1600)
    s = SqRA(V, grid, beta=2.0)
    lam, phi = s.eigs(3)
    assert lam[0] == pytest.approx(0.0, abs=1e-9)
    assert lam[1] == pytest.approx(0.2273, abs=5e-5)
    assert lam[2] == pytest.approx(4.078, abs=1e-3)
    np.testing.assert_allclose(phi[:, 0], 1.0, rtol=1e-6)
    exact = mfpt_1d(V, 2.0, -1.0, 1.0)
    assert exact == pytest.approx(10.26, abs=5e-3)
    tau = s.mfpt(Interval(1.0, 9.0))
    assert float(grid.interpolate(tau, [[-1.0]])[0]) == pytest.approx(exact, rel=2e-3)
    # the symmetric well: the same time back, and 2/MFPT ~ lambda_1 (Kramers regime, roughly)
    assert mfpt_1d(V, 2.0, 1.0, -1.0) == pytest.approx(exact, rel=1e-10)


def test_triple_well_reference_values():
    """MSV triple well at beta = 1.67: lambda_1 ~ 0.0814, lambda_2 ~ 0.755, lambda_3 ~ 3.92."""
    V = TripleWell()
    lam, phi = SqRA(V, Grid.box(V.domain, 200), beta=1.67).eigs(4)
    np.testing.assert_allclose(lam[1:], [0.0814, 0.7547, 3.919], rtol=2e-3)
    lam_sparse, _ = SqRA(V, Grid.box(V.domain, 40), beta=1.67).eigs(4, method="sparse")
    lam_dense, _ = SqRA(V, Grid.box(V.domain, 40), beta=1.67).eigs(4, method="dense")
    np.testing.assert_allclose(lam_sparse, lam_dense, rtol=1e-8, atol=1e-10)


def test_committor_of_the_symmetric_triple_well():
    V = TripleWell()
    grid = Grid.box(V.domain, [81, 81])
    s = SqRA(V, grid, beta=1.67)
    A, B = Ball([-1.048, -0.042], 0.2), Ball([1.048, -0.042], 0.2)
    q = grid.reshape(s.committor(A, B))
    np.testing.assert_allclose(q + q[::-1, :], 1.0, atol=1e-8)  # x -> -x symmetry
    assert q.min() == 0.0 and q.max() == 1.0
    with pytest.raises(ValueError, match="overlap"):
        s.committor(A, A)
    with pytest.raises(ValueError, match="contains no grid cell"):
        s.committor(A, Ball([10.0, 10.0], 0.1))


def test_committor_1d_matches_the_grid_committor():
    V = AsymmetricDoubleWell()
    grid = Grid.box([(-2.5, 2.5)], 2000)
    q_grid = SqRA(V, grid, beta=3.0).committor(Interval(-9, -1.0), Interval(1.0, 9))
    x = np.linspace(-0.9, 0.9, 7)
    exact = committor_1d(V, 3.0, -1.0, 1.0, x)
    np.testing.assert_allclose(grid.interpolate(q_grid, x[:, None]), exact, atol=2e-3)
    assert committor_1d(DoubleWell(), 2.0, -1.0, 1.0, 0.0) == pytest.approx(0.5)


@pytest.mark.parametrize(("a", "b"), [(-1.0, 1.0), (1.0, -1.0), (-1.5, 0.5)])
def test_mfpt_quadrature_against_scipy_quad(a, b):
    V = AsymmetricDoubleWell(tilt=0.3)
    beta = 2.5
    energy = lambda x: float(V.energy(torch.tensor([[x]], dtype=torch.float64)))  # noqa: E731
    if b > a:
        inner = lambda y: integrate.quad(lambda z: np.exp(-beta * energy(z)), -6, y)[0]  # noqa: E731
        lo, hi = a, b
    else:
        inner = lambda y: integrate.quad(lambda z: np.exp(-beta * energy(z)), y, 6)[0]  # noqa: E731
        lo, hi = b, a
    expected = beta * integrate.quad(lambda y: np.exp(beta * energy(y)) * inner(y), lo, hi)[0]
    assert mfpt_1d(V, beta, a, b) == pytest.approx(expected, rel=1e-7)
    # an explicit reflecting boundary: closer boundaries shorten the time
    near = mfpt_1d(V, beta, a, b, boundary=a - 0.3 if b > a else a + 0.3)
    assert near < mfpt_1d(V, beta, a, b)
    assert mfpt_1d(V, beta, a, b, diffusion=2 / beta) == pytest.approx(
        mfpt_1d(V, beta, a, b) / 2, rel=1e-10
    )


def test_sqra_with_diffusion_per_cell():
    """A constant per-cell D equals the scalar D; a varying D keeps pi stationary, reversible."""
    grid = Grid.box(DoubleWell.domain, 300)
    scalar = SqRA(DoubleWell(), grid, beta=2.0, diffusion=0.7)
    per_cell = SqRA(DoubleWell(), grid, beta=2.0, diffusion=np.full(grid.size, 0.7))
    assert abs(scalar.Q - per_cell.Q).max() == 0.0
    x = grid.points()[:, 0]
    varying = SqRA(DoubleWell(), grid, beta=2.0, diffusion=0.5 + 0.4 * np.tanh(x) ** 2)
    flux = varying.Q.multiply(varying.pi[:, None]).toarray()
    np.testing.assert_allclose(flux, flux.T, atol=1e-15)  # detailed balance
    np.testing.assert_allclose(varying.pi @ varying.Q.toarray(), 0.0, atol=1e-13)
    assert varying.eigs(2)[0][1] < scalar.eigs(2)[0][1]  # slower mobility at the barrier
    with pytest.raises(ValueError, match="one value per cell"):
        SqRA(DoubleWell(), grid, beta=2.0, diffusion=np.ones(3))
    with pytest.raises(ValueError, match="finite and positive"):
        SqRA(DoubleWell(), grid, beta=2.0, diffusion=np.zeros(grid.size))
