"""High-dimensional online SGD and its effective ODE / SDE limits.

Online SGD streams (fresh samples every step, batched over independent runs, CPU or GPU) for
the examples of Ben Arous, Gheissari and Jagannath (2022), *High-dimensional limit theorems for
SGD: effective dynamics and critical scaling*: spiked matrix and tensor estimation, logistic
regression on a binary Gaussian mixture and a two-layer network on the XOR mixture; and the
effective ballistic (ODE) and diffusive (SDE) dynamics of their summary statistics at the critical
step size ``delta = c_delta / N``.
"""

from effdyn.highdim.fits import LineFit, line_fit
from effdyn.highdim.gmm import BinaryGMMLogisticSGD, StatsRecord, XORTwoLayerSGD, xor_test_error
from effdyn.highdim.gmm_effective import BinaryGMMEffectiveDynamics
from effdyn.highdim.references import BEN_AROUS_GHEISSARI_JAGANNATH_2022
from effdyn.highdim.spiked import OverlapRecord, SpikedTensorSGD, first_passage_times
from effdyn.highdim.spiked_effective import (
    SpikedEffectiveDynamics,
    matrix_fixed_point_overlap_sq,
)
from effdyn.ode.fixed_step import Path, euler_maruyama, rk4

bibtex = BEN_AROUS_GHEISSARI_JAGANNATH_2022

__all__ = [
    "BinaryGMMEffectiveDynamics",
    "BinaryGMMLogisticSGD",
    "LineFit",
    "OverlapRecord",
    "Path",
    "SpikedEffectiveDynamics",
    "SpikedTensorSGD",
    "StatsRecord",
    "XORTwoLayerSGD",
    "bibtex",
    "euler_maruyama",
    "first_passage_times",
    "line_fit",
    "matrix_fixed_point_overlap_sq",
    "rk4",
    "xor_test_error",
]
