"""Fixed-step integrators for small ODE and SDE systems on batched tensors.

First written for the effective dynamics of :mod:`effdyn.highdim` (low-dimensional summary
statistics), for which a classical fixed-step
Runge-Kutta scheme (for the ballistic ODE limit) and the Euler-Maruyama scheme (for the diffusive
SDE limit) are enough. Both act on batched torch tensors of any shape, so one call integrates
many initial conditions at once, on whatever device the initial condition lives on; the
Euler-Maruyama steps are those of the core integrator :class:`effdyn.sde.EulerMaruyama`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from effdyn.ode.references import BUTCHER_2016
from effdyn.sde import SDE, EulerMaruyama, simulate

Field = Callable[[torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class Path:
    """A recorded trajectory.

    Attributes
    ----------
    t : torch.Tensor
        Recording times, shape ``(n_record,)``.
    y : torch.Tensor
        States at those times, shape ``(n_record, *state_shape)``.
    """

    t: torch.Tensor
    y: torch.Tensor


def _check_grid(t_final: float, dt: float, record_every: int) -> int:
    if not (t_final > 0):
        raise ValueError(f"t_final must be positive, got {t_final!r}")
    if not (dt > 0):
        raise ValueError(f"dt must be positive, got {dt!r}")
    if int(record_every) < 1:
        raise ValueError(f"record_every must be a positive integer, got {record_every!r}")
    return max(1, int(round(t_final / dt)))


def rk4(drift: Field, y0: torch.Tensor, t_final: float, dt: float, record_every: int = 1) -> Path:
    """Integrate ``dy/dt = drift(y)`` with the classical 4th-order Runge-Kutta scheme.

    Parameters
    ----------
    drift : callable
        Autonomous vector field acting elementwise on batched states (any shape).
    y0 : torch.Tensor
        Initial state(s); the dtype and device of the integration.
    t_final : float
        Final time; the number of steps is ``round(t_final / dt)``.
    dt : float
        Step size.
    record_every : int
        Record the state every this many steps (the initial state is always recorded).

    Returns
    -------
    Path
        Recorded times and states.
    """
    n_steps = _check_grid(t_final, dt, record_every)
    y = y0.clone()
    ts, ys = [0.0], [y.clone()]
    for step in range(1, n_steps + 1):
        k1 = drift(y)
        k2 = drift(y + 0.5 * dt * k1)
        k3 = drift(y + 0.5 * dt * k2)
        k4 = drift(y + dt * k3)
        y = y + (dt / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
        if step % record_every == 0 or step == n_steps:
            ts.append(step * dt)
            ys.append(y.clone())
    return Path(torch.tensor(ts, dtype=y0.dtype, device=y0.device), torch.stack(ys))


rk4.bibtex = BUTCHER_2016  # type: ignore[attr-defined]
rk4.order = 4  # type: ignore[attr-defined]


def euler_maruyama(
    drift: Field,
    diffusion: Field,
    y0: torch.Tensor,
    t_final: float,
    dt: float,
    *,
    generator: torch.Generator | None = None,
    record_every: int = 1,
) -> Path:
    """Integrate ``dY = drift(Y) dt + diffusion(Y) dB`` with diagonal noise (Euler-Maruyama).

    Strong order 1/2 and weak order 1 :cite:`kloeden1992numerical`.

    Parameters
    ----------
    drift, diffusion : callable
        Drift and (diagonal) diffusion coefficient, elementwise on batched states; the
        diffusion returns the standard deviation per unit time, not the variance.
    y0 : torch.Tensor
        Initial states (any shape); each entry gets its own Brownian motion.
    t_final, dt : float
        Final time and step size.
    generator : torch.Generator, optional
        Source of the Gaussian increments (on the device of ``y0``).
    record_every : int
        Record every this many steps.

    Returns
    -------
    Path
        Recorded times and states.
    """
    n_steps = _check_grid(t_final, dt, record_every)
    shape = y0.shape

    def as_state(x: torch.Tensor) -> torch.Tensor:
        return x.reshape(shape)

    problem = SDE(
        drift=lambda t, x: drift(as_state(x)).reshape(-1, 1),
        diffusion=lambda t, x: diffusion(as_state(x)).reshape(-1, 1),
        noise="diagonal",
    )
    result = simulate(
        EulerMaruyama(problem),
        y0.reshape(-1, 1),
        dt,
        n_steps,
        generator=generator,
        save_every=int(record_every),
    )
    frames = result.traj.reshape(-1, *shape)
    times = result.times.to(device=y0.device, dtype=y0.dtype)
    if n_steps % int(record_every):  # the final state, as the ODE solver records it
        frames = torch.cat([frames, result.x.reshape(1, *shape)])
        times = torch.cat([times, times.new_tensor([n_steps * dt])])
    return Path(times, frames)


euler_maruyama.bibtex = EulerMaruyama.bibtex  # type: ignore[attr-defined]
euler_maruyama.strong_order = 0.5  # type: ignore[attr-defined]
euler_maruyama.weak_order = 1.0  # type: ignore[attr-defined]
