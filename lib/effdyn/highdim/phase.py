"""Phase-transition tools: logistic fits of success against log n, and threshold exponents.

For each dimension ``d`` the success indicator of a method over a grid of sample sizes ``n``
(several seeds per point) is fitted by maximum likelihood with
``P(success) = 1 / (1 + exp(-(log n - log n_50) / w))``; the threshold ``n_50(d)`` is where it
crosses 1/2. The threshold exponent is the least-squares slope of ``log n_50`` against
``log d`` :cite:`langevin-averaging`; its interval comes from a bootstrap over seeds (each
point's seeds resampled with replacement, the same resampled seeds for every method, so that
differences between methods run on the same instances are paired).

The fit is a dense grid search (deterministic, vectorised over bootstrap replicates): ``log n_50``
on a grid extending ``margin`` beyond the data, ``w`` on a log grid.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from effdyn.highdim.references import LANGEVIN_AVERAGING_2026

__all__ = ["LogisticFit", "ThresholdExponent", "logistic_fit", "threshold_exponents"]


@dataclass(frozen=True)
class LogisticFit:
    """Maximum-likelihood logistic curve of success against ``x = log n``.

    Attributes
    ----------
    log_threshold : float
        ``log n_50``.
    width : float
        ``w`` (in units of ``log n``).
    within_grid : bool
        Whether ``log n_50`` lies inside the range of the data (else the threshold is only
        bounded: no success, or success everywhere).
    """

    log_threshold: float
    width: float
    within_grid: bool


def _grids(x: np.ndarray, margin: float, n_centre: int, n_width: int):
    span = float(x.max() - x.min())
    centres = np.linspace(x.min() - margin * span, x.max() + margin * span, n_centre)
    widths = np.geomspace(0.02 * span, 1.0 * span, n_width)
    return centres, widths


def _fit_many(x: np.ndarray, successes: np.ndarray, trials: np.ndarray, margin: float):
    """Grid MLE for a batch: successes, trials (B, J) -> centres (B,), widths (B,)."""
    centres, widths = _grids(x, margin, 241, 24)
    z = (x[None, None, :] - centres[:, None, None]) / widths[None, :, None]  # (C, W, J)
    log_p = -np.logaddexp(0.0, -z)
    log_q = -np.logaddexp(0.0, z)
    s = successes[:, None, None, :]
    f = (trials - successes)[:, None, None, :]
    ll = (s * log_p[None] + f * log_q[None]).sum(-1)  # (B, C, W)
    flat = ll.reshape(ll.shape[0], -1).argmax(axis=1)
    ic, iw = np.unravel_index(flat, (centres.size, widths.size))
    return centres[ic], widths[iw]


def _check_grid(log_n: np.ndarray) -> None:
    if log_n.ndim != 1 or log_n.size < 2 or not np.all(np.diff(log_n) > 0):
        raise ValueError(f"log_n must be an increasing vector of >= 2 values, got {log_n!r}")


def logistic_fit(
    log_n: Sequence[float] | np.ndarray,
    successes: Sequence[float] | np.ndarray,
    trials: Sequence[float] | np.ndarray | int,
    *,
    margin: float = 0.5,
) -> LogisticFit:
    """Fit ``P(success)`` against ``log n`` by maximum likelihood (grid search).

    Parameters
    ----------
    log_n : array_like, shape (J,)
        Increasing ``log n`` values.
    successes : array_like, shape (J,)
        Number of successes at each ``n``.
    trials : int or array_like, shape (J,)
        Number of trials (seeds) at each ``n``.
    margin : float
        The threshold grid extends this fraction of the data range beyond it.
    """
    x = np.asarray(log_n, dtype=float)
    _check_grid(x)
    s = np.asarray(successes, dtype=float)
    t = np.broadcast_to(np.asarray(trials, dtype=float), x.shape)
    if s.shape != x.shape or np.any(s < 0) or np.any(s > t):
        raise ValueError(f"successes must be counts in [0, trials] of shape {x.shape}, got {s!r}")
    c, w = _fit_many(x, s[None], t[None], margin)
    inside = bool(x.min() <= c[0] <= x.max())
    return LogisticFit(float(c[0]), float(w[0]), inside)


@dataclass(frozen=True)
class ThresholdExponent:
    """Slope of ``log n_50`` against ``log d`` with its bootstrap interval.

    Attributes
    ----------
    exponent : float
        Fit on the data.
    stderr : float
        Standard deviation over the bootstrap replicates.
    interval : tuple of float
        Central bootstrap interval at the requested level.
    log_thresholds : numpy.ndarray
        ``log n_50`` per dimension.
    within_grid : numpy.ndarray of bool
        Whether each threshold lies inside its grid (if not, the exponent is censored).
    samples : numpy.ndarray
        Bootstrap replicates of the exponent (paired across methods fitted together).
    """

    exponent: float
    stderr: float
    interval: tuple[float, float]
    log_thresholds: np.ndarray
    within_grid: np.ndarray
    samples: np.ndarray


def _slope(logd: np.ndarray, y: np.ndarray) -> np.ndarray:
    dx = logd - logd.mean()
    return (y * dx).sum(-1) / (dx**2).sum()


def threshold_exponents(
    dims: Sequence[int],
    log_n: np.ndarray,
    success: Mapping[str, np.ndarray],
    *,
    n_bootstrap: int = 400,
    level: float = 0.95,
    seed: int = 0,
    margin: float = 0.5,
) -> dict[str, ThresholdExponent]:
    """Threshold exponents of several methods run on the same instances.

    Parameters
    ----------
    dims : sequence of int, length D (at least 2 distinct values)
        Dimensions.
    log_n : array, shape (D, J)
        ``log n`` grid per dimension (increasing along J).
    success : mapping name -> bool array, shape (D, J, S)
        Success of each method for each dimension, sample size and seed.
    n_bootstrap : int
        Bootstrap replicates (seeds resampled with replacement per (d, n) point, jointly for
        all methods).
    level : float
        Level of the central interval.
    seed : int
        Seed of the bootstrap.
    margin : float
        See :func:`logistic_fit`.
    """
    d = np.asarray(dims, dtype=float)
    if d.ndim != 1 or d.size < 2 or np.unique(d).size < 2 or np.any(d < 2):
        raise ValueError(f"dims must hold at least two distinct dimensions >= 2, got {dims!r}")
    x = np.asarray(log_n, dtype=float)
    if x.ndim != 2 or x.shape[0] != d.size:
        raise ValueError(f"log_n must have shape (len(dims), J), got {x.shape}")
    for row in x:
        _check_grid(row)
    if int(n_bootstrap) != n_bootstrap or n_bootstrap < 2:
        raise ValueError(f"n_bootstrap must be an integer >= 2, got {n_bootstrap!r}")
    if not (0.0 < level < 1.0):
        raise ValueError(f"level must lie in (0, 1), got {level!r}")
    arrays = {}
    for name, arr in success.items():
        a = np.asarray(arr, dtype=bool)
        if a.ndim != 3 or a.shape[:2] != x.shape:
            raise ValueError(
                f"success[{name!r}] must have shape (D, J, S) = {x.shape + ('S',)}, got {a.shape}"
            )
        arrays[name] = a
    n_seeds = {a.shape[2] for a in arrays.values()}
    if len(n_seeds) != 1:
        raise ValueError(f"every method needs the same number of seeds, got {sorted(n_seeds)}")
    s_count = n_seeds.pop()
    rng = np.random.default_rng(seed)
    b = int(n_bootstrap)
    idx = rng.integers(0, s_count, size=(b, d.size, x.shape[1], s_count))
    logd = np.log(d)
    alpha = (1.0 - level) / 2.0
    out = {}
    for name, a in arrays.items():
        thresholds = np.empty(d.size)
        inside = np.empty(d.size, dtype=bool)
        boot = np.empty((b, d.size))
        for i in range(d.size):
            counts = a[i].sum(-1).astype(float)
            c, _ = _fit_many(x[i], counts[None], np.full((1, x.shape[1]), s_count), margin)
            thresholds[i] = c[0]
            inside[i] = x[i].min() <= c[0] <= x[i].max()
            resampled = np.take_along_axis(a[i][None].repeat(b, 0), idx[:, i], axis=2)
            boot_counts = resampled.sum(-1).astype(float)
            cb, _ = _fit_many(x[i], boot_counts, np.full(boot_counts.shape, s_count), margin)
            boot[:, i] = cb
        samples = _slope(logd, boot)
        lo, hi = np.quantile(samples, [alpha, 1.0 - alpha])
        out[name] = ThresholdExponent(
            float(_slope(logd, thresholds)),
            float(samples.std(ddof=1)),
            (float(lo), float(hi)),
            thresholds,
            inside,
            samples,
        )
    return out


logistic_fit.bibtex = LANGEVIN_AVERAGING_2026  # type: ignore[attr-defined]
threshold_exponents.bibtex = LANGEVIN_AVERAGING_2026  # type: ignore[attr-defined]
