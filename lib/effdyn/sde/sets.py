"""Regions of state space (targets of first passages, core sets), as boolean masks of a batch.

A set is any callable ``x -> mask`` taking positions ``(B, d)`` and returning a boolean tensor
``(B,)``. :class:`Ball`, :class:`Box` and :class:`Interval` are the common ones; the grid
references of :mod:`effdyn.operators` accept the same objects, so a chapter defines its core sets
once for simulation and grid.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import torch

__all__ = ["Ball", "Box", "Interval", "Region", "as_region"]

Tensor = torch.Tensor


class Region:
    """Base class: ``region(x)`` is a boolean mask ``(B,)`` of the positions ``x`` inside."""

    def __call__(self, x: Tensor) -> Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def _param(self, name: str, value: Tensor, x: Tensor) -> Tensor:
        cache = self.__dict__.setdefault("_cache", {})
        key = (name, x.device, x.dtype)
        if key not in cache:
            cache[key] = value.to(device=x.device, dtype=x.dtype)
        return cache[key]


class Ball(Region):
    """The closed ball ``|x - center| <= radius`` (Euclidean norm)."""

    def __init__(self, center: Sequence[float] | Tensor, radius: float) -> None:
        self.center = torch.as_tensor(center, dtype=torch.float64).reshape(-1)
        self.radius = float(radius)
        if not (math.isfinite(self.radius) and self.radius > 0):
            raise ValueError(f"radius must be positive, got {radius!r}")

    def __call__(self, x: Tensor) -> Tensor:
        c = self._param("center", self.center, x)
        if c.shape[0] != x.shape[-1]:
            raise ValueError(f"Ball center has dimension {c.shape[0]}, positions {x.shape[-1]}")
        return ((x - c) ** 2).sum(dim=-1) <= self.radius**2

    def __repr__(self) -> str:
        return f"Ball(center={self.center.tolist()}, radius={self.radius})"


class Box(Region):
    """The box ``low <= x <= high`` (per coordinate; ``-inf``/``inf`` leave a side open)."""

    def __init__(self, low: Sequence[float] | Tensor, high: Sequence[float] | Tensor) -> None:
        self.low = torch.as_tensor(low, dtype=torch.float64).reshape(-1)
        self.high = torch.as_tensor(high, dtype=torch.float64).reshape(-1)
        if self.low.shape != self.high.shape or bool((self.low > self.high).any()):
            raise ValueError(f"need low <= high of equal length, got {low!r} and {high!r}")

    def __call__(self, x: Tensor) -> Tensor:
        lo, hi = self._param("low", self.low, x), self._param("high", self.high, x)
        if lo.shape[0] != x.shape[-1]:
            raise ValueError(f"Box has dimension {lo.shape[0]}, positions {x.shape[-1]}")
        return ((x >= lo) & (x <= hi)).all(dim=-1)

    def __repr__(self) -> str:
        return f"Box(low={self.low.tolist()}, high={self.high.tolist()})"


class Interval(Region):
    """``low <= x[..., coordinate] <= high``: an interval in one coordinate (1-D core sets)."""

    def __init__(self, low: float, high: float, coordinate: int = 0) -> None:
        self.low, self.high, self.coordinate = float(low), float(high), int(coordinate)
        if not self.low <= self.high:
            raise ValueError(f"need low <= high, got {low!r} and {high!r}")

    def __call__(self, x: Tensor) -> Tensor:
        v = x[..., self.coordinate]
        return (v >= self.low) & (v <= self.high)

    def __repr__(self) -> str:
        return f"Interval({self.low}, {self.high}, coordinate={self.coordinate})"


class _FunctionRegion(Region):
    def __init__(self, fn: Callable[[Tensor], Tensor]) -> None:
        self.fn = fn

    def __call__(self, x: Tensor) -> Tensor:
        mask = self.fn(x)
        if not isinstance(mask, torch.Tensor) or mask.dtype != torch.bool:
            raise TypeError(f"a region must return a boolean tensor, got {type(mask)}")
        if mask.shape != x.shape[:-1]:
            raise ValueError(
                f"a region must return one boolean per position, shape {tuple(x.shape[:-1])}; "
                f"got {tuple(mask.shape)}"
            )
        return mask

    def __repr__(self) -> str:
        return f"Region({getattr(self.fn, '__name__', self.fn)!r})"


def as_region(obj: Any) -> Region:
    """A :class:`Region` from a region or from a callable ``x -> bool mask (B,)``."""
    if isinstance(obj, Region):
        return obj
    if callable(obj):
        return _FunctionRegion(obj)
    raise TypeError(f"expected a Region or a callable x -> bool mask, got {type(obj).__name__}")
