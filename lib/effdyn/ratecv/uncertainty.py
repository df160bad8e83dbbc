"""Standard errors of counted rates and of reduced-model rates, for statistical claims.

A brute-force rate is a count of transitions ``n`` over an exposure ``T`` (time summed over
independent replicas); its standard error is that of a Poisson count, ``sqrt(n) / T``, so its
relative standard error is ``1 / sqrt(n)`` (:func:`poisson_stderr`,
:func:`exposure_for_relative_stderr`). A reduced-model rate is a deterministic function of the
saved frames; its sampling error comes from the frames, which are correlated within a replica
and independent between replicas, so it is estimated by resampling whole replicas
(:func:`replica_bootstrap`). Resampling every model of a chapter with the *same* replica draws
keeps the correlations between them, so differences and ratios of reduced-model rates get their
own, correct, standard errors.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "BootstrapResult",
    "difference_z",
    "exposure_for_relative_stderr",
    "poisson_stderr",
    "ratio_stderr",
    "replica_bootstrap",
]


def poisson_stderr(n_events: int, exposure: float) -> float:
    """Standard error ``sqrt(n) / T`` of a counted rate ``n / T``.

    Parameters
    ----------
    n_events : int
        Number of counted events (transitions).
    exposure : float
        Total observation time, summed over independent replicas.

    Returns
    -------
    float
        ``sqrt(max(n, 1)) / T``: with no event counted, the standard error of the rate one event
        would have given, so that a zero count still carries a finite, non-zero error.

    Raises
    ------
    ValueError
        For a negative count or a non-positive exposure.
    """
    if n_events < 0:
        raise ValueError(f"the number of events must be non-negative, got {n_events}")
    if not exposure > 0:
        raise ValueError(f"exposure time must be positive, got {exposure!r}")
    return math.sqrt(max(int(n_events), 1)) / exposure


def exposure_for_relative_stderr(n_events: int, exposure: float, target: float) -> float:
    """Exposure a counted rate needs for a relative standard error ``target``.

    A Poisson count ``n`` has relative standard error ``1 / sqrt(n)``, so ``1 / target**2``
    events are needed; at the rate ``n / T`` observed so far that takes
    ``T / (n * target**2)``.

    Parameters
    ----------
    n_events : int
        Events counted so far (at least one).
    exposure : float
        Exposure in which they were counted.
    target : float
        Wanted relative standard error, in (0, 1).

    Returns
    -------
    float
        The exposure, in the units of ``exposure``.

    Raises
    ------
    ValueError
        With no event counted (the rate is unknown), or a target outside (0, 1).
    """
    if n_events < 1:
        raise ValueError("at least one event is needed to estimate the rate")
    if not 0 < target < 1:
        raise ValueError(f"the target relative standard error must be in (0, 1), got {target!r}")
    if not exposure > 0:
        raise ValueError(f"exposure time must be positive, got {exposure!r}")
    return exposure / (n_events * target**2)


def ratio_stderr(a: float, se_a: float, b: float, se_b: float) -> float:
    """Standard error of ``a / b`` for independent ``a`` and ``b`` (first-order propagation).

    ``|a / b| * hypot(se_a / a, se_b / b)``; NaN when ``a`` or ``b`` is zero.
    """
    if a == 0 or b == 0:
        return math.nan
    return abs(a / b) * math.hypot(se_a / a, se_b / b)


def difference_z(a: float, se_a: float, b: float, se_b: float) -> float:
    """How many combined standard errors ``a`` lies above ``b``: ``(a - b) / hypot(se_a, se_b)``.

    For independent estimates; NaN when both standard errors are zero.
    """
    sigma = math.hypot(se_a, se_b)
    return (a - b) / sigma if sigma > 0 else math.nan


@dataclass(frozen=True)
class BootstrapResult:
    """Several statistics of the same data with their replica-bootstrap errors.

    Attributes
    ----------
    value : numpy.ndarray
        The statistics on the full data, shape ``(k,)``.
    samples : numpy.ndarray
        The statistics on each resample, shape ``(n_boot, k)`` (NaN where a resample failed).
    confidence : float
        Coverage of :meth:`interval`.
    """

    value: np.ndarray
    samples: np.ndarray
    confidence: float

    def stderr(self, i: int = 0) -> float:
        """Bootstrap standard error of statistic ``i`` (standard deviation over the finite
        resamples; NaN with fewer than two)."""
        s = self.samples[:, i]
        s = s[np.isfinite(s)]
        return float(s.std(ddof=1)) if s.size >= 2 else math.nan

    def interval(self, i: int = 0) -> tuple[float, float]:
        """Percentile interval of statistic ``i`` at :attr:`confidence`."""
        s = self.samples[:, i]
        s = s[np.isfinite(s)]
        if s.size < 2:
            return math.nan, math.nan
        alpha = 1 - self.confidence
        lo, hi = np.quantile(s, [alpha / 2, 1 - alpha / 2])
        return float(lo), float(hi)

    def combined(self, fn: Callable[..., float], *indices: int) -> tuple[float, float]:
        """A function of several statistics with its bootstrap standard error.

        The function is applied to the full-data values and to each resample, so the
        correlations between the statistics (all computed on the same replicas) are kept.

        Returns
        -------
        tuple of float
            ``fn(value[i], value[j], ...)`` and its bootstrap standard error.
        """
        full = float(fn(*(self.value[i] for i in indices)))
        with np.errstate(divide="ignore", invalid="ignore"):
            per = np.array([fn(*(row[i] for i in indices)) for row in self.samples], dtype=float)
        per = per[np.isfinite(per)]
        return full, float(per.std(ddof=1)) if per.size >= 2 else math.nan

    @property
    def n_failed(self) -> int:
        """Resamples in which some statistic was not finite."""
        return int((~np.isfinite(self.samples)).any(axis=1).sum())


def replica_bootstrap(
    statistic: Callable[..., Any],
    arrays: Sequence[Any],
    n_replicas: int,
    n_boot: int = 100,
    seed: int = 0,
    confidence: float = 0.95,
) -> BootstrapResult:
    """Bootstrap statistics of frames by resampling whole replicas.

    Parameters
    ----------
    statistic : callable
        ``statistic(*arrays)`` returns a float or a sequence of floats (e.g. several
        reduced-model rates); it receives the resampled arrays in the same layout.
    arrays : sequence of array-like
        Per-frame data, each with first axis of length ``n_frames = n_times * n_replicas`` in
        time-major order (frame ``k`` belongs to replica ``k % n_replicas``), as
        ``simulate(...).traj[1:].reshape(-1, dim)`` lays them out.
    n_replicas : int
        Number of independent replicas.
    n_boot : int
        Number of resamples.
    seed : int
        Seed of the resampling.
    confidence : float
        Coverage of the percentile intervals.

    Returns
    -------
    BootstrapResult

    Raises
    ------
    ValueError
        For fewer than two replicas or resamples, or arrays whose length is not a multiple of
        ``n_replicas`` or that differ in length.
    """
    if n_replicas < 2:
        raise ValueError(f"need at least two replicas, got {n_replicas}")
    if n_boot < 2:
        raise ValueError(f"need at least two resamples, got {n_boot}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    data = [np.asarray(a.detach().cpu() if hasattr(a, "detach") else a) for a in arrays]
    lengths = {a.shape[0] for a in data}
    if len(lengths) != 1:
        raise ValueError(f"arrays differ in length: {sorted(lengths)}")
    (n_frames,) = lengths
    if n_frames % n_replicas:
        raise ValueError(f"{n_frames} frames are not a whole number of {n_replicas} replicas")
    by_replica = [a.reshape(n_frames // n_replicas, n_replicas, *a.shape[1:]) for a in data]

    def evaluate(columns: np.ndarray | None) -> np.ndarray | None:
        if columns is None:
            picked = data
        else:
            picked = [a[:, columns].reshape(-1, *a.shape[2:]) for a in by_replica]
        try:
            out = np.atleast_1d(np.asarray(statistic(*picked), dtype=float))
        except (ValueError, ArithmeticError, np.linalg.LinAlgError):
            return None  # a resample the statistic cannot handle (e.g. an empty core)
        return out

    value = evaluate(None)
    if value is None:
        raise ValueError("the statistic fails on the full data")
    rng = np.random.default_rng(seed)
    samples = np.full((n_boot, value.size), np.nan)
    for k in range(n_boot):
        out = evaluate(rng.integers(0, n_replicas, size=n_replicas))
        if out is not None:
            samples[k] = out
    return BootstrapResult(value=value, samples=samples, confidence=float(confidence))
