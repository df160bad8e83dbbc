r"""Lattice Dean-Kawasaki simulation of a driven electrolyte (finite volumes, nonlinear).

The two species :math:`C_\pm` live on the cells of a periodic lattice of spacing :math:`h`; the
fluxes live on the links (:cite:`driven-coulomb`; Dean, 1996):

.. math::

    J^\pm = -D\,\frac{C^\pm_{x+e} - C^\pm_x}{h} \pm D\,\bar C^\pm\,\mathcal E
    + \sqrt{\frac{2D\max(\bar C^\pm, 0)}{h^d\,\Delta t}}\;N,\qquad
    \mathcal E = E\,\delta_{e,x} - \frac{\phi_{x+e} - \phi_x}{h},

with :math:`\bar C` the average of the two cells of the link and one standard normal :math:`N`
per link and step; :math:`C^\pm \leftarrow C^\pm - \Delta t\,\nabla_h\cdot J^\pm` conserves each
species exactly. The potential solves the lattice Poisson equation
:math:`-\varepsilon\nabla_h^2\phi = \rho` by FFT. The nonlinear terms (the density-dependent
drift and noise) are kept; linearised about :math:`C_0` the scheme is the model of
:class:`~effdyn.electrolytes.linear.LinearDrivenElectrolyte` with the symbols of
:meth:`LatticeDeanKawasaki.symbols` (:math:`k^2 \to \sum_j 4\sin^2(k_jh/2)/h^2`,
:math:`k_x \to \sin(k_xh)/h`). The explicit step is stable for
:math:`\Delta t\,D(4d/h^2 + \kappa^2) \le 2`.
"""

from __future__ import annotations

import math

import torch

from effdyn.electrolytes._checks import positive
from effdyn.electrolytes.linear import LinearDrivenElectrolyte
from effdyn.electrolytes.spde import SimulatedStructureFactors
from effdyn.fields.grid import PeriodicGrid

__all__ = ["LatticeDeanKawasaki"]


class LatticeDeanKawasaki:
    """Batched explicit Euler-Maruyama finite-volume simulation of both ion species.

    Parameters
    ----------
    model : LinearDrivenElectrolyte
        Supplies :math:`C_0, D, \\kappa, E` and the dimension.
    grid : PeriodicGrid
        The lattice (``grid.dim == model.d``); cells of volume ``grid.cell_volume``.
    dt : float
        Time step, at most :attr:`dt_max`.
    """

    def __init__(self, model: LinearDrivenElectrolyte, grid: PeriodicGrid, dt: float) -> None:
        if grid.dim != model.d:
            raise ValueError(f"grid.dim must equal model.d={model.d}, got {grid.dim}")
        self.model = model
        self.grid = grid
        h = grid.dx
        self.dt_max = 2.0 / (model.D * (4.0 * grid.dim / h**2 + model.kappa**2))
        self.dt = positive(dt, "dt")
        if self.dt > self.dt_max:
            raise ValueError(
                f"dt must not exceed the explicit stability bound {self.dt_max:.4g}, got {dt!r}"
            )
        k2, _ = self.symbols()
        self._inv_eps_k2 = torch.where(
            k2 > 0, 1.0 / (model.permittivity * torch.where(k2 > 0, k2, torch.ones_like(k2))), 0.0
        )

    def symbols(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Lattice symbols ``(k2, kx)`` of :math:`-\\nabla_h^2` and of the drift derivative."""
        h = self.grid.dx
        k2 = torch.zeros(self.grid.spectrum_shape, device=self.grid.device, dtype=self.grid.dtype)
        for c in self.grid.wavevectors:
            k2 = k2 + (2.0 / h * torch.sin(0.5 * c * h)) ** 2
        kx = torch.broadcast_to(torch.sin(self.grid.wavevectors[0] * h) / h, k2.shape)
        return k2, kx

    def _potential(self, rho: torch.Tensor) -> torch.Tensor:
        return self.grid.irfft(self._inv_eps_k2 * self.grid.rfft(rho))

    def step(
        self, plus: torch.Tensor, minus: torch.Tensor, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Advance the cell densities (shape ``(n_batch, *grid.shape)``) by one step."""
        m, g, h, dt = self.model, self.grid, self.grid.dx, self.dt
        phi = self._potential(plus - minus)
        noise_scale = math.sqrt(2.0 * m.D / (g.cell_volume * dt))
        new_plus, new_minus = plus.clone(), minus.clone()
        for j in range(g.dim):
            axis = j - g.dim
            field = -(torch.roll(phi, -1, axis) - phi) / h
            if j == 0:
                field = field + m.E
            for dens, new, sign in ((plus, new_plus, 1.0), (minus, new_minus, -1.0)):
                nxt = torch.roll(dens, -1, axis)
                link = 0.5 * (dens + nxt)
                noise = torch.randn(dens.shape, generator=generator, device=g.device, dtype=g.dtype)
                flux = (
                    -m.D * (nxt - dens) / h
                    + sign * m.D * link * field
                    + noise_scale * link.clamp_min(0.0).sqrt() * noise
                )
                new -= dt * (flux - torch.roll(flux, 1, axis)) / h
        return new_plus, new_minus

    def run(
        self,
        n_replicas: int,
        n_steps: int,
        *,
        n_burn: int = 0,
        sample_every: int = 1,
        generator: torch.Generator | None = None,
    ) -> SimulatedStructureFactors:
        """Start from the uniform state :math:`C_\\pm = C_0`, discard ``n_burn`` steps, and
        time-average :math:`|\\hat c_k|^2/V` and :math:`|\\hat\\rho_k|^2/V`."""
        for name, v in (("n_replicas", n_replicas), ("n_steps", n_steps)):
            if not (isinstance(v, int) and v >= 1):
                raise ValueError(f"{name} must be a positive integer, got {v!r}")
        g = self.grid
        plus = torch.full((n_replicas, *g.shape), self.model.C0, device=g.device, dtype=g.dtype)
        minus = plus.clone()
        acc_cc = torch.zeros((n_replicas, *g.spectrum_shape), device=g.device, dtype=g.dtype)
        acc_rr = torch.zeros_like(acc_cc)
        norm = g.cell_volume / g.n**g.dim
        n_samples = 0
        with torch.no_grad():
            for i in range(n_burn + n_steps):
                plus, minus = self.step(plus, minus, generator)
                if i >= n_burn and (i - n_burn) % sample_every == 0:
                    acc_cc += g.rfft(plus + minus).abs() ** 2 * norm
                    acc_rr += g.rfft(plus - minus).abs() ** 2 * norm
                    n_samples += 1
        self.last_state = (plus, minus)
        return SimulatedStructureFactors(acc_cc / n_samples, acc_rr / n_samples, n_samples)
