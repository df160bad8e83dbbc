"""Automatic detection of the failure modes of moment-closure approximations.

Schnoerr, Sanguinetti & Grima (2014) list what goes wrong outside the validity range of a
moment-closure approximation (MA): unphysical solutions (negative means or variances, or a
solution that diverges), steady-state moments that depend on the initial condition, and
qualitatively wrong (undamped) oscillations. Their remedy is to compare MA solutions of
increasing order. The functions here decide each of these from numbers, not by eye.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from effdyn.kinetics.moments import MomentEquations, MomentSolution

__all__ = [
    "ClosureVerdict",
    "assess_closure",
    "count_distinct",
    "is_physical",
    "late_amplitude",
    "oscillation_decay",
]


def is_physical(solution: MomentSolution, rtol: float = 1e-9) -> bool:
    """Whether the solution exists up to the final time with non-negative means and variances.

    A negative value beyond ``rtol`` times the largest mean counts as unphysical.
    """
    if not solution.success:
        return False
    scale = 1.0 + float(np.max(np.abs(solution.mean)))
    return bool(solution.mean.min() >= -rtol * scale and solution.var.min() >= -rtol * scale)


def count_distinct(points: Sequence[np.ndarray], rtol: float = 1e-3) -> int:
    """Number of distinct vectors among ``points``: two are the same if every component agrees
    within ``rtol`` relative to ``1 + |component|``."""
    reps: list[np.ndarray] = []
    for p in points:
        p = np.asarray(p, dtype=float)
        if not any(np.all(np.abs(p - q) <= rtol * (1.0 + np.abs(q))) for q in reps):
            reps.append(p)
    return len(reps)


def late_amplitude(t: np.ndarray, signal: np.ndarray, window: float) -> float:
    """Half the peak-to-peak range of ``signal`` over the last ``window`` time units."""
    t, signal = np.asarray(t), np.asarray(signal)
    mask = t >= t[-1] - window
    if mask.sum() < 2:
        raise ValueError("window must cover at least two time points")
    return 0.5 * float(signal[mask].max() - signal[mask].min())


def oscillation_decay(t: np.ndarray, signal: np.ndarray, window: float) -> float:
    """Ratio of the oscillation amplitude in the last ``window`` to that in the window before it.

    About 1 for sustained (undamped) oscillations, well below 1 for damped ones.
    """
    t, signal = np.asarray(t), np.asarray(signal)
    if t[-1] - t[0] < 2 * window:
        raise ValueError("the time series must span at least two windows")
    late = late_amplitude(t, signal, window)
    earlier_mask = (t >= t[-1] - 2 * window) & (t < t[-1] - window)
    earlier = 0.5 * float(signal[earlier_mask].max() - signal[earlier_mask].min())
    return late / earlier if earlier > 0 else float("inf") if late > 0 else 0.0


@dataclass
class ClosureVerdict:
    """What one MA order does for one parameter set, from several initial conditions.

    Attributes
    ----------
    physical : bool
        Every run is physical (:func:`is_physical`) and relaxed to a fixed point.
    n_steady_states : int
        Number of distinct steady states reached from the initial conditions.
    mean, var : numpy.ndarray
        Steady-state means and variances from the first initial condition, shape ``(S,)``
        (``nan`` where the run was unphysical).
    steady_states : list of numpy.ndarray
        Steady-state (mean, variance) vectors from each initial condition.
    """

    physical: bool
    n_steady_states: int
    mean: np.ndarray
    var: np.ndarray
    steady_states: list[np.ndarray] = field(default_factory=list)

    @property
    def unique(self) -> bool:
        """Physical and independent of the initial condition."""
        return self.physical and self.n_steady_states == 1


def assess_closure(
    equations: MomentEquations,
    initial_conditions: Sequence[Sequence[float]],
    rates: np.ndarray | None = None,
    *,
    t_relax: float = 100.0,
    n_points: int = 201,
    rtol: float = 1e-3,
) -> ClosureVerdict:
    """Run an MA from several deterministic initial conditions and classify the outcome.

    Each run is integrated to ``t_relax``; it is physical if :func:`is_physical` holds along the
    whole path, and its end point is then polished to a fixed point with
    :meth:`MomentEquations.steady_state`. Runs that do not settle (sustained oscillations,
    divergence) count as unphysical here; use :func:`oscillation_decay` to tell them apart.
    """
    if len(initial_conditions) == 0:
        raise ValueError("initial_conditions must hold at least one state")
    n_s = equations.network.n_species
    t = np.linspace(0.0, t_relax, n_points)
    physical = True
    points, first_mean, first_var = [], None, None
    for x0 in initial_conditions:
        sol = equations.solve(np.asarray(x0, dtype=float), t, rates)
        ok = is_physical(sol)
        if ok:
            state, converged = equations.steady_state(sol.state[-1], rates, t_relax=t_relax / 4)
            mean, cov = equations.mean_and_cov(state)
            ok = converged and bool(mean.min() >= 0) and bool(np.diag(cov).min() >= 0)
        if not ok:
            physical = False
            mean, cov = np.full(n_s, np.nan), np.full((n_s, n_s), np.nan)
        else:
            points.append(np.concatenate([mean, np.diag(cov)]))
        if first_mean is None:
            first_mean, first_var = mean, np.diag(cov).copy()
    return ClosureVerdict(
        physical=physical,
        n_steady_states=count_distinct(points, rtol) if points else 0,
        mean=first_mean,
        var=first_var,
        steady_states=points,
    )
