"""The Cox-Ingersoll-Ross process and Neal's funnel: exactly known laws for solver studies.

Used by the single-seed Brownian tree chapter (Jelincic, Foster and Kidger, 2024), whose CIR
experiment follows Foster, dos Reis and Strange (2024) and whose Langevin experiment samples
Neal's funnel (Neal, 2003).
"""

from __future__ import annotations

import math

import torch

__all__ = ["CIRProcess", "NealsFunnel"]

Tensor = torch.Tensor


class CIRProcess:
    """``dX = a (b - X) dt + sigma sqrt(X) dW`` started at ``x0 >= 0``.

    Parameters
    ----------
    a, b, sigma : float
        Mean-reversion rate, long-run mean and volatility (all ``> 0``).
    x0 : float
        Initial value (``>= 0``).

    Notes
    -----
    The Stratonovich form of the drift is ``a (tilde_b - X)`` with
    ``tilde_b = b - sigma**2 / (4 a)``; ``tilde_b > 0`` is the regime in which Foster's splitting
    stays positive. The transition law is a scaled non-central chi-square with
    ``4 a b / sigma**2`` degrees of freedom.
    """

    def __init__(self, a: float, b: float, sigma: float, x0: float = 1.0) -> None:
        for name, value in (("a", a), ("b", b), ("sigma", sigma)):
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive number, got {name}={value!r}")
        if not (math.isfinite(x0) and x0 >= 0):
            raise ValueError(f"x0 must be a number >= 0, got x0={x0!r}")
        self.a, self.b, self.sigma, self.x0 = float(a), float(b), float(sigma), float(x0)

    @property
    def tilde_b(self) -> float:
        """``b - sigma**2 / (4 a)``: the long-run mean of the Stratonovich drift."""
        return self.b - self.sigma**2 / (4.0 * self.a)

    @property
    def feller(self) -> bool:
        """Whether ``2 a b >= sigma**2`` (zero is then never reached)."""
        return 2.0 * self.a * self.b >= self.sigma**2

    def mean(self, t: float) -> float:
        """``E X_t = b + (x0 - b) exp(-a t)``."""
        return self.b + (self.x0 - self.b) * math.exp(-self.a * t)

    def law(self, t: float):
        """The law of ``X_t`` as a frozen :func:`scipy.stats.ncx2` (scaled)."""
        from scipy import stats

        if not t > 0:
            raise ValueError(f"t must be > 0, got t={t!r}")
        scale = self.sigma**2 * (1.0 - math.exp(-self.a * t)) / (4.0 * self.a)
        df = 4.0 * self.a * self.b / self.sigma**2
        nc = self.x0 * math.exp(-self.a * t) / scale
        return stats.ncx2(df, nc, scale=scale)

    def drift(self, x: Tensor) -> Tensor:
        return self.a * (self.b - x)

    def __repr__(self) -> str:
        return f"CIRProcess(a={self.a}, b={self.b}, sigma={self.sigma}, x0={self.x0})"


class NealsFunnel:
    """Neal's funnel in ``d`` dimensions: ``z ~ N(0, scale**2)``, ``y | z ~ N(0, e^z I_{d-1})``.

    A potential for the Langevin integrators: ``energy(x) = -log p(x)`` (up to a constant) and
    ``force(x) = -grad energy``, with ``x = (z, y_1, ..., y_{d-1})``; ``sample(n)`` draws exact
    samples.
    """

    def __init__(self, dim: int = 10, scale: float = 3.0) -> None:
        if int(dim) < 2:
            raise ValueError(f"dim must be >= 2, got dim={dim!r}")
        if not scale > 0:
            raise ValueError(f"scale must be > 0, got scale={scale!r}")
        self.dim, self.scale = int(dim), float(scale)

    def energy(self, x: Tensor) -> Tensor:
        z, y = x[..., 0], x[..., 1:]
        return (
            0.5 * z**2 / self.scale**2
            + 0.5 * (y * y).sum(-1) * torch.exp(-z)
            + 0.5 * (self.dim - 1) * z
        )

    def force(self, x: Tensor) -> Tensor:
        z, y = x[..., :1], x[..., 1:]
        e = torch.exp(-z)
        fz = -z / self.scale**2 + 0.5 * (y * y).sum(-1, keepdim=True) * e - 0.5 * (self.dim - 1)
        return torch.cat([fz, -y * e], dim=-1)

    def sample(
        self,
        n: int,
        generator: torch.Generator | None = None,
        device: torch.device | str | None = None,
        dtype: torch.dtype = torch.float64,
    ) -> Tensor:
        z = self.scale * torch.randn(n, 1, generator=generator, device=device, dtype=dtype)
        y = torch.randn(n, self.dim - 1, generator=generator, device=device, dtype=dtype)
        return torch.cat([z, y * torch.exp(0.5 * z)], dim=-1)
