r"""Real-space density correlations of the driven electrolyte and power-law fits.

The connected density correlation :math:`C(r) = \langle c(0)c(r)\rangle - 2C_0\delta(r)` is the
inverse Fourier transform of :math:`S_{cc}(k) - 2C_0` (:cite:`driven-coulomb`, part 1). On a
periodic grid of :math:`n^d` points and volume :math:`V`,
:math:`C(r) = V^{-1}\sum_k [S_{cc}(k) - 2C_0] e^{ik\cdot r}`; the zero mode (whose
:math:`k \to 0` limit depends on the direction) is set to zero, which shifts :math:`C` by a
constant of order :math:`V^{-1}`.
"""

from __future__ import annotations

import math

import torch

from effdyn.electrolytes.linear import LinearDrivenElectrolyte
from effdyn.fields.grid import PeriodicGrid

__all__ = ["real_space_correlation", "ray_cut", "fit_power_law"]


def real_space_correlation(model: LinearDrivenElectrolyte, grid: PeriodicGrid) -> torch.Tensor:
    """:math:`C(r)` of the density on ``grid`` (shape ``grid.shape``, origin at index 0).

    ``grid.dim`` must equal ``model.d``; the computation is in float64 on ``grid.device``.
    """
    if grid.dim != model.d:
        raise ValueError(f"grid.dim must equal model.d={model.d}, got {grid.dim}")
    k2 = grid.k_squared.to(torch.float64)
    kx = torch.broadcast_to(grid.wavevectors[0].to(torch.float64), k2.shape)
    s = model.structure_factors(k2=k2, kx=kx).cc - 2.0 * model.C0
    s = torch.where(k2 > 0, s, torch.zeros_like(s))
    axes = tuple(range(-grid.dim, 0))
    return torch.fft.irfftn(s, s=grid.shape, dim=axes) / grid.cell_volume


def ray_cut(
    corr: torch.Tensor, grid: PeriodicGrid, direction: tuple[int, ...]
) -> tuple[torch.Tensor, torch.Tensor]:
    """Values of a correlation on the lattice ray from the origin along an integer direction.

    Parameters
    ----------
    corr : torch.Tensor
        Field of shape ``grid.shape`` with the origin at index 0.
    grid : PeriodicGrid
    direction : tuple of int
        Integer lattice direction, e.g. ``(1, 0)`` (along the field), ``(0, 1)``, ``(1, 1)``.

    Returns
    -------
    r, values : torch.Tensor
        Distances :math:`m|v|\\,dx` and values for ``m = 1 .. n/2 // max|v|``.
    """
    if len(direction) != grid.dim or not any(direction):
        raise ValueError(f"direction must be a non-zero integer {grid.dim}-tuple, got {direction}")
    step = max(abs(int(v)) for v in direction)
    m = torch.arange(1, grid.n // 2 // step + 1, device=corr.device)
    idx = tuple((m * int(v)) % grid.n for v in direction)
    norm = math.sqrt(sum(int(v) ** 2 for v in direction))
    r = m.to(torch.float64) * norm * grid.dx
    return r, corr[idx]


def fit_power_law(
    r: torch.Tensor, values: torch.Tensor, r_min: float, r_max: float
) -> tuple[float, float]:
    """Least-squares slope and intercept of :math:`\\log|f|` against :math:`\\log r` on a range.

    Returns ``(exponent, log_amplitude)``; a ``ValueError`` if fewer than 3 points fall in
    ``[r_min, r_max]`` or the values change sign there.
    """
    keep = (r >= r_min) & (r <= r_max)
    if int(keep.sum()) < 3:
        raise ValueError(f"need at least 3 points in [r_min, r_max] = [{r_min}, {r_max}]")
    v = values[keep].to(torch.float64)
    if not (bool((v > 0).all()) or bool((v < 0).all())):
        raise ValueError("values change sign on the fitting range")
    x = torch.log(r[keep].to(torch.float64))
    y = torch.log(v.abs())
    xm, ym = x.mean(), y.mean()
    slope = ((x - xm) * (y - ym)).sum() / ((x - xm) ** 2).sum()
    return float(slope), float(ym - slope * xm)
