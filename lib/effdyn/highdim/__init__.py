"""High-dimensional online SGD and its effective ODE / SDE limits.

Online SGD streams (fresh samples every step, batched over independent runs, CPU or GPU) for
the examples of Ben Arous, Gheissari and Jagannath (2022), *High-dimensional limit theorems for
SGD: effective dynamics and critical scaling*: spiked matrix and tensor estimation, logistic
regression on a binary Gaussian mixture and a two-layer network on the XOR mixture; and the
effective ballistic (ODE) and diffusive (SDE) dynamics of their summary statistics at the critical
step size ``delta = c_delta / N``.

Spherical Langevin dynamics with iterate averaging (:mod:`effdyn.highdim.langevin`) on tensor
PCA (:mod:`effdyn.highdim.tensor_pca`) and Gaussian single-index models
(:mod:`effdyn.highdim.single_index`), with the smoothed-landscape baseline
(:mod:`effdyn.highdim.smoothed`) and phase-transition fits (:mod:`effdyn.highdim.phase`), for
*Improved high-dimensional estimation with Langevin dynamics and stochastic weight averaging*
(arXiv 2603.06028).
"""

from effdyn.highdim.fits import LineFit, line_fit
from effdyn.highdim.gmm import BinaryGMMLogisticSGD, StatsRecord, XORTwoLayerSGD, xor_test_error
from effdyn.highdim.gmm_effective import BinaryGMMEffectiveDynamics
from effdyn.highdim.langevin import (
    LangevinRecord,
    LangevinResult,
    SphericalLangevin,
    riemannian_gradient,
    spherical_gradient_descent,
)
from effdyn.highdim.phase import (
    LogisticFit,
    ThresholdExponent,
    logistic_fit,
    threshold_exponents,
)
from effdyn.highdim.references import BEN_AROUS_GHEISSARI_JAGANNATH_2022
from effdyn.highdim.single_index import SingleIndexModel, hermite
from effdyn.highdim.smoothed import smoothed_gradient, smoothed_gradient_descent
from effdyn.highdim.spiked import OverlapRecord, SpikedTensorSGD, first_passage_times
from effdyn.highdim.spiked_effective import (
    SpikedEffectiveDynamics,
    matrix_fixed_point_overlap_sq,
)
from effdyn.highdim.tensor_pca import (
    TensorPCA,
    power_step,
    random_unit_vectors,
    tensor_unfolding_estimate,
)
from effdyn.ode.fixed_step import Path, euler_maruyama, rk4

bibtex = BEN_AROUS_GHEISSARI_JAGANNATH_2022

__all__ = [
    "BinaryGMMEffectiveDynamics",
    "BinaryGMMLogisticSGD",
    "LangevinRecord",
    "LangevinResult",
    "LineFit",
    "LogisticFit",
    "OverlapRecord",
    "Path",
    "SpikedEffectiveDynamics",
    "SingleIndexModel",
    "SphericalLangevin",
    "SpikedTensorSGD",
    "StatsRecord",
    "TensorPCA",
    "ThresholdExponent",
    "XORTwoLayerSGD",
    "bibtex",
    "euler_maruyama",
    "first_passage_times",
    "hermite",
    "line_fit",
    "logistic_fit",
    "matrix_fixed_point_overlap_sq",
    "power_step",
    "random_unit_vectors",
    "riemannian_gradient",
    "rk4",
    "smoothed_gradient",
    "smoothed_gradient_descent",
    "spherical_gradient_descent",
    "tensor_unfolding_estimate",
    "threshold_exponents",
    "xor_test_error",
]
