r"""Polar self-chemotaxis in one dimension: the chemical field with long-range conserved noise.

Part 2 of :cite:`driven-coulomb` (arXiv:1911.08115): the chemical field :math:`\phi` of
particles that emit a fast-diffusing signal obeys :math:`-\nabla^2\phi = C - C_0`, so the
conserved noise of the density becomes a long-range noise on :math:`\phi`; the polarity of the
particles adds a KPZ-like term. We simulate (in the notes' conventions)

.. math::

    \partial_t\phi = \nu\,\partial_x^2\phi + \frac{\lambda}{2}(\partial_x\phi)^2 + \eta,\qquad
    \langle\hat\eta_k(t)\hat\eta_{k'}^*(t')\rangle = 2\Delta\,k^{-2}\,
    L\delta_{kk'}\delta(t - t'),

pseudo-spectrally: the linear part implicit, the nonlinearity explicit and dealiased by the 2/3
rule, the noise a white real-space field filtered by :math:`1/|k|`. At :math:`\lambda = 0`
(the Gaussian point) :math:`\langle|\hat\phi_k|^2\rangle/L = \Delta/(\nu k^4)` and the dynamic
structure factor decays as :math:`e^{-\nu k^2 t}`: dynamic exponent :math:`z = 2` exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from effdyn.electrolytes._bib import MAHDISOLTANI2021_CHEMOTAXIS
from effdyn.electrolytes._checks import finite, positive
from effdyn.electrolytes.spde import semi_implicit_step
from effdyn.fields.grid import PeriodicGrid

__all__ = ["PolarChemotaxis1D", "ChemotaxisRun", "relaxation_times", "fit_dynamic_exponent"]


@dataclass
class ChemotaxisRun:
    """Saved spectra ``phi_hat`` of shape ``(n_saved, n_replicas, n // 2 + 1)`` at ``times``."""

    times: torch.Tensor
    phi_hat: torch.Tensor
    k: torch.Tensor

    def dynamic_structure_factor(self, max_lag: int) -> torch.Tensor:
        r""":math:`C(k, t) = \langle\hat\phi_k(s+t)\hat\phi_k^*(s)\rangle/L`, averaged over the
        start times ``s`` and the replicas; shape ``(max_lag + 1, n_replicas, n_modes)`` with the
        replica axis kept (for error bars)."""
        n = self.phi_hat.shape[0]
        if not 0 < max_lag < n:
            raise ValueError(f"max_lag must be in (0, {n}), got {max_lag}")
        rows = []
        for lag in range(max_lag + 1):
            a, b = self.phi_hat[lag:], self.phi_hat[: n - lag]
            rows.append((a * b.conj()).real.mean(0))
        return torch.stack(rows)


class PolarChemotaxis1D:
    """Pseudo-spectral SPDE of the chemotactic field on a periodic 1-D grid (module text).

    Parameters
    ----------
    grid : PeriodicGrid
        One-dimensional grid.
    nu : float
        Relaxation coefficient (> 0).
    noise : float
        Strength :math:`\\Delta` of the long-range noise (> 0).
    coupling : float
        Polarity nonlinearity :math:`\\lambda` (finite; 0 is the Gaussian point).
    dt : float
        Time step (> 0).
    """

    bibtex = MAHDISOLTANI2021_CHEMOTAXIS

    def __init__(
        self, grid: PeriodicGrid, nu: float, noise: float, coupling: float, dt: float
    ) -> None:
        if grid.dim != 1:
            raise ValueError(f"grid.dim must be 1, got {grid.dim}")
        self.grid = grid
        self.nu = positive(nu, "nu")
        self.noise = positive(noise, "noise")
        self.coupling = finite(coupling, "coupling")
        self.dt = positive(dt, "dt")
        k = grid.k
        self._rate = self.nu * k**2
        inv_k = torch.where(k > 0, 1.0 / torch.where(k > 0, k, torch.ones_like(k)), 0.0)
        # white real-space noise of intensity 2*Delta, filtered by 1/|k|
        self._noise_filter = inv_k * math.sqrt(2.0 * self.noise * self.dt / grid.dx)
        self._dealias = (torch.arange(k.shape[0], device=grid.device) <= grid.n // 3).to(k.dtype)

    def nonlinearity(self, phi_hat: torch.Tensor) -> torch.Tensor:
        """Spectrum of :math:`(\\lambda/2)(\\partial_x\\phi)^2`, dealiased by the 2/3 rule."""
        g = self.grid
        grad = torch.fft.irfft(g._ik[-1] * phi_hat * self._dealias, n=g.n)
        return 0.5 * self.coupling * torch.fft.rfft(grad**2) * self._dealias

    def step(self, phi_hat: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """One semi-implicit step of the spectra ``phi_hat`` (shape ``(n_batch, n // 2 + 1)``)."""
        g = self.grid
        white = torch.randn(
            (phi_hat.shape[0], g.n), generator=generator, device=g.device, dtype=g.dtype
        )
        eta = torch.fft.rfft(white) * self._noise_filter
        drift = self.nonlinearity(phi_hat) if self.coupling != 0.0 else torch.zeros_like(phi_hat)
        return semi_implicit_step(phi_hat, self._rate, drift, eta, self.dt)

    def run(
        self,
        n_replicas: int,
        n_steps: int,
        *,
        n_burn: int = 0,
        save_every: int = 1,
        generator: torch.Generator | None = None,
    ) -> ChemotaxisRun:
        """Start from :math:`\\phi = 0`, discard ``n_burn`` steps, then save the spectra
        (normalised so that :math:`|\\hat\\phi_k|^2` is :math:`\\langle|\\phi_k|^2\\rangle/L`)."""
        for name, v in (("n_replicas", n_replicas), ("n_steps", n_steps)):
            if not (isinstance(v, int) and v >= 1):
                raise ValueError(f"{name} must be a positive integer, got {v!r}")
        g = self.grid
        cdtype = torch.complex128 if g.dtype == torch.float64 else torch.complex64
        phi = torch.zeros((n_replicas, g.n // 2 + 1), device=g.device, dtype=cdtype)
        norm = math.sqrt(g.dx / g.n)  # h * fft / sqrt(L)
        saved, times = [], []
        with torch.no_grad():
            for i in range(n_burn + n_steps):
                phi = self.step(phi, generator)
                if i >= n_burn and (i - n_burn) % save_every == 0:
                    saved.append(phi * norm)
                    times.append((i - n_burn) * self.dt)
        return ChemotaxisRun(
            times=torch.tensor(times, device=g.device, dtype=g.dtype),
            phi_hat=torch.stack(saved),
            k=g.k,
        )


def relaxation_times(correlation: torch.Tensor, lag_time: float) -> torch.Tensor:
    """Times at which each normalised correlation ``C(t)/C(0)`` first falls below :math:`1/e`.

    ``correlation`` has shape ``(n_lags, ...)``; linear interpolation of the logarithm between
    the two bracketing lags; NaN where it never falls below :math:`1/e`.
    """
    ratio = correlation / correlation[:1]
    below = ratio < math.exp(-1.0)
    first = torch.argmax(below.to(torch.int64), dim=0)
    ok = below.any(dim=0) & (first > 0)
    first = first.clamp_min(1)
    hi = torch.gather(ratio, 0, first[None]).squeeze(0)
    lo = torch.gather(ratio, 0, (first - 1)[None]).squeeze(0)
    frac = (math.log(1.0) - 1.0 - torch.log(lo.clamp_min(1e-300))) / (
        torch.log(hi.clamp_min(1e-300)) - torch.log(lo.clamp_min(1e-300))
    )
    t = (first - 1 + frac) * lag_time
    return torch.where(ok, t, torch.full_like(t, float("nan")))


def fit_dynamic_exponent(k: torch.Tensor, tau: torch.Tensor) -> float:
    """The exponent :math:`z` of :math:`\\tau(k) \\propto k^{-z}` by least squares in log-log."""
    keep = torch.isfinite(tau) & (tau > 0) & (k > 0)
    if int(keep.sum()) < 3:
        raise ValueError("need at least 3 finite relaxation times to fit z")
    x, y = torch.log(k[keep].double()), torch.log(tau[keep].double())
    xm, ym = x.mean(), y.mean()
    return float(-((x - xm) * (y - ym)).sum() / ((x - xm) ** 2).sum())
