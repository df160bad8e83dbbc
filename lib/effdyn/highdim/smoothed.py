"""Gradient descent on a smoothed spherical landscape (Damian, Nichani, Ge and Lee, 2023).

The smoothed loss ``L_r(theta) = E_z L((theta + r z) / |theta + r z|)`` with ``z`` uniform on the
unit sphere :cite:`damian2023smoothing` boosts the signal near the equator; its gradient is
estimated by Monte Carlo with fresh ``z`` at every step, by the chain rule through the
normalisation: ``grad L_r(theta) = E_z[(I - w w^T) grad L(w) / |theta + r z|]``,
``w = (theta + r z) / |theta + r z|``. The descent is projected on the sphere as in
:func:`effdyn.highdim.spherical_gradient_descent`.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from effdyn.highdim.langevin import check_unit_vectors, riemannian_gradient
from effdyn.highdim.references import DAMIAN_NICHANI_GE_LEE_2023

__all__ = ["smoothed_gradient", "smoothed_gradient_descent"]

BatchedGradient = Callable[[torch.Tensor], torch.Tensor]


def smoothed_gradient(
    gradient: BatchedGradient,
    theta: torch.Tensor,
    radius: float,
    n_samples: int,
    generator: torch.Generator,
) -> torch.Tensor:
    """Monte Carlo estimate of the Euclidean gradient of ``L_r`` at ``theta`` (shape (R, d)).

    ``gradient`` must accept a batch of points of shape ``(R, M, d)`` and return the Euclidean
    gradients of ``L`` there, same shape.
    """
    if not (radius > 0):
        raise ValueError(f"radius must be positive, got {radius!r}")
    if int(n_samples) != n_samples or n_samples < 1:
        raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}")
    r, d = theta.shape
    z = torch.randn(
        r, int(n_samples), d, generator=generator, device=theta.device, dtype=theta.dtype
    )
    z = z / z.norm(dim=-1, keepdim=True)
    w = theta[:, None, :] + radius * z
    norm = w.norm(dim=-1, keepdim=True)
    w = w / norm
    g = riemannian_gradient(w, gradient(w)) / norm
    return g.mean(dim=1)


def smoothed_gradient_descent(
    gradient: BatchedGradient,
    theta0: torch.Tensor,
    *,
    radius: float,
    n_samples: int,
    step: float,
    n_steps: int,
    seed: int | torch.Generator = 0,
) -> torch.Tensor:
    """Projected gradient descent on the smoothed loss ``L_r``; returns the last iterate.

    Parameters
    ----------
    gradient : callable
        Batched Euclidean gradient of ``L``, ``(R, M, d) -> (R, M, d)``.
    theta0 : torch.Tensor
        Initial unit vectors, shape ``(R, d)``.
    radius : float
        Smoothing radius ``r > 0`` (``r ~ d^{1/4}`` in :cite:`damian2023smoothing`).
    n_samples : int
        Monte Carlo points ``z`` per step.
    step : float
        Step size.
    n_steps : int
        Number of steps.
    seed : int or torch.Generator
        Seed of the Monte Carlo points.
    """
    check_unit_vectors(theta0)
    if not (step > 0):
        raise ValueError(f"step must be positive, got {step!r}")
    if int(n_steps) != n_steps or n_steps < 0:
        raise ValueError(f"n_steps must be a non-negative integer, got {n_steps!r}")
    gen = seed
    if not isinstance(seed, torch.Generator):
        gen = torch.Generator(device=theta0.device)
        gen.manual_seed(int(seed))
    theta = theta0
    for _ in range(int(n_steps)):
        g = smoothed_gradient(gradient, theta, radius, n_samples, gen)
        theta = theta - step * riemannian_gradient(theta, g)
        theta = theta / theta.norm(dim=-1, keepdim=True)
    return theta


smoothed_gradient.bibtex = DAMIAN_NICHANI_GE_LEE_2023  # type: ignore[attr-defined]
smoothed_gradient_descent.bibtex = DAMIAN_NICHANI_GE_LEE_2023  # type: ignore[attr-defined]
