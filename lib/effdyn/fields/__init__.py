"""Fourier pseudo-spectral solvers for (1+1)-D nonlinear wave equations (Klein-Gordon family).

Building blocks, each in its own module:

* :mod:`~effdyn.fields.grid` - periodic grid without the duplicated endpoint, batched spectral
  derivatives in torch;
* :mod:`~effdyn.fields.potentials` - :math:`V(\\phi)` objects: linear Klein-Gordon,
  :math:`\\phi^4`, sine-Gordon;
* :mod:`~effdyn.fields.integrators` - fixed-step Stormer-Verlet (and Yoshida's fourth-order
  composition) and :func:`solve`;
* :mod:`~effdyn.fields.functionals` - energy and momentum;
* :mod:`~effdyn.fields.exact` - exact solutions (linear propagator, kinks, breather,
  kink-antikink);
* :mod:`~effdyn.fields.collisions` - kink-antikink collisions: initial states, kink centres,
  bounce counting, critical velocity;
* :mod:`~effdyn.fields.analysis` - the entropy measures and phase-space portraits of
  :cite:`klein-gordon`;
* :mod:`~effdyn.fields.package_ics` - a re-implementation of the ``amangkurat`` package's
  initial states and adaptive leapfrog, to show how they differ from the exact objects.
"""

from effdyn.fields import analysis, collisions, exact, package_ics
from effdyn.fields.functionals import energy, energy_density, momentum
from effdyn.fields.grid import PeriodicGrid
from effdyn.fields.integrators import FieldSolution, StormerVerlet, Yoshida4, force, solve
from effdyn.fields.potentials import LinearKG, Phi4, Potential, SineGordon

__all__ = [
    "PeriodicGrid",
    "Potential",
    "LinearKG",
    "Phi4",
    "SineGordon",
    "StormerVerlet",
    "Yoshida4",
    "FieldSolution",
    "solve",
    "force",
    "energy",
    "energy_density",
    "momentum",
    "exact",
    "collisions",
    "analysis",
    "package_ics",
]
