"""A one-dimensional effective SDE ``dz = b(z) dt + sqrt(a(z)) dW`` given by grid values.

The model behind every one-dimensional reduction of :mod:`effdyn.effective`: drift ``b`` and
diffusion ``a = sigma^2`` are tabulated on a grid and interpolated (linearly inside the grid,
constant outside). It simulates with the core integrators (:meth:`EffectiveSDE1D.to_sde`) and
gives the stationary density of the zero-flux solution of the Fokker-Planck equation and mean
first-passage times by one-dimensional quadrature (Gardiner 2009, sections 5.2 and 5.5).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from effdyn.effective._bib import GARDINER_MFPT

__all__ = ["EffectiveSDE1D", "as_grid_points"]

Tensor = torch.Tensor

#: Points of the fine grid used by the quadratures of :meth:`EffectiveSDE1D.mfpt`.
QUADRATURE_POINTS = 20001


def as_grid_points(grid: Any, name: str = "grid") -> np.ndarray:
    """The points of a one-dimensional grid as a strictly increasing float64 array.

    ``grid`` is an array-like of at least two increasing points, or a one-dimensional
    :class:`effdyn.operators.grid.Grid` (its cell centres).
    """
    if hasattr(grid, "axes") and hasattr(grid, "dim"):
        if grid.dim != 1:
            raise ValueError(f"{name} must be one-dimensional, got a Grid of dimension {grid.dim}")
        points = np.asarray(grid.axes[0], dtype=np.float64)
    else:
        if isinstance(grid, torch.Tensor):
            grid = grid.detach().cpu().numpy()
        points = np.asarray(grid, dtype=np.float64)
    if points.ndim != 1 or points.size < 2:
        raise ValueError(
            f"{name} must be a 1D array of at least 2 points, got shape {points.shape}"
        )
    if not np.all(np.isfinite(points)) or not np.all(np.diff(points) > 0):
        raise ValueError(f"{name} must be finite and strictly increasing")
    return points


def _as_values(values: Any, n: int, name: str) -> np.ndarray:
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().numpy()
    v = np.asarray(values, dtype=np.float64)
    if v.shape != (n,):
        raise ValueError(f"{name} must have one value per grid point, shape ({n},), got {v.shape}")
    if not np.all(np.isfinite(v)):
        raise ValueError(f"{name} must be finite")
    return v


class _GridFunction:
    """A piecewise-linear function of grid values, constant beyond the ends, as a torch callable."""

    def __init__(self, points: np.ndarray, values: np.ndarray) -> None:
        self.points, self.values = points, values
        steps = np.diff(points)
        self._uniform = bool(np.allclose(steps, steps[0], rtol=1e-10, atol=0.0))
        self._cache: dict[tuple[Any, Any], tuple[Tensor, Tensor, Tensor]] = {}

    def _tables(self, device: torch.device, dtype: torch.dtype) -> tuple[Tensor, Tensor, Tensor]:
        key = (device, dtype)
        t = self._cache.get(key)
        if t is None:
            x = torch.as_tensor(self.points, device=device, dtype=dtype)
            y = torch.as_tensor(self.values, device=device, dtype=dtype)
            slope = (y[1:] - y[:-1]) / (x[1:] - x[:-1])
            t = self._cache[key] = (x, y, slope)
        return t

    def __call__(self, z: Tensor) -> Tensor:
        if not isinstance(z, torch.Tensor):
            z = torch.as_tensor(z, dtype=torch.float64)
        if not z.is_floating_point():
            z = z.to(torch.float64)
        x, y, slope = self._tables(z.device, z.dtype)
        lo, hi, n = float(self.points[0]), float(self.points[-1]), x.numel()
        zc = z.clamp(lo, hi)
        if self._uniform:  # index by arithmetic, several times faster than a search
            h = (hi - lo) / (n - 1)
            i = ((zc.detach() - lo) / h).floor().long().clamp(0, n - 2)
        else:
            i = torch.searchsorted(x, zc.detach().contiguous(), right=True).clamp(1, n - 1) - 1
        return y[i] + slope[i] * (zc - x[i])


class EffectiveSDE1D:
    """The one-dimensional SDE ``dz = b(z) dt + sqrt(a(z)) dW`` with tabulated coefficients.

    Parameters
    ----------
    grid : array-like or Grid
        Strictly increasing points (or a 1D :class:`effdyn.operators.grid.Grid`).
    drift : array-like
        ``b`` at the grid points.
    diffusion : array-like
        ``a = sigma^2`` at the grid points (positive wherever the density or an MFPT is asked).

    Notes
    -----
    :meth:`drift` and :meth:`diffusion` interpolate linearly between grid points and are
    constant beyond the ends. :meth:`stationary_density` and :meth:`mfpt` treat the ends of the
    grid as reflecting walls. This is the reduced model of Feng et al. (2023), step 3, when its
    coefficients come from :class:`~effdyn.effective.ConditionalCoefficients` or from an
    averaged slow drift.
    """

    bibtex = GARDINER_MFPT

    def __init__(self, grid: Any, drift: Any, diffusion: Any) -> None:
        self.grid = as_grid_points(grid)
        n = self.grid.size
        self.drift_values = _as_values(drift, n, "drift")
        self.diffusion_values = _as_values(diffusion, n, "diffusion")
        self._drift = _GridFunction(self.grid, self.drift_values)
        self._diffusion = _GridFunction(self.grid, self.diffusion_values)

    @classmethod
    def from_functions(
        cls,
        grid: Any,
        drift: Callable[[np.ndarray], Any],
        diffusion: Callable[[np.ndarray], Any] | float,
    ) -> EffectiveSDE1D:
        """Tabulate known coefficients ``drift(z)``, ``diffusion(z)`` (numpy in, numpy out)."""
        z = as_grid_points(grid)
        b = np.broadcast_to(np.asarray(drift(z), dtype=np.float64), z.shape)
        a = diffusion(z) if callable(diffusion) else diffusion
        a = np.broadcast_to(np.asarray(a, dtype=np.float64), z.shape)
        return cls(z, b.copy(), a.copy())

    @classmethod
    def from_density(cls, grid: Any, density: Any, diffusion: Any) -> EffectiveSDE1D:
        """The reversible SDE with stationary density ``density`` and diffusion ``diffusion``.

        ``b = (a / 2) (log p)' + a' / 2`` (derivatives by second-order differences on the grid):
        the zero-flux solution of its Fokker-Planck equation is ``p``. This is the form of the
        effective dynamics of Legoll and Lelievre (2010) for a reversible system, ``p`` the
        marginal law of the collective variable and ``a = (2 / beta) E[|grad xi|^2 | xi = z]``;
        an estimate of ``p`` from equilibrium samples avoids integrating a noisy drift.
        """
        z = as_grid_points(grid)
        p = _as_values(density, z.size, "density")
        a = _as_values(diffusion, z.size, "diffusion")
        if np.any(p <= 0):
            raise ValueError(
                f"density must be positive on the grid; it is <= 0 at {(p <= 0).sum()} points"
            )
        drift = 0.5 * a * np.gradient(np.log(p), z, edge_order=2) + 0.5 * np.gradient(
            a, z, edge_order=2
        )
        return cls(z, drift, a.copy())

    def __repr__(self) -> str:
        return f"EffectiveSDE1D(grid=[{self.grid[0]:g}, {self.grid[-1]:g}], n={self.grid.size})"

    # ------------------------------------------------------------------ coefficients
    def drift(self, z: Tensor) -> Tensor:
        """The drift ``b(z)`` (any shape; same device and dtype as ``z``)."""
        return self._drift(z)

    def diffusion(self, z: Tensor) -> Tensor:
        """The diffusion ``a(z) = sigma(z)^2`` (any shape; same device and dtype as ``z``)."""
        return self._diffusion(z)

    def to_sde(self) -> Any:
        """The model as an :class:`effdyn.sde.SDE` on states ``(B, 1)`` (diagonal noise).

        ``sigma = sqrt(max(a, 0))``; simulate it with any integrator of :mod:`effdyn.sde`,
        e.g. ``simulate(EulerMaruyama(model.to_sde()), x0, dt, n)``.
        """
        from effdyn.sde import SDE

        def drift(t: float, x: Tensor) -> Tensor:
            return self._drift(x)

        def sigma(t: float, x: Tensor) -> Tensor:
            return self._diffusion(x).clamp_min(0.0).sqrt()

        constant = bool(np.all(self.diffusion_values == self.diffusion_values[0]))
        if constant:
            return SDE(
                drift,
                float(np.sqrt(max(self.diffusion_values[0], 0.0))),
                time_homogeneous=True,
                name="EffectiveSDE1D",
            )
        return SDE(drift, sigma, time_homogeneous=True, name="EffectiveSDE1D")

    # ------------------------------------------------------------------ quadratures
    def _check_positive_diffusion(self) -> None:
        if np.any(self.diffusion_values <= 0):
            bad = self.grid[self.diffusion_values <= 0]
            raise ValueError(
                f"the diffusion must be positive on the grid; it is <= 0 at {bad.size} points "
                f"(first at z = {bad[0]:g})"
            )

    def _log_scale_density(self, z: np.ndarray) -> np.ndarray:
        """``log psi(z) = int_{z_0}^z 2 b / a`` by the trapezoid rule on the points ``z``."""
        zt = torch.as_tensor(z, dtype=torch.float64)
        ratio = (2.0 * self._drift(zt) / self._diffusion(zt)).numpy()
        steps = 0.5 * (ratio[1:] + ratio[:-1]) * np.diff(z)
        return np.concatenate([[0.0], np.cumsum(steps)])

    def stationary_density(self) -> np.ndarray:
        """The zero-flux stationary density ``p ~ exp(int 2b/a) / a`` at the grid points.

        Normalised so that its trapezoid integral over the grid is one (reflecting ends).
        """
        self._check_positive_diffusion()
        log_p = self._log_scale_density(self.grid) - np.log(self.diffusion_values)
        p = np.exp(log_p - log_p.max())
        return p / np.trapezoid(p, self.grid)

    def free_energy(self) -> np.ndarray:
        """``-log p`` of :meth:`stationary_density` at the grid points (in units of ``kT``)."""
        return -np.log(self.stationary_density())

    def mfpt(self, a: float, b: float, n_points: int = QUADRATURE_POINTS) -> float:
        """Mean first-passage time from the point ``a`` to the point ``b``.

        With ``psi = exp(int 2 drift / diffusion)`` and ``p = psi / diffusion``, the MFPT for
        ``a < b`` with a reflecting wall at the left end ``l`` of the grid is
        ``T = int_a^b (2 / psi(y)) int_l^y p(x) dx dy`` (mirrored for ``a > b``); both integrals
        are trapezoid rules on ``n_points`` equispaced points of the interpolated coefficients.
        """
        a, b = float(a), float(b)
        lo, hi = self.grid[0], self.grid[-1]
        for name, v in (("a", a), ("b", b)):
            if not lo <= v <= hi:
                raise ValueError(f"{name} must lie in the grid [{lo:g}, {hi:g}], got {v:g}")
        if n_points < 3:
            raise ValueError(f"n_points must be >= 3, got {n_points}")
        self._check_positive_diffusion()
        if a == b:
            return 0.0
        z = np.linspace(lo, hi, int(n_points))
        if a > b:  # reflect: z -> -z turns a leftward passage into a rightward one
            z = -z[::-1]
            a, b = -a, -b
            drift_sign = -1.0
        else:
            drift_sign = 1.0
        zt = torch.as_tensor(-z if drift_sign < 0 else z, dtype=torch.float64)
        drift = drift_sign * self._drift(zt).numpy()
        diff = self._diffusion(zt).numpy()
        ratio = 2.0 * drift / diff
        log_psi = np.concatenate([[0.0], np.cumsum(0.5 * (ratio[1:] + ratio[:-1]) * np.diff(z))])
        shift = log_psi.max()
        p = np.exp(log_psi - shift) / diff
        mass = np.concatenate([[0.0], np.cumsum(0.5 * (p[1:] + p[:-1]) * np.diff(z))])
        integrand = 2.0 * np.exp(shift - log_psi) * mass
        keep = (z >= a) & (z <= b)
        zs, fs = z[keep], integrand[keep]
        # close the range exactly at a and b by linear interpolation of the integrand
        fa, fb = np.interp(a, z, integrand), np.interp(b, z, integrand)
        zs = np.concatenate([[a], zs, [b]])
        fs = np.concatenate([[fa], fs, [fb]])
        return float(np.trapezoid(fs, zs))
