"""Consensus-based optimization and its gradient-descent interpretation.

Consensus-based optimization (CBO) with isotropic and anisotropic noise, consensus hopping, the
Laplace-principle consensus point, the benchmark objectives and the smoothed objective of
Riedl, Klock, Geldhauser and Fornasier (2023), "Gradient is all you need?", arXiv:2306.09778;
plain gradient descent and annealed Langevin dynamics for comparison; stochastic gradient
Langevin dynamics (SGLD, Welling and Teh 2011) batched over chains, with ensemble predictives.
Everything is batched over particles and independent runs and runs unchanged on CPU and CUDA.
"""

from effdyn.optim.cbo import CBO, NOISE_TYPES, CBOResult, gaussian_cloud
from effdyn.optim.consensus import consensus_point, consensus_weights
from effdyn.optim.gradient_descent import gradient, gradient_descent
from effdyn.optim.hopping import ConsensusHopping
from effdyn.optim.objectives import Ackley, GrandCanyon3Noisy, Objective, Quadratic, Rastrigin
from effdyn.optim.sgld import SGLD, SGLDResult, ensemble_log_predictive
from effdyn.optim.smoothing import (
    drift_alignment,
    gaussian_grid,
    monte_carlo_nodes,
    proximal_point,
    smoothed_gradient,
    smoothed_objective,
    uniform_grid,
)

__all__ = [
    "CBO",
    "NOISE_TYPES",
    "Ackley",
    "CBOResult",
    "ConsensusHopping",
    "GrandCanyon3Noisy",
    "Objective",
    "Quadratic",
    "Rastrigin",
    "SGLD",
    "SGLDResult",
    "consensus_point",
    "consensus_weights",
    "drift_alignment",
    "ensemble_log_predictive",
    "gaussian_cloud",
    "gaussian_grid",
    "gradient",
    "gradient_descent",
    "monte_carlo_nodes",
    "proximal_point",
    "smoothed_gradient",
    "smoothed_objective",
    "uniform_grid",
]
