"""Deterministic quadrature rules for the replica saddle points (Li, Huang, Zou and Huang 2023).

The official code of the paper evaluates every Gaussian average and the magnetisation integral
over ``[-1, 1]`` by Monte Carlo on a GPU. Here each average is a weighted sum over fixed nodes:
Gauss-Hermite (probabilists' weight ``exp(-x^2/2)``) or Gauss-Legendre on a truncated interval
for the standard normal measure ``Dz``, Gauss-Legendre for ``dm`` on ``[-1, 1]``. The Monte Carlo
rule with equal weights is kept for cross-checks. Every rule returns float64 tensors
``(nodes, weights)`` whose weights sum to the measure's mass.
"""

from __future__ import annotations

import math

import numpy as np
import torch

GAUSSIAN_RULES = ("hermite", "legendre")


def _check_count(n: int, name: str = "n") -> int:
    if int(n) != n or n < 1:
        raise ValueError(f"{name} must be a positive integer, got {n!r}")
    return int(n)


def gauss_legendre(
    n: int, low: float = -1.0, high: float = 1.0, *, device: torch.device | str | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Gauss-Legendre nodes and weights for ``int_low^high f(m) dm``.

    Parameters
    ----------
    n : int
        Number of nodes (exact for polynomials of degree ``2n - 1``).
    low, high : float
        Interval, ``low < high``.
    device : torch.device or str, optional
        Where the tensors live.

    Returns
    -------
    nodes, weights : torch.Tensor
        Float64 tensors of shape ``(n,)``; the weights sum to ``high - low``.
    """
    n = _check_count(n)
    if not high > low:
        raise ValueError(f"high must exceed low, got low={low!r}, high={high!r}")
    x, w = np.polynomial.legendre.leggauss(n)
    half = 0.5 * (high - low)
    nodes = torch.as_tensor(0.5 * (high + low) + half * x, dtype=torch.float64, device=device)
    weights = torch.as_tensor(half * w, dtype=torch.float64, device=device)
    return nodes, weights


def gaussian_quadrature(
    n: int,
    rule: str = "legendre",
    *,
    half_width: float = 12.0,
    device: torch.device | str | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Nodes and weights for the standard normal average ``int Dz f(z)``.

    Parameters
    ----------
    n : int
        Number of nodes.
    rule : {"legendre", "hermite"}
        ``"hermite"``: Gauss-Hermite with the probabilists' weight (numpy's ``hermegauss``),
        exact for polynomials, best for smooth integrands. ``"legendre"``: Gauss-Legendre on
        ``[-half_width, half_width]`` times the normal density, robust for the step-like
        integrands ``H(x)^beta`` of large inverse temperature (default).
    half_width : float
        Truncation of the Legendre rule (the neglected mass is ``2 H(half_width)``).
    device : torch.device or str, optional
        Where the tensors live.

    Returns
    -------
    nodes, weights : torch.Tensor
        Float64 tensors of shape ``(n,)``; the weights sum to one (to the truncation error).
    """
    n = _check_count(n)
    if rule == "hermite":
        x, w = np.polynomial.hermite_e.hermegauss(n)
        nodes = torch.as_tensor(x, dtype=torch.float64, device=device)
        weights = torch.as_tensor(w / math.sqrt(2.0 * math.pi), dtype=torch.float64, device=device)
        return nodes, weights
    if rule == "legendre":
        if not half_width > 0:
            raise ValueError(f"half_width must be positive, got {half_width!r}")
        nodes, weights = gauss_legendre(n, -half_width, half_width, device=device)
        weights = weights * torch.exp(-0.5 * nodes**2) / math.sqrt(2.0 * math.pi)
        return nodes, weights
    raise ValueError(f"rule must be one of {GAUSSIAN_RULES}, got {rule!r}")


def monte_carlo_gaussian(
    n: int, generator: torch.Generator, *, device: torch.device | str | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Monte Carlo "rule" for ``int Dz f(z)``: ``n`` standard normal samples, weights ``1/n``."""
    n = _check_count(n)
    nodes = torch.randn(n, generator=generator, dtype=torch.float64, device=device)
    return nodes, torch.full((n,), 1.0 / n, dtype=torch.float64, device=device)


def monte_carlo_uniform(
    n: int, generator: torch.Generator, *, device: torch.device | str | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Monte Carlo "rule" for ``int_{-1}^{1} f(m) dm``: uniform samples, weights ``2/n``."""
    n = _check_count(n)
    nodes = 2.0 * torch.rand(n, generator=generator, dtype=torch.float64, device=device) - 1.0
    return nodes, torch.full((n,), 2.0 / n, dtype=torch.float64, device=device)
