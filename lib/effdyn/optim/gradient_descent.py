r"""Gradient descent and annealed Langevin dynamics, the baselines CBO is compared with.

.. math::

    x_{k+1} = x_k - \eta\,\Delta t\, \nabla E(x_k)
              + \frac{\sigma}{\log(k+1)}\sqrt{\Delta t}\,\xi_k, \qquad k = 1, 2, \dots

(``sigma = 0`` is plain gradient descent with step ``eta * dt``), as in the official script
``CBOstochasticGD/algorithms/GDLangevin.m`` of Riedl et al. (2023), which uses
``dt = 0.001, eta = 1`` and ``10^4`` steps. The gradient comes from automatic differentiation
(the official code uses central differences; the two agree to the differencing error).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from effdyn.optim._bib import RIEDL2023_GRADIENT

__all__ = ["gradient", "gradient_descent"]

bibtex = RIEDL2023_GRADIENT

Objective = Callable[[torch.Tensor], torch.Tensor]


def gradient(objective: Objective, x: torch.Tensor) -> torch.Tensor:
    """The gradient of ``objective`` at every point of ``x`` (shape ``(..., d)``) by autograd."""
    with torch.enable_grad():
        x = x.detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(objective(x).sum(), x)
    return grad


def gradient_descent(
    objective: Objective,
    x0: torch.Tensor,
    n_steps: int,
    dt: float = 1e-3,
    learning_rate: float = 1.0,
    sigma: float = 0.0,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Gradient descent (``sigma = 0``) or annealed Langevin dynamics from ``x0``.

    Parameters
    ----------
    objective : callable
        Differentiable map from points ``(..., d)`` to values ``(...)``.
    x0 : Tensor, shape (..., d)
        Starting points; leading dimensions are independent runs.
    n_steps : int
        Number of steps.
    dt, learning_rate : float
        The step is ``learning_rate * dt`` times the gradient.
    sigma : float
        Langevin noise amplitude, annealed as ``sigma / log(k + 1)`` at step ``k = 1, 2, ...``.
    generator : torch.Generator, optional
        Source of the Langevin noise.

    Returns
    -------
    Tensor, shape (n_steps + 1, ..., d)
        The iterates, ``x0`` first.
    """
    if not isinstance(x0, torch.Tensor) or x0.ndim < 1:
        raise ValueError("x0 must be a tensor of shape (..., d)")
    if n_steps < 0:
        raise ValueError(f"n_steps must be a non-negative integer, got {n_steps}")
    if not dt > 0:
        raise ValueError(f"dt must be positive, got {dt}")
    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be positive, got {learning_rate}")
    if not sigma >= 0:
        raise ValueError(f"sigma must be non-negative, got {sigma}")
    path = [x0.detach()]
    x = path[0]
    for k in range(1, n_steps + 1):
        x = x - (learning_rate * dt) * gradient(objective, x)
        if sigma > 0:
            xi = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
            x = x + (sigma / math.log(k + 1)) * math.sqrt(dt) * xi
        path.append(x)
    return torch.stack(path)
