r"""Fourier-space simulation of the linear stochastic PNP equations (semi-implicit EM).

Each Fourier mode of :class:`~effdyn.electrolytes.linear.LinearDrivenElectrolyte` is advanced by
a semi-implicit Euler-Maruyama step: diffusion and screening implicit, the field coupling
explicit,

.. math::

    \rho' = \frac{\rho - \Delta t\, iDEk_x c + \xi_\rho}{1 + \Delta t\,D(k^2+\kappa^2)},\qquad
    c' = \frac{c - \Delta t\, iDEk_x\rho + \xi_c}{1 + \Delta t\,Dk^2}.

The noise is drawn the way it arises, as minus the divergence of a white random flux of each
species, :math:`\xi_\pm = -\nabla\cdot\sqrt{2DC_0\Delta t/h^d}\,N_\pm` with one standard normal
per cell, flux component and step (real space, then FFT): it never uses the closed-form
covariance, so the simulated structure factor is an independent check of it
(:cite:`driven-coulomb`). The scalar step has weak order 1: the stationary variance of a mode
of rate :math:`\lambda` is :math:`\sigma^2/(2\lambda)\,(1 + \lambda\Delta t/2)^{-1}`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from effdyn.electrolytes._checks import positive
from effdyn.electrolytes.linear import LinearDrivenElectrolyte
from effdyn.fields.grid import PeriodicGrid

__all__ = ["FourierSPDE", "SimulatedStructureFactors", "semi_implicit_step"]


def semi_implicit_step(
    z: torch.Tensor,
    implicit_rate: torch.Tensor,
    explicit_drift: torch.Tensor,
    noise: torch.Tensor,
    dt: float,
) -> torch.Tensor:
    """One semi-implicit Euler-Maruyama step ``(z + dt * drift + noise) / (1 + dt * rate)``."""
    return (z + dt * explicit_drift + noise) / (1.0 + dt * implicit_rate)


@dataclass
class SimulatedStructureFactors:
    """Time-averaged structure factors of each replica, shape ``(n_replicas, *spectrum_shape)``.

    ``n_samples`` snapshots entered each average.
    """

    cc: torch.Tensor
    rho_rho: torch.Tensor
    n_samples: int

    def mean_and_stderr(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Replica means and standard errors of ``cc`` and ``rho_rho`` (in that order)."""
        out = []
        for s in (self.cc, self.rho_rho):
            r = s.shape[0]
            out += [s.mean(0), s.std(0) / math.sqrt(r) if r > 1 else torch.zeros_like(s[0])]
        return out[0], out[1], out[2], out[3]


def _flux_divergence(
    grid: PeriodicGrid, n_batch: int, amplitude: float, generator: torch.Generator | None
) -> torch.Tensor:
    """Spectrum of ``-div(amplitude * N)`` for a white flux with one normal per cell and axis."""
    shape = (n_batch, grid.dim, *grid.shape)
    flux = torch.randn(shape, generator=generator, device=grid.device, dtype=grid.dtype)
    spec = grid.rfft(flux)
    total = torch.zeros_like(spec[:, 0])
    for j in range(grid.dim):
        total = total - grid._ik[j] * spec[:, j]
    return amplitude * total


class FourierSPDE:
    """Batched semi-implicit simulation of the linear driven electrolyte on a periodic grid.

    Parameters
    ----------
    model : LinearDrivenElectrolyte
    grid : PeriodicGrid
        Its ``dim`` must equal ``model.d``; fields live on its device and dtype.
    dt : float
        Time step (> 0; the scheme is stable for any step, the bias is of order
        :math:`\\lambda\\Delta t`).

    References
    ----------
    Mahdisoltani and Golestanian, PRL 126, 158002 (2021); Dean, J. Phys. A 29, L613 (1996).
    """

    def __init__(self, model: LinearDrivenElectrolyte, grid: PeriodicGrid, dt: float) -> None:
        if grid.dim != model.d:
            raise ValueError(f"grid.dim must equal model.d={model.d}, got {grid.dim}")
        self.model = model
        self.grid = grid
        self.dt = positive(dt, "dt")
        k2 = grid.k_squared
        self._rate_rho = model.D * (k2 + model.kappa**2)
        self._rate_c = model.D * k2
        kx = grid._ik[0] / 1j  # the real symbol of -i d/dx (Nyquist dropped)
        self._coupling = -1j * model.D * model.E * kx
        self._amplitude = math.sqrt(self.dt * 2.0 * model.D * model.C0 / grid.cell_volume)

    def symbols(self) -> tuple[torch.Tensor, torch.Tensor]:
        """``(k2, kx)`` of the scheme, for :meth:`LinearDrivenElectrolyte.structure_factors`."""
        kx = (self.grid._ik[0] / 1j).real
        return self.grid.k_squared, torch.broadcast_to(kx, self.grid.k_squared.shape)

    def step(
        self, rho: torch.Tensor, c: torch.Tensor, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Advance the spectra ``rho``, ``c`` (shape ``(n_batch, *spectrum_shape)``) by dt."""
        n_batch = rho.shape[0]
        xi_plus = _flux_divergence(self.grid, n_batch, self._amplitude, generator)
        xi_minus = _flux_divergence(self.grid, n_batch, self._amplitude, generator)
        rho_new = semi_implicit_step(
            rho, self._rate_rho, self._coupling * c, xi_plus - xi_minus, self.dt
        )
        c_new = semi_implicit_step(
            c, self._rate_c, self._coupling * rho, xi_plus + xi_minus, self.dt
        )
        return rho_new, c_new

    def run(
        self,
        n_replicas: int,
        n_steps: int,
        *,
        n_burn: int = 0,
        sample_every: int = 1,
        generator: torch.Generator | None = None,
    ) -> SimulatedStructureFactors:
        """Start from the uniform state, discard ``n_burn`` steps, time-average the structure
        factors :math:`|\\hat f_k|^2/V` over ``n_steps`` further steps (every ``sample_every``)."""
        for name, v in (("n_replicas", n_replicas), ("n_steps", n_steps)):
            if not (isinstance(v, int) and v >= 1):
                raise ValueError(f"{name} must be a positive integer, got {v!r}")
        g = self.grid
        cdtype = torch.complex128 if g.dtype == torch.float64 else torch.complex64
        rho = torch.zeros((n_replicas, *g.spectrum_shape), device=g.device, dtype=cdtype)
        c = torch.zeros_like(rho)
        acc_cc = torch.zeros(rho.shape, device=g.device, dtype=g.dtype)
        acc_rr = torch.zeros_like(acc_cc)
        norm = g.cell_volume / g.n**g.dim  # |h^d fft|^2 / V
        n_samples = 0
        with torch.no_grad():
            for i in range(n_burn + n_steps):
                rho, c = self.step(rho, c, generator)
                if i >= n_burn and (i - n_burn) % sample_every == 0:
                    acc_cc += c.abs() ** 2 * norm
                    acc_rr += rho.abs() ** 2 * norm
                    n_samples += 1
        return SimulatedStructureFactors(acc_cc / n_samples, acc_rr / n_samples, n_samples)
