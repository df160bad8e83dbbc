"""Grid references (placeholder)."""

from effdyn.operators.grid import Grid
from effdyn.operators.quadrature import committor_1d, mfpt_1d
from effdyn.operators.sqra import SqRA, boltzmann_density, grid_energies

__all__ = ["Grid", "SqRA", "boltzmann_density", "committor_1d", "grid_energies", "mfpt_1d"]
