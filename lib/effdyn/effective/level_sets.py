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
        Number of equally spaced points over the range of ``xi`` where the model is tabulated,
        or the points themselves (increasing). Each quadrature point's weight is shared
        linearly between its two neighbouring points (cloud-in-cell), which converges at
        second order in the quadrature grid's spacing where hard binning, with bins that do
        not line up with the grid, aliases at first order (``tests/test_effective_level_sets``).
        Points that receive no weight are dropped; each should collect many quadrature points
        (refine the grid, not the bins, to converge).

    Returns
    -------
    EffectiveSDE1D
        On the points that received weight, built by :meth:`EffectiveSDE1D.from_density`
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
        n = int(bins)
        if n < 3:
            raise ValueError(f"bins must be at least 3, got {bins!r}")
        centres = np.linspace(z.min(), z.max(), n)
    else:
        centres = np.asarray(bins, dtype=np.float64)
        if centres.ndim != 1 or centres.size < 3 or not np.all(np.diff(centres) > 0):
            raise ValueError("bins must be an integer >= 3 or increasing points (at least 3)")
        n = centres.size
    # cloud-in-cell deposit: each point's weight is shared linearly between the two nearest
    # centres (a hat kernel one spacing wide), which removes the aliasing of hard binning
    position = np.interp(z, centres, np.arange(n))
    left = np.clip(np.floor(position).astype(int), 0, n - 2)
    frac = np.clip(position - left, 0.0, 1.0)
    mass = np.zeros(n)
    metric = np.zeros(n)
    for shift, share in ((0, 1.0 - frac), (1, frac)):
        mass += np.bincount(left + shift, weights=w * share, minlength=n)
        metric += np.bincount(left + shift, weights=w * g2 * share, minlength=n)
    keep = mass > 0
    if keep.sum() < 3:
        raise ValueError(f"only {int(keep.sum())} bins hold quadrature points: need at least 3")
    spacing = np.gradient(centres)  # the hat kernel's integral at each centre
    density = mass[keep] / spacing[keep]
    diffusion = (2.0 / beta) * metric[keep] / mass[keep]
    centres = centres[keep]
    return EffectiveSDE1D.from_density(centres, density / density.sum(), diffusion)


level_set_model.bibtex = LEGOLL_LELIEVRE  # type: ignore[attr-defined]
