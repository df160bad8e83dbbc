"""Driven electrolytes and polar self-chemotaxis: Coulomb field theories out of equilibrium.

Reproduces :cite:`driven-coulomb` (Mahdisoltani and Golestanian, Physica A 2023, built on
arXiv:2011.12821, 2104.14498 and 1911.08115). One module per job:

* :mod:`~effdyn.electrolytes.linear` - the linearised stochastic Poisson-Nernst-Planck model,
  closed-form structure factors and the transient after a field quench;
* :mod:`~effdyn.electrolytes.correlations` - real-space density correlations, ray cuts,
  power-law fits;
* :mod:`~effdyn.electrolytes.slab` - the field-induced fluctuation force between no-flux plates;
* :mod:`~effdyn.electrolytes.spde` - Fourier-space semi-implicit simulation with conserved noise;
* :mod:`~effdyn.electrolytes.lattice` - lattice Dean-Kawasaki simulation (nonlinear);
* :mod:`~effdyn.electrolytes.chemotaxis` - the 1-D chemotactic field with long-range noise.

All grids are :class:`effdyn.fields.PeriodicGrid` (1-D to 3-D).
"""

from effdyn.electrolytes._bib import (
    DEAN1996_LANGEVIN,
    MAHDISOLTANI2021_CHEMOTAXIS,
    MAHDISOLTANI2021_LONGRANGE,
    MAHDISOLTANI2021_TRANSIENT,
    MAHDISOLTANI2023_NONEQUILIBRIUM,
)
from effdyn.electrolytes.chemotaxis import (
    ChemotaxisRun,
    PolarChemotaxis1D,
    fit_dynamic_exponent,
    relaxation_times,
)
from effdyn.electrolytes.correlations import fit_power_law, ray_cut, real_space_correlation
from effdyn.electrolytes.lattice import LatticeDeanKawasaki
from effdyn.electrolytes.linear import LinearDrivenElectrolyte, StructureFactors
from effdyn.electrolytes.slab import slab_force
from effdyn.electrolytes.spde import FourierSPDE, SimulatedStructureFactors, semi_implicit_step

__all__ = [
    "LinearDrivenElectrolyte",
    "StructureFactors",
    "real_space_correlation",
    "ray_cut",
    "fit_power_law",
    "slab_force",
    "FourierSPDE",
    "SimulatedStructureFactors",
    "semi_implicit_step",
    "LatticeDeanKawasaki",
    "PolarChemotaxis1D",
    "ChemotaxisRun",
    "relaxation_times",
    "fit_dynamic_exponent",
    "MAHDISOLTANI2023_NONEQUILIBRIUM",
    "MAHDISOLTANI2021_LONGRANGE",
    "MAHDISOLTANI2021_TRANSIENT",
    "MAHDISOLTANI2021_CHEMOTAXIS",
    "DEAN1996_LANGEVIN",
]
