"""The reduced model of a two-dimensional collective variable and its transition rate.

For ``xi = (xi_1, xi_2)`` the effective dynamics of mass-weighted Brownian dynamics at
friction ``gamma`` (Legoll and Lelievre 2010; Sule, Mehta and Cameron 2025) has the generator

``L f = e^{beta F} div(D(z) e^{-beta F} grad f)``, ``D(z) = kT M(z) / gamma``,
``M(z) = E[D xi M^{-1} D xi^T | xi = z]`` (a 2 x 2 tensor),

with ``F`` the free energy of ``xi``. Its reactive frequency is ``nu_AB = (1/Z) int grad q^T D
grad q e^{-beta F} dz``. Off-diagonal ``M`` couples the two directions, so the generator is
discretised by linear finite elements (:class:`effdyn.operators.TensorDiffusion2D`) rather
than by the square-root approximation used in 1D (:mod:`effdyn.ratecv.reduced`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from effdyn.operators.fem import TensorDiffusion2D
from effdyn.operators.grid import Grid
from effdyn.ratecv.reduced import _free_energy, bibtex, binned_sums

__all__ = ["EffectiveDynamics2D", "ReducedModel2D"]


@dataclass
class ReducedModel2D:
    """Free energy ``F`` ``(size,)`` and tensor ``M`` ``(size, 2, 2)`` on the cells of a 2D
    grid, and the committor and rate they give."""

    grid: Grid
    F: np.ndarray
    M: np.ndarray
    counts: np.ndarray
    beta: float

    def generator(self, gamma: float) -> TensorDiffusion2D:
        """The finite-element generator with ``D = kT M / gamma``."""
        if not gamma > 0:
            raise ValueError(f"gamma must be positive, got {gamma!r}")
        return TensorDiffusion2D(self.F, self.grid, self.beta, self.M / (self.beta * gamma))

    def rate(self, A: Any, B: Any, gamma: float) -> float:
        """Reactive frequency ``A -> B``; ``A``, ``B`` are boolean masks over the cells or
        callables on cell centres ``(N, 2)`` (torch, float64) returning booleans."""
        return self.generator(gamma).reactive_frequency(A, B)

    def committor(self, A: Any, B: Any, gamma: float = 1.0) -> np.ndarray:
        """The committor per cell (independent of ``gamma``)."""
        return self.generator(gamma).committor(A, B)


class EffectiveDynamics2D:
    """Estimator of the 2D reduced model from equilibrium samples of a CV.

    ``fit(z, G)`` with CV values ``z`` ``(N, 2)`` and metric tensors ``G`` ``(N, 2, 2)`` (from
    :func:`effdyn.ratecv.cv_metric_tensors`): ``F`` from the 2D histogram, ``M`` as the cell
    average of ``G``. Empty cells get the highest observed ``F`` plus ``empty_penalty / beta``
    and the sample-weighted mean ``M`` (they carry almost no weight; their number is in
    ``n_empty``).

    Parameters
    ----------
    bins : int or (int, int)
    bounds : sequence of two ``(low, high)``
    beta : float
        ``1 / kT``.
    periodic : bool or (bool, bool)
    smooth : float
        Standard deviation, in cells, of a Gaussian filter applied to the counts and to the
        cell sums of ``G`` (``0``: none).
    """

    bibtex = bibtex

    def __init__(self, bins: int | Sequence[int], bounds: Sequence[tuple[float, float]],
                 beta: float, periodic: bool | Sequence[bool] = False,
                 empty_penalty: float = 5.0, smooth: float = 0.0):  # fmt: skip
        if len(bounds) != 2:
            raise ValueError(f"bounds must give two (low, high) pairs, got {bounds!r}")
        if not beta > 0:
            raise ValueError(f"beta must be positive, got {beta!r}")
        if not smooth >= 0:
            raise ValueError(f"smooth must be >= 0, got {smooth!r}")
        self.grid = Grid.box(bounds, bins, periodic=periodic)
        self.beta, self.empty_penalty = float(beta), float(empty_penalty)
        self.smooth = float(smooth)
        self._model: ReducedModel2D | None = None
        self.n_empty = 0

    def fit(self, z, G) -> EffectiveDynamics2D:
        z = np.asarray(torch.as_tensor(z).detach().cpu(), float)
        G = np.asarray(torch.as_tensor(G).detach().cpu(), float)
        if z.ndim != 2 or z.shape[1] != 2 or G.shape != (z.shape[0], 2, 2):
            raise ValueError(f"need z (N, 2) and G (N, 2, 2); got {z.shape}, {G.shape}")
        counts, sums = binned_sums(z, G, self.grid, self.smooth)
        counts, sums = counts.ravel(), sums.reshape(-1, 2, 2)
        F = _free_energy(counts, self.beta, self.empty_penalty)
        filled = counts > 0
        M = np.empty((self.grid.size, 2, 2))
        M[filled] = sums[filled] / counts[filled, None, None]
        M[~filled] = sums[filled].sum(0) / counts[filled].sum()
        self.n_empty = int((~filled).sum())
        self._model = ReducedModel2D(self.grid, F, M, counts, self.beta)
        return self

    def fetch_model(self) -> ReducedModel2D:
        if self._model is None:
            raise ValueError("call fit(z, G) before fetch_model()")
        m = self._model
        return ReducedModel2D(m.grid, m.F.copy(), m.M.copy(), m.counts.copy(), m.beta)
