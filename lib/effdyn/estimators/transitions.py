"""Transition counting between core sets, and rates and MFPTs from the counts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from effdyn.estimators.intervals import _check_confidence, poisson_rate

__all__ = ["TransitionRates", "transition_rates"]


@dataclass(frozen=True)
class TransitionRates:
    """Rates between core sets with Poisson (Garwood) intervals, and the MFPTs they imply.

    ``rate[i, j] = counts[i, j] / time_in[i]``; ``mfpt[i, j] = 1 / rate[i, j]`` is the mean
    first-passage time from core ``i`` to core ``j`` when there are two cores (with more, it is
    the inverse of the partial rate). ``mean_duration``/``duration_stderr`` are the direct
    average of the recorded transition durations, a second estimate of the same MFPT for two
    cores; it is biased low by a relative amount of order MFPT / run length, because the
    transitions still under way at the end of the run are not counted (``mfpt`` counts their
    time in ``time_in`` and has no such bias).
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


def transition_rates(source: Any, time_in: Any = None, confidence: float = 0.95):
    """Rates and MFPTs from a :class:`effdyn.sde.TransitionCounter` or from raw counts.

    Give either a counter, or ``counts`` ``(K, K)`` and ``time_in`` ``(K,)``.
    """
    confidence = _check_confidence(confidence)
    if time_in is None:
        counts, time_in = source.counts, source.time_in
        dsum, dsq = source.duration_sum, source.duration_sq_sum
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
    )
