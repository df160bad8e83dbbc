"""Solvers for the Cox-Ingersoll-Ross process ``dX = a(b - X) dt + sigma sqrt(X) dW``.

Both work with the Stratonovich drift ``a (tilde_b - X)``, ``tilde_b = b - sigma**2/(4a)``, and a
batch of rows with per-row step sizes ``dt`` of shape ``(B,)`` (for adaptive stepping):

* :class:`DriftImplicitEulerCIR`: the drift-implicit Euler scheme on ``Y = sqrt(X)``
  (Alfonsi, 2005), strong order 1 for ``tilde_b > 0``; its state is ``Y``.
* :class:`HOStS`: Foster's high-order Strang splitting (Foster, dos Reis and Strange, 2024,
  eq. 5.3), which uses the space-time Levy area and never becomes negative when
  ``tilde_b > 0``; its state is ``X``.

Steps take the :class:`~effdyn.sde.BrownianIncrement` of the step from a
:class:`~effdyn.sde.VirtualBrownianTree`.
"""

from __future__ import annotations

import math
from typing import ClassVar

import torch

from effdyn.sde.brownian_tree import BrownianIncrement

__all__ = ["DriftImplicitEulerCIR", "HOStS"]

Tensor = torch.Tensor


def _check_parameters(a: float, b: float, sigma: float) -> None:
    for name, value in (("a", a), ("b", b), ("sigma", sigma)):
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be a positive number, got {name}={value!r}")


class _CIRSolver:
    levy_area: ClassVar[str | None] = None
    strong_order: ClassVar[float]
    bibtex: ClassVar[str] = ""

    def __init__(self, a: float, b: float, sigma: float) -> None:
        _check_parameters(a, b, sigma)
        self.a, self.b, self.sigma = float(a), float(b), float(sigma)
        self.tilde_b = self.b - self.sigma**2 / (4.0 * self.a)

    @property
    def name(self) -> str:
        return type(self).__name__

    def initial_state(self, x0: Tensor) -> Tensor:
        if bool((x0 < 0).any()):
            raise ValueError(f"x0 must be >= 0, got x0={float(x0.min())!r}")
        return x0.clone()

    def to_x(self, state: Tensor) -> Tensor:
        """The CIR value ``X`` held in a state."""
        return state

    def check_increment(self, inc: BrownianIncrement) -> None:
        if self.levy_area is not None and inc.H is None:
            raise ValueError(
                f"{self.name} needs the space-time Levy area H; make the tree with "
                "levy_area='space-time'"
            )

    def step(self, state: Tensor, dt: Tensor, inc: BrownianIncrement) -> Tensor:
        raise NotImplementedError


class DriftImplicitEulerCIR(_CIRSolver):
    """Drift-implicit Euler on ``Y = sqrt(X)``: ``Y' (2 + a dt) = Y + sigma/2 dW + sqrt(...)``.

    ``dY = (a tilde_b / (2Y) - a Y / 2) dt + sigma/2 dW`` (Stratonovich), implicit in the drift:
    ``Y' = (Y + sigma dW/2 + sqrt((Y + sigma dW/2)^2 + (2 + a dt) a tilde_b dt)) / (2 + a dt)``
    (the square root clipped at zero). State: ``Y``.

    References
    ----------
    Alfonsi, A. (2005), On the discretization schemes for the CIR (and Bessel squared)
    processes, Monte Carlo Methods Appl. 11, 355-384.
    """

    strong_order = 1.0
    bibtex = r"""@article{alfonsi2005discretization,
  author  = {Alfonsi, Aur{\'e}lien},
  title   = {On the discretization schemes for the {CIR} (and {B}essel squared) processes},
  journal = {Monte Carlo Methods and Applications},
  volume  = {11},
  number  = {4},
  pages   = {355--384},
  year    = {2005},
  doi     = {10.1515/156939605777438569}
}"""

    def initial_state(self, x0: Tensor) -> Tensor:
        return super().initial_state(x0).sqrt()

    def to_x(self, state: Tensor) -> Tensor:
        return state * state

    def step(self, state: Tensor, dt: Tensor, inc: BrownianIncrement) -> Tensor:
        dt = dt.reshape(-1, *([1] * (state.ndim - 1)))
        y = state + 0.5 * self.sigma * inc.W
        denom = 2.0 + self.a * dt
        root = torch.clamp(y * y + denom * (self.a * self.tilde_b) * dt, min=0.0).sqrt()
        return (y + root) / denom


class HOStS(_CIRSolver):
    """Foster's high-order Strang splitting for CIR (Foster, dos Reis and Strange, 2024, eq. 5.3).

    Alternates exact flows of the drift ``a (tilde_b - X)`` (over ``(3 - sqrt 3)/6 dt``,
    ``dt/sqrt 3`` and ``(3 - sqrt 3)/6 dt``) with exact flows of the noise part
    ``X -> (sqrt(X) + sigma/2 (dW/2 +- sqrt(3) H))^2``. Uses ``H``; never negative when
    ``tilde_b > 0``. State: ``X``.
    """

    levy_area = "space-time"
    strong_order = 1.5
    bibtex = r"""@article{foster2024high,
  author  = {Foster, James and dos Reis, Goncalo and Strange, Calum},
  title   = {High order splitting methods for {SDE}s satisfying a commutativity condition},
  journal = {SIAM Journal on Numerical Analysis},
  volume  = {62},
  number  = {1},
  pages   = {500--532},
  year    = {2024},
  doi     = {10.1137/23M155147X}
}"""

    def step(self, state: Tensor, dt: Tensor, inc: BrownianIncrement) -> Tensor:
        self.check_increment(inc)
        dt = dt.reshape(-1, *([1] * (state.ndim - 1)))
        a, tb, half_sigma = self.a, self.tilde_b, 0.5 * self.sigma
        c_outer = torch.exp(a * dt * (math.sqrt(3.0) - 3.0) / 6.0)
        c_inner = torch.exp(-a * dt / math.sqrt(3.0))
        kick_plus = half_sigma * (0.5 * inc.W + math.sqrt(3.0) * inc.H)
        kick_minus = half_sigma * (0.5 * inc.W - math.sqrt(3.0) * inc.H)
        z = c_outer * state + (1.0 - c_outer) * tb
        z = (torch.clamp(z, min=0.0).sqrt() + kick_plus) ** 2
        z = c_inner * z + (1.0 - c_inner) * tb
        z = (torch.clamp(z, min=0.0).sqrt() + kick_minus) ** 2
        return c_outer * z + (1.0 - c_outer) * tb
