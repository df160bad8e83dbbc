"""Order parameter, structure factor and domain size of checkerboard (CDW) lattice fields.

For fields ``Q (..., L, L)`` on a periodic square lattice: the staggered order parameter
``phi = N^-1 sum_i (-1)^(x+y) Q_i``, the structure factor ``S(k) = |sum_i Q_i e^{-i k r_i}|^2 / N``
by FFT (so ``S(pi, pi) = N phi^2``), and the domain size from the width of ``S`` around
``(pi, pi)``: ``ell = 2 pi sum_k S(k) / sum_k |k - (pi, pi)| S(k)`` with ``|.|`` the periodic
distance on the Brillouin zone. A power law ``ell ~ t^alpha`` is fitted on log-log axes
(the coarsening of CDW domains after a quench, Fan and Chern 2026, arXiv:2601.04104; Allen-Cahn
curvature-driven coarsening has ``alpha = 1/2``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

__all__ = [
    "domain_size",
    "fit_power_law",
    "order_parameter",
    "staggered_field",
    "structure_factor",
]

Tensor = torch.Tensor


def _check(Q: Tensor) -> Tensor:
    if not isinstance(Q, torch.Tensor) or Q.dim() < 2 or Q.shape[-1] != Q.shape[-2]:
        shape = tuple(Q.shape) if isinstance(Q, torch.Tensor) else type(Q).__name__
        raise ValueError(f"Q must be a tensor of shape (..., L, L), got {shape}")
    if Q.shape[-1] % 2:
        raise ValueError(f"L must be even (bipartite checkerboard), got L = {Q.shape[-1]}")
    return Q


def staggered_field(Q: Tensor) -> Tensor:
    """``(-1)^(x+y) Q_i``: a perfect checkerboard becomes uniform."""
    Q = _check(Q)
    x = torch.arange(Q.shape[-1], device=Q.device)
    sign = 1 - 2 * ((x[:, None] + x[None, :]) % 2)
    return Q * sign.to(Q.dtype)


def order_parameter(Q: Tensor) -> Tensor:
    """Staggered order parameter ``phi = N^-1 sum_i (-1)^(x+y) Q_i``, shape ``Q.shape[:-2]``."""
    return staggered_field(Q).mean((-2, -1))


def structure_factor(Q: Tensor) -> Tensor:
    """``S(k) = |FFT(Q)(k)|^2 / N`` on the momenta ``2 pi n / L`` (index ``L/2`` is ``pi``)."""
    Q = _check(Q)
    N = Q.shape[-1] * Q.shape[-2]
    return torch.fft.fft2(Q).abs().square() / N


def domain_size(Q: Tensor) -> Tensor:
    """Domain size ``2 pi sum S / sum |k - (pi, pi)| S`` of checkerboard domains, ``Q.shape[:-2]``.

    A single Fourier mode of the staggered field with wave vector ``q`` has domain size
    ``2 pi / |q|``; a perfect checkerboard has infinite size.
    """
    S = structure_factor(Q)
    L = Q.shape[-1]
    n = torch.arange(L, device=Q.device, dtype=S.dtype)
    dist = torch.minimum((n - L / 2).abs(), L - (n - L / 2).abs()) * (2 * math.pi / L)
    q = torch.sqrt(dist[:, None] ** 2 + dist[None, :] ** 2)
    return 2 * math.pi * S.sum((-2, -1)) / (q * S).sum((-2, -1))


def fit_power_law(times: Any, sizes: Any) -> tuple[float, float]:
    """Fit ``sizes ~ times^alpha`` by least squares on logs; return ``(alpha, stderr)``.

    ``stderr`` is the standard error of the slope from the residuals (0 for an exact law).
    """
    t = np.asarray(times, dtype=float).ravel()
    s = np.asarray(sizes, dtype=float).ravel()
    if t.shape != s.shape or t.size < 3:
        raise ValueError(f"times and sizes must be of equal length >= 3, got {t.size}, {s.size}")
    if np.any(t <= 0) or np.any(s <= 0):
        raise ValueError("times and sizes must be positive for a log-log fit")
    x, y = np.log(t), np.log(s)
    A = np.stack([x, np.ones_like(x)], 1)
    coef, *_ = np.linalg.lstsq(A, y, rcond=None)
    resid = y - A @ coef
    dof = max(t.size - 2, 1)
    var = float(resid @ resid) / dof / float(((x - x.mean()) ** 2).sum())
    return float(coef[0]), math.sqrt(max(var, 0.0))
