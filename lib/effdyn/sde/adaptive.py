"""Batched adaptive time stepping on a :class:`~effdyn.sde.VirtualBrownianTree`.

Every row of the batch has its own time and step size; a rejected step is retried with a smaller
step by re-querying the tree, which returns the Brownian quantities of the new, shorter interval
consistently with everything queried before (Jelincic, Foster and Kidger, 2024). A *stepper* is
any object with ``initial_state(x0)``, ``step(state, dt, increment) -> state`` (``dt`` of shape
``(B,)``) and ``to_x(state)``, e.g. :class:`~effdyn.sde.HOStS`.

Controllers
-----------
:class:`CIRController`
    The state-based controller of the paper's CIR experiment: the step wanted at a value ``x`` is
    ``clip((max(x, 0) ctol)^(2/3), dtmin, dtmax)``; a step is accepted when it is below 1.1 times
    the step wanted at ``min(x_start, x_end)``.
:class:`PIDController`
    The usual error-based controller with proportional, integral and derivative coefficients;
    the local error comes from step doubling (two half steps against one full step).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from effdyn.sde.brownian_tree import VirtualBrownianTree

__all__ = ["AdaptiveResult", "CIRController", "PIDController", "solve_adaptive", "solve_fixed"]

Tensor = torch.Tensor


def _check_step_bounds(dtmin: float, dtmax: float) -> None:
    if not (math.isfinite(dtmin) and dtmin > 0):
        raise ValueError(f"dtmin must be > 0, got dtmin={dtmin!r}")
    if not (math.isfinite(dtmax) and dtmax >= dtmin):
        raise ValueError(f"dtmax must be >= dtmin = {dtmin!r}, got dtmax={dtmax!r}")


class CIRController:
    """Step size ``clip((max(x, 0) ctol)^(2/3), dtmin, dtmax)`` from the current value.

    Parameters
    ----------
    ctol : float
        The tolerance (the paper uses ``2**-level``).
    dtmin, dtmax : float
        Bounds of the step (paper: ``2**-15`` and 1).
    """

    needs_error = False

    def __init__(self, ctol: float, dtmin: float = 2.0**-15, dtmax: float = 1.0) -> None:
        if not (math.isfinite(ctol) and ctol > 0):
            raise ValueError(f"ctol must be > 0, got ctol={ctol!r}")
        _check_step_bounds(dtmin, dtmax)
        self.ctol, self.dtmin, self.dtmax = float(ctol), float(dtmin), float(dtmax)

    def desired(self, x: Tensor) -> Tensor:
        """The step wanted at ``x`` (rows ``(B, ...)`` -> ``(B,)``, the minimum over a row)."""
        x = x.reshape(x.shape[0], -1).amin(dim=1).clamp(min=0.0)
        return torch.pow(x * self.ctol, 2.0 / 3.0).clamp(self.dtmin, self.dtmax)

    def initial(self, x: Tensor) -> Tensor:
        return self.desired(x)

    def adapt(
        self,
        x0: Tensor,
        x1: Tensor,
        dt: Tensor,
        error: Tensor | None = None,
        rows: Tensor | None = None,
    ) -> tuple[Tensor, Tensor]:
        """``(accept, next step)`` for the given rows (all by default)."""
        wanted = self.desired(torch.minimum(x0, x1))
        accept = dt < 1.1 * wanted
        nxt = torch.where(accept, self.desired(x1), wanted)
        return accept, nxt


class PIDController:
    """Error-based step control ``dt' = dt * safety * e_n^(-b1) e_{n-1}^(-b2) e_{n-2}^(-b3)``.

    ``e = rms(error / (atol + rtol max(|x0|, |x1|)))`` per row, ``b_i`` from ``pcoeff``,
    ``icoeff``, ``dcoeff`` divided by ``order + 1`` (the local order); a step is accepted
    when ``e <= 1`` or ``dt <= dtmin``. Defaults give an integral controller.
    """

    needs_error = True

    def __init__(
        self,
        rtol: float,
        atol: float,
        *,
        order: float,
        dtmin: float = 1e-6,
        dtmax: float = 1.0,
        dt0: float | None = None,
        pcoeff: float = 0.0,
        icoeff: float = 1.0,
        dcoeff: float = 0.0,
        safety: float = 0.9,
        factormin: float = 0.2,
        factormax: float = 10.0,
    ) -> None:
        for name, value in (("rtol", rtol), ("atol", atol)):
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be >= 0, got {name}={value!r}")
        if rtol == 0 and atol == 0:
            raise ValueError("rtol and atol cannot both be 0")
        if not order > 0:
            raise ValueError(f"order must be > 0, got order={order!r}")
        _check_step_bounds(dtmin, dtmax)
        self.rtol, self.atol, self.order = float(rtol), float(atol), float(order)
        self.dtmin, self.dtmax = float(dtmin), float(dtmax)
        self.dt0 = dt0
        k = self.order + 1.0
        self.b1 = (pcoeff + icoeff + dcoeff) / k
        self.b2 = -(pcoeff + 2.0 * dcoeff) / k
        self.b3 = dcoeff / k
        self.safety, self.factormin, self.factormax = safety, factormin, factormax
        self._prev: tuple[Tensor, Tensor] | None = None

    def initial(self, x: Tensor) -> Tensor:
        dt0 = self.dt0 if self.dt0 is not None else 10.0 * self.dtmin
        ones = torch.ones(x.shape[0], dtype=torch.float64, device=x.device)
        self._prev = (ones, ones.clone())
        return torch.full((x.shape[0],), dt0, dtype=torch.float64, device=x.device)

    def adapt(
        self,
        x0: Tensor,
        x1: Tensor,
        dt: Tensor,
        error: Tensor | None = None,
        rows: Tensor | None = None,
    ) -> tuple[Tensor, Tensor]:
        """``(accept, next step)`` for the given rows (all by default); call after ``initial``."""
        if error is None:
            raise ValueError("PIDController needs an error estimate")
        if self._prev is None:
            raise ValueError("call PIDController.initial before adapt")
        if rows is None:
            rows = torch.arange(x0.shape[0], device=x0.device)
        scale = self.atol + self.rtol * torch.maximum(x0.abs(), x1.abs())
        ratio = (error / scale).reshape(error.shape[0], -1)
        e = ratio.pow(2).mean(dim=1).sqrt().to(torch.float64).clamp(min=1e-10)
        accept = (e <= 1.0) | (dt <= self.dtmin * (1 + 1e-9))
        e1, e2 = self._prev[0][rows], self._prev[1][rows]
        factor = self.safety * e.pow(-self.b1) * e1.pow(-self.b2) * e2.pow(-self.b3)
        factor = factor.clamp(self.factormin, self.factormax)
        factor = torch.where(accept, factor, factor.clamp(max=1.0))
        self._prev[0][rows] = torch.where(accept, e, e1)
        self._prev[1][rows] = torch.where(accept, e1, e2)
        return accept, (dt * factor).clamp(self.dtmin, self.dtmax)


@dataclass
class AdaptiveResult:
    """Final values ``x`` and, per row, accepted ``steps`` and ``rejections``."""

    x: Tensor
    steps: Tensor
    rejections: Tensor
    t: Tensor

    @property
    def mean_steps(self) -> float:
        return float(self.steps.double().mean())


def solve_fixed(stepper, x0: Tensor, tree: VirtualBrownianTree, n_steps: int) -> Tensor:
    """Solve on ``[tree.t0, tree.t1]`` with ``n_steps`` equal steps on the tree's path."""
    inc = tree.increments(n_steps)
    state = stepper.initial_state(x0)
    dt = torch.full(
        (x0.shape[0],), tree.duration / n_steps, dtype=torch.float64, device=x0.device
    ).to(x0.dtype)
    from effdyn.sde.brownian_tree import BrownianIncrement

    for i in range(n_steps):
        piece = BrownianIncrement(
            inc.W[i], None if inc.H is None else inc.H[i], None if inc.K is None else inc.K[i]
        )
        state = stepper.step(state, dt, piece)
    return stepper.to_x(state)


