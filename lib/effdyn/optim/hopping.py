r"""Consensus hopping (CH): resample a Gaussian cloud around the consensus point at every step.

.. math::

    V^i_{k} \sim N(x_k, \sigma^2 I_d),\quad i = 1..N, \qquad x_{k+1} = v_\alpha(V_k).

Riedl, Klock, Geldhauser and Fornasier (2023) use CH as the simplest scheme in which the
consensus point performs a stochastic gradient step: in the limit of many particles,
:math:`x_{k+1} = x_k - \alpha\sigma^2 \nabla E_{\alpha,\sigma}(x_k)` exactly, with the smoothed
objective of :mod:`effdyn.optim.smoothing`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from effdyn.optim._bib import RIEDL2023_GRADIENT
from effdyn.optim.consensus import consensus_point

__all__ = ["ConsensusHopping"]

Objective = Callable[[torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class ConsensusHopping:
    r"""Consensus hopping with ``n_particles`` samples of width ``sigma`` and weight ``alpha``.

    Fig. 2(a) of Riedl et al. (2023) uses ``sigma=0.7, alpha=100, n_particles=200`` for 250
    steps from ``(8, 8)`` (official script ``CBOstochasticGD/analyses/CHSchemeIntuition.m``).
    """

    sigma: float = 0.7
    alpha: float = 100.0
    n_particles: int = 200

    bibtex = RIEDL2023_GRADIENT

    def __post_init__(self) -> None:
        if not self.sigma >= 0:
            raise ValueError(f"sigma must be non-negative, got {self.sigma}")
        if not self.alpha >= 0:
            raise ValueError(f"alpha must be non-negative, got {self.alpha}")
        if not (isinstance(self.n_particles, int) and self.n_particles >= 1):
            raise ValueError(f"n_particles must be a positive integer, got {self.n_particles}")

    def step(
        self, objective: Objective, x: torch.Tensor, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """One hop from the points ``x`` (shape ``(..., d)``); returns the new consensus points."""
        if not isinstance(x, torch.Tensor) or x.ndim < 1:
            raise ValueError("x must be a tensor of shape (..., d)")
        shape = x.shape[:-1] + (self.n_particles, x.shape[-1])
        xi = torch.randn(shape, generator=generator, device=x.device, dtype=x.dtype)
        samples = x.unsqueeze(-2) + self.sigma * xi
        return consensus_point(samples, objective(samples), self.alpha)

    def run(
        self,
        objective: Objective,
        x0: torch.Tensor,
        n_steps: int,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """Hop ``n_steps`` times from ``x0`` (shape ``(..., d)``).

        Returns
        -------
        Tensor, shape (n_steps + 1, ..., d)
            ``x0`` followed by the consensus point after each hop.
        """
        if n_steps < 0:
            raise ValueError(f"n_steps must be a non-negative integer, got {n_steps}")
        path = [x0]
        for _ in range(n_steps):
            path.append(self.step(objective, path[-1], generator))
        return torch.stack(path)
