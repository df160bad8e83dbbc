"""Kramers-Moyal estimates of drift and diffusion on a 1D grid by Gaussian kernel smoothing.

From pairs ``(z0, z_tau)`` of a one-dimensional process observed a lag ``tau`` apart (several
bursts may start from the same ``z0``), the first two Kramers-Moyal coefficients are the
conditional moments of the increment ``dz = z_tau - z0``,

``b(z) ~ E[dz | z0 = z] / tau``,  ``a(z) = sigma(z)^2 ~ E[dz^2 | z0 = z] / tau``,

which Feng et al. (2023, step 1) use to identify the SDE from short bursts. Here the
conditional expectations are kernel regressions with a Gaussian kernel of width ``bandwidth``
evaluated on a grid: local-constant (Nadaraya-Watson, ``degree=0``) or local-linear
(``degree=1``, free of the design bias of the local-constant fit for linear coefficients). With
``drift_correction=True`` the diffusion is the conditional *variance* ``E[(dz - b tau)^2 | z]/tau``,
which removes the ``b^2 tau`` bias of the raw second moment.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from effdyn.effective._bib import FENG_2023, KRAMERS_MOYAL
from effdyn.effective.model import EffectiveSDE1D, as_grid_points

__all__ = ["ConditionalCoefficients"]

Tensor = torch.Tensor

#: Largest number of (sample, grid point) kernel weights held at once.
CHUNK_ELEMENTS = 1 << 23


def _as_float64(x: Any, name: str) -> Tensor:
    t = torch.as_tensor(x.detach() if isinstance(x, torch.Tensor) else np.asarray(x))
    if not t.is_floating_point():
        t = t.to(torch.float64)
    t = t.to(torch.float64)
    if not bool(torch.isfinite(t).all()):
        raise ValueError(f"{name} must be finite")
    return t


class ConditionalCoefficients:
    """Kernel-smoothed Kramers-Moyal drift and diffusion of a 1D process on a grid.

    Parameters
    ----------
    grid : array-like or Grid
        Points where the coefficients are estimated (strictly increasing).
    bandwidth : float
        Standard deviation of the Gaussian kernel (in units of ``z``).
    degree : {0, 1}
        Local-constant (Nadaraya-Watson) or local-linear kernel regression.
    drift_correction : bool
        Estimate the diffusion by the conditional variance of the increment (subtracting the
        drift ``b tau``) instead of its raw second moment.

    Attributes (after :meth:`fit`)
    ------------------------------
    drift_ : numpy.ndarray
        ``b`` at the grid points.
    diffusion_ : numpy.ndarray
        ``a = sigma^2`` at the grid points.
    weight_ : numpy.ndarray
        Kernel mass at each grid point (the effective number of increments that inform it).
    visited_ : numpy.ndarray of bool
        Grid points inside the range of the starting points ``z0``.

    Examples
    --------
    >>> est = ConditionalCoefficients(np.linspace(-2, 2, 81), 0.1).fit(z0, z_tau, tau=1e-3)
    >>> model = est.fetch_model()   # EffectiveSDE1D
    """

    bibtex = FENG_2023 + "\n" + KRAMERS_MOYAL

    def __init__(
        self,
        grid: Any,
        bandwidth: float,
        *,
        degree: int = 1,
        drift_correction: bool = True,
    ) -> None:
        self.grid = as_grid_points(grid)
        bw = float(bandwidth)
        if not np.isfinite(bw) or bw <= 0:
            raise ValueError(f"bandwidth must be a positive number, got {bandwidth!r}")
        if degree not in (0, 1):
            raise ValueError(
                f"degree must be 0 (local constant) or 1 (local linear), got {degree!r}"
            )
        self.bandwidth = bw
        self.degree = int(degree)
        self.drift_correction = bool(drift_correction)
        self.drift_: np.ndarray | None = None
        self.diffusion_: np.ndarray | None = None
        self.weight_: np.ndarray | None = None
        self.visited_: np.ndarray | None = None

    def __repr__(self) -> str:
        return (
            f"ConditionalCoefficients(n_grid={self.grid.size}, bandwidth={self.bandwidth:g}, "
            f"degree={self.degree}, drift_correction={self.drift_correction})"
        )

    # ------------------------------------------------------------------ kernel regression
    def _moments(self, z0: Tensor, targets: Tensor) -> tuple[Tensor, Tensor]:
        """Kernel sums ``S_k = sum_i w_i u_i^k``, ``T_k = sum_i w_i u_i^k y_i`` at the grid.

        ``u_i = (z0_i - g) / bandwidth``; ``targets`` has shape ``(n, c)``; returns ``S (3, G)``,
        ``T (2, G, c)``.
        """
        g = torch.as_tensor(self.grid, dtype=torch.float64)
        G, c = g.numel(), targets.shape[1]
        S = torch.zeros(3, G, dtype=torch.float64)
        T = torch.zeros(2, G, c, dtype=torch.float64)
        chunk = max(1, CHUNK_ELEMENTS // G)
        for start in range(0, z0.numel(), chunk):
            zc = z0[start : start + chunk]
            yc = targets[start : start + chunk]
            u = (zc[:, None] - g[None, :]) / self.bandwidth  # (m, G)
            w = torch.exp(-0.5 * u * u)
            wu = w * u
            S[0] += w.sum(0)
            S[1] += wu.sum(0)
            S[2] += (wu * u).sum(0)
            T[0] += w.transpose(0, 1) @ yc
            T[1] += wu.transpose(0, 1) @ yc
        return S, T

    def _regress(self, S: Tensor, T: Tensor) -> Tensor:
        """Local-constant or local-linear value at the grid points, shape ``(G, c)``."""
        tiny = torch.finfo(torch.float64).tiny
        if self.degree == 0:
            return T[0] / S[0].clamp_min(tiny)[:, None]
        det = S[0] * S[2] - S[1] * S[1]
        local_linear = (S[2][:, None] * T[0] - S[1][:, None] * T[1]) / det.clamp_min(tiny)[:, None]
        local_constant = T[0] / S[0].clamp_min(tiny)[:, None]
        # where the design is degenerate (too few points under the kernel) fall back to degree 0
        ok = (det > 1e-8 * S[0].clamp_min(tiny) ** 2)[:, None]
        return torch.where(ok, local_linear, local_constant)

    def fit(self, z0: Any, z_tau: Any, tau: float) -> ConditionalCoefficients:
        """Estimate drift and diffusion from increments over the lag ``tau``.

        Parameters
        ----------
        z0 : array-like ``(n,)`` (or ``(n, 1)``)
            Starting points.
        z_tau : array-like ``(n,)`` or ``(n, r)``
            The process a time ``tau`` later; ``r`` independent bursts per starting point.
        tau : float
            The lag (> 0).

        Returns
        -------
        self
        """
        tau = float(tau)
        if not np.isfinite(tau) or tau <= 0:
            raise ValueError(f"tau must be a positive number, got {tau!r}")
        z0 = _as_float64(z0, "z0").cpu()
        if z0.ndim == 2 and z0.shape[1] == 1:
            z0 = z0[:, 0]
        if z0.ndim != 1 or z0.numel() < 2:
            raise ValueError(f"z0 must have shape (n,) with n >= 2, got {tuple(z0.shape)}")
        zt = _as_float64(z_tau, "z_tau").cpu()
        if zt.ndim == 1:
            zt = zt[:, None]
        if zt.ndim != 2 or zt.shape[0] != z0.shape[0]:
            raise ValueError(
                f"z_tau must have shape (n,) or (n, r) with n = {z0.shape[0]} (as z0), "
                f"got {tuple(zt.shape)}"
            )
        dz = zt - z0[:, None]
        r = dz.shape[1]
        # per start: mean increment and mean squared increment over its bursts
        targets = torch.stack([dz.mean(1), (dz * dz).mean(1)], dim=1)
        S, T = self._moments(z0, targets)
        m = self._regress(S, T)
        drift = m[:, 0] / tau
        second = m[:, 1] / tau
        if self.drift_correction:
            # E[(dz - b tau)^2 | z] = E[dz^2 | z] - (E[dz | z])^2
            second = second - drift * drift * tau
        self.drift_ = drift.numpy()
        self.diffusion_ = second.numpy()
        self.weight_ = (S[0] * r).numpy()
        lo, hi = float(z0.min()), float(z0.max())
        self.visited_ = (self.grid >= lo) & (self.grid <= hi)
        self.tau_ = tau
        return self

    def fetch_model(self) -> EffectiveSDE1D:
        """The fitted coefficients as an independent :class:`EffectiveSDE1D`."""
        if self.drift_ is None:
            raise RuntimeError("call fit(z0, z_tau, tau) before fetch_model()")
        return EffectiveSDE1D(self.grid.copy(), self.drift_.copy(), self.diffusion_.copy())
