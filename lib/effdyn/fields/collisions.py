r"""Kink-antikink collisions in :math:`\phi^4` theory: initial states, tracking, bounce counting.

A kink and an antikink sent towards each other with speed :math:`v` either reflect after one
collision (above a critical velocity :math:`v_c`), or are captured into a long-lived oscillating
bound state (a "bion"), except in narrow windows of :math:`v < v_c` where they escape after two
or more bounces (:cite:`campbell1983resonance`). The field at the centre of a symmetric collision
starts in the vacuum :math:`+v` between the pair and dips below zero at each bounce; the outcome
is read from that time series and from the zero crossings (kink centres) at the final time.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from effdyn.fields.exact import phi4_kink_antikink
from effdyn.fields.grid import PeriodicGrid
from effdyn.fields.integrators import FieldSolution

__all__ = [
    "kink_antikink_state",
    "zero_crossings",
    "count_bounces",
    "CollisionOutcome",
    "collision_outcomes",
    "critical_velocity",
    "refine_critical_velocity",
]


def _as_floats(velocities: torch.Tensor | Sequence[float]) -> list[float]:
    """Python floats in double precision (a list of floats must not pass through float32)."""
    if isinstance(velocities, torch.Tensor):
        return [float(v) for v in velocities.reshape(-1).tolist()]
    return [float(v) for v in velocities]


def kink_antikink_state(
    grid: PeriodicGrid,
    velocities: torch.Tensor | list[float] | float,
    *,
    separation: float = 20.0,
    centre: float = 0.0,
    lam: float = 1.0,
    vacuum: float = 1.0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Batched initial states of symmetric collisions, one row per velocity.

    The kink starts at ``centre - separation / 2`` moving with ``+v``, the antikink at
    ``centre + separation / 2`` moving with ``-v`` (boosted profiles superposed, see
    :func:`effdyn.fields.exact.phi4_kink_antikink`). Returns ``(phi, pi)`` of shape
    ``(len(velocities), n)`` (or ``(n,)`` for a scalar velocity).
    """
    if not separation > 0:
        raise ValueError(f"separation must be positive, got {separation!r}")
    if separation >= 0.9 * grid.length:
        raise ValueError(
            f"separation={separation!r} leaves no room on a domain of length {grid.length:g}"
        )
    scalar = isinstance(velocities, (int, float))
    vs = [float(velocities)] if scalar else _as_floats(velocities)
    phis, pis = [], []
    for v in vs:
        if not 0.0 <= v < 1.0:
            raise ValueError(f"velocities must lie in [0, 1), got {v!r}")
        p, q = phi4_kink_antikink(
            grid.x,
            positions=(centre - 0.5 * separation, centre + 0.5 * separation),
            velocities=(v, -v),
            lam=lam,
            vacuum=vacuum,
        )
        phis.append(p)
        pis.append(q)
    phi, pi = torch.stack(phis), torch.stack(pis)
    return (phi[0], pi[0]) if scalar else (phi, pi)


def zero_crossings(phi: torch.Tensor, grid: PeriodicGrid) -> torch.Tensor:
    """Positions where a 1-D field changes sign, by linear interpolation (periodic wrap).

    These are the centres of :math:`\\phi^4` kinks and antikinks (for the vacua :math:`\\pm v`).
    """
    if phi.dim() != 1 or phi.shape[0] != grid.n:
        raise ValueError(f"phi must be one field of shape ({grid.n},), got {tuple(phi.shape)}")
    nxt = torch.roll(phi, -1)
    idx = torch.nonzero((phi > 0) != (nxt > 0)).flatten()
    f0, f1 = phi[idx], nxt[idx]
    frac = f0 / (f0 - f1)
    x = grid.x[idx] + frac * grid.dx
    return torch.remainder(x - grid.x0, grid.length) + grid.x0


def count_bounces(centre_field: torch.Tensor, threshold: float = 0.0) -> torch.Tensor:
    """Number of downward crossings of ``threshold`` by the field at the collision centre.

    ``centre_field`` has time in its first dimension, shape ``(n_t, *batch)``. Each collision of
    a symmetric pair drives the centre from the vacuum :math:`+v` through zero, so one reflection
    counts one bounce; a bion keeps counting.
    """
    above = centre_field > threshold
    down = above[:-1] & ~above[1:]
    return down.sum(dim=0)


@dataclass(frozen=True)
class CollisionOutcome:
    """What happened in one symmetric collision.

    Attributes
    ----------
    velocity : float
        Initial speed of each soliton.
    bounces : int
        Number of collisions (downward zero crossings at the centre) during the run.
    escaped : bool
        Whether, at the final time, the field holds exactly one kink and one antikink,
        separated by more than ``min_separation`` and moving apart.
    final_half_separation : float
        Half the distance between the two outermost zero crossings at the final time (nan if
        there are none).
    outgoing_velocity : float
        Rate of change of the half separation over the last quarter of the run (nan if the
        pair has not escaped).
    """

    velocity: float
    bounces: int
    escaped: bool
    final_half_separation: float
    outgoing_velocity: float

    @property
    def one_bounce_escape(self) -> bool:
        """Reflection after a single collision (what happens above the critical velocity)."""
        return self.escaped and self.bounces == 1


def _half_separation(phi: torch.Tensor, grid: PeriodicGrid) -> float:
    xs = zero_crossings(phi, grid)
    if xs.numel() < 2:
        return math.nan
    return 0.5 * float(xs.max() - xs.min())


