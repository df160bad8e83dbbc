"""Transition counting between core sets, and rates and MFPTs from the counts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from effdyn.estimators.intervals import _check_confidence, poisson_rate
from effdyn.estimators.survival import kaplan_meier_mean

__all__ = ["TransitionRates", "transition_rates"]


@dataclass(frozen=True)
class TransitionRates:
    """Rates between core sets with Poisson (Garwood) intervals, and the MFPTs they imply.

    ``rate[i, j] = counts[i, j] / time_in[i]``; ``mfpt[i, j] = 1 / rate[i, j]`` is the mean
    first-passage time from core ``i`` to core ``j`` when there are two cores (with more, it is
    the inverse of the partial rate).

    ``mean_sojourn[i]`` (with ``mean_sojourn_low``/``_high``) is the Kaplan-Meier mean of the
    time spent with label ``i`` until the next core entry, from the completed sojourns and the
    ones still under way at the end of the run (right-censored; see
    :func:`~effdyn.estimators.survival.kaplan_meier_mean`). For two cores it is a second
    estimate of MFPT(i -> j), free of the assumption of exponential waiting times behind
    ``mfpt``, and ``mean_duration``/``duration_stderr`` hold it. With more cores
    ``mean_duration[i, j]`` is the direct average of the completed ``i -> j`` durations (the
    time to reach ``j`` given that ``j`` is reached first), biased low by a relative amount of
    order MFPT / run length because the durations still under way are left out. Counts given
    without a counter have NaN durations.
    """

    counts: np.ndarray
    time_in: np.ndarray
    rate: np.ndarray
    rate_low: np.ndarray
    rate_high: np.ndarray
    mfpt: np.ndarray
    mfpt_low: np.ndarray
    mfpt_high: np.ndarray
    mean_duration: np.ndarray
    duration_stderr: np.ndarray
    confidence: float
    mean_sojourn: np.ndarray | None = None
    mean_sojourn_low: np.ndarray | None = None
    mean_sojourn_high: np.ndarray | None = None


def transition_rates(source: Any, time_in: Any = None, confidence: float = 0.95):
    """Rates and MFPTs from a :class:`effdyn.sde.TransitionCounter` or from raw counts.

    Give either a counter, or ``counts`` ``(K, K)`` and ``time_in`` ``(K,)``.
    """
    confidence = _check_confidence(confidence)
    sojourns = None
    if time_in is None:
        counts, time_in = source.counts, source.time_in
        dsum, dsq = source.duration_sum, source.duration_sq_sum
        if hasattr(source, "sojourns"):
            sojourns = (source.sojourns, source.open_sojourns, source.spacing)
    else:
        counts = np.asarray(source)
        time_in = np.asarray(time_in, dtype=np.float64)
        dsum = dsq = np.full(counts.shape, np.nan)
    K = counts.shape[0]
    if counts.shape != (K, K) or time_in.shape != (K,):
        raise ValueError(
            f"counts must be (K, K) and time_in (K,), got {counts.shape}, {time_in.shape}"
        )
    rate = np.zeros((K, K))
    low, high = np.zeros((K, K)), np.full((K, K), np.inf)
    for i in range(K):
        for j in range(K):
            if i != j and time_in[i] > 0:
                est = poisson_rate(int(counts[i, j]), float(time_in[i]), confidence)
                rate[i, j], low[i, j], high[i, j] = est.value, est.low, est.high
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = lambda r: np.where(r > 0, 1.0 / np.where(r > 0, r, 1.0), np.inf)  # noqa: E731
        n = counts.astype(np.float64)
        mean_d = np.where(n > 0, dsum / np.maximum(n, 1), np.nan)
        var_d = np.where(n > 1, (dsq - n * mean_d**2) / np.maximum(n - 1, 1), np.nan)
        stderr = np.sqrt(np.maximum(var_d, 0) / np.maximum(n, 1))
    km = np.full((3, K), np.nan)
    if sojourns is not None:
        done, under_way, spacing = sojourns
        for i in range(K):
            if done[i].sum() > 0:
                est = kaplan_meier_mean(done[i], under_way[i], spacing, confidence)
                km[:, i] = est.value, est.low, est.high
        if K == 2:
            z = stats.norm.ppf(0.5 + confidence / 2)
            for i, j in ((0, 1), (1, 0)):
                mean_d[i, j] = km[0, i]
                stderr[i, j] = (km[2, i] - km[1, i]) / (2 * z)
    return TransitionRates(
        counts=counts,
        time_in=time_in,
        rate=rate,
        rate_low=low,
        rate_high=high,
        mfpt=inv(rate),
        mfpt_low=inv(high),
        mfpt_high=inv(low),
        mean_duration=mean_d,
        duration_stderr=stderr,
        confidence=confidence,
        mean_sojourn=km[0],
        mean_sojourn_low=km[1],
        mean_sojourn_high=km[2],
    )
