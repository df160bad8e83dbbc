"""Benchmark objectives of Riedl, Klock, Geldhauser and Fornasier (2023).

Every objective maps a tensor of points of shape ``(..., d)`` to their values, shape ``(...)``,
so that one call evaluates all particles of all independent runs at once. The definitions follow
the official MATLAB code of the paper (``BenchmarkFunctions/objective_function.m`` in
KonstantinRiedl/CBOGlobalConvergenceAnalysis); the code here is written afresh in PyTorch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from effdyn.optim._bib import RIEDL2023_GRADIENT

__all__ = ["Ackley", "GrandCanyon3Noisy", "Objective", "Quadratic", "Rastrigin"]


def _check_points(x: torch.Tensor, dim: int | None = None) -> None:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a torch.Tensor of shape (..., d), got {type(x).__name__}")
    if x.ndim < 1:
        raise ValueError("x must have shape (..., d) with at least one dimension, got a scalar")
    if dim is not None and x.shape[-1] != dim:
        raise ValueError(f"x must have shape (..., {dim}), got last dimension {x.shape[-1]}")


class Objective:
    """Base class: an objective ``E`` on ``R^d`` with a known global minimiser.

    Subclasses implement :meth:`__call__` (points ``(..., d)`` to values ``(...)``) and set
    :attr:`dim` (``None`` when any dimension is allowed) and :attr:`minimum`.
    """

    dim: int | None = None
    minimum: float = 0.0
    bibtex: str = RIEDL2023_GRADIENT

    def __call__(self, x: torch.Tensor) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def minimizer(
        self, d: int | None = None, *, device: torch.device | str | None = None, dtype=None
    ) -> torch.Tensor:
        """The global minimiser, shape ``(d,)`` (the origin for every objective here)."""
        d = self.dim if d is None else d
        if d is None or d < 1:
            raise ValueError("d must be a positive integer for an objective of any dimension")
        if self.dim is not None and d != self.dim:
            raise ValueError(f"d must be {self.dim} for {type(self).__name__}, got {d}")
        return torch.zeros(d, device=device, dtype=dtype or torch.get_default_dtype())


@dataclass(frozen=True)
class GrandCanyon3Noisy(Objective):
    r"""The paper's two-dimensional "Grand Canyon" landscape with a noisy (oscillating) floor.

    With the valley coordinate :math:`c(v) = v_2 - \bigl(\tfrac18 (v_1-1)(v_1-4)^2 + 2\bigr)`
    and the blocking coordinate :math:`b(v) = -v_1 - 1.6 v_2`,

    .. math::

        E(v) = 100\bigl(1 - e^{-1.4\, c^2 e^{-0.002 v_1^4}}\bigr) + 1.6 v_1^2 + 0.8 v_2^2
        + 8 \sum_i \bigl(1 - \cos(0.75\pi v_i)\bigr)
        + 16\, e^{1 - 2 c^4} \max\bigl((1 - e^{-9 b^2})\,\mathrm{sign}(b), 0\bigr).

    A curved canyon leads from the start region around ``(8, 8)`` down to the global minimiser
    ``(0, 0)`` (value 0); the cosine term puts local minima along its floor and the last term a
    ridge across it that gradient descent cannot pass. ``E`` is only :math:`C^1` at the minimiser
    (the ridge term is quadratic on one side of ``b = 0`` and zero on the other). Used in Figs.
    1(b) and 2 of Riedl et al. (2023) (``GrandCanyon3noisy`` in the official code).
    """

    dim: int | None = 2
    minimum: float = 0.0

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        _check_points(x, 2)
        v1, v2 = x[..., 0], x[..., 1]
        valley = v2 - (0.125 * (v1 - 1.0) * (v1 - 4.0) ** 2 + 2.0)
        block = -v1 - 1.6 * v2
        canyon = 100.0 * (1.0 - torch.exp(-1.4 * valley**2 * torch.exp(-0.002 * v1**4)))
        bowl = 1.6 * v1**2 + 0.8 * v2**2
        ripples = 8.0 * (1.0 - torch.cos(0.75 * math.pi * x)).sum(-1)
        ridge_profile = torch.clamp((1.0 - torch.exp(-9.0 * block**2)) * torch.sign(block), min=0)
        ridge = 16.0 * torch.exp(1.0 - 2.0 * valley**4) * ridge_profile
        return canyon + bowl + ripples + ridge


@dataclass(frozen=True)
class Rastrigin(Objective):
    r"""Rastrigin function in the scaling of the paper's code,
    :math:`E(v) = |v|^2 + A \sum_i (1 - \cos 2\pi v_i)` with ``A = amplitude`` (2.5 there).

    Global minimiser ``0`` with value 0, a local minimum near every integer lattice point.
    """

    amplitude: float = 2.5
    dim: int | None = None
    minimum: float = 0.0

    def __post_init__(self) -> None:
        if not self.amplitude >= 0:
            raise ValueError(f"amplitude must be non-negative, got {self.amplitude}")

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        _check_points(x)
        return (x**2).sum(-1) + self.amplitude * (1.0 - torch.cos(2.0 * math.pi * x)).sum(-1)


@dataclass(frozen=True)
class Ackley(Objective):
    r"""Ackley function,
    :math:`E(v) = -20 e^{-0.2 \sqrt{|v|^2/d}} - e^{\frac1d \sum_i \cos 2\pi v_i} + e + 20`.

    Global minimiser ``0`` with value 0; not differentiable there.
    """

    dim: int | None = None
    minimum: float = 0.0

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        _check_points(x)
        d = x.shape[-1]
        radial = torch.sqrt((x**2).sum(-1) / d)
        oscillation = torch.cos(2.0 * math.pi * x).sum(-1) / d
        return -20.0 * torch.exp(-0.2 * radial) - torch.exp(oscillation) + math.e + 20.0


@dataclass(frozen=True)
class Quadratic(Objective):
    r"""Isotropic quadratic :math:`E(v) = \tfrac{c}{2} |v|^2` (``c = curvature``), the exactly
    solvable reference case."""

    curvature: float = 1.0
    dim: int | None = None
    minimum: float = 0.0

    def __post_init__(self) -> None:
        if not self.curvature > 0:
            raise ValueError(f"curvature must be positive, got {self.curvature}")

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        _check_points(x)
        return 0.5 * self.curvature * (x**2).sum(-1)