def collision_outcomes(
    sol: FieldSolution,
    velocities: torch.Tensor | list[float],
    *,
    centre: float = 0.0,
    min_separation: float = 4.0,
) -> list[CollisionOutcome]:
    """Classify every run of a batched collision solution (``sol.phi``: ``(n_t, B, n)``).

    The snapshots must be frequent enough to resolve a bounce (every ~0.5 time units or less).
    """
    vs = _as_floats(velocities)
    if sol.phi.dim() != 3 or sol.phi.shape[1] != len(vs):
        raise ValueError(
            f"sol.phi must have shape (n_t, {len(vs)}, n) for {len(vs)} velocities, "
            f"got {tuple(sol.phi.shape)}"
        )
    grid = sol.grid
    j = int(torch.argmin((grid.x - centre).abs()))
    bounces = count_bounces(sol.phi[:, :, j])
    n_t = sol.phi.shape[0]
    i_late = max(0, n_t - 1 - max(1, n_t // 4))
    t_late, t_end = float(sol.t[i_late]), float(sol.t[-1])
    out = []
    for b, v in enumerate(vs):
        final = sol.phi[-1, b]
        n_cross = zero_crossings(final, grid).numel()
        d_end = _half_separation(final, grid)
        d_late = _half_separation(sol.phi[i_late, b], grid)
        moving_apart = math.isfinite(d_end) and math.isfinite(d_late) and d_end > d_late
        escaped = (
            n_cross == 2
            and bool(final[j] > 0)
            and math.isfinite(d_end)
            and 2 * d_end > min_separation
            and moving_apart
        )
        v_out = (d_end - d_late) / (t_end - t_late) if escaped else math.nan
        out.append(CollisionOutcome(v, int(bounces[b]), escaped, d_end, v_out))
    return out


def critical_velocity(outcomes: list[CollisionOutcome]) -> tuple[float, float, float]:
    """Bracket the critical velocity from a velocity scan.

    Returns ``(estimate, lower, upper)``: ``upper`` is the smallest scanned velocity above which
    every run reflects after one bounce, ``lower`` the scanned velocity just below it, and the
    estimate their midpoint. Raises ``ValueError`` if the scan does not bracket the transition.
    """
    rows = sorted(outcomes, key=lambda o: o.velocity)
    if len(rows) < 2:
        raise ValueError("outcomes must hold at least two velocities")
    i = len(rows)
    while i > 0 and rows[i - 1].one_bounce_escape:
        i -= 1
    if i == len(rows):
        raise ValueError("no scanned velocity reflects after one bounce: raise the upper velocity")
    if i == 0:
        raise ValueError("every scanned velocity reflects after one bounce: lower the velocities")
    lower, upper = rows[i - 1].velocity, rows[i].velocity
    return 0.5 * (lower + upper), lower, upper


def refine_critical_velocity(
    simulate: Callable[[list[float]], list[CollisionOutcome]],
    outcomes: list[CollisionOutcome],
    *,
    n_per_round: int = 8,
    rounds: int = 2,
) -> tuple[float, float, float, list[CollisionOutcome]]:
    """Narrow the bracket of :func:`critical_velocity` by batched subdivision (bisection-like).

    Each round simulates ``n_per_round`` velocities spaced evenly strictly inside the current
    bracket ``(lower, upper)`` (one batched run) and recomputes the bracket from all outcomes so
    far, so the width shrinks by a factor ``n_per_round + 1`` per round (``n_per_round = 1`` is
    bisection). Below :math:`v_c` no run reflects after a single bounce (the escape windows
    need two or more), so the predicate "reflects after one bounce" is a step in :math:`v` and
    the subdivision keeps the step inside the bracket.

    Parameters
    ----------
    simulate : callable
        ``simulate(velocities) -> list[CollisionOutcome]``, one outcome per velocity (e.g. a
        batched :func:`~effdyn.fields.integrators.solve` followed by :func:`collision_outcomes`).
    outcomes : list of CollisionOutcome
        A coarse scan that brackets the transition (see :func:`critical_velocity`).
    n_per_round : int
        Velocities per round (>= 1).
    rounds : int
        Number of rounds (>= 0).

    Returns
    -------
    estimate, lower, upper : float
        As :func:`critical_velocity`, for the refined bracket.
    outcomes : list of CollisionOutcome
        All outcomes, the coarse scan followed by those of the rounds.

    Raises
    ------
    ValueError
        For ``n_per_round < 1``, ``rounds < 0``, a scan that does not bracket the transition, or
        a ``simulate`` that does not return one outcome per velocity.
    """
    if n_per_round < 1:
        raise ValueError(f"n_per_round must be at least 1, got {n_per_round!r}")
    if rounds < 0:
        raise ValueError(f"rounds must be non-negative, got {rounds!r}")
    out = list(outcomes)
    est, lower, upper = critical_velocity(out)
    for _ in range(rounds):
        width = upper - lower
        vs = [lower + width * (i + 1) / (n_per_round + 1) for i in range(n_per_round)]
        new = simulate(vs)
        if len(new) != len(vs):
            raise ValueError(f"simulate returned {len(new)} outcomes for {len(vs)} velocities")
        out.extend(new)
        est, lower, upper = critical_velocity(out)
    return est, lower, upper, out
