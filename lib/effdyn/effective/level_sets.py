"""The effective dynamics of a collective variable from quadrature over its level sets.

For overdamped Langevin dynamics ``dX = -grad V dt + sqrt(2 / beta) dW`` and a CV ``xi``, the
effective dynamics of Legoll and Lelievre (2010) is the reversible 1D diffusion with

- stationary density ``p(z)``, the marginal law of ``xi`` under ``exp(-beta V)``, and
- diffusion ``a(z) = (2 / beta) E[|grad xi|^2 | xi = z]``.

Both are conditional averages over level sets, computed here by binning the points of a
quadrature grid (weights ``exp(-beta V)`` times the cell volume) by their CV value: no
sampling, so the model's error is the error of the effective dynamics itself (the CV's), plus
a binning error that vanishes as the grid is refined relative to the bins. It is the reference
that separates an estimator's bias from the CV's when the effective dynamics is fitted from
trajectories (:class:`~effdyn.effective.ConditionalCoefficients`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from effdyn.effective.model import EffectiveSDE1D
from effdyn.koopman._bib import LEGOLL_LELIEVRE

__all__ = ["level_set_model"]


def _flat(values: Any, name: str) -> np.ndarray:
    if hasattr(values, "detach"):
        values = values.detach().cpu().numpy()
    a = np.asarray(values, dtype=np.float64).reshape(-1)
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite")
    return a


def level_set_model(
    xi: Any, grad_sq: Any, weights: Any, beta: float, bins: int | Any = 201
) -> EffectiveSDE1D:
    """The Legoll-Lelievre effective dynamics of a CV, by binning quadrature points.

    Parameters
    ----------
    xi : array ``(N,)``
        The CV at the quadrature points (e.g. the cell centres of a fine grid).
    grad_sq : array ``(N,)``
        ``|grad xi|^2`` at the same points.
    weights : array ``(N,)``
        Quadrature weights of the Boltzmann density, ``exp(-beta V) dx`` up to a constant
        (e.g. ``SqRA(...).pi`` on a uniform grid).
    beta : float
        Inverse temperature of the full dynamics.
    bins : int or array
        Number of equal bins over the range of ``xi``, or their edges. Bins with no
        quadrature point are dropped; each bin should hold many points (refine the grid, not
        the bins, to converge). For ``xi = x`` on a uniform grid, edges on the cell boundaries
        (one column per bin) converge at second order in the spacing, equal bins across the
        range only at first order (``tests/test_effective_level_sets.py``).

    Returns
    -------
    EffectiveSDE1D
        On the centres of the occupied bins, built by :meth:`EffectiveSDE1D.from_density`
        from the marginal density and ``a = (2 / beta) E[|grad xi|^2 | xi]``.

    Raises
    ------
    ValueError
        Arrays of different lengths, negative weights, a non-positive ``beta``, fewer than
        three occupied bins.
    """
    z, g2, w = _flat(xi, "xi"), _flat(grad_sq, "grad_sq"), _flat(weights, "weights")
    if not (z.size == g2.size == w.size) or z.size == 0:
        raise ValueError(
            f"xi, grad_sq and weights need one value per point, got {z.size}, {g2.size}, {w.size}"
        )
    if np.any(w < 0) or np.any(g2 < 0):
        raise ValueError("weights and grad_sq must be non-negative")
    if not beta > 0:
        raise ValueError(f"beta must be positive, got {beta!r}")
    if np.ndim(bins) == 0:
        edges = np.linspace(z.min(), z.max(), int(bins) + 1)
    else:
        edges = np.asarray(bins, dtype=np.float64)
    n = edges.size - 1
    idx = np.clip(np.searchsorted(edges, z, side="right") - 1, 0, n - 1)
    mass = np.bincount(idx, weights=w, minlength=n)
    metric = np.bincount(idx, weights=w * g2, minlength=n)
    keep = mass > 0
    if keep.sum() < 3:
        raise ValueError(f"only {int(keep.sum())} bins hold quadrature points: need at least 3")
    centres = 0.5 * (edges[1:] + edges[:-1])[keep]
    density = mass[keep] / np.diff(edges)[keep]
    diffusion = (2.0 / beta) * metric[keep] / mass[keep]
    return EffectiveSDE1D.from_density(centres, density / density.sum(), diffusion)


level_set_model.bibtex = LEGOLL_LELIEVRE  # type: ignore[attr-defined]
