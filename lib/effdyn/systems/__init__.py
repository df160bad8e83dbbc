"""Benchmark systems: potentials with energies and analytic forces, and exactly solvable SDEs.

=========================  ====  ==========================================================
system                     dim   reference
=========================  ====  ==========================================================
:class:`DoubleWell`        1     ``(x^2-1)^2`` (ISOKANN.jl; Sikorski et al. 2026)
:class:`AsymmetricDoubleWell` 1  ``(x^2-1)^2 + tilt x`` (our tilt 0.25)
:class:`TripleWell`        2     Metzner, Schütte, Vanden-Eijnden, JCP 125, 084110 (2006)
:class:`MullerBrown`       2     Müller, Brown, Theor. Chim. Acta 53, 75 (1979)
:class:`TripleWellCircle`  2     Zhang, Schütte, PAMM 23, e202300189 (2023)
:class:`OrnsteinUhlenbeck` any   harmonic; exact transition law and spectrum
:class:`GeometricBrownianMotion` any  exact pathwise solution (order tests)
:class:`CIRProcess`        1     square-root diffusion; non-central chi-square law
:class:`NealsFunnel`       any   Neal (2003); exact samples
=========================  ====  ==========================================================

Every potential takes positions ``(..., d)`` as torch tensors: ``V.energy(x)``, ``V.force(x)``
(``-grad V``), ``V.domain`` (a box for plots and grids), ``V.minima``, ``V.bibtex``. Pass a
potential straight to :class:`effdyn.sde.OverdampedLangevin` or :class:`effdyn.sde.BAOAB`.
"""

from effdyn.systems.base import Potential
from effdyn.systems.cir import CIRProcess, NealsFunnel
from effdyn.systems.potentials import (
    AsymmetricDoubleWell,
    DoubleWell,
    MullerBrown,
    OrnsteinUhlenbeck,
    TripleWell,
    TripleWellCircle,
)
from effdyn.systems.sdes import GeometricBrownianMotion

__all__ = [
    "AsymmetricDoubleWell",
    "CIRProcess",
    "DoubleWell",
    "GeometricBrownianMotion",
    "MullerBrown",
    "NealsFunnel",
    "OrnsteinUhlenbeck",
    "Potential",
    "TripleWell",
    "TripleWellCircle",
]
