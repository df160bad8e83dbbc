"""Linear finite elements for a 2-D reversible diffusion with a full diffusion tensor.

The reduced model of a two-dimensional collective variable (Legoll and Lelievre 2010) has the
generator ``L f = e^{beta F} div(e^{-beta F} D grad f)`` with a position-dependent, symmetric,
in general non-diagonal tensor ``D(z)``. The square-root approximation
(:class:`effdyn.operators.SqRA`) couples grid neighbours along the axes only and so cannot
represent the off-diagonal part. Here the weak form is discretised instead: the cell centres
of a :class:`effdyn.operators.grid.Grid` are the nodes of a triangulation, ``f`` is piecewise
linear, and the Dirichlet form

``E(f) = int grad f^T D grad f e^{-beta F} dz``

becomes ``f^T K f`` with the stiffness matrix ``K`` (per triangle: the mean of ``e^{-beta F}``
and of ``D`` over its three nodes). Each grid square is split along both diagonals and the two
triangulations are averaged, which keeps the scheme symmetric under reflections of the axes.

The committor minimises ``E`` with ``q = 0`` on ``A`` and ``q = 1`` on ``B``, and the
transition-path-theory reactive frequency is the minimum, ``nu_AB = E(q) / Z`` (Z the
integral of ``e^{-beta F}``, summed over whole cells; the form covers the hull of the cell
centres, an O(h) mismatch only where the density reaches a reflecting wall): the capacity of
the pair ``A, B``. A strongly anisotropic ``D``
can make some off-diagonal entries of ``K`` positive, so the discrete committor may leave
``[0, 1]`` slightly; the rate stays a consistent approximation.

References: Legoll and Lelievre (2010); E and Vanden-Eijnden (2010) for the rate as the
Dirichlet form of the committor.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from effdyn.operators.grid import Grid
from effdyn.operators.sqra import dirichlet_committor

__all__ = ["TensorDiffusion2D"]

bibtex = r"""@article{e2010transition,
  author  = {E, Weinan and Vanden-Eijnden, Eric},
  title   = {Transition-path theory and path-finding algorithms for the study of rare events},
  journal = {Annual Review of Physical Chemistry},
  volume  = {61},
  pages   = {391--420},
  year    = {2010},
  doi     = {10.1146/annurev.physchem.040808.093412}
}"""


def _tensor_values(diffusion: Any, size: int) -> np.ndarray:
    """``D`` as ``(size, 2, 2)`` from a scalar, a ``(2, 2)`` tensor or per-cell tensors."""
    D = np.asarray(diffusion, dtype=np.float64)
    if D.ndim == 0:
        D = D * np.eye(2)
    if D.shape == (2, 2):
        D = np.broadcast_to(D, (size, 2, 2))
    if D.shape != (size, 2, 2):
        raise ValueError(f"diffusion must be a scalar, (2, 2) or ({size}, 2, 2); got {D.shape}")
    if not np.all(np.isfinite(D)):
        raise ValueError("the diffusion tensors must be finite")
    if not np.allclose(D, np.swapaxes(D, 1, 2), rtol=1e-10, atol=1e-14):
        raise ValueError("the diffusion tensors must be symmetric")
    trace, det = D[:, 0, 0] + D[:, 1, 1], np.linalg.det(D)
    if np.any(trace < 0) or np.any(det < -1e-12 * trace**2):
        raise ValueError("the diffusion tensors must be positive semi-definite")
    return np.ascontiguousarray(D)


def _triangles(grid: Grid) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Node indices ``(n0, n1, n2)`` and the ``(2, 3)`` nodal-values-to-gradient matrix of each
    of the four triangle shapes (two per diagonal) of the grid's squares."""
    nx, ny = grid.n
    hx, hy = grid.h
    index = np.arange(grid.size).reshape(nx, ny)
    i = np.arange(nx if grid.periodic[0] else nx - 1)
    j = np.arange(ny if grid.periodic[1] else ny - 1)
    ii, jj = np.meshgrid(i, j, indexing="ij")
    ii, jj = ii.ravel(), jj.ravel()
    corner = {(a, b): index[(ii + a) % nx, (jj + b) % ny] for a in (0, 1) for b in (0, 1)}
    shapes = [  # three corners of a square, as (dx, dy) offsets in cells
        ((0, 0), (1, 0), (0, 1)),
        ((1, 1), (0, 1), (1, 0)),
        ((0, 0), (1, 0), (1, 1)),
        ((0, 0), (1, 1), (0, 1)),
    ]
    out = []
    for shape in shapes:
        p = np.array(shape, dtype=np.float64) * np.array([hx, hy])
        edges = np.stack([p[1] - p[0], p[2] - p[0]])  # rows: edge vectors
        G = np.linalg.solve(edges, np.array([[-1.0, 1.0, 0.0], [-1.0, 0.0, 1.0]]))
        out.append((corner[shape[0]], corner[shape[1]], corner[shape[2]], G))
    return out