def solve_adaptive(
    stepper,
    x0: Tensor,
    tree: VirtualBrownianTree,
    controller,
    *,
    max_steps: int = 100_000,
) -> AdaptiveResult:
    """Adaptive solve on ``[tree.t0, tree.t1]``, each row with its own times.

    With a controller that ``needs_error``, each attempt is two half steps (the solution)
    compared with one full step (step doubling).
    """
    B = x0.shape[0]
    if tree.shape[0] != B:
        raise ValueError(f"the tree has {tree.shape[0]} rows, x0 has {B}")
    device = x0.device
    state = stepper.initial_state(x0)
    t = torch.full((B,), tree.t0, dtype=torch.float64, device=device)
    dt = controller.initial(stepper.to_x(state))
    steps = torch.zeros(B, dtype=torch.int64, device=device)
    rejections = torch.zeros(B, dtype=torch.int64, device=device)
    t_end = tree.t1
    eps = 1e-12 * max(1.0, abs(t_end))
    value_t = tree.point(t)  # the tree's values at the start of each row's step
    for _ in range(max_steps):
        active = t < t_end - eps
        idx = torch.nonzero(active).ravel()
        if idx.numel() == 0:
            break
        # only the rows still running are stepped (the slowest rows set the loop's length)
        t_a, st_a, vt_a = t[idx], state[idx], [v[idx] for v in value_t]
        h = torch.minimum(dt[idx], t_end - t_a)
        t_next = torch.clamp(t_a + h, max=t_end)
        hx = h.to(x0.dtype)
        value_next = tree.point(t_next, rows=idx)
        if controller.needs_error:
            t_mid = t_a + 0.5 * (t_next - t_a)
            value_mid = tree.point(t_mid, rows=idx)
            full = stepper.step(st_a, hx, tree.between(vt_a, t_a, value_next, t_next))
            half = stepper.step(st_a, 0.5 * hx, tree.between(vt_a, t_a, value_mid, t_mid))
            cand = stepper.step(half, 0.5 * hx, tree.between(value_mid, t_mid, value_next, t_next))
            error = stepper.to_x(cand) - stepper.to_x(full)
        else:
            cand = stepper.step(st_a, hx, tree.between(vt_a, t_a, value_next, t_next))
            error = None
        accept, dt_next = controller.adapt(
            stepper.to_x(st_a), stepper.to_x(cand), h, error, rows=idx
        )
        shape = (-1,) + (1,) * (state.ndim - 1)
        state = state.clone()
        state[idx] = torch.where(accept.reshape(shape), cand, st_a)
        t = t.clone()
        t[idx] = torch.where(accept, t_next, t_a)
        for v, vn, vo in zip(value_t, value_next, vt_a, strict=True):
            v[idx] = torch.where(accept[:, None], vn, vo)
        steps[idx] += accept.to(torch.int64)
        rejections[idx] += (~accept).to(torch.int64)
        dt = dt.clone()
        dt[idx] = dt_next
    else:
        raise RuntimeError(f"solve_adaptive did not reach t1 in max_steps={max_steps} attempts")
    return AdaptiveResult(stepper.to_x(state), steps, rejections, t)
