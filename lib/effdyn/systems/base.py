"""The potential interface shared by the benchmark systems."""

from __future__ import annotations

import abc
from typing import ClassVar

import numpy as np
import torch

__all__ = ["Potential"]

Tensor = torch.Tensor


class Potential(abc.ABC):
    """A potential energy ``V: R^d -> R`` with its force ``F = -grad V``, batched.

    ``energy(x)`` and ``force(x)`` take positions of shape ``(..., d)`` (any leading batch
    shape, any floating dtype and device) and return ``(...)`` and ``(..., d)``. Calling the
    potential is ``energy``. Subclasses implement ``_energy`` and ``_force`` (analytic: the
    tests compare them with autograd).

    Attributes
    ----------
    dim : int
        Dimension ``d``.
    domain : tuple of (low, high)
        A box holding the region of interest (for plots and grid references).
    minima : numpy.ndarray ``(k, d)``
        The local minima (rounded, documented values; the tests check that the force vanishes).
    bibtex : str
        Reference for the system and its parameters.
    """

    dim: int
    domain: tuple[tuple[float, float], ...]
    bibtex: ClassVar[str] = ""

    @property
    def name(self) -> str:
        return type(self).__name__

    def _check(self, x: Tensor) -> Tensor:
        if not isinstance(x, torch.Tensor):
            x = torch.as_tensor(x, dtype=torch.float64)
        if x.ndim == 0 or x.shape[-1] != self.dim:
            raise ValueError(
                f"{self.name} is {self.dim}-dimensional: positions must have shape (..., "
                f"{self.dim}), got {tuple(x.shape)}"
            )
        return x

    def energy(self, x: Tensor) -> Tensor:
        """``V(x)``, shape ``x.shape[:-1]``."""
        return self._energy(self._check(x))

    def force(self, x: Tensor) -> Tensor:
        """``F(x) = -grad V(x)``, shape ``x.shape``."""
        return self._force(self._check(x))

    def grad(self, x: Tensor) -> Tensor:
        """``grad V(x)``, shape ``x.shape``."""
        return -self.force(x)

    def __call__(self, x: Tensor) -> Tensor:
        return self.energy(x)

    @abc.abstractmethod
    def _energy(self, x: Tensor) -> Tensor: ...

    @abc.abstractmethod
    def _force(self, x: Tensor) -> Tensor: ...

    @property
    def minima(self) -> np.ndarray:
        return np.empty((0, self.dim))

    def __repr__(self) -> str:
        return f"{self.name}(dim={self.dim})"
