"""Lattice force fields: the adiabatic Holstein model, exact references, equivariant networks.

Fan and Chern (2026), "Equivariant neural networks for force-field models of lattice systems",
arXiv:2601.04104: a force field that maps the local configuration of a lattice field to on-site
forces and embeds the point group and the internal symmetries of the lattice model, trained on
exact-diagonalisation (ED) forces of the Holstein model and used for large-scale Langevin
dynamics of charge-density-wave (CDW) domain coarsening.

- :mod:`~effdyn.lattice.holstein`: :class:`HolsteinModel` (batched ED forces and energy on an
  ``L x L`` periodic lattice), :func:`flat_force` (the ``(B, L^2)`` callable that
  ``effdyn.sde.BAOAB`` takes).
- :mod:`~effdyn.lattice.meanfield`: exact k-space checkerboard force, gap equation
  ``Q0(T)``, mean-field ``T_CDW``.
- :mod:`~effdyn.lattice.symmetry`: D4 x Z2 and translations acting on fields,
  :func:`equivariance_error` (the harness).
- :mod:`~effdyn.lattice.equivariant`: :class:`EquivariantForceField` (p4m group convolutions,
  odd), :class:`PlainCNN` (baseline).
- :mod:`~effdyn.lattice.recording`: :class:`RecordingForce` (keeps the forces a run computed).
- :mod:`~effdyn.lattice.training`: :func:`fit_force_field`, :func:`force_parity`.
- :mod:`~effdyn.lattice.analysis`: order parameter, structure factor, domain size, power-law fit.

Dynamics use :class:`effdyn.sde.BAOAB` with the force as a callable on ``(B, L^2)``.
"""

from effdyn.lattice._bib import COHEN2016_GROUP, FAN2026_EQUIVARIANT, HOLSTEIN1959_POLARON
from effdyn.lattice.analysis import (
    domain_size,
    fit_power_law,
    order_parameter,
    staggered_field,
    structure_factor,
)
from effdyn.lattice.equivariant import EquivariantForceField, PlainCNN, count_parameters
from effdyn.lattice.holstein import HolsteinModel, flat_force, hopping_matrix, staggered_sign
from effdyn.lattice.meanfield import (
    band_energies,
    cdw_amplitude,
    cdw_transition_temperature,
    checkerboard_force,
    staggered_density,
)
from effdyn.lattice.recording import RecordingForce
from effdyn.lattice.symmetry import (
    D4_ORDER,
    d4_inverse,
    d4_multiply,
    d4_transform,
    equivariance_error,
    lattice_symmetries,
)
from effdyn.lattice.training import fit_force_field, force_parity

__all__ = [
    "COHEN2016_GROUP",
    "D4_ORDER",
    "FAN2026_EQUIVARIANT",
    "HOLSTEIN1959_POLARON",
    "EquivariantForceField",
    "HolsteinModel",
    "PlainCNN",
    "RecordingForce",
    "band_energies",
    "cdw_amplitude",
    "cdw_transition_temperature",
    "checkerboard_force",
    "count_parameters",
    "d4_inverse",
    "d4_multiply",
    "d4_transform",
    "domain_size",
    "equivariance_error",
    "fit_force_field",
    "fit_power_law",
    "flat_force",
    "force_parity",
    "hopping_matrix",
    "lattice_symmetries",
    "order_parameter",
    "staggered_density",
    "staggered_field",
    "staggered_sign",
    "structure_factor",
]
