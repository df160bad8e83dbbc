"""Mean durations from right-censored samples on a grid (Kaplan-Meier).

A run of finite length sees the durations of the transitions it completed, and, for each
trajectory, one duration still under way at the end (right-censored). Averaging the completed
ones only is biased low (long durations are the ones most likely to be cut off), by a relative
amount of order mean duration / run length. The product-limit (Kaplan-Meier) estimate of the
survival function uses the censored durations too, and the area under it is the mean.

References
----------
Kaplan, E. L. and Meier, P. (1958), Nonparametric estimation from incomplete observations,
J. Am. Stat. Assoc. 53, 457-481. Klein, J. P. and Moeschberger, M. L. (2003), *Survival
Analysis*, 2nd ed., Springer, section 4.5 (the variance of the mean).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import stats

from effdyn.estimators.intervals import Estimate, _check_confidence

__all__ = ["kaplan_meier_mean"]


def _counts(values: Any, name: str) -> np.ndarray:
    a = np.asarray(values.detach().cpu() if hasattr(values, "detach") else values, dtype=float)
    if a.ndim != 1 or np.any(a < 0) or not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be a 1-D array of non-negative counts")
    return a


def kaplan_meier_mean(
    completed: Any, censored: Any, spacing: float = 1.0, confidence: float = 0.95
) -> Estimate:
    """The mean of a duration from complete and right-censored counts on a grid.

    Parameters
    ----------
    completed : array ``(L,)``
        ``completed[k]``: number of durations that ended after exactly ``k`` grid intervals.
    censored : array ``(L,)``
        ``censored[k]``: number of durations still under way after ``k`` intervals (known to be
        longer than ``k``). Pad the shorter array with zeros.
    spacing : float
        Length of one grid interval (the time between two checks).
    confidence : float
        Coverage of the normal interval on the variance of Klein and Moeschberger (section 4.5).

    Returns
    -------
    Estimate
        ``spacing * sum_k S(k)`` with ``S(k)`` the product-limit estimate of ``P(T > k)``. When
        the longest observation is censored the survival has not reached zero: the value is
        then the mean restricted to the observed range (a lower bound), and ``method`` says so.

    Raises
    ------
    ValueError
        Counts that are not 1-D non-negative arrays, or no completed duration at all.
    """
    confidence = _check_confidence(confidence)
    d = _counts(completed, "completed")
    c = _counts(censored, "censored")
    if not spacing > 0:
        raise ValueError(f"spacing must be positive, got {spacing!r}")
    n = max(d.size, c.size)
    d, c = np.pad(d, (0, n - d.size)), np.pad(c, (0, n - c.size))
    if d.sum() == 0:
        raise ValueError("no completed duration: the mean cannot be estimated")
    # at risk at k: everything that had not ended before k (censored at k are still at risk)
    at_risk = np.cumsum((d + c)[::-1])[::-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard = np.where(at_risk > 0, d / np.maximum(at_risk, 1), 0.0)
    survival = np.cumprod(1.0 - hazard)  # survival[k] = P(T > k)
    last = int(np.max(np.nonzero((d + c) > 0)[0]))
    survival = survival[: last + 1]
    # E[T] = sum_k P(T > k) (zero beyond `last` when the longest duration ended)
    mean = spacing * float(survival.sum())
    # Klein-Moeschberger (section 4.5): Var = sum over event times k of
    # A_k^2 d_k / (n_k (n_k - d_k)), with A_k = spacing * sum_{j >= k} S(j) the area under the
    # survival beyond k
    area_beyond = spacing * np.cumsum(survival[::-1])[::-1]
    d, n_k = d[: last + 1], at_risk[: last + 1]
    events = (d > 0) & (n_k > d)
    var = float(np.sum(area_beyond[events] ** 2 * d[events] / (n_k[events] * (n_k - d)[events])))
    z = stats.norm.ppf(0.5 + confidence / 2)
    half = z * math.sqrt(var)
    method = "Kaplan-Meier mean"
    if survival[last] > 0:
        method += " (restricted to the observed range: the longest duration is censored)"
    return Estimate(mean, mean - half, mean + half, confidence, int(d.sum()), method)
