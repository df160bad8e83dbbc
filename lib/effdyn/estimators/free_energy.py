"""Free energies from histograms: ``F = -log(p) / beta``."""

from __future__ import annotations

from typing import Any

import numpy as np

from effdyn.estimators.intervals import _as_array

__all__ = ["free_energy_from_counts", "histogram_free_energy"]


def free_energy_from_counts(counts: Any, beta: float, min_count: int = 1) -> np.ndarray:
    """``F = -log(counts) / beta`` shifted to minimum zero; NaN where ``counts < min_count``.

    For equal-volume bins this is the free energy (potential of mean force) up to a constant.
    """
    c = np.asarray(counts, dtype=np.float64)
    if not beta > 0:
        raise ValueError(f"beta must be positive, got {beta!r}")
    if not np.any(c >= max(min_count, 1)):
        raise ValueError("no bin has enough counts")
    with np.errstate(divide="ignore"):
        F = np.where(c >= max(min_count, 1), -np.log(np.where(c > 0, c, 1.0)) / beta, np.nan)
    return F - np.nanmin(F)


def histogram_free_energy(
    samples: Any,
    bins: Any,
    range: Any,
    beta: float,
    weights: Any = None,
    min_count: int = 1,
) -> tuple[Any, np.ndarray]:
    """Free energy of samples ``(N,)`` or ``(N, k)`` on a regular histogram.

    Returns ``(centers, F)``: the bin centres (an array for one coordinate, a list of arrays
    otherwise) and ``F`` of shape ``bins``, shifted to minimum zero, NaN in bins with fewer than
    ``min_count`` samples. ``weights`` reweight the samples (e.g. from biased sampling); then
    ``min_count`` applies to the unweighted counts.
    """
    x = _as_array(samples)
    one_d = x.ndim == 1
    x = x.reshape(x.shape[0], -1)
    k = x.shape[1]
    rng = [tuple(range)] if one_d or np.ndim(range) == 1 else [tuple(r) for r in range]
    b = [bins] * k if np.ndim(bins) == 0 else list(bins)
    w = None if weights is None else _as_array(weights).ravel()
    hist, edges = np.histogramdd(x, bins=b, range=rng, weights=w)
    counts, _ = np.histogramdd(x, bins=b, range=rng)
    if not beta > 0:
        raise ValueError(f"beta must be positive, got {beta!r}")
    with np.errstate(divide="ignore"):
        F = np.where(
            counts >= max(min_count, 1), -np.log(np.where(hist > 0, hist, 1.0)) / beta, np.nan
        )
    F = F - np.nanmin(F)
    centers = [0.5 * (e[1:] + e[:-1]) for e in edges]
    return (centers[0] if one_d else centers), F
