r"""Our re-implementation of the ``amangkurat`` package's set-up, to show what it computes.

:cite:`klein-gordon` ships a package (``amangkurat`` 0.0.1 on PyPI) whose initial states and
time stepping differ from the textbook objects they are named after. The functions here rebuild
them from the package's published formulas (written afresh, in torch), so the chapter can run
them next to the exact solutions without installing the package; a test checks them against the
package itself when it is installed.

* :func:`package_breather`: amplitude prefactor :math:`1/\sqrt{1-\omega^2}` where the breather
  has :math:`\sqrt{1-\omega^2}/\omega`, and a non-zero odd :math:`\phi_t` at the "turning point".
* :func:`package_kink_antikink`: :math:`\tanh\xi_1 - \tanh\xi_2` without the vacuum offset
  :math:`-v`, so the field is 0 (the maximum of :math:`V`) outside the pair and 2 between, and
  the antikink's :math:`\phi_t` has the sign of a right-mover.
* :func:`package_grid`: ``linspace(x_min, x_max, n)`` keeps both endpoints and the wavenumbers
  use :math:`dx = L/(n-1)`; the FFT then treats the data as periodic with period
  :math:`L + dx`, not :math:`L`.
* :func:`package_leapfrog`: the two-step leapfrog with the package's adaptive step (5 % growth
  every 20 steps while :math:`\max|\phi| < 10`, clipped to :math:`[0.1, 0.5]/k_{max}`). Changing
  :math:`\Delta t` in the two-step recursion rescales the implied velocity
  :math:`(\phi^n - \phi^{n-1})/\Delta t` by :math:`\Delta t_{old}/\Delta t_{new}`, so the scheme is
  neither symplectic nor consistent while the step changes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from effdyn.fields.grid import PeriodicGrid
from effdyn.fields.integrators import force
from effdyn.fields.potentials import Potential

__all__ = [
    "package_grid",
    "package_breather",
    "package_kink",
    "package_kink_antikink",
    "package_leapfrog",
    "LeapfrogRun",
]


def package_grid(
    n: int,
    x_min: float,
    x_max: float,
    *,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float64,
) -> PeriodicGrid:
    """The periodic grid the package's FFT actually works on: ``n`` points, spacing
    ``(x_max - x_min) / (n - 1)``, first point ``x_min`` and period ``n * dx``."""
    if not x_max > x_min:
        raise ValueError(f"x_max must exceed x_min, got x_min={x_min!r}, x_max={x_max!r}")
    dx = (x_max - x_min) / (n - 1)
    return PeriodicGrid(n, n * dx, x0=x_min, device=device, dtype=dtype)


def package_breather(
    x: torch.Tensor, omega: float = 0.5, position: float = 0.0
) -> tuple[torch.Tensor, torch.Tensor]:
    """The package's "breather" initial state (``BreatherIC``)."""
    if not 0.0 < omega < 1.0:
        raise ValueError(f"omega must satisfy 0 < omega < 1, got {omega!r}")
    beta = math.sqrt(1.0 - omega**2)
    xi = beta * (x - position)
    phi = 4.0 * torch.atan(1.0 / (beta * torch.cosh(xi)))
    pi = -4.0 * omega * beta * torch.sinh(xi) / (beta**2 * torch.cosh(xi) ** 2 + 1.0)
    return phi, pi


def package_kink(x: torch.Tensor, vacuum: float = 1.0) -> tuple[torch.Tensor, torch.Tensor]:
    """The package's static kink ``vacuum * tanh(x / sqrt(2))`` (a single kink: not periodic)."""
    phi = vacuum * torch.tanh(x / math.sqrt(2.0))
    return phi, torch.zeros_like(phi)


def package_kink_antikink(
    x: torch.Tensor, vacuum: float = 1.0, separation: float = 20.0, velocity: float = 0.3
) -> tuple[torch.Tensor, torch.Tensor]:
    """The package's "kink-antikink" initial state (``KinkAntikinkIC``)."""
    if not abs(velocity) < 1.0:
        raise ValueError(f"velocity must satisfy |velocity| < 1, got {velocity!r}")
    gamma = 1.0 / math.sqrt(1.0 - velocity**2)
    xi1 = gamma * (x + 0.5 * separation) / math.sqrt(2.0)
    xi2 = gamma * (x - 0.5 * separation) / math.sqrt(2.0)
    amp = velocity * vacuum * gamma / math.sqrt(2.0)
    phi = vacuum * torch.tanh(xi1) - vacuum * torch.tanh(xi2)
    pi = -amp / torch.cosh(xi1) ** 2 + amp / torch.cosh(xi2) ** 2
    return phi, pi


@dataclass
class LeapfrogRun:
    """Result of :func:`package_leapfrog`: the field on the (non-uniform) step times.

    ``t`` and ``dt`` hold every step's time and step size; ``phi`` the saved snapshots at
    ``t_saved``; ``pi_saved`` the centred-difference velocity at those snapshots.
    """

    t_saved: torch.Tensor
    phi: torch.Tensor
    pi_saved: torch.Tensor
    dt: torch.Tensor


def package_leapfrog(
    phi0: torch.Tensor,
    pi0: torch.Tensor,
    grid: PeriodicGrid,
    potential: Potential,
    *,
    dt: float,
    t_final: float,
    adaptive: bool = True,
    save_every: int = 20,
) -> LeapfrogRun:
    """Two-step leapfrog with the package's adaptive step rule (our re-implementation).

    The start is the package's second-order Taylor step; with ``adaptive=False`` it is exactly
    Stormer-Verlet at a fixed step. Snapshots are taken every ``save_every`` steps; the velocity
    at a snapshot is the second-order centred difference on the non-uniform step times.
    """
    dt_min, dt_max = 0.1 / grid.k_max, 0.5 / grid.k_max
    h = min(max(dt, dt_min), dt_max)
    phi = phi0.clone()
    phi_old = phi0 - h * pi0 + 0.5 * h**2 * force(phi0, grid, potential)
    h_prev = h
    t = 0.0
    steps: list[float] = []
    saved_t, saved_phi, saved_pi = [], [], []
    n = 0
    while t < t_final:
        phi_new = 2.0 * phi - phi_old + h**2 * force(phi, grid, potential)
        if n % save_every == 0:
            # velocity at t from the three levels t - h_prev, t, t + h (second order)
            back = (phi - phi_old) / h_prev
            fwd = (phi_new - phi) / h
            saved_t.append(t)
            saved_phi.append(phi.clone())
            saved_pi.append((h * back + h_prev * fwd) / (h + h_prev))
        h_next = h
        if adaptive and n % 20 == 0:
            peak = float(phi.abs().max())
            factor = 0.7 if peak > 100 else 0.9 if peak > 10 else 1.05
            cand = min(max(h * factor, dt_min), dt_max)
            if abs(cand - h) / h > 0.05:
                h_next = cand
        phi_old, phi = phi, phi_new
        t += h
        steps.append(h)
        h_prev, h = h, h_next
        n += 1
    return LeapfrogRun(
        t_saved=torch.tensor(saved_t, device=grid.device, dtype=grid.dtype),
        phi=torch.stack(saved_phi),
        pi_saved=torch.stack(saved_pi),
        dt=torch.tensor(steps, device=grid.device, dtype=grid.dtype),
    )
