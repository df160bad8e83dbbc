"""Mean first-passage times and rates from first-passage samples."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import stats

from effdyn.estimators.intervals import Estimate, _as_array, _check_confidence, mean_ci

__all__ = ["mfpt", "rate_from_mfpt"]


def mfpt(
    times: Any,
    horizon: float | None = None,
    confidence: float = 0.95,
    method: str = "auto",
) -> Estimate:
    """Mean first-passage time from first-passage samples, with a confidence interval.

    Parameters
    ----------
    times : array or tensor ``(N,)``
        First-passage times; ``inf`` for trajectories that had not arrived by ``horizon``
        (as :class:`effdyn.sde.FirstPassage` records them).
    horizon : float, optional
        Observation time of the censored trajectories (needed when some are censored).
    confidence : float
    method : {"auto", "mean", "exponential"}
        ``mean``: the sample mean with a t interval; needs every trajectory to have arrived.
        ``exponential``: maximum likelihood for exponentially distributed times with right
        censoring at ``horizon``, ``tau = (sum of observed times + n_censored * horizon) /
        n_arrived``, with the chi-square interval of ``2 n tau_hat / tau``; appropriate for
        escapes from a metastable set started near equilibrium in it. ``auto`` takes ``mean``
        when nothing is censored and ``exponential`` otherwise.
    """
    t = _as_array(times).ravel()
    confidence = _check_confidence(confidence)
    if t.size == 0:
        raise ValueError("no first-passage times")
    if np.any(np.isnan(t)) or np.any(t < 0):
        raise ValueError("first-passage times must be non-negative (inf for censored)")
    arrived = np.isfinite(t)
    n_hit, n_cens = int(arrived.sum()), int((~arrived).sum())
    if method == "auto":
        method = "mean" if n_cens == 0 else "exponential"
    if method == "mean":
        if n_cens:
            raise ValueError(
                f"{n_cens} of {t.size} trajectories did not arrive: their mean is not "
                "defined; run longer, or use method='exponential' with the horizon"
            )
        if t.size < 2:
            raise ValueError("need at least two first-passage times for an interval")
        est = mean_ci(t, confidence)
        return Estimate(est.value, est.low, est.high, confidence, t.size, "sample mean")
    if method != "exponential":
        raise ValueError(f"method must be 'auto', 'mean' or 'exponential', got {method!r}")
    if n_cens and (horizon is None or not horizon > 0):
        raise ValueError("censored first-passage times need the observation horizon")
    if n_cens and np.any(t[arrived] > horizon * (1 + 1e-12)):
        raise ValueError("observed first-passage times exceed the horizon")
    exposure = float(t[arrived].sum() + n_cens * (horizon or 0.0))
    alpha = 1 - confidence
    if n_hit == 0:
        low = 2 * exposure / stats.chi2.ppf(1 - alpha, 2)
        return Estimate(math.inf, float(low), math.inf, confidence, 0, "exponential, censored")
    value = exposure / n_hit
    low = 2 * exposure / stats.chi2.ppf(1 - alpha / 2, 2 * n_hit)
    high = 2 * exposure / stats.chi2.ppf(alpha / 2, 2 * n_hit)
    return Estimate(value, float(low), float(high), confidence, n_hit, "exponential MLE")


def rate_from_mfpt(estimate: Estimate) -> Estimate:
    """The rate ``1 / MFPT`` with the interval mapped through the inverse."""
    inv = lambda v: 1.0 / v if v not in (0.0, math.inf) else (math.inf if v == 0 else 0.0)  # noqa: E731
    return Estimate(
        inv(estimate.value),
        inv(estimate.high),
        inv(estimate.low),
        estimate.confidence,
        estimate.n,
        f"1/MFPT ({estimate.method})",
    )
