"""Brownian paths shared across step sizes, by Brownian-bridge refinement.

A :class:`BrownianPath` holds one sample path of a batch of Brownian motions on ``[t0, t1]``
(optionally with its space-time Levy areas). It hands out the increments on any uniform grid of
``n_base * 2**k`` steps: coarser grids are exact sums of the finest one computed so far, finer
grids are sampled from the exact conditional (bridge) distribution given the coarser one. The
same path therefore drives a scheme at every step size, as convergence-order tests require, and
the result does not depend on the order in which grids are requested.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

__all__ = ["BrownianPath"]

Tensor = torch.Tensor

_MASK63 = (1 << 63) - 1


def _level_seed(seed: int, level: int) -> int:
    # A fixed mixing of (seed, level) so that every refinement level has its own stream.
    return (seed * 0x9E3779B97F4A7C15 + (level + 1) * 0xBF58476D1CE4E5B9) & _MASK63


def _bridge_matrices() -> tuple[Tensor, Tensor]:
    """Conditioning of the two halves' ``(W1, H1, W2, H2)`` on the whole step's ``(W, H)``.

    For a step of length 1 the halves are independent with ``W_i ~ N(0, 1/2)`` and
    ``H_i ~ N(0, 1/24)``, and ``W = W1 + W2``, ``H = (H1 + H2)/2 + (W1 - W2)/4``. The
    conditional law is ``K y + P xi`` with ``y = (W, H)``, ``xi ~ N(0, I_4)`` (Gaussian
    conditioning: ``K = D A^T (A D A^T)^{-1}``, ``P = (I - K A) D^{1/2}``); both scale as
    ``sqrt(h)`` for a step ``h``.
    """
    D = torch.diag(torch.tensor([0.5, 1 / 24, 0.5, 1 / 24], dtype=torch.float64))
    A = torch.tensor([[1.0, 0.0, 1.0, 0.0], [0.25, 0.5, -0.25, 0.5]], dtype=torch.float64)
    K = D @ A.T @ torch.linalg.inv(A @ D @ A.T)
    P = (torch.eye(4, dtype=torch.float64) - K @ A) @ D.sqrt()
    return K, P


class BrownianPath:
    """One sample of a batch of Brownian motions on ``[t0, t1]``, refinable by bridges.

    Parameters
    ----------
    shape : tuple of int
        Shape of ``W(t)``, normally ``(B, m)`` (batch, number of Brownian motions).
    t0, t1 : float
        The time interval.
    levy_area : bool
        Also carry the space-time Levy area ``H`` of every step (needed by :class:`SRA1`).
    seed : int
        Seed of the path; the same seed gives the same path on the same device.
    n_base : int
        Number of steps of the coarsest grid; grids have ``n_base * 2**k`` steps.
    device, dtype
        Where the path lives (default CPU, float64).
    """

    def __init__(
        self,
        shape: Sequence[int],
        t0: float = 0.0,
        t1: float = 1.0,
        *,
        levy_area: bool = False,
        seed: int = 0,
        n_base: int = 1,
        device: torch.device | str | None = None,
        dtype: torch.dtype = torch.float64,
    ) -> None:
        self.shape = tuple(int(s) for s in shape)
        if not (math.isfinite(t0) and math.isfinite(t1) and t1 > t0):
            raise ValueError(f"need finite t0 < t1, got t0={t0!r}, t1={t1!r}")
        if int(n_base) < 1:
            raise ValueError(f"n_base must be >= 1, got {n_base!r}")
        self.t0, self.t1 = float(t0), float(t1)
        self.levy_area = bool(levy_area)
        self.seed = int(seed)
        self.n_base = int(n_base)
        self.device = torch.device(device) if device is not None else torch.device("cpu")
        self.dtype = dtype
        self._level = 0
        h = self.duration / self.n_base
        gen = self._generator(0)
        shape0 = (self.n_base, *self.shape)
        self._dW = torch.randn(shape0, generator=gen, device=self.device, dtype=dtype)
        self._dW.mul_(math.sqrt(h))
        self._H = None
        if self.levy_area:
            self._H = torch.randn(shape0, generator=gen, device=self.device, dtype=dtype)
            self._H.mul_(math.sqrt(h / 12.0))
        K, P = _bridge_matrices()
        self._K = K.to(device=self.device, dtype=dtype)
        self._P = P.to(device=self.device, dtype=dtype)

    @property
    def duration(self) -> float:
        return self.t1 - self.t0

    @property
    def n_finest(self) -> int:
        """Number of steps of the finest grid sampled so far."""
        return self.n_base << self._level

    def _generator(self, level: int) -> torch.Generator:
        return torch.Generator(device=self.device).manual_seed(_level_seed(self.seed, level))

    def _level_of(self, n: int) -> int:
        if n >= self.n_base and n % self.n_base == 0:
            ratio = n // self.n_base
            if ratio & (ratio - 1) == 0:
                return ratio.bit_length() - 1
        raise ValueError(
            f"a BrownianPath with n_base={self.n_base} gives grids of n_base * 2**k steps; "
            f"{n} is not one of them"
        )

    def _refine(self) -> None:
        """Sample the next finer grid from the bridge conditional of the current one."""
        level = self._level + 1
        gen = self._generator(level)
        n = self.n_finest
        h = self.duration / n
        dW = self._dW
        if not self.levy_area:
            z = torch.randn(dW.shape, generator=gen, device=self.device, dtype=self.dtype)
            w1 = 0.5 * dW + (0.5 * math.sqrt(h)) * z
            fine = torch.stack([w1, dW - w1], dim=1)
            self._dW = fine.reshape(2 * n, *self.shape)
        else:
            y = torch.stack([dW, self._H], dim=-1)  # (n, *shape, 2)
            xi = torch.randn((*dW.shape, 4), generator=gen, device=self.device, dtype=self.dtype)
            x = y @ self._K.T + math.sqrt(h) * (xi @ self._P.T)  # (n, *shape, 4): W1 H1 W2 H2
            self._dW = torch.stack([x[..., 0], x[..., 2]], dim=1).reshape(2 * n, *self.shape)
            self._H = torch.stack([x[..., 1], x[..., 3]], dim=1).reshape(2 * n, *self.shape)
        self._level = level

    def _at(self, n: int) -> tuple[Tensor, Tensor | None]:
        level = self._level_of(n)
        while self._level < level:
            self._refine()
        dW, H = self._dW, self._H
        for _ in range(self._level - level):  # exact aggregation of pairs of steps
            w = dW.reshape(-1, 2, *self.shape)
            if H is not None:
                hh = H.reshape(-1, 2, *self.shape)
                H = 0.5 * (hh[:, 0] + hh[:, 1]) + 0.25 * (w[:, 0] - w[:, 1])
            dW = w.sum(dim=1)
        return dW, H

    def increments(self, n: int) -> Tensor:
        """Brownian increments on the grid of ``n`` steps, shape ``(n, *shape)``."""
        return self._at(n)[0]

    def levy_areas(self, n: int) -> Tensor:
        """Space-time Levy areas ``H = (1/h) int (W_s - W_a) ds - dW/2``, ``(n, *shape)``."""
        if not self.levy_area:
            raise ValueError("this BrownianPath was made with levy_area=False")
        return self._at(n)[1]

    def values(self, n: int) -> Tensor:
        """``W`` at the ``n + 1`` grid times (``W(t0) = 0``), shape ``(n + 1, *shape)``."""
        dW = self.increments(n)
        return torch.cat([torch.zeros_like(dW[:1]), dW.cumsum(dim=0)])

    def noise(self, channels: Sequence[str], n: int) -> Tensor:
        """The per-step ``noise`` tensor an integrator with these ``noise_channels`` consumes.

        Shape ``(n, *shape)`` for one channel and ``(n, C, *shape)`` for ``C`` channels.
        """
        parts = []
        halves = None
        n_half = 0
        for ch in channels:
            if ch == "dW":
                parts.append(self.increments(n))
            elif ch == "H":
                parts.append(self.levy_areas(n))
            elif ch == "dW_half":
                if halves is None:
                    halves = self.increments(2 * n).reshape(n, 2, *self.shape)
                if n_half > 1:
                    raise ValueError("a step has only two halves")
                parts.append(halves[:, n_half])
                n_half += 1
            else:
                raise ValueError(f"unknown noise channel {ch!r}")
        return parts[0] if len(parts) == 1 else torch.stack(parts, dim=1)
