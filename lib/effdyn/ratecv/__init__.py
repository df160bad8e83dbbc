"""Collective variables that preserve transition rates (Sule, Mehta and Cameron 2025).

Group-invariant features (:mod:`~effdyn.ratecv.features`), diffusion maps and local tangent
spaces (:mod:`~effdyn.ratecv.manifold`), a network CV trained with the orthogonality condition
(:mod:`~effdyn.ratecv.network`), and the reduced model on a CV (free energy and mass-weighted
diffusion) with its transition-path-theory rate (:mod:`~effdyn.ratecv.reduced` in 1D,
:mod:`~effdyn.ratecv.reduced2d` in 2D, both on grids; :mod:`~effdyn.ratecv.pointcloud` on the
sample points, the paper's 2D solver), and the standard errors of counted and reduced-model
rates (:mod:`~effdyn.ratecv.uncertainty`).
"""

from effdyn.ratecv.features import pairwise_distances, plane_align
from effdyn.ratecv.manifold import (
    DiffusionMap,
    DiffusionMapModel,
    kernel_sum_bandwidth,
    local_tangents,
)
from effdyn.ratecv.network import OrthogonalityCV, PeriodicCV
from effdyn.ratecv.pointcloud import (
    DisconnectedGraphError,
    MahalanobisDiffusionMap,
    mahalanobis_sq_distances,
)
from effdyn.ratecv.reduced import (
    EffectiveDynamics,
    ReducedModel1D,
    anti_gauche_cores,
    binned_sums,
    cv_gradient_norms,
    cv_metric_tensors,
    tpt_rate_1d,
    variable_sqra,
)
from effdyn.ratecv.reduced2d import EffectiveDynamics2D, ReducedModel2D
from effdyn.ratecv.uncertainty import (
    BootstrapResult,
    difference_z,
    exposure_for_relative_stderr,
    poisson_stderr,
    ratio_stderr,
    replica_bootstrap,
)

__all__ = [
    "BootstrapResult",
    "DiffusionMap",
    "DisconnectedGraphError",
    "DiffusionMapModel",
    "EffectiveDynamics",
    "EffectiveDynamics2D",
    "MahalanobisDiffusionMap",
    "OrthogonalityCV",
    "PeriodicCV",
    "ReducedModel1D",
    "ReducedModel2D",
    "anti_gauche_cores",
    "binned_sums",
    "cv_gradient_norms",
    "cv_metric_tensors",
    "difference_z",
    "exposure_for_relative_stderr",
    "kernel_sum_bandwidth",
    "local_tangents",
    "mahalanobis_sq_distances",
    "pairwise_distances",
    "plane_align",
    "poisson_stderr",
    "ratio_stderr",
    "replica_bootstrap",
    "tpt_rate_1d",
    "variable_sqra",
]
