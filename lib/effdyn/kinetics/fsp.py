"""Finite state projection (FSP) of the chemical master equation.

The CME ``dp/dt = A p`` is restricted to the box ``0 <= x_s <= n_max_s``. For transients,
probability that leaves the box is lost (Munsky & Khammash 2006): the missing mass ``1 - sum(p)``
bounds the error of the truncated solution. For the stationary law, transitions out of the box
are dropped (a reflecting truncation) and the null vector of the generator is computed; the mass
on the box boundary indicates whether the box is large enough.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from effdyn.kinetics.network import ReactionNetwork

__all__ = ["FiniteStateProjection", "FSPMoments"]

bibtex = """@article{munsky2006finite,
  author  = {Munsky, Brian and Khammash, Mustafa},
  title   = {The finite state projection algorithm for the solution of the chemical master
             equation},
  journal = {The Journal of Chemical Physics},
  volume  = {124},
  number  = {4},
  pages   = {044104},
  year    = {2006},
  doi     = {10.1063/1.2145882}
}"""


@dataclass
class FSPMoments:
    """Moments of a (truncated) distribution.

    Attributes
    ----------
    mean : numpy.ndarray
        Shape ``(..., S)``.
    cov : numpy.ndarray
        Shape ``(..., S, S)``.
    mass : numpy.ndarray
        Total probability kept in the box, shape ``(...)`` (``1`` minus the FSP error bound).
    """

    mean: np.ndarray
    cov: np.ndarray
    mass: np.ndarray

    @property
    def var(self) -> np.ndarray:
        """Variances, shape ``(..., S)``."""
        return np.diagonal(self.cov, axis1=-2, axis2=-1)


class FiniteStateProjection:
    """The CME of a network on the box ``prod_s {0, ..., n_max[s]}``.

    Parameters
    ----------
    network : ReactionNetwork
        Network with mass-action propensities.
    n_max : int or sequence of int
        Largest molecule number kept for each species.

    Attributes
    ----------
    states : numpy.ndarray
        The states of the box, shape ``(N, S)``, in C order of the box.
    generator : scipy.sparse.csr_matrix
        ``A`` with ``dp/dt = A p``, outflow from the box counted as loss.
    """

    bibtex = bibtex

    def __init__(self, network: ReactionNetwork, n_max: int | Sequence[int]) -> None:
        n_max_arr = np.atleast_1d(np.asarray(n_max, dtype=np.int64))
        if n_max_arr.shape != (network.n_species,):
            raise ValueError(
                f"n_max must give one bound per species ({network.n_species}), got {n_max}"
            )
        if (n_max_arr < 1).any():
            raise ValueError(f"n_max must be positive integers, got {n_max}")
        self.network = network
        self.n_max = n_max_arr
        self.shape = tuple(int(n) + 1 for n in n_max_arr)
        n_states = int(np.prod(self.shape))
        if n_states > 5_000_000:
            raise ValueError(f"the box holds {n_states} states; at most 5e6 are supported")
        grids = np.meshgrid(*[np.arange(n) for n in self.shape], indexing="ij")
        self.states = np.stack([g.ravel() for g in grids], axis=1)
        a = network.propensities(self.states)  # (N, R)
        rows, cols, vals = [], [], []
        outflow = a.sum(axis=1)
        inside_flow = np.zeros(n_states)
        for r in range(network.n_reactions):
            target = self.states + network.stoichiometry[r]
            inside = np.all((target >= 0) & (target <= n_max_arr), axis=1) & (a[:, r] > 0)
            src = np.nonzero(inside)[0]
            dst = np.ravel_multi_index(tuple(target[inside].T), self.shape)
            rows.append(dst)
            cols.append(src)
            vals.append(a[inside, r])
            inside_flow[src] += a[inside, r]
        offdiag = sp.csr_matrix(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
            shape=(n_states, n_states),
        )
        self.generator = (offdiag - sp.diags(outflow)).tocsr()
        self._reflecting = (offdiag - sp.diags(inside_flow)).tocsc()

    @property
    def n_states(self) -> int:
        """Number of states in the box."""
        return self.states.shape[0]

    def delta(self, x0: Sequence[int]) -> np.ndarray:
        """The distribution concentrated on the state ``x0``."""
        x0 = np.asarray(x0, dtype=np.int64)
        if x0.shape != (self.network.n_species,) or (x0 < 0).any() or (x0 > self.n_max).any():
            raise ValueError(f"x0 must be a state inside the box 0..{self.n_max}, got {x0}")
        p = np.zeros(self.n_states)
        p[np.ravel_multi_index(tuple(x0), self.shape)] = 1.0
        return p

    def transient(self, p0: np.ndarray, t_grid: np.ndarray) -> np.ndarray:
        """Distributions at the times ``t_grid`` (uniform, starting at 0), shape ``(T, N)``.

        Uses :func:`scipy.sparse.linalg.expm_multiply`; probability leaving the box is lost.
        """
        t_grid = np.asarray(t_grid, dtype=float)
        if t_grid.ndim != 1 or t_grid.size < 1:
            raise ValueError("t_grid must be a non-empty one-dimensional array")
        if t_grid.size == 1:
            return spla.expm_multiply(self.generator * t_grid[0], p0)[None, :]
        steps = np.diff(t_grid)
        if abs(t_grid[0]) > 0 or not np.allclose(steps, steps[0], rtol=1e-9, atol=0):
            raise ValueError("t_grid must be uniform and start at 0")
        return spla.expm_multiply(
            self.generator, p0, start=0.0, stop=t_grid[-1], num=t_grid.size, endpoint=True
        )

    def stationary(self) -> np.ndarray:
        """The stationary distribution of the reflecting truncation (sparse direct solve)."""
        a = self._reflecting.tolil()
        a[0, :] = np.ones(self.n_states)
        rhs = np.zeros(self.n_states)
        rhs[0] = 1.0
        p = spla.spsolve(a.tocsc(), rhs)
        p = np.clip(p, 0.0, None)
        return p / p.sum()

    def boundary_mass(self, p: np.ndarray) -> float:
        """Probability on the states with some ``x_s == n_max[s]`` (small if the box suffices)."""
        on_edge = np.any(self.states == self.n_max, axis=1)
        return float(np.asarray(p)[..., on_edge].sum())

    def moments(self, p: np.ndarray) -> FSPMoments:
        """Mean and covariance of ``p`` (shape ``(..., N)``), normalised by the kept mass."""
        p = np.asarray(p, dtype=float)
        mass = p.sum(axis=-1)
        w = p / mass[..., None]
        x = self.states.astype(float)
        mean = w @ x
        second = np.einsum("...n,ni,nj->...ij", w, x, x)
        cov = second - mean[..., :, None] * mean[..., None, :]
        return FSPMoments(mean=mean, cov=cov, mass=mass)

    def marginal(self, p: np.ndarray, species: int = 0) -> np.ndarray:
        """Marginal distribution of one species, shape ``(..., n_max[species] + 1)``."""
        p = np.asarray(p)
        full = p.reshape(p.shape[:-1] + self.shape)
        axes = tuple(p.ndim - 1 + s for s in range(len(self.shape)) if s != species)
        return full.sum(axis=axes)
