"""A three-dimensional double well behind an entropic bottleneck (our benchmark choice).

The paper's three-dimensional entropic-barrier system is not specified in the material we could
read; this is the system the chapter uses instead, defined here precisely.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from effdyn.koopman._bib import ISOKANN_EFFECTIVE
from effdyn.systems import Potential

__all__ = ["EntropicChannel3D"]

Tensor = torch.Tensor


class EntropicChannel3D(Potential):
    """``V = a (x^2 - 1)^2 + (k(x) / 2) (y^2 + z^2)``, ``k(x) = 1 + c exp(-x^2 / (2 w^2))``.

    Two wells at ``x = +-1`` joined through a channel that narrows around ``x = 0``: the
    transverse stiffness grows from about 1 to ``1 + c``. Integrating out ``(y, z)`` gives the
    free energy ``F(x) = a (x^2 - 1)^2 + beta^{-1} log k(x)``: an energetic barrier ``a`` plus an
    entropic one ``beta^{-1} log(1 + c)`` that grows with temperature. Defaults ``a = 0.5``,
    ``c = 8``, ``w = 0.3`` (our choice); domain ``[-2, 2] x [-2.5, 2.5]^2``.
    """

    dim = 3
    domain = ((-2.0, 2.0), (-2.5, 2.5), (-2.5, 2.5))
    bibtex = ISOKANN_EFFECTIVE

    def __init__(self, height: float = 0.5, narrowing: float = 8.0, width: float = 0.3) -> None:
        for name, v in (("height", height), ("narrowing", narrowing), ("width", width)):
            if not (math.isfinite(v) and v > 0):
                raise ValueError(f"{name} must be a positive number, got {v!r}")
        self.height, self.narrowing, self.width = float(height), float(narrowing), float(width)

    def stiffness(self, x: Tensor) -> Tensor:
        """``k(x)``, the transverse stiffness at axial position ``x``."""
        return 1.0 + self.narrowing * torch.exp(-x * x / (2 * self.width**2))

    def _energy(self, p: Tensor) -> Tensor:
        x, r2 = p[..., 0], p[..., 1] ** 2 + p[..., 2] ** 2
        u = x * x - 1.0
        return self.height * u * u + 0.5 * self.stiffness(x) * r2

    def _force(self, p: Tensor) -> Tensor:
        x, y, z = p[..., 0], p[..., 1], p[..., 2]
        k = self.stiffness(x)
        dk = -(k - 1.0) * x / self.width**2
        fx = -4 * self.height * x * (x * x - 1.0) - 0.5 * dk * (y * y + z * z)
        return torch.stack([fx, -k * y, -k * z], dim=-1)

    def free_energy(self, x: Any, beta: float) -> np.ndarray:
        """``F(x) = a (x^2-1)^2 + beta^{-1} log k(x)`` (the transverse Gaussian integrated out)."""
        xt = torch.as_tensor(np.asarray(x, dtype=np.float64))
        return (self.height * (xt * xt - 1) ** 2 + torch.log(self.stiffness(xt)) / beta).numpy()

    @property
    def minima(self) -> np.ndarray:
        return np.array([[-1.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
