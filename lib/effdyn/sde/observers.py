"""Observers: statistics accumulated on the fly during :func:`~effdyn.sde.simulate`.

An observer sees the positions ``(B, d)`` of all trajectories every ``every`` steps, so that long
runs need not store trajectories. Updates are free of host synchronisation (masks, ``where``,
``bincount``), except where a class says otherwise.

- :class:`FirstPassage`: first time each trajectory enters a target set (MFPTs).
- :class:`BridgedFirstPassage`: the same for a target ``{level(x) <= 0}``, with a
  Brownian-bridge test for the crossings between two checks (first-passage bias O(dt) instead
  of O(sqrt(dt))).
- :class:`TransitionCounter`: transitions between core sets, time spent "last in" each core
  (rates, MFPTs between metastable sets), by core-set (milestoning) assignment.
- :class:`Histogram`: a running histogram of the positions or of a function of them.

Write your own by subclassing :class:`Observer` (``start``, ``update``, and ``done`` if it may
stop the run).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from effdyn.sde.sets import Ball, Interval, Region, as_region

__all__ = [
    "BridgedFirstPassage",
    "FirstPassage",
    "Histogram",
    "Observer",
    "TransitionCounter",
    "count_transitions",
]

Tensor = torch.Tensor


class Observer:
    """Base class of the on-the-fly observers.

    Attributes
    ----------
    every : int
        The observer is updated after every ``every``-th step (and started at the initial state).
    stop : bool
        If true, :func:`~effdyn.sde.simulate` ends the run once :attr:`done` is true (checked
        once per block of steps).
    """

    every: int = 1
    stop: bool = False

    def _set_every(self, every: int) -> None:
        if isinstance(every, bool) or int(every) != every or every < 1:
            raise ValueError(f"every must be a positive integer, got {every!r}")
        self.every = int(every)

    def start(self, x: Tensor, t: float, dt: float) -> None:
        """Called once with the initial positions before the first step."""

    def update(self, x: Tensor, t: float) -> None:
        """Called with the positions after every ``every``-th step, at time ``t``."""

    @property
    def done(self) -> bool:
        """Whether the observer has seen all it needs (used with ``stop=True``)."""
        return False


class FirstPassage(Observer):
    """First-passage times into a target set.

    ``times[i]`` is the first observed time (measured from the start of the run) at which
    trajectory ``i`` is in ``target``; ``0`` if it starts there; ``inf`` if it never got there
    (censored at :attr:`horizon`). The set is checked every ``every`` steps, so times are
    resolved to ``every * dt`` and crossings between checks are missed (a small upward bias of
    order ``sqrt(dt)`` for diffusions).

    Parameters
    ----------
    target : Region or callable ``x -> bool (B,)``
    every : int
    stop : bool
        End the run when every trajectory has arrived.
    """

    def __init__(self, target: Region | Callable[[Tensor], Tensor], every: int = 1, stop=False):
        self.target = as_region(target)
        self._set_every(every)
        self.stop = bool(stop)
        self.times: Tensor | None = None
        self.hit: Tensor | None = None
        self.horizon = 0.0

    def start(self, x: Tensor, t: float, dt: float) -> None:
        self.t0 = t
        self.hit = self.target(x)
        zero = torch.zeros((), dtype=torch.float64, device=x.device)
        self.times = torch.where(self.hit, zero, torch.full_like(zero, float("inf")))
        self.horizon = 0.0

    def update(self, x: Tensor, t: float) -> None:
        inside = self.target(x)
        new = inside & ~self.hit
        elapsed = t - self.t0
        self.times = torch.where(new, torch.full_like(self.times, elapsed), self.times)
        self.hit = self.hit | inside
        self.horizon = elapsed

    @property
    def done(self) -> bool:
        return self.hit is not None and bool(self.hit.all())

    @property
    def fraction_hit(self) -> float:
        """Fraction of trajectories that reached the target."""
        return float(self.hit.double().mean())

    def mfpt(self, confidence: float = 0.95, method: str = "auto"):
        """The MFPT with a confidence interval (see :func:`effdyn.estimators.mfpt`)."""
        from effdyn.estimators import mfpt

        return mfpt(self.times, horizon=self.horizon, confidence=confidence, method=method)


def _signed_distance(target: Any) -> Callable[[Tensor], Tensor] | None:
    """The signed distance to the boundary of a :class:`Ball` or :class:`Interval` (negative
    inside), or ``None`` for other targets."""
    if isinstance(target, Ball):

        def ball(x: Tensor) -> Tensor:
            c = target._param("center", target.center, x)
            return torch.sqrt(((x - c) ** 2).sum(dim=-1)) - target.radius

        return ball
    if isinstance(target, Interval):

        def interval(x: Tensor) -> Tensor:
            v = x[..., target.coordinate]
            return torch.maximum(target.low - v, v - target.high)

        return interval
    return None


class BridgedFirstPassage(FirstPassage):
    """First-passage times into ``{level(x) <= 0}``, with a Brownian-bridge test between checks.

    A first passage detected only at the checks misses the paths that cross the boundary and
    come back between two of them, which biases the MFPT upwards by ``O(sqrt(dt))``. Between two
    checks ``Delta`` apart at which a trajectory is outside, the boundary is linearised at each
    end (``a = level(x) / |grad level(x)|``, the distance to it) and the path is treated as a
    Brownian bridge of variance ``s2`` per unit time normal to the boundary; it crossed with
    probability ``exp(-2 a_0 a_1 / (s2 Delta))`` (the reflection principle), and a uniform
    number decides whether it did. For Brownian motion with a constant drift and a flat boundary
    this is exact, and the first-passage law is then exact at the check times; for a diffusion
    the bias left is ``O(dt)`` (Gobet 2000, Mannella 1999).

    A detected passage is recorded at the end of its check interval, as in
    :class:`FirstPassage`, so :attr:`times` are resolved to ``every * dt``.

    Parameters
    ----------
    target : Ball, Interval or callable ``x -> (B,)``
        A :class:`~effdyn.sde.Ball` or :class:`~effdyn.sde.Interval` (their signed distance is
        used), or a *level function*: the target is ``{level(x) <= 0}``, its gradient is taken
        by automatic differentiation unless ``grad`` is given.
    noise_variance : float or callable ``x -> (B,)``
        Variance per unit time of the noise normal to the boundary: ``sigma^2`` for isotropic
        additive noise ``sigma dW`` (``2 / beta`` for overdamped Langevin dynamics), or a
        function of the positions for state-dependent noise (evaluated at the start of each
        check interval).
    every : int
    stop : bool
        End the run when every trajectory has arrived.
    seed : int
        Seed of the uniform numbers of the bridge test (drawn on the positions' device).
    grad : callable ``x -> (B, d)``, optional
        Gradient of ``level`` (default: automatic differentiation).

    References
    ----------
    .. [1] E. Gobet, Weak approximation of killed diffusion using Euler schemes, Stochastic
       Processes and their Applications 87 (2000) 167-197.
    .. [2] R. Mannella, Absorbing boundaries and optimal stopping in a stochastic differential
       equation, Physics Letters A 254 (1999) 257-262.
    """

    def __init__(
        self,
        target: Region | Callable[[Tensor], Tensor],
        noise_variance: float | Callable[[Tensor], Tensor],
        every: int = 1,
        stop: bool = False,
        seed: int = 0,
        grad: Callable[[Tensor], Tensor] | None = None,
    ) -> None:
        distance = _signed_distance(target)
        if distance is None and not callable(target):
            raise TypeError(
                f"target must be a Ball, an Interval or a level function, got {type(target)}"
            )
        if distance is None and isinstance(target, Region):
            raise TypeError(
                f"{type(target).__name__} has no level function: pass a callable x -> (B,) "
                "whose sub-zero set is the target"
            )
        self._distance = distance
        self._level = target if distance is None else None
        self._grad = grad
        if not callable(noise_variance):
            if not (math.isfinite(float(noise_variance)) and float(noise_variance) > 0):
                raise ValueError(f"noise_variance must be positive, got {noise_variance!r}")
            noise_variance = float(noise_variance)
        self.noise_variance = noise_variance
        self.seed = int(seed)
        super().__init__(lambda x: self.distance(x) <= 0, every=every, stop=stop)

    def distance(self, x: Tensor) -> Tensor:
        """Signed distance to the (linearised) boundary, negative inside the target ``(B,)``."""
        if self._distance is not None:
            return self._distance(x)
        if self._grad is not None:
            g = self._grad(x)
            value = self._level(x)
        else:
            with torch.enable_grad():
                xg = x.detach().requires_grad_(True)
                level = self._level(xg)
                (g,) = torch.autograd.grad(level.sum(), xg)
            value = level.detach()
        norm = torch.linalg.vector_norm(g, dim=-1).clamp_min(torch.finfo(x.dtype).tiny)
        return value / norm

    def _variance(self, x: Tensor) -> Tensor | float:
        if callable(self.noise_variance):
            return self.noise_variance(x)
        return self.noise_variance

    @property
    def n_bridged(self) -> int:
        """Passages detected by the bridge test only (the path was outside at both checks)."""
        return int(self._n_bridged)

    def start(self, x: Tensor, t: float, dt: float) -> None:
        super().start(x, t, dt)
        self._gen = torch.Generator(device=x.device).manual_seed(self.seed)
        self._d_prev = self.distance(x)
        self._x_prev = x.clone()
        self._t_prev = t
        self._n_bridged = torch.zeros((), dtype=torch.long, device=x.device)

    def update(self, x: Tensor, t: float) -> None:
        d = self.distance(x)
        delta = t - self._t_prev
        s2 = self._variance(self._x_prev)
        outside = (self._d_prev > 0) & (d > 0)
        p = torch.exp(-2.0 * self._d_prev.clamp_min(0) * d.clamp_min(0) / (s2 * delta))
        u = torch.rand(d.shape, generator=self._gen, device=d.device, dtype=d.dtype)
        crossed = outside & (u < p)
        inside = (d <= 0) | crossed
        new = inside & ~self.hit
        elapsed = t - self.t0
        self.times = torch.where(new, torch.full_like(self.times, elapsed), self.times)
        self.hit = self.hit | inside
        self.horizon = elapsed
        self._n_bridged += (crossed & new).sum()
        self._d_prev, self._x_prev, self._t_prev = d, x.clone(), t


class TransitionCounter(Observer):
    """Transitions between core sets, counted on the fly (core-set / milestoning assignment).

    Each trajectory carries the label of the last core it visited (``-1`` before the first).
    When it enters core ``j`` while labelled ``i != j``, a transition ``i -> j`` is counted,
    together with its duration: the time since the trajectory took label ``i`` (its first entry
    into ``i`` after leaving another core), which is a sample of the first-passage time from
    ``i`` to the other cores. The total time spent with each label (:attr:`time_in`) gives the
    rates ``k_ij = counts_ij / time_in_i``; for two cores ``time_in_A / counts_AB`` estimates
    MFPT(A -> B).

    The lengths of the completed sojourns (time with label ``i`` until the next core entry, in
    check intervals ``every * dt``) are kept as a histogram per core (:attr:`sojourns`), and
    the sojourns still under way are available at any time (:attr:`open_sojourns`), so that
    :func:`~effdyn.estimators.transition_rates` can correct the mean duration for the
    censoring at the end of the run (Kaplan-Meier).

    Parameters
    ----------
    cores : sequence of Region or callables
        Disjoint core sets (where they overlap, the later one wins).
    every : int
    record_events : bool
        Also keep every transition (trajectory, from, to, time, duration) in :attr:`events`;
        this synchronises with the host at each update, cheap on a CPU but not on a GPU.
    """

    def __init__(
        self,
        cores: Sequence[Region | Callable[[Tensor], Tensor]],
        every: int = 1,
        record_events: bool = False,
    ) -> None:
        if len(cores) < 2:
            raise ValueError(f"need at least two core sets, got {len(cores)}")
        self.cores = [as_region(c) for c in cores]
        self._set_every(every)
        self.record_events = bool(record_events)
        self.events: list[tuple[int, int, int, float, float]] = []

    @property
    def n_cores(self) -> int:
        return len(self.cores)

    def assign(self, x: Tensor) -> Tensor:
        """The index of the core containing each position, or ``-1`` (shape ``(B,)``)."""
        label = torch.full(x.shape[:-1], -1, dtype=torch.long, device=x.device)
        for k, core in enumerate(self.cores):
            label = torch.where(core(x), k, label)
        return label

    def start(self, x: Tensor, t: float, dt: float) -> None:
        K, dev = self.n_cores, x.device
        self.label = self.assign(x)
        nan = torch.full(self.label.shape, float("nan"), dtype=torch.float64, device=dev)
        self.entry = torch.where(self.label >= 0, torch.full_like(nan, t), nan)
        self._counts = torch.zeros(K * K, dtype=torch.long, device=dev)
        self._dsum = torch.zeros(K * K, dtype=torch.float64, device=dev)
        self._dsq = torch.zeros(K * K, dtype=torch.float64, device=dev)
        self._time_in = torch.zeros(K, dtype=torch.float64, device=dev)
        self._t_last = t
        self.spacing = float(dt) * self.every
        self._n_checks = 0
        self._sojourn = torch.zeros((K, 16), dtype=torch.long, device=dev)
        self.events = []

    def _length(self, t: float) -> Tensor:
        """Sojourn lengths ``t - entry`` in check intervals (rounded; NaN entries give 0)."""
        n = torch.nan_to_num((t - self.entry) / self.spacing, nan=0.0)
        return n.round().long()

    def update(self, x: Tensor, t: float) -> None:
        K = self.n_cores
        occupied = torch.bincount(self.label + 1, minlength=K + 1)[1:]
        self._time_in += (t - self._t_last) * occupied.double()
        new = self.assign(x)
        trans = (new >= 0) & (new != self.label)
        real = trans & (self.label >= 0)
        idx = torch.where(real, self.label * K + new + 1, 0)
        dur = torch.where(real, t - self.entry, 0.0)
        self._counts += torch.bincount(idx, minlength=K * K + 1)[1:]
        self._dsum += torch.bincount(idx, weights=dur, minlength=K * K + 1)[1:]
        self._dsq += torch.bincount(idx, weights=dur * dur, minlength=K * K + 1)[1:]
        self._n_checks += 1
        cap = self._sojourn.shape[1]
        if self._n_checks >= cap:  # a sojourn is at most as long as the run: grow in time
            grown = torch.zeros((K, 2 * cap), dtype=torch.long, device=x.device)
            grown[:, :cap] = self._sojourn
            self._sojourn, cap = grown, 2 * cap
        length = self._length(t).clamp_(0, cap - 1)
        where = torch.where(real, self.label * cap + length + 1, 0)
        self._sojourn += torch.bincount(where, minlength=K * cap + 1)[1:].view(K, cap)
        if self.record_events:
            for i in real.nonzero().flatten().tolist():
                self.events.append((i, int(self.label[i]), int(new[i]), float(t), float(dur[i])))
        self.entry = torch.where(trans, torch.full_like(self.entry, t), self.entry)
        self.label = torch.where(trans, new, self.label)
        self._t_last = t

    @property
    def counts(self) -> np.ndarray:
        """``counts[i, j]``: number of transitions from core ``i`` to core ``j``."""
        return self._counts.view(self.n_cores, self.n_cores).cpu().numpy()

    @property
    def time_in(self) -> np.ndarray:
        """Total time (summed over trajectories) spent with each core as last visited."""
        return self._time_in.cpu().numpy()

    @property
    def duration_sum(self) -> np.ndarray:
        """Sum of the durations of the ``i -> j`` transitions."""
        return self._dsum.view(self.n_cores, self.n_cores).cpu().numpy()

    @property
    def duration_sq_sum(self) -> np.ndarray:
        """Sum of the squared durations of the ``i -> j`` transitions."""
        return self._dsq.view(self.n_cores, self.n_cores).cpu().numpy()

    @property
    def sojourns(self) -> np.ndarray:
        """``sojourns[i, k]``: completed sojourns with label ``i`` of ``k`` check intervals."""
        return self._sojourn[:, : self._n_checks + 1].cpu().numpy()

    @property
    def open_sojourns(self) -> np.ndarray:
        """``open_sojourns[i, k]``: sojourns with label ``i`` under way for ``k`` intervals.

        These are right-censored: each will last longer than ``k`` intervals.
        """
        K, cap = self.n_cores, self._n_checks + 1
        length = self._length(self._t_last).clamp_(0, cap - 1)
        where = torch.where(self.label >= 0, self.label * cap + length + 1, 0)
        return torch.bincount(where, minlength=K * cap + 1)[1:].view(K, cap).cpu().numpy()

    def rates(self, confidence: float = 0.95):
        """Rates and MFPTs with intervals (see :func:`effdyn.estimators.transition_rates`)."""
        from effdyn.estimators import transition_rates

        return transition_rates(self, confidence=confidence)


class Histogram(Observer):
    """A running histogram of the positions, or of ``fn(positions)``, on a regular grid.

    Parameters
    ----------
    low, high : float or sequence of float
        Range per histogrammed coordinate.
    bins : int or sequence of int
        Number of bins per coordinate.
    fn : callable ``x -> (B,)`` or ``(B, k)``, optional
        What to histogram (default: the positions themselves, ``k = d``).
    every : int

    The initial state is not counted. Samples outside the range are counted in
    :attr:`n_outside`.
    """

    def __init__(
        self,
        low: float | Sequence[float],
        high: float | Sequence[float],
        bins: int | Sequence[int],
        fn: Callable[[Tensor], Tensor] | None = None,
        every: int = 1,
    ) -> None:
        low_a = np.atleast_1d(np.asarray(low, dtype=np.float64))
        high_a = np.atleast_1d(np.asarray(high, dtype=np.float64))
        bins_a = np.atleast_1d(np.asarray(bins))
        k = max(len(low_a), len(high_a), len(bins_a))
        low_a, high_a, bins_a = (np.broadcast_to(a, (k,)).copy() for a in (low_a, high_a, bins_a))
        if np.any(~np.isfinite(low_a)) or np.any(high_a <= low_a):
            raise ValueError(f"need finite low < high, got {low!r} and {high!r}")
        if np.any(bins_a < 1) or np.any(bins_a != np.round(bins_a)):
            raise ValueError(f"bins must be positive integers, got {bins!r}")
        self.low, self.high, self.bins = low_a, high_a, bins_a.astype(np.int64)
        self.fn = fn
        self._set_every(every)
        self._counts: Tensor | None = None
        self._outside: Tensor | None = None

    @property
    def edges(self) -> list[np.ndarray]:
        return [
            np.linspace(a, b, n + 1) for a, b, n in zip(self.low, self.high, self.bins, strict=True)
        ]

    @property
    def centers(self) -> list[np.ndarray]:
        return [0.5 * (e[1:] + e[:-1]) for e in self.edges]

    def start(self, x: Tensor, t: float, dt: float) -> None:
        dev, k = x.device, len(self.bins)
        v = self._values(x)
        if v.shape[-1] != k:
            raise ValueError(f"histogram has {k} coordinate(s), the observable has {v.shape[-1]}")
        self._lo = torch.as_tensor(self.low, dtype=x.dtype, device=dev)
        self._inv_w = torch.as_tensor(self.bins / (self.high - self.low), dtype=x.dtype, device=dev)
        self._nb = torch.as_tensor(self.bins, device=dev)
        strides = np.concatenate([np.cumprod(self.bins[::-1])[::-1][1:], [1]])
        self._strides = torch.as_tensor(strides, device=dev)
        self._n = int(np.prod(self.bins))
        self._counts = torch.zeros(self._n, dtype=torch.long, device=dev)
        self._outside = torch.zeros((), dtype=torch.long, device=dev)

    def _values(self, x: Tensor) -> Tensor:
        v = x if self.fn is None else self.fn(x)
        return v.unsqueeze(-1) if v.ndim == 1 else v

    def update(self, x: Tensor, t: float) -> None:
        v = self._values(x)
        idx = torch.floor((v - self._lo) * self._inv_w).long()
        valid = ((idx >= 0) & (idx < self._nb)).all(dim=-1)
        flat = torch.where(valid, (idx * self._strides).sum(dim=-1) + 1, 0)
        self._counts += torch.bincount(flat, minlength=self._n + 1)[1:]
        self._outside += (~valid).sum()

    @property
    def counts(self) -> np.ndarray:
        """Counts, shape ``bins``."""
        return self._counts.view(*self.bins.tolist()).cpu().numpy()

    @property
    def n_outside(self) -> int:
        return int(self._outside)

    def density(self) -> np.ndarray:
        """The density on the bins, normalised to integrate to one over the range."""
        counts = self.counts.astype(np.float64)
        volume = np.prod((self.high - self.low) / self.bins)
        return counts / (counts.sum() * volume)

    def free_energy(self, beta: float, min_count: int = 1) -> np.ndarray:
        """``F = -log(density) / beta``, shifted to minimum 0; NaN where counts < min_count."""
        from effdyn.estimators import free_energy_from_counts

        return free_energy_from_counts(self.counts, beta, min_count=min_count)


def count_transitions(
    traj: Any, cores: Any, dt: float, t0: float = 0.0, record_events: bool = False
):
    """Count core-to-core transitions in saved trajectories ``(n_frames, B, d)``.

    ``dt`` is the time between frames. The frames are fed, in order, to an
    :class:`TransitionCounter` (the same code that counts on the fly), which is returned; see it
    for the definitions. Turn the counts into rates with
    :func:`effdyn.estimators.transition_rates`.
    """
    x = torch.as_tensor(traj)
    if x.ndim == 2:  # (n_frames, B) of a 1-D system
        x = x.unsqueeze(-1)
    if x.ndim != 3:
        raise ValueError(f"traj must have shape (n_frames, B, d), got {tuple(x.shape)}")
    counter = TransitionCounter(cores, record_events=record_events)
    counter.start(x[0], t0, dt)
    for k in range(1, x.shape[0]):
        counter.update(x[k], t0 + k * dt)
    return counter
