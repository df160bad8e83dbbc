"""Implicit (equilibrium) layers on monotone operators.

- :mod:`effdyn.implicit.monotone`: the parameterisation ``W = (1 - m) I - A^T A + B - B^T`` with
  ``I - W >= m I`` (Winston and Kolter, 2020), its check, and :class:`DenseOperator`.
- :mod:`effdyn.implicit.solvers`: damped forward-backward splitting, Peaceman-Rachford splitting
  and Anderson acceleration, batched; defaults ``alpha = 0.125``, ``tol = 1e-2``,
  ``max_iter = 50`` (the ``MON_DEFAULTS`` of Feng, Winston and Kolter, 2023, arXiv 2307.04990).
- :mod:`effdyn.implicit.backward`: the implicit-function-theorem gradient of a fixed point.
"""

from effdyn.implicit._bib import (
    BIBTEX,
    FENG2023_MONOTONE_DBM,
    WALKER2011_ANDERSON,
    WINSTON2020_MONOTONE,
)
from effdyn.implicit.backward import implicit_fixed_point
from effdyn.implicit.monotone import (
    DenseOperator,
    check_m,
    check_monotone,
    monotone_weight,
    top_eigenvalue,
)
from effdyn.implicit.solvers import (
    ConvergenceWarning,
    FixedPointResult,
    LinearOperator,
    anderson,
    check_alpha,
    forward_backward,
    forward_backward_map,
    peaceman_rachford,
)

__all__ = [
    "BIBTEX",
    "FENG2023_MONOTONE_DBM",
    "WALKER2011_ANDERSON",
    "WINSTON2020_MONOTONE",
    "ConvergenceWarning",
    "DenseOperator",
    "FixedPointResult",
    "LinearOperator",
    "anderson",
    "check_alpha",
    "check_m",
    "check_monotone",
    "forward_backward",
    "forward_backward_map",
    "implicit_fixed_point",
    "monotone_weight",
    "peaceman_rachford",
    "top_eigenvalue",
]
