"""Tests of the 2-D finite-element generator with a full diffusion tensor.

Its reactive frequency must agree with the SqRA grid generator when the tensor is diagonal,
reduce exactly to a 1-D problem when the free energy depends on one coordinate, and be
invariant under a linear change of coordinates (which turns an isotropic problem into one
with a full, constant tensor ``A A^T``).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from effdyn.operators import Grid, SqRA, TensorDiffusion2D

BETA = 3.0


def double_well(x1, x2):
    return (x1**2 - 1) ** 2 + x2**2


def sqra_rate(op: SqRA, a, b) -> float:
    """TPT reactive frequency of a SqRA rate matrix: sum over edges of pi_i Q_ij (dq)^2."""
    q = op.committor(a, b)
    coo = sp.triu(op.Q, k=1).tocoo()
    return float(np.sum(op.pi[coo.row] * coo.data * (q[coo.col] - q[coo.row]) ** 2))


def test_diagonal_tensor_agrees_with_sqra_at_second_order():
    errs = []
    for n in (40, 80):
        grid = Grid.box([(-2, 2), (-1.5, 1.5)], n)
        x, y = grid.mesh()
        V = (double_well(x, y) + 0.3 * x * y).ravel()
        a, b = x.ravel() < -0.9, x.ravel() > 0.9
        fem = TensorDiffusion2D(V, grid, BETA, 0.7).reactive_frequency(a, b)
        errs.append(abs(fem / sqra_rate(SqRA(V, grid, beta=BETA, diffusion=0.7), a, b) - 1))
    assert errs[1] < 4e-3
    assert errs[0] / errs[1] > 3.0  # second order: the gap shrinks about 4x per halving of h


def test_free_energy_of_one_coordinate_reduces_to_1d_exactly():
    """F = F(x) on a box periodic in y: q = q(x), and the rate uses D_xx only."""
    grid = Grid.box([(-2, 2), (0, 1)], (200, 8), periodic=(False, True))
    x, _ = grid.mesh()
    V = ((x**2 - 1) ** 2).ravel()
    a, b = x.ravel() < -0.9, x.ravel() > 0.9
    rates = [
        TensorDiffusion2D(V, grid, BETA, D).reactive_frequency(a, b)
        for D in ([[1, 0], [0, 1]], [[1, 0.5], [0.5, 2]], [[1, -0.9], [-0.9, 1]])
    ]
    np.testing.assert_allclose(rates, rates[0], rtol=1e-9)
    q = TensorDiffusion2D(V, grid, BETA, [[1, 0.5], [0.5, 2]]).committor(a, b)
    q = grid.reshape(q)
    np.testing.assert_allclose(q, q[:, :1].repeat(8, axis=1), atol=1e-10)
    # the 1-D TPT rate 1 / (Z int_gap e^{beta V} / D dx) by quadrature on a fine grid
    xs = np.linspace(-2, 2, 200_001)
    Vx = (xs**2 - 1) ** 2
    Z = np.trapezoid(np.exp(-BETA * Vx), xs)
    gap = (xs > -0.91) & (xs < 0.91)  # the cell centres nearest the cores are at +-0.91
    exact = 1.0 / (Z * np.trapezoid(np.exp(BETA * Vx[gap]), xs[gap]))
    assert rates[0] == pytest.approx(exact, rel=2e-3)


def test_linear_change_of_coordinates_leaves_the_rate_unchanged():
    """z = A x maps D = I to D = A A^T; the rate converges to the isotropic one."""
    A = np.array([[1.0, 0.6], [0.0, 0.8]])
    errs = []
    for n in (60, 120):
        grid = Grid.box([(-2, 2), (-1.6, 1.6)], n)
        x1, x2 = grid.mesh()
        iso = TensorDiffusion2D(double_well(x1, x2).ravel(), grid, BETA, 1.0)
        r_iso = iso.reactive_frequency(x1.ravel() < -0.9, x1.ravel() > 0.9)
        zgrid = Grid.box([(-3, 3), (-1.3, 1.3)], n)
        X = np.einsum("ab,bij->aij", np.linalg.inv(A), np.stack(zgrid.mesh()))
        aniso = TensorDiffusion2D(double_well(*X).ravel(), zgrid, BETA, A @ A.T)
        r_aniso = aniso.reactive_frequency(X[0].ravel() < -0.9, X[0].ravel() > 0.9)
        errs.append(abs(r_aniso / r_iso - 1))
    assert errs[1] < 0.01 and errs[1] < errs[0] / 3


def test_committor_is_harmonic_and_the_form_is_symmetric():
    grid = Grid.box([(-2, 2), (-1.5, 1.5)], 50)
    x, y = grid.mesh()
    D = np.stack([np.eye(2) * (1 + 0.5 * xi**2) for xi in x.ravel()])
    D[:, 0, 1] = D[:, 1, 0] = 0.3
    model = TensorDiffusion2D(double_well(x, y).ravel(), grid, BETA, D)
    assert abs(model.K - model.K.T).max() < 1e-14
    np.testing.assert_allclose(model.K @ np.ones(grid.size), 0.0, atol=1e-12)  # constants
    a, b = x.ravel() < -0.9, x.ravel() > 0.9
    q = model.committor(a, b)
    inner = ~(a | b)
    np.testing.assert_allclose((model.K @ q)[inner], 0.0, atol=1e-12)


def test_bad_input_is_refused():
    grid = Grid.box([(-1, 1), (-1, 1)], 10)
    V = np.zeros(grid.size)
    with pytest.raises(ValueError, match="2-D grid"):
        TensorDiffusion2D(np.zeros(10), Grid.box([(-1, 1)], 10), BETA, 1.0)
    with pytest.raises(ValueError, match="symmetric"):
        TensorDiffusion2D(V, grid, BETA, [[1.0, 0.5], [0.0, 1.0]])
    with pytest.raises(ValueError, match="semi-definite"):
        TensorDiffusion2D(V, grid, BETA, [[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(ValueError, match="finite"):
        TensorDiffusion2D(np.full(grid.size, np.nan), grid, BETA, 1.0)
    model = TensorDiffusion2D(V, grid, BETA, 1.0)
    a = grid.points()[:, 0] < 0
    with pytest.raises(ValueError, match="overlap"):
        model.committor(a, a)
    with pytest.raises(ValueError, match="set B contains no grid cell"):
        model.committor(a, np.zeros(grid.size, bool))


def test_a_cut_off_region_is_refused():
    """Zero diffusion leaves the inner cells unconnected: a clear error, not NaN."""
    grid = Grid.box([(-1, 1), (-1, 1)], 12)
    x, _ = grid.mesh()
    model = TensorDiffusion2D(np.zeros(grid.size), grid, BETA, 0.0)
    with pytest.raises(ValueError, match="singular"):
        model.committor(x.ravel() < -0.8, x.ravel() > 0.8)
