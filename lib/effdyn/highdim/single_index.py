"""Gaussian single-index model with a Hermite link of information exponent ``k*``.

``x ~ N(0, I_d)``, ``y = sigma(theta* . x)`` with ``sigma = He_{k*} / sqrt(k*!)`` (the normalised
probabilists' Hermite polynomial, whose first non-zero Hermite coefficient is the ``k*``-th), and
the correlation loss ``L_n(theta) = -(1/n) sum_i y_i sigma(theta . x_i)`` on the sphere, as in
:cite:`damian2023smoothing` and :cite:`langevin-averaging`. Full-batch gradients cost O(n d).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from effdyn.highdim.references import DAMIAN_NICHANI_GE_LEE_2023, LANGEVIN_AVERAGING_2026
from effdyn.highdim.tensor_pca import (
    DEFAULT_MEMORY_LIMIT,
    check_order_and_dimension,
    random_unit_vectors,
)

__all__ = ["SingleIndexModel", "hermite"]


def hermite(order: int, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Probabilists' Hermite polynomial ``He_k(z)`` and its derivative ``k He_{k-1}(z)``."""
    if int(order) != order or order < 0:
        raise ValueError(f"order must be a non-negative integer, got {order!r}")
    previous, current = torch.zeros_like(z), torch.ones_like(z)
    for j in range(int(order)):
        previous, current = current, z * current - j * previous
    return current, int(order) * previous


@dataclass
class SingleIndexModel:
    """A batch of single-index data sets, one per run.

    Attributes
    ----------
    x : torch.Tensor
        Inputs, shape ``(n_runs, n, d)``.
    y : torch.Tensor
        Labels ``He_k(theta* . x) / sqrt(k!)``, shape ``(n_runs, n)``.
    theta_star : torch.Tensor
        Planted unit directions, shape ``(n_runs, d)``.
    order : int
        Information exponent ``k*``.
    """

    x: torch.Tensor
    y: torch.Tensor
    theta_star: torch.Tensor
    order: int

    bibtex = LANGEVIN_AVERAGING_2026 + "\n\n" + DAMIAN_NICHANI_GE_LEE_2023

    @classmethod
    def sample(
        cls,
        n_dim: int,
        order: int,
        n_samples: int,
        n_runs: int,
        *,
        seed: int | torch.Generator = 0,
        device: torch.device | str | None = None,
        dtype: torch.dtype = torch.float32,
        memory_limit: float = DEFAULT_MEMORY_LIMIT,
    ) -> SingleIndexModel:
        """Draw ``n_runs`` data sets of ``n_samples`` points in dimension ``n_dim``."""
        check_order_and_dimension(order, n_dim)
        if int(n_samples) != n_samples or n_samples <= 0:
            raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}")
        if int(n_runs) != n_runs or n_runs < 1:
            raise ValueError(f"n_runs must be a positive integer, got {n_runs!r}")
        element = torch.empty((), dtype=dtype).element_size()
        needed = int(n_runs) * int(n_samples) * int(n_dim) * element
        if needed > memory_limit:
            raise ValueError(
                f"memory_limit: {n_runs} data sets of n={n_samples}, d={n_dim} need {needed} "
                f"bytes, more than {int(memory_limit)}"
            )
        device = torch.device(device) if device is not None else torch.device("cpu")
        gen = seed if isinstance(seed, torch.Generator) else torch.Generator(device=device)
        if not isinstance(seed, torch.Generator):
            gen.manual_seed(int(seed))
        theta_star = random_unit_vectors(int(n_runs), int(n_dim), gen, device=device, dtype=dtype)
        x = torch.randn(
            int(n_runs), int(n_samples), int(n_dim), generator=gen, device=device, dtype=dtype
        )
        z = torch.einsum("rnd,rd->rn", x, theta_star)
        y = hermite(order, z)[0] / math.sqrt(math.factorial(int(order)))
        return cls(x, y, theta_star, int(order))

    def loss(self, theta: torch.Tensor) -> torch.Tensor:
        """Correlation loss per run, theta (R, d) -> (R,)."""
        z = torch.einsum("rnd,rd->rn", self.x, theta)
        sigma = hermite(self.order, z)[0] / math.sqrt(math.factorial(self.order))
        return -(self.y * sigma).mean(-1)

    def gradient(self, theta: torch.Tensor) -> torch.Tensor:
        """Euclidean gradient of :meth:`loss`, shape (R, d)."""
        z = torch.einsum("rnd,rd->rn", self.x, theta)
        dsigma = hermite(self.order, z)[1] / math.sqrt(math.factorial(self.order))
        return -torch.einsum("rn,rnd->rd", self.y * dsigma, self.x) / self.x.shape[1]

    def overlap(self, theta: torch.Tensor) -> torch.Tensor:
        """``|<theta, theta*>| / |theta|`` per run."""
        return (theta * self.theta_star).sum(-1).abs() / theta.norm(dim=-1)
