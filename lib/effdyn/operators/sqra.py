"""The square-root approximation (SqRA) of the generator of overdamped Langevin dynamics.

For ``dX = -grad V dt + sqrt(2/beta) dW`` (generator ``L f = -grad V . grad f + D Laplace f``
with ``D = 1/beta``) on a cell-centred grid, the SqRA rate from cell ``i`` to a neighbour ``j``
along axis ``a`` is ``Q_ij = (D / h_a^2) sqrt(pi_j / pi_i) = (D / h_a^2)
exp(-beta (V_j - V_i) / 2)``, with reflecting boundaries (no neighbours outside the box) unless
an axis is periodic. ``Q`` is a rate matrix (rows sum to zero), reversible with respect to the
Boltzmann weights ``pi_i ~ exp(-beta V_i)``, and converges to ``L`` as ``h -> 0`` (Lie,
Fackeldey and Weber 2013; Donati, Heida, Keller and Weber 2018). ``pi^{1/2} Q pi^{-1/2}`` is
symmetric, with off-diagonal entries ``D / h_a^2``, which the eigensolver uses.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import scipy.linalg
import scipy.sparse as sp
import scipy.sparse.linalg as spla
import torch

from effdyn.operators.grid import Grid

__all__ = ["SqRA", "boltzmann_density", "dirichlet_committor", "grid_energies"]

bibtex = r"""@article{lie2013square,
  author  = {Lie, Han Cheng and Fackeldey, Konstantin and Weber, Marcus},
  title   = {A square root approximation of transition rates for a {M}arkov state model},
  journal = {SIAM Journal on Matrix Analysis and Applications},
  volume  = {34},
  number  = {2},
  pages   = {738--756},
  year    = {2013},
  doi     = {10.1137/120899959}
}
@article{donati2018spectral,
  author  = {Donati, Luca and Heida, Martin and Keller, Bettina G. and Weber, Marcus},
  title   = {Estimation of the infinitesimal generator by square-root approximation},
  journal = {Journal of Physics: Condensed Matter},
  volume  = {30},
  number  = {42},
  pages   = {425201},
  year    = {2018},
  doi     = {10.1088/1361-648X/aadfc8}
}"""

#: Largest exponent used in rates and weights (beyond it exp overflows float64).
_MAX_EXPONENT = 700.0


def grid_energies(potential: Any, grid: Grid) -> np.ndarray:
    """``V`` at the cell centres, shape ``(size,)``.

    ``potential`` is a potential (an object with ``energy``), a callable on torch positions
    ``(N, d)`` (float64), or an array of values per cell.
    """
    if isinstance(potential, (np.ndarray, torch.Tensor, list, tuple)):
        V = np.asarray(potential, dtype=np.float64).ravel()
    else:
        fn = getattr(potential, "energy", potential)
        if not callable(fn):
            raise TypeError(f"expected a potential, a callable or an array, got {type(potential)}")
        with torch.no_grad():
            V = fn(grid.points_torch())
        V = V.cpu().numpy() if isinstance(V, torch.Tensor) else np.asarray(V)
        V = V.astype(np.float64).ravel()
    if V.shape != (grid.size,):
        raise ValueError(f"got {V.size} energies for a grid of {grid.size} cells")
    if not np.all(np.isfinite(V)):
        raise ValueError("the potential is not finite on every grid cell")
    return V


def boltzmann_density(potential: Any, grid: Grid, beta: float) -> np.ndarray:
    """The Boltzmann density ``exp(-beta V) / Z`` at the cell centres (integrates to 1)."""
    V = grid_energies(potential, grid)
    w = np.exp(-beta * (V - V.min()))
    return w / (w.sum() * grid.cell_volume)


def _diffusion_values(diffusion: Any, grid: Grid) -> float | np.ndarray:
    """A positive scalar ``D``, or ``D`` per cell as a ``(size,)`` array; else ValueError."""
    from effdyn.sde._checks import as_positive

    if np.ndim(diffusion) == 0:
        return as_positive(diffusion, "diffusion")
    values = np.asarray(diffusion, dtype=np.float64).ravel()
    if values.shape != (grid.size,):
        raise ValueError(f"diffusion needs one value per cell ({grid.size}), got {values.size}")
    if not (np.all(np.isfinite(values)) and np.all(values > 0)):
        raise ValueError("diffusion must be finite and positive in every cell")
    return values


def dirichlet_committor(operator: sp.spmatrix, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``q`` with ``(operator q)_i = 0`` off the masks ``a`` and ``b``, ``q = 0`` on ``a``, 1 on
    ``b``: the committor of a rate matrix, or the minimiser of a quadratic (Dirichlet) form."""
    inner = ~(a | b)
    q = b.astype(np.float64)
    operator = sp.csr_matrix(operator)
    rhs = -np.asarray(operator[inner][:, b].sum(axis=1)).ravel()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", spla.MatrixRankWarning)
        q[inner] = spla.spsolve(operator[inner][:, inner].tocsc(), rhs)
    if not np.all(np.isfinite(q)):
        raise ValueError(
            "the committor system is singular: some cells are cut off from both sets "
            "(zero weights or zero diffusion between them)"
        )
    return q