class TensorDiffusion2D:
    """The reversible diffusion ``L f = e^{beta F} div(e^{-beta F} D grad f)`` on a 2-D grid,
    discretised with linear finite elements (see the module docstring).

    Parameters
    ----------
    free_energy : array ``(size,)``
        ``F`` at the cell centres.
    grid : Grid
        A two-dimensional grid; periodic axes are joined, other boundaries are reflecting.
    beta : float
        ``1 / kT``.
    diffusion : float, array ``(2, 2)`` or ``(size, 2, 2)``
        The symmetric positive semi-definite tensor ``D`` (constant or per cell).

    Attributes
    ----------
    K : scipy.sparse.csr_matrix
        The stiffness matrix of the Dirichlet form with weights ``e^{-beta (F - min F)}``.
    pi : numpy.ndarray
        Stationary probabilities of the cells (sum to one).

    Examples
    --------
    >>> grid = Grid.box([(-2, 2), (-1, 1)], (80, 40))
    >>> x, y = grid.mesh()
    >>> model = TensorDiffusion2D(((x**2 - 1) ** 2 + y**2).ravel(), grid, beta=3.0,
    ...                           diffusion=[[1.0, 0.3], [0.3, 0.5]])
    >>> rate = model.reactive_frequency(x.ravel() < -0.9, x.ravel() > 0.9)
    """

    bibtex = bibtex

    def __init__(self, free_energy: Any, grid: Grid, beta: float, diffusion: Any) -> None:
        if grid.dim != 2:
            raise ValueError(f"TensorDiffusion2D needs a 2-D grid, got dimension {grid.dim}")
        if not beta > 0:
            raise ValueError(f"beta must be positive, got {beta!r}")
        F = np.asarray(free_energy, dtype=np.float64).ravel()
        if F.shape != (grid.size,) or not np.all(np.isfinite(F)):
            raise ValueError(f"free_energy needs {grid.size} finite values, got shape {F.shape}")
        self.grid, self.beta = grid, float(beta)
        self.D = _tensor_values(diffusion, grid.size)
        w = np.exp(-self.beta * (F - F.min()))
        self.Z = float(w.sum() * grid.cell_volume)
        self.pi = w / w.sum()
        area = 0.5 * grid.cell_volume
        rows, cols, vals = [], [], []
        for n0, n1, n2, G in _triangles(grid):
            nodes = np.stack([n0, n1, n2], axis=1)
            weight = w[nodes].mean(axis=1)
            D_e = self.D[nodes].mean(axis=1)
            # 0.5: each of the two triangulations carries half of the form
            Ke = 0.5 * area * weight[:, None, None] * np.einsum("ai,nab,bj->nij", G, D_e, G)
            rows.append(np.repeat(nodes, 3, axis=1).ravel())
            cols.append(np.tile(nodes, (1, 3)).ravel())
            vals.append(Ke.ravel())
        n = grid.size
        self.K = sp.csr_matrix(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n)
        )

    def _masks(self, A: Any, B: Any) -> tuple[np.ndarray, np.ndarray]:
        a, b = self.grid.mask(A), self.grid.mask(B)
        for name, m in (("A", a), ("B", b)):
            if not m.any():
                raise ValueError(f"the set {name} contains no grid cell")
        if np.any(a & b):
            raise ValueError("the sets A and B overlap")
        return a, b

    def committor(self, A: Any, B: Any) -> np.ndarray:
        """The discrete committor: minimiser of the Dirichlet form with ``q = 0`` on ``A`` and
        ``q = 1`` on ``B`` (regions or boolean masks, see :meth:`Grid.mask`)."""
        return dirichlet_committor(self.K, *self._masks(A, B))

    def reactive_frequency(self, A: Any, B: Any) -> float:
        """The TPT rate ``nu_AB = (1/Z) int grad q^T D grad q e^{-beta F} dz`` (A -> B
        transitions per unit time)."""
        q = self.committor(A, B)
        return float(q @ (self.K @ q)) / self.Z
