"""Small all-atom molecules in torch: n-butane with OPLS-AA, and internal coordinates."""

from effdyn.molecules.butane import GAS_CONSTANT, OPLSAA, Butane, ButaneTopology, butane_topology
from effdyn.molecules.geometry import as_atoms, bond_angle, dihedral, dihedral_gradient, distance

__all__ = [
    "GAS_CONSTANT",
    "OPLSAA",
    "Butane",
    "ButaneTopology",
    "as_atoms",
    "bond_angle",
    "butane_topology",
    "dihedral",
    "dihedral_gradient",
    "distance",
]
