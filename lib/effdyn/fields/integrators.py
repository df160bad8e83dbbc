r"""Fixed-step symplectic time stepping for :math:`\phi_{tt} = \phi_{xx} - V'(\phi)`.

The semi-discrete system (Fourier pseudo-spectral in space) is Hamiltonian with
:math:`H(\phi,\pi) =` :func:`effdyn.fields.functionals.energy`. Splitting :math:`H` into kinetic
and potential parts gives the Stormer-Verlet (leapfrog) scheme of :cite:`klein-gordon`, here
in its one-step "kick-drift-kick" form, which is algebraically identical to the two-step
recursion :math:`\phi^{n+1} = 2\phi^n - \phi^{n-1} + \Delta t^2 F(\phi^n)` at a *fixed* step and
is symplectic and time-reversible. Composing it as Yoshida's triple jump gives a fourth-order
symplectic scheme. Each method declares its ``order`` and its ``bibtex``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

from effdyn.fields.functionals import energy, momentum
from effdyn.fields.grid import PeriodicGrid
from effdyn.fields.potentials import Potential

__all__ = ["StormerVerlet", "Yoshida4", "FieldSolution", "solve", "force"]


def force(phi: torch.Tensor, grid: PeriodicGrid, potential: Potential) -> torch.Tensor:
    """Acceleration :math:`F(\\phi) = \\phi_{xx} - V'(\\phi)` of the semi-discrete system."""
    return grid.laplacian(phi) - potential.dV(phi)


class StormerVerlet:
    """Stormer-Verlet / velocity Verlet: second order, symplectic, time-reversible.

    One step of size ``dt`` costs one force evaluation (the last force is reused).
    Linear stability for the wave part requires ``dt * omega_max < 2`` with
    :math:`\\omega_{max}^2 = k_{max}^2 + \\max V''`.
    """

    order = 2
    stability = 2.0  # dt * omega_max must stay below this
    bibtex = r"""@article{hairer2003geometric,
  author = {Hairer, Ernst and Lubich, Christian and Wanner, Gerhard},
  title = {Geometric numerical integration illustrated by the {S}t{\"o}rmer-{V}erlet method},
  journal = {Acta Numerica},
  volume = {12},
  pages = {399--450},
  year = {2003},
  doi = {10.1017/S0962492902000144}
}"""
    #: Sub-step weights of the kick-drift-kick composition.
    weights: tuple[float, ...] = (1.0,)

    def __repr__(self) -> str:
        return type(self).__name__ + "()"

    def step(
        self,
        phi: torch.Tensor,
        pi: torch.Tensor,
        acc: torch.Tensor,
        dt: float,
        accel: Callable[[torch.Tensor], torch.Tensor],
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Advance ``(phi, pi)`` by ``dt``; ``acc`` is the force at ``phi``, returned updated."""
        for w in self.weights:
            h = w * dt
            pi = pi + 0.5 * h * acc
            phi = phi + h * pi
            acc = accel(phi)
            pi = pi + 0.5 * h * acc
        return phi, pi, acc


class Yoshida4(StormerVerlet):
    """Yoshida's fourth-order triple jump of Stormer-Verlet (three force evaluations a step)."""

    order = 4
    _c = 2.0 ** (1.0 / 3.0)
    weights = (1.0 / (2.0 - _c), -_c / (2.0 - _c), 1.0 / (2.0 - _c))
    # the largest sub-step is 1.35 dt, so the stable dt shrinks accordingly
    stability = 2.0 / (1.0 / (2.0 - _c))
    bibtex = r"""@article{yoshida1990construction,
  author = {Yoshida, Haruo},
  title = {Construction of higher order symplectic integrators},
  journal = {Physics Letters A},
  volume = {150},
  pages = {262--268},
  year = {1990},
  doi = {10.1016/0375-9601(90)90092-3}
}"""


@dataclass
class FieldSolution:
    """Snapshots of a run: ``phi`` and ``pi`` have shape ``(n_saved, *batch, n)``.

    Attributes
    ----------
    t : torch.Tensor
        Snapshot times, shape ``(n_saved,)``.
    phi, pi : torch.Tensor
        The field and its time derivative at the snapshot times.
    grid : PeriodicGrid
    potential : Potential
    dt : float
        The fixed step used.
    method : str
        Name of the integrator.
    """

    t: torch.Tensor
    phi: torch.Tensor
    pi: torch.Tensor
    grid: PeriodicGrid
    potential: Potential
    dt: float
    method: str

    def energy(self) -> torch.Tensor:
        """Energy at every snapshot, shape ``(n_saved, *batch)``."""
        return energy(self.phi, self.pi, self.grid, self.potential)

    def momentum(self) -> torch.Tensor:
        """Momentum at every snapshot, shape ``(n_saved, *batch)``."""
        return momentum(self.phi, self.pi, self.grid)

    @property
    def final(self) -> tuple[torch.Tensor, torch.Tensor]:
        """``(phi, pi)`` at the last snapshot."""
        return self.phi[-1], self.pi[-1]


def solve(
    phi0: torch.Tensor,
    pi0: torch.Tensor,
    grid: PeriodicGrid,
    potential: Potential,
    *,
    dt: float,
    t_final: float,
    save_every: int | None = None,
    n_saves: int | None = None,
    method: StormerVerlet | None = None,
    phi_bound: float | None = None,
) -> FieldSolution:
    r"""Integrate :math:`\phi_{tt} = \phi_{xx} - V'(\phi)` at a fixed step.

    Parameters
    ----------
    phi0, pi0 : torch.Tensor
        Initial field and time derivative, shape ``(*batch, n)`` on the grid's device.
    grid : PeriodicGrid
    potential : Potential
    dt : float
        The fixed step; ``t_final / dt`` must be an integer (to 1e-9 relative), so that the
        last snapshot is exactly at ``t_final``.
    t_final : float
        End time (> 0).
    save_every : int, optional
        Keep a snapshot every this many steps (default: only the first and last states).
    n_saves : int, optional
        Alternatively, the number of snapshot intervals; ``n_steps`` must be divisible by it.
    method : StormerVerlet, optional
        :class:`StormerVerlet` (default) or :class:`Yoshida4`.
    phi_bound : float, optional
        Bound on :math:`|\phi|` for the stability check (default: twice the initial maximum).

    Returns
    -------
    FieldSolution

    Raises
    ------
    ValueError
        For shapes that do not match the grid, a non-positive or non-commensurate ``dt``, or a
        ``dt`` beyond the linear stability limit of the method.
    """
    method = StormerVerlet() if method is None else method
    if phi0.shape != pi0.shape:
        raise ValueError(f"phi0 and pi0 must have the same shape, got {phi0.shape}, {pi0.shape}")
    if phi0.shape[-1] != grid.n:
        raise ValueError(f"phi0 must have {grid.n} points in its last dimension, got {phi0.shape}")
    if not (math.isfinite(dt) and dt > 0):
        raise ValueError(f"dt must be a positive finite number, got {dt!r}")
    if not (math.isfinite(t_final) and t_final > 0):
        raise ValueError(f"t_final must be a positive finite number, got {t_final!r}")
    n_steps = round(t_final / dt)
    if n_steps < 1 or abs(n_steps * dt - t_final) > 1e-9 * t_final:
        raise ValueError(
            f"t_final / dt must be a positive integer; got t_final={t_final!r}, dt={dt!r}"
        )
    if save_every is not None and n_saves is not None:
        raise ValueError("give save_every or n_saves, not both")
    if n_saves is not None:
        if n_saves < 1 or n_steps % n_saves:
            raise ValueError(f"n_saves must divide the number of steps {n_steps}, got {n_saves}")
        save_every = n_steps // n_saves
    if save_every is None:
        save_every = n_steps
    if save_every < 1:
        raise ValueError(f"save_every must be a positive integer, got {save_every!r}")
    bound = 2.0 * float(phi0.abs().max()) if phi_bound is None else float(phi_bound)
    omega_max = math.sqrt(grid.k_max**2 + max(potential.max_curvature(bound), 0.0))
    if dt * omega_max >= method.stability:
        raise ValueError(
            f"dt={dt:g} is beyond the stability limit of {method!r}: dt * omega_max = "
            f"{dt * omega_max:.3g} >= {method.stability:.3g} (omega_max = {omega_max:.4g})"
        )

    phi = phi0.to(device=grid.device, dtype=grid.dtype)
    pi = pi0.to(device=grid.device, dtype=grid.dtype)

    def accel(f: torch.Tensor) -> torch.Tensor:
        return force(f, grid, potential)

    acc = accel(phi)
    times = [0.0]
    phis = [phi.clone()]
    pis = [pi.clone()]
    with torch.no_grad():
        for i in range(1, n_steps + 1):
            phi, pi, acc = method.step(phi, pi, acc, dt, accel)
            if i % save_every == 0 or i == n_steps:
                times.append(i * dt)
                phis.append(phi.clone())
                pis.append(pi.clone())
    return FieldSolution(
        t=torch.tensor(times, device=grid.device, dtype=grid.dtype),
        phi=torch.stack(phis),
        pi=torch.stack(pis),
        grid=grid,
        potential=potential,
        dt=dt,
        method=type(method).__name__,
    )