def _neighbour_pairs(grid: Grid) -> list[tuple[np.ndarray, np.ndarray, float]]:
    """``(i, j, h)`` arrays of neighbouring cells ``j = i + e_a`` for each axis ``a``."""
    index = np.arange(grid.size).reshape(grid.shape)
    pairs = []
    for a, (h, per) in enumerate(zip(grid.h, grid.periodic, strict=True)):
        src = np.take(index, np.arange(grid.n[a] - 1), axis=a).ravel()
        dst = np.take(index, np.arange(1, grid.n[a]), axis=a).ravel()
        if per:
            src = np.concatenate([src, np.take(index, [grid.n[a] - 1], axis=a).ravel()])
            dst = np.concatenate([dst, np.take(index, [0], axis=a).ravel()])
        pairs.append((src, dst, float(h)))
    return pairs


class SqRA:
    """The SqRA generator of overdamped Langevin dynamics on a grid, and what it gives.

    Parameters
    ----------
    potential : potential, callable or array
        The potential (see :func:`grid_energies`).
    grid : Grid
        The grid; its box is reflecting except along periodic axes.
    beta, temperature : float
        Inverse temperature, or ``kT``; give exactly one. (``dX = -V' dt + sigma dW`` has
        ``beta = 2 / sigma**2``.)
    diffusion : float or array, optional
        ``D`` in ``L = -D beta grad V . grad + D Laplace``; default ``1 / beta``, the
        unit-mobility overdamped Langevin dynamics ``dX = -grad V dt + sqrt(2/beta) dW``.
        An array gives ``D`` per cell (shape ``(size,)``; the rate between neighbours uses the
        mean of their two values), the reduced model of a collective variable with
        position-dependent diffusion.

    Attributes
    ----------
    Q : scipy.sparse.csr_matrix
        The rate matrix (``Q f`` approximates ``L f``; rows sum to zero).
    pi : numpy.ndarray
        Stationary probabilities of the cells (sum to one).
    energies : numpy.ndarray
        ``V`` at the cell centres.

    Examples
    --------
    >>> from effdyn.systems import DoubleWell
    >>> grid = Grid.box(DoubleWell.domain, 1600)
    >>> lam, phi = SqRA(DoubleWell(), grid, beta=2.0).eigs(3)  # lam[1] ~ 0.227
    """

    bibtex = bibtex

    def __init__(
        self,
        potential: Any,
        grid: Grid,
        beta: float | None = None,
        *,
        temperature: float | None = None,
        diffusion: float | None = None,
    ) -> None:
        from effdyn.sde._checks import inverse_temperature

        self.grid = grid
        self.beta = inverse_temperature(beta, temperature)
        self.D = 1.0 / self.beta if diffusion is None else _diffusion_values(diffusion, grid)
        self.energies = V = grid_energies(potential, grid)
        logw = -self.beta * (V - V.min())
        w = np.exp(logw)
        self.pi = w / w.sum()
        self._sqrt_pi = np.sqrt(self.pi)
        rows, cols, vals, sym = [], [], [], []
        for i, j, h in _neighbour_pairs(grid):
            edge_d = self.D if np.isscalar(self.D) else 0.5 * (self.D[i] + self.D[j])
            c = np.broadcast_to(edge_d / h**2, i.shape)
            half = 0.5 * self.beta * (V[j] - V[i])
            forward = c * np.exp(np.clip(-half, -_MAX_EXPONENT, _MAX_EXPONENT))
            backward = c * np.exp(np.clip(half, -_MAX_EXPONENT, _MAX_EXPONENT))
            rows += [i, j]
            cols += [j, i]
            vals += [forward, backward]
            sym += [c, c]
        rows, cols, vals = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
        n = grid.size
        off = sp.csr_matrix((vals, (rows, cols)), shape=(n, n))
        exit_rate = np.asarray(off.sum(axis=1)).ravel()
        self.Q = (off - sp.diags(exit_rate)).tocsr()
        sym_off = sp.csr_matrix((np.concatenate(sym), (rows, cols)), shape=(n, n))
        self._S = (sym_off - sp.diags(exit_rate)).tocsr()  # pi^{1/2} Q pi^{-1/2}

    @property
    def density(self) -> np.ndarray:
        """The Boltzmann density at the cell centres (integrates to one)."""
        return self.pi / self.grid.cell_volume

    def eigs(self, k: int = 4, method: str = "auto") -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` slowest relaxation rates and eigenfunctions.

        ``method`` is ``"dense"`` (LAPACK on the full matrix), ``"sparse"`` (shift-invert
        Lanczos) or ``"auto"`` (dense up to 2500 cells).

        Returns
        -------
        lam : numpy.ndarray ``(k,)``
            Eigenvalues of ``-Q`` in increasing order: ``lam[0] = 0`` (up to round-off),
            ``lam[1]`` the spectral gap (slowest rate), ...
        phi : numpy.ndarray ``(size, k)``
            Right eigenvectors of ``Q`` (the eigenfunctions of ``L``), orthonormal in
            ``L^2(pi)`` (``sum_i pi_i phi_i^2 = 1``), ``phi[:, 0] = 1``; each other one is signed
            so that its entry of largest magnitude is positive.
        """
        n = self.grid.size
        if not 1 <= k < n:
            raise ValueError(f"k must be in [1, {n - 1}], got {k}")
        if method not in ("auto", "dense", "sparse"):
            raise ValueError(f"method must be 'auto', 'dense' or 'sparse', got {method!r}")
        A = -self._S
        if method == "dense" or (method == "auto" and n <= 2500):
            lam, u = scipy.linalg.eigh(A.toarray(), subset_by_index=[0, k - 1])
        else:
            # All eigenvalues are >= 0, so any negative shift picks the smallest; a small one
            # keeps them well separated after inversion.
            shift = -1e-9 * float(np.min(self.D)) / float(np.min(self.grid.h)) ** 2
            lam, u = spla.eigsh(A.tocsc(), k=k, sigma=shift, which="LM", tol=1e-13)
            order = np.argsort(lam)
            lam, u = lam[order], u[:, order]
        phi = u / self._sqrt_pi[:, None]
        for m in range(k):
            j = np.argmax(np.abs(phi[:, m]))
            if phi[j, m] < 0:
                phi[:, m] = -phi[:, m]
        return lam, phi

    def _masks(self, *regions: Any) -> list[np.ndarray]:
        masks = [self.grid.mask(r) for r in regions]
        for r, m in zip(regions, masks, strict=True):
            if not m.any():
                raise ValueError(f"the set {r!r} contains no grid cell")
        return masks

    def committor(self, A: Any, B: Any) -> np.ndarray:
        """The committor ``q``: ``Q q = 0`` off ``A`` and ``B``, ``q = 0`` on ``A``, 1 on ``B``.

        ``A`` and ``B`` are regions (e.g. :class:`effdyn.sde.Ball`) or boolean masks.
        """
        a, b = self._masks(A, B)
        if np.any(a & b):
            raise ValueError("the sets A and B overlap")
        return dirichlet_committor(self.Q, a, b)

    def mfpt(self, target: Any) -> np.ndarray:
        """Mean first-passage time into ``target`` from every cell: ``Q tau = -1`` off it."""
        (t,) = self._masks(target)
        inner = ~t
        tau = np.zeros(self.grid.size)
        rhs = -np.ones(int(inner.sum()))
        tau[inner] = spla.spsolve(self.Q[inner][:, inner].tocsc(), rhs)
        return tau

    def mean_mfpt(self, source: Any, target: Any) -> float:
        """MFPT into ``target`` averaged over ``source`` with the Boltzmann weights."""
        (s,) = self._masks(source)
        tau = self.mfpt(target)
        return float(np.sum(self.pi[s] * tau[s]) / np.sum(self.pi[s]))
