"""Deterministic integrators shared by the chapters (and the Euler-Maruyama helper beside them).

- :func:`rk4`: classical fixed-step Runge-Kutta of order 4 on batched tensors, recording a
  :class:`Path`;
- :func:`euler_maruyama`: the matching fixed-step SDE helper (steps of
  :class:`effdyn.sde.EulerMaruyama`).

Put a new deterministic integrator (adaptive, implicit, non-autonomous) here, not inside a
chapter's sub-package, so that the next chapter finds it.
"""

from effdyn.ode.fixed_step import Path, euler_maruyama, rk4
from effdyn.ode.references import BUTCHER_2016

__all__ = ["BUTCHER_2016", "Path", "euler_maruyama", "rk4"]
