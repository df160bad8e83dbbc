"""Cell-centred tensor-product grids on boxes (for grid references of low-dimensional systems)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

__all__ = ["Grid"]


@dataclass(frozen=True)
class Grid:
    """A uniform, cell-centred grid on the box ``prod_a [low_a, high_a]``.

    Cell ``i`` of axis ``a`` has centre ``low_a + (i + 1/2) h_a`` with ``h_a = (high_a -
    low_a) / n_a``. Points are flattened in C order (the last axis fastest), so
    ``values.reshape(grid.shape)`` gives an array indexed like ``grid.axes``.

    Use :meth:`box` to make one; ``periodic`` marks axes whose ends are joined.
    """

    low: tuple[float, ...]
    high: tuple[float, ...]
    n: tuple[int, ...]
    periodic: tuple[bool, ...]

    @classmethod
    def box(
        cls,
        bounds: Sequence[tuple[float, float]],
        n: int | Sequence[int],
        periodic: bool | Sequence[bool] = False,
    ) -> Grid:
        """A grid with ``n`` cells per axis (one int for all axes) on ``bounds``.

        ``bounds`` is a sequence of ``(low, high)``, e.g. a potential's ``domain``.
        """
        bounds = [tuple(float(v) for v in b) for b in bounds]
        d = len(bounds)
        if d == 0 or any(len(b) != 2 or not b[0] < b[1] for b in bounds):
            raise ValueError(f"bounds must be a sequence of (low, high) with low < high: {bounds}")
        ns = [int(n)] * d if np.ndim(n) == 0 else [int(v) for v in n]
        per = [bool(periodic)] * d if np.ndim(periodic) == 0 else [bool(p) for p in periodic]
        if len(ns) != d or len(per) != d:
            raise ValueError(f"give n and periodic for each of the {d} axes")
        if any(v < 2 for v in ns):
            raise ValueError(f"need at least 2 cells per axis, got {ns}")
        return cls(tuple(b[0] for b in bounds), tuple(b[1] for b in bounds), tuple(ns), tuple(per))

    @property
    def dim(self) -> int:
        return len(self.n)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.n

    @property
    def size(self) -> int:
        return int(np.prod(self.n))

    @property
    def h(self) -> np.ndarray:
        """Cell widths per axis."""
        return (np.asarray(self.high) - np.asarray(self.low)) / np.asarray(self.n)

    @property
    def cell_volume(self) -> float:
        return float(np.prod(self.h))

    @property
    def axes(self) -> list[np.ndarray]:
        """Cell centres per axis."""
        return [
            lo + (np.arange(k) + 0.5) * h for lo, k, h in zip(self.low, self.n, self.h, strict=True)
        ]

    def mesh(self) -> list[np.ndarray]:
        """``np.meshgrid(*axes, indexing="ij")``: one array of shape ``shape`` per axis."""
        return np.meshgrid(*self.axes, indexing="ij")

    def points(self) -> np.ndarray:
        """All cell centres, shape ``(size, dim)``."""
        return np.stack([m.ravel() for m in self.mesh()], axis=1)

    def points_torch(self, dtype: torch.dtype = torch.float64) -> torch.Tensor:
        return torch.as_tensor(self.points(), dtype=dtype)

    def reshape(self, values: Any) -> np.ndarray:
        """Values per point ``(size, ...)`` reshaped to ``(*shape, ...)``."""
        values = np.asarray(values)
        return values.reshape(*self.shape, *values.shape[1:])

    def mask(self, region: Any) -> np.ndarray:
        """Boolean mask ``(size,)`` of the cells whose centre lies in ``region``.

        ``region`` is a :class:`effdyn.sde.Region`, a callable on torch positions ``(N, d)``
        returning a boolean tensor, or already a boolean array of length ``size``.
        """
        if isinstance(region, np.ndarray) or isinstance(region, torch.Tensor):
            m = region.cpu().numpy() if isinstance(region, torch.Tensor) else region
            if m.dtype != np.bool_:
                raise TypeError(f"a mask must be boolean, got dtype {m.dtype}")
            m = m.ravel()
        elif callable(region):
            out = region(self.points_torch())
            m = out.cpu().numpy() if isinstance(out, torch.Tensor) else np.asarray(out)
            m = m.astype(bool).ravel()
        else:
            raise TypeError(f"expected a region (callable) or a boolean mask, got {type(region)}")
        if m.shape != (self.size,):
            raise ValueError(f"mask has {m.size} entries, the grid {self.size} cells")
        return m

    def interpolate(self, values: Any, points: Any) -> np.ndarray:
        """Multilinear interpolation of per-cell ``values`` at ``points`` ``(k, dim)``.

        Points outside the cell centres take the value of the nearest centre on that side.
        """
        from scipy.interpolate import RegularGridInterpolator

        pts = np.atleast_2d(np.asarray(points, dtype=np.float64))
        lo = [a[0] for a in self.axes]
        hi = [a[-1] for a in self.axes]
        pts = np.clip(pts, lo, hi)
        f = RegularGridInterpolator(self.axes, self.reshape(values), method="linear")
        return f(pts)
