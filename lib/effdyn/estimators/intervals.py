"""Point estimates with confidence intervals."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

__all__ = ["Estimate", "batch_means_ci", "bootstrap_ci", "mean_ci", "poisson_rate"]


@dataclass(frozen=True)
class Estimate:
    """A value with a confidence interval ``[low, high]``.

    Attributes
    ----------
    value, low, high : float
    confidence : float
        Nominal coverage of ``[low, high]`` (e.g. 0.95).
    n : int
        Number of samples or events behind it.
    method : str
        How it was obtained (shown in reports).
    """

    value: float
    low: float
    high: float
    confidence: float
    n: int
    method: str

    def __float__(self) -> float:
        return float(self.value)

    def contains(self, x: float) -> bool:
        """Whether ``x`` lies in ``[low, high]``."""
        return self.low <= x <= self.high

    @property
    def relative_halfwidth(self) -> float:
        """``(high - low) / (2 |value|)``."""
        return (self.high - self.low) / (2 * abs(self.value)) if self.value else math.inf

    def __str__(self) -> str:
        c = round(100 * self.confidence)
        return f"{self.value:.6g} [{self.low:.6g}, {self.high:.6g}] ({c}% CI, n={self.n})"


def _as_array(x: Any) -> np.ndarray:
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    return np.asarray(x, dtype=np.float64)


def _check_confidence(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    return float(confidence)


def mean_ci(samples: Any, confidence: float = 0.95) -> Estimate:
    """Sample mean with a Student-t interval (independent samples)."""
    x = _as_array(samples).ravel()
    confidence = _check_confidence(confidence)
    if x.size < 2:
        raise ValueError(f"need at least two samples, got {x.size}")
    if not np.all(np.isfinite(x)):
        raise ValueError("samples contain NaN or inf")
    m = float(x.mean())
    half = float(stats.t.ppf(0.5 + confidence / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return Estimate(m, m - half, m + half, confidence, x.size, "mean, t interval")


def batch_means_ci(series: Any, n_batches: int = 20, confidence: float = 0.95) -> Estimate:
    """Mean of a correlated time series with a batch-means interval.

    The series (axis 0 is time; further axes, e.g. independent trajectories, are averaged
    within each batch) is cut into ``n_batches`` contiguous batches whose means are treated as
    independent; this is valid when a batch is much longer than the correlation time.
    """
    x = _as_array(series)
    if x.shape[0] < n_batches:
        raise ValueError(f"series of length {x.shape[0]} is shorter than n_batches={n_batches}")
    usable = x.shape[0] // n_batches * n_batches
    means = x[:usable].reshape(n_batches, -1).mean(axis=1)
    est = mean_ci(means, confidence)
    return Estimate(est.value, est.low, est.high, est.confidence, x.shape[0], "batch means")


def bootstrap_ci(
    samples: Any,
    statistic: Callable[[np.ndarray], float] = np.mean,
    confidence: float = 0.95,
    n_boot: int = 2000,
    seed: int = 0,
) -> Estimate:
    """A statistic of independent samples with a percentile-bootstrap interval."""
    x = _as_array(samples)
    confidence = _check_confidence(confidence)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, x.shape[0], size=(n_boot, x.shape[0]))
    boot = np.array([statistic(x[i]) for i in idx])
    alpha = 1 - confidence
    lo, hi = np.quantile(boot, [alpha / 2, 1 - alpha / 2])
    return Estimate(float(statistic(x)), float(lo), float(hi), confidence, x.shape[0], "bootstrap")


def poisson_rate(n_events: int, exposure: float, confidence: float = 0.95) -> Estimate:
    """Rate ``n / T`` of a Poisson process with the exact (Garwood) interval.

    ``exposure`` is the total observation time (summed over trajectories).
    """
    confidence = _check_confidence(confidence)
    if exposure <= 0:
        raise ValueError(f"exposure time must be positive, got {exposure!r}")
    n = int(n_events)
    alpha = 1 - confidence
    low = stats.chi2.ppf(alpha / 2, 2 * n) / (2 * exposure) if n > 0 else 0.0
    high = stats.chi2.ppf(1 - alpha / 2, 2 * n + 2) / (2 * exposure)
    return Estimate(n / exposure, float(low), float(high), confidence, n, "Poisson (Garwood)")
