"""Learned collective variables (CVs) of molecular dynamics (Zhang and Schütte 2023).

Two families of learners, each an estimator with ``fit(data) -> self`` and ``fetch_model()``
returning a :class:`CVModel` (a torch module ``z = xi(x)``, standardised, differentiable):

==================================  =============================  =============================
learner                             data                           the CV is
==================================  =============================  =============================
:class:`GeneratorEigenfunctions`    samples of ``mu`` (gradients   leading eigenfunctions of the
                                    by autograd)                   generator ``L``
:class:`TransferEigenfunctions`     pairs ``(X_0, X_tau)``         leading eigenfunctions of the
                                                                   transfer operator ``P_tau``
:class:`AutoEncoder`                samples of ``mu``              bottleneck of an autoencoder
==================================  =============================  =============================

Building blocks: :class:`MLP`, :class:`StackedMLP` (:mod:`effdyn.neural.networks`); losses
(:mod:`effdyn.cvs.losses`); :func:`rayleigh_quotient` and :func:`autocorrelation` measure how slow
any CV is; :func:`lagged_pairs` cuts saved trajectories into pairs.
"""

from effdyn.cvs.autoencoder import AutoEncoder
from effdyn.cvs.diagnostics import autocorrelation, rayleigh_quotient
from effdyn.cvs.generator import GeneratorEigenfunctions
from effdyn.cvs.losses import (
    generator_loss,
    orthonormality_penalty,
    reconstruction_loss,
    transfer_loss,
    weighted_moments,
)
from effdyn.cvs.model import CVModel, cv_jacobian
from effdyn.cvs.transfer import TransferEigenfunctions, lagged_pairs
from effdyn.neural.networks import ACTIVATIONS, MLP, StackedMLP

__all__ = [
    "ACTIVATIONS",
    "MLP",
    "AutoEncoder",
    "CVModel",
    "GeneratorEigenfunctions",
    "StackedMLP",
    "TransferEigenfunctions",
    "autocorrelation",
    "cv_jacobian",
    "generator_loss",
    "lagged_pairs",
    "orthonormality_penalty",
    "rayleigh_quotient",
    "reconstruction_loss",
    "transfer_loss",
    "weighted_moments",
]
