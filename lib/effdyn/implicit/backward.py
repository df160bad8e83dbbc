"""Differentiating through a fixed point by the implicit function theorem.

At ``z* = g(z*, theta)`` the gradient of a loss ``L(z*)`` is ``(dg/dtheta)^T u`` with ``u`` the
solution of the adjoint fixed point ``u = (dg/dz)^T u + dL/dz*``. The forward solve runs without
building a graph; one extra application of ``g`` attaches ``theta``, and a hook on its output
replaces the incoming gradient by ``u`` (solved with :func:`~effdyn.implicit.solvers.anderson`).
Training therefore never backpropagates through the iterations, and memory does not grow with
their number (Winston and Kolter, 2020, Section 5; Bai, Kolter, Koltun, 2019).
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from effdyn.implicit.solvers import FixedPointResult, anderson

__all__ = ["implicit_fixed_point"]


def implicit_fixed_point(
    g: Callable[[torch.Tensor], torch.Tensor],
    z0: torch.Tensor,
    *,
    tol: float = 1e-2,
    max_iter: int = 50,
    memory: int = 5,
    backward_tol: float | None = None,
    backward_max_iter: int | None = None,
    warn: bool = True,
) -> tuple[torch.Tensor, FixedPointResult]:
    """Solve ``z = g(z)`` with Anderson acceleration and attach the implicit gradient.

    Parameters
    ----------
    g : callable
        The fixed-point map, closing over the parameters to differentiate (e.g. the
        forward-backward map of a monotone operator).
    z0 : Tensor
        The start (no gradient flows into it).
    tol, max_iter, memory : float, int, int
        Forward Anderson settings.
    backward_tol, backward_max_iter : float, int, optional
        Adjoint solve settings (default: those of the forward solve).
    warn : bool
        Warn when either solve stops above its tolerance.

    Returns
    -------
    z : Tensor
        The fixed point, differentiable in the parameters ``g`` closes over.
    result : FixedPointResult
        The forward solve (iterations, residuals).
    """
    with torch.no_grad():
        result = anderson(g, z0.detach(), memory=memory, tol=tol, max_iter=max_iter, warn=warn)
    z_star = result.z.detach()
    if not torch.is_grad_enabled():
        return z_star, result
    z = g(z_star)
    if not z.requires_grad:
        return z, result
    z_in = z_star.clone().requires_grad_()
    with torch.enable_grad():
        gz = g(z_in)
    btol = tol if backward_tol is None else backward_tol
    biter = max_iter if backward_max_iter is None else backward_max_iter

    def adjoint(grad: torch.Tensor | None) -> torch.Tensor | None:
        if grad is None:
            return None

        def step(u: torch.Tensor) -> torch.Tensor:
            (vjp,) = torch.autograd.grad(gz, z_in, u, retain_graph=True)
            return vjp + grad

        with torch.no_grad():
            sol = anderson(step, grad, memory=memory, tol=btol, max_iter=biter, warn=warn)
        return sol.z

    z.register_hook(adjoint)
    return z, result
