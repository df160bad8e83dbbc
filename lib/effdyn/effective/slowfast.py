"""A slow-fast SDE whose averaged slow dynamics is known exactly: a double well.

``dx = (x - x y) dt + sigma_x dW_1``,  ``dy = eps^-1 (x^2 - y) dt + eps^-1/2 sigma_y dW_2``.

For frozen ``x`` the fast variable is an Ornstein-Uhlenbeck process with invariant law
``N(x^2, sigma_y^2 / 2)``. Averaging the slow drift, which is linear in ``y``, over it gives the
effective slow SDE ``dx = (x - x^3) dt + sigma_x dW`` (the double well ``V = x^4/4 - x^2/2``),
exactly, as ``eps -> 0``. The critical manifold is ``y = x^2``; the deterministic slow manifold
has the expansion ``h_eps(x) = x^2 - 2 eps x^2 (1 - x^2) + O(eps^2)`` (from ``eps h'(x) xdot =
x^2 - h``). Our canonical test system for Feng et al. (2023); it is not taken from the paper.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from effdyn.effective._bib import FENG_2023
from effdyn.effective.model import EffectiveSDE1D

__all__ = ["SlowFastDoubleWell"]

Tensor = torch.Tensor


class SlowFastDoubleWell:
    """The slow-fast system above (states ``(B, 2)`` = ``(x, y)``).

    Parameters
    ----------
    eps : float
        Time-scale separation (> 0).
    sigma_x, sigma_y : float
        Noise amplitudes of the slow and fast variables (>= 0).
    """

    bibtex = FENG_2023

    def __init__(self, eps: float = 0.01, sigma_x: float = 0.5, sigma_y: float = 0.1) -> None:
        if not eps > 0:
            raise ValueError(f"eps must be positive, got {eps!r}")
        if sigma_x < 0 or sigma_y < 0:
            raise ValueError(f"sigma_x and sigma_y must be >= 0, got {sigma_x}, {sigma_y}")
        self.eps, self.sigma_x, self.sigma_y = float(eps), float(sigma_x), float(sigma_y)

    def __repr__(self) -> str:
        return f"SlowFastDoubleWell(eps={self.eps}, sigma_x={self.sigma_x}, sigma_y={self.sigma_y})"

    def drift(self, z: Tensor) -> Tensor:
        """``(x - x y, (x^2 - y) / eps)``, shape ``(B, 2)``."""
        x, y = z[:, :1], z[:, 1:]
        return torch.cat([x - x * y, (x * x - y) / self.eps], 1)

    def noise(self) -> list[float]:
        """The constant diagonal noise ``(sigma_x, sigma_y / sqrt(eps))``."""
        return [self.sigma_x, self.sigma_y / math.sqrt(self.eps)]

    def sde(self) -> Any:
        """The system as an :class:`effdyn.sde.SDE` (additive diagonal noise)."""
        from effdyn.sde import SDE

        def drift(t: float, z: Tensor) -> Tensor:
            return self.drift(z)

        return SDE(
            drift,
            torch.tensor(self.noise(), dtype=torch.float64),
            time_homogeneous=True,
            name="SlowFastDoubleWell",
        )

    # ------------------------------------------------------------------ exact references
    @staticmethod
    def averaged_drift(x: Any) -> Any:
        """The exact averaged slow drift ``x - x^3``."""
        return x - x**3

    def averaged_diffusion(self, x: Any) -> Any:
        """The exact averaged slow diffusion ``sigma_x^2`` (broadcast like ``x``)."""
        return self.sigma_x**2 + 0.0 * x

    @staticmethod
    def critical_manifold(x: Any) -> Any:
        """``h_0(x) = x^2``."""
        return x**2

    def slow_manifold(self, x: Any) -> Any:
        """First-order slow manifold ``x^2 - 2 eps x^2 (1 - x^2)``."""
        return x**2 - 2.0 * self.eps * x**2 * (1.0 - x**2)

    def averaged_model(self, grid: Any) -> EffectiveSDE1D:
        """The exact averaged SDE ``dx = (x - x^3) dt + sigma_x dW`` tabulated on ``grid``."""
        return EffectiveSDE1D.from_functions(grid, self.averaged_drift, self.averaged_diffusion)

    def on_manifold(self, x: Tensor) -> Tensor:
        """States ``(B, 2)`` on the critical manifold over slow values ``x (B,)``."""
        return torch.stack([x, x * x], 1)

    def stationary_fast_std(self) -> float:
        """Standard deviation ``sigma_y / sqrt(2)`` of the fast variable around ``x^2``."""
        return self.sigma_y / math.sqrt(2.0)

    def grid_density(self, grid: Any) -> np.ndarray:
        """The exact averaged stationary density on ``grid`` (normalised there)."""
        return self.averaged_model(grid).stationary_density()
