"""Exact Bayesian mixtures over finite hypothesis classes, induced priors and regret.

The library of the chapter *universality-lens*, after Feder, Urbanke and Fogel (2025), "The
Universality Lens: Why Even Highly Over-Parametrized Models Learn Well", arXiv:2506.07661: all
Boolean functions on a few bits with label noise (:class:`BooleanClass`), the weight a network's
parameter prior induces on each of them (:func:`induced_prior`), the exact online Bayes mixture
and its regret (:class:`MixtureLearner`), the index-of-resolvability bound
(:func:`resolvability_bound`) and exact Bayesian linear regression
(:class:`GaussianLinearModel`), the reference for the SGLD ensemble of :class:`effdyn.optim.SGLD`.
Everything is torch, batched, on CPU or CUDA, with float64 log-probabilities.
"""

from effdyn.bayes._bib import BARRON1991_RESOLVABILITY, BISHOP2006_LINEAR, FEDER2025_UNIVERSALITY
from effdyn.bayes.boolean import MAX_BITS, BooleanClass
from effdyn.bayes.linear import GaussianLinearModel
from effdyn.bayes.mixture import MixtureLearner, check_prior, resolvability_bound
from effdyn.bayes.prior import (
    InducedPrior,
    NetworkPrior,
    ReLUNetwork,
    ThresholdUnit,
    induced_prior,
    threshold_constant_probability,
)

__all__ = [
    "BARRON1991_RESOLVABILITY",
    "BISHOP2006_LINEAR",
    "FEDER2025_UNIVERSALITY",
    "MAX_BITS",
    "BooleanClass",
    "GaussianLinearModel",
    "InducedPrior",
    "MixtureLearner",
    "NetworkPrior",
    "ReLUNetwork",
    "ThresholdUnit",
    "check_prior",
    "induced_prior",
    "resolvability_bound",
    "threshold_constant_probability",
]
