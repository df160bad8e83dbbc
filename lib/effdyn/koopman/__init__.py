"""ISOKANN: Koopman-inspired neural learning of collective variables, and what follows from them.

Sikorski, Donati, Weber and Schütte (2026), *Effective dynamics and transition pathways from
Koopman-inspired neural learning of collective variables*, arXiv:2604.05778.

- Data: :func:`uniform_points`, :func:`simulate_bursts` -> :class:`BurstData` (start points and
  short bursts simulated with :mod:`effdyn.sde`); :func:`equilibrium_pairs` hands them,
  reweighted to equilibrium, to covariance estimators of peer packages (deeptime's TICA).
- Learner: :class:`ISOKANN` (estimator, ``fit(data) -> self``) and :class:`ISOKANNModel`
  (``fetch_model()``: the chi functions, Koopman matrix, relaxation rates, rate matrix).
- Transformations ``S``: :func:`shift_scale`, :func:`inner_simplex`, :func:`match_permutation`.
- Spectral quantities: :func:`koopman_matrix`, :func:`relaxation_rates`, :func:`rate_matrix`.
- Effective dynamics on chi and what follows from it: :func:`pointwise_coefficients`
  (Ito's formula), :func:`effective_committor`, :func:`reactive_path`,
  :func:`reactive_current_across` (grid transition path theory reference).
- A three-dimensional entropic-barrier benchmark: :class:`EntropicChannel3D`.
"""

from effdyn.koopman.bursts import (
    BurstData,
    equilibrium_pairs,
    grid_boltzmann_points,
    simulate_bursts,
    uniform_points,
)
from effdyn.koopman.isokann import ISOKANN, ChiNetwork, ISOKANNModel
from effdyn.koopman.pathways import (
    QuantileCoordinate,
    effective_committor,
    effective_dynamics,
    pointwise_coefficients,
    reactive_current_across,
    reactive_path,
)
from effdyn.koopman.spectral import koopman_matrix, rate_matrix, relaxation_rates
from effdyn.koopman.systems3d import EntropicChannel3D
from effdyn.koopman.transforms import (
    inner_simplex,
    inner_simplex_vertices,
    match_permutation,
    shift_scale,
)

__all__ = [
    "ISOKANN",
    "BurstData",
    "ChiNetwork",
    "EntropicChannel3D",
    "ISOKANNModel",
    "QuantileCoordinate",
    "effective_committor",
    "effective_dynamics",
    "equilibrium_pairs",
    "grid_boltzmann_points",
    "inner_simplex",
    "inner_simplex_vertices",
    "koopman_matrix",
    "match_permutation",
    "pointwise_coefficients",
    "rate_matrix",
    "reactive_current_across",
    "reactive_path",
    "relaxation_rates",
    "shift_scale",
    "simulate_bursts",
    "uniform_points",
]
