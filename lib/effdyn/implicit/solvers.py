"""Fixed-point solvers for monotone operator equilibria, batched over rows.

The problem is ``0 in (I - W) z - b + df(z)`` with ``W`` m-monotone and ``f`` convex; ``prox``
is the proximal operator of ``alpha f``, called as ``prox(v, alpha)``. Its solution is the fixed
point of the damped forward-backward map ``z -> prox((1 - alpha) z + alpha (W z + b), alpha)``.

- :func:`forward_backward`: that map iterated; converges for ``alpha <= 2 m / L^2`` with
  ``L = ||I - W||_2`` (Winston and Kolter, 2020, Section 4).
- :func:`peaceman_rachford`: converges for every ``alpha > 0`` at the price of a linear solve.
- :func:`anderson`: Anderson acceleration (type II, Walker and Ni 2011) of any fixed-point map,
  used on the forward-backward map as in the authors' code (memory 5).

The residual is the relative change ``||z_{k+1} - z_k|| / ||z_{k+1}||`` (the largest over the
batch). Stopping at ``max_iter`` above ``tol`` warns with the residual
(:class:`ConvergenceWarning`).

References
----------
Winston, E., Kolter, J. Z. (2020). Monotone operator equilibrium networks. NeurIPS 33.
Feng, Z., Winston, E., Kolter, J. Z. (2023). Monotone deep Boltzmann machines. arXiv 2307.04990.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import torch

__all__ = [
    "ConvergenceWarning",
    "FixedPointResult",
    "LinearOperator",
    "anderson",
    "check_alpha",
    "forward_backward",
    "forward_backward_map",
    "peaceman_rachford",
]

Prox = Callable[[torch.Tensor, float], torch.Tensor]


class ConvergenceWarning(UserWarning):
    """A fixed-point solver stopped at ``max_iter`` with its residual above ``tol``."""


class LinearOperator(Protocol):
    """What the solvers need of ``W`` (dense and tiered operators share it)."""

    def apply(self, z: torch.Tensor) -> torch.Tensor: ...

    def resolvent(self, v: torch.Tensor, alpha: float) -> torch.Tensor: ...


@dataclass
class FixedPointResult:
    """The outcome of a fixed-point solve.

    Attributes
    ----------
    z : Tensor
        The last iterate (shape (batch, n)).
    residuals : list of float
        The residual after each iteration.
    n_iter : int
        Iterations done.
    converged : bool
        Whether the residual went below ``tol``.
    """

    z: torch.Tensor
    residuals: list[float] = field(default_factory=list)
    n_iter: int = 0
    converged: bool = False

    @property
    def residual(self) -> float:
        """The last residual (``inf`` before any iteration)."""
        return self.residuals[-1] if self.residuals else float("inf")


def check_alpha(alpha: float) -> float:
    """Return ``alpha`` as a float, refusing values outside (0, 1)."""
    alpha = float(alpha)
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must lie in (0, 1), got {alpha}")
    return alpha


def _check_loop(tol: float, max_iter: int) -> None:
    if not tol > 0:
        raise ValueError(f"tol must be positive, got {tol}")
    if int(max_iter) < 1:
        raise ValueError(f"max_iter must be at least 1, got {max_iter}")


def _relative_change(new: torch.Tensor, old: torch.Tensor) -> float:
    num = torch.linalg.vector_norm(new - old, dim=-1)
    den = torch.linalg.vector_norm(new, dim=-1).clamp_min(1e-30)
    return float((num / den).max())


def _finish(result: FixedPointResult, tol: float, name: str, warn: bool) -> FixedPointResult:
    result.converged = result.residual <= tol
    if warn and not result.converged:
        warnings.warn(
            f"{name} stopped at max_iter={result.n_iter} with residual {result.residual:.3e} "
            f"> tol={tol:g}",
            ConvergenceWarning,
            stacklevel=3,
        )
    return result


def forward_backward_map(
    op: LinearOperator, prox: Prox, b: torch.Tensor, alpha: float
) -> Callable[[torch.Tensor], torch.Tensor]:
    """The damped forward-backward map ``z -> prox((1 - alpha) z + alpha (W z + b), alpha)``."""
    alpha = check_alpha(alpha)

    def step(z: torch.Tensor) -> torch.Tensor:
        return prox((1.0 - alpha) * z + alpha * (op.apply(z) + b), alpha)

    return step


def forward_backward(
    op: LinearOperator,
    prox: Prox,
    b: torch.Tensor,
    z0: torch.Tensor,
    *,
    alpha: float = 0.125,
    tol: float = 1e-2,
    max_iter: int = 50,
    warn: bool = True,
) -> FixedPointResult:
    """Damped forward-backward splitting (defaults: the authors' ``MON_DEFAULTS``).

    Parameters
    ----------
    op : LinearOperator
        ``W`` (e.g. :class:`~effdyn.implicit.monotone.DenseOperator`).
    prox : callable
        ``prox(v, alpha)``, the proximal operator of ``alpha f``.
    b : Tensor
        The bias, broadcastable to ``z0``.
    z0 : Tensor, shape (batch, n)
        The start.
    alpha : float
        Step in (0, 1).
    tol, max_iter : float, int
        Stop when the relative change is at most ``tol``, or after ``max_iter`` iterations.
    warn : bool
        Warn (:class:`ConvergenceWarning`) when stopping above ``tol``.

    Returns
    -------
    FixedPointResult
    """
    _check_loop(tol, max_iter)
    step = forward_backward_map(op, prox, b, alpha)
    result = FixedPointResult(z0)
    z = z0
    for _ in range(int(max_iter)):
        new = step(z)
        result.residuals.append(_relative_change(new, z))
        result.n_iter += 1
        z = new
        if result.residuals[-1] <= tol:
            break
    result.z = z
    return _finish(result, tol, "forward_backward", warn)


def peaceman_rachford(
    op: LinearOperator,
    prox: Prox,
    b: torch.Tensor,
    z0: torch.Tensor,
    *,
    alpha: float = 0.125,
    tol: float = 1e-2,
    max_iter: int = 50,
    warn: bool = True,
) -> FixedPointResult:
    """Peaceman-Rachford splitting (converges for any ``alpha`` in (0, 1) here).

    With ``u_0 = z_0``: ``u' = 2 z - u``, ``z' = (I + alpha (I - W))^{-1} (u' + alpha b)``,
    ``u = 2 z' - u'``, ``z = prox(u, alpha)``. Arguments as in :func:`forward_backward`; ``op``
    must provide ``resolvent``.
    """
    alpha = check_alpha(alpha)
    _check_loop(tol, max_iter)
    result = FixedPointResult(z0)
    z = z0
    u = z0.clone()
    for _ in range(int(max_iter)):
        u_half = 2.0 * z - u
        z_half = op.resolvent(u_half + alpha * b, alpha)
        u = 2.0 * z_half - u_half
        new = prox(u, alpha)
        result.residuals.append(_relative_change(new, z))
        result.n_iter += 1
        z = new
        if result.residuals[-1] <= tol:
            break
    result.z = z
    return _finish(result, tol, "peaceman_rachford", warn)


def anderson(
    g: Callable[[torch.Tensor], torch.Tensor],
    z0: torch.Tensor,
    *,
    memory: int = 5,
    tol: float = 1e-2,
    max_iter: int = 50,
    beta: float = 1.0,
    lam: float = 1e-4,
    warn: bool = True,
) -> FixedPointResult:
    """Anderson acceleration of the fixed-point map ``g`` (batched over rows of ``z0``).

    Keeps the last ``memory`` iterates ``x_i`` and images ``g(x_i)``; the next iterate is
    ``beta * sum c_i g(x_i) + (1 - beta) * sum c_i x_i`` with weights ``c`` (summing to one)
    minimising ``||sum c_i (g(x_i) - x_i)||^2 + lam ||c||^2`` (Walker and Ni, 2011).

    Parameters
    ----------
    g : callable
        The map, ``(batch, n) -> (batch, n)``.
    z0 : Tensor, shape (batch, n)
    memory : int
        Number of past iterates kept (at least 1).
    tol, max_iter, warn
        As in :func:`forward_backward`; the residual is ``||g(x) - x|| / ||g(x)||``.
    beta : float
        Mixing in (0, 1].
    lam : float
        Tikhonov regularisation of the least-squares problem (relative to its scale).

    Returns
    -------
    FixedPointResult
        ``z`` is the last image ``g(x_k)``.
    """
    _check_loop(tol, max_iter)
    if int(memory) < 1:
        raise ValueError(f"memory must be at least 1, got {memory}")
    if not 0.0 < beta <= 1.0:
        raise ValueError(f"beta must lie in (0, 1], got {beta}")
    shape = z0.shape
    batch = shape[0]
    flat = z0.reshape(batch, -1)
    n = flat.shape[1]
    mem = int(memory)
    xs = flat.new_zeros(batch, mem, n)
    gs = flat.new_zeros(batch, mem, n)
    result = FixedPointResult(z0)
    x = flat
    gx = g(x.reshape(shape)).reshape(batch, n)
    xs[:, 0], gs[:, 0] = x, gx
    result.residuals.append(_relative_change(gx, x))
    result.n_iter = 1
    if result.residuals[-1] > tol:
        for k in range(1, int(max_iter)):
            used = min(k, mem)
            f = gs[:, :used] - xs[:, :used]  # (batch, used, n)
            gram = f @ f.transpose(1, 2)
            scale = gram.diagonal(dim1=1, dim2=2).mean(-1).clamp_min(1e-30)
            eye = torch.eye(used, dtype=flat.dtype, device=flat.device)
            h = gram + lam * scale[:, None, None] * eye
            ones = flat.new_ones(batch, used, 1)
            sol = torch.linalg.solve(h, ones)
            c = sol / sol.sum(1, keepdim=True)  # (batch, used, 1)
            mixed = beta * (c * gs[:, :used]).sum(1) + (1.0 - beta) * (c * xs[:, :used]).sum(1)
            x = mixed
            gx = g(x.reshape(shape)).reshape(batch, n)
            slot = k % mem
            xs[:, slot], gs[:, slot] = x, gx
            result.residuals.append(_relative_change(gx, x))
            result.n_iter = k + 1
            if result.residuals[-1] <= tol:
                break
    result.z = gx.reshape(shape)
    return _finish(result, tol, "anderson", warn)
