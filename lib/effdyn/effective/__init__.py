"""Learning effective dynamics of stochastic systems from data (Feng, Gao, Dai, Duan 2023).

==================================  =======================================================
piece                               job
==================================  =======================================================
:class:`ConditionalCoefficients`    kernel-smoothed Kramers-Moyal drift/diffusion on a 1D grid
:class:`EffectiveSDE1D`             tabulated 1D SDE: simulate, stationary density, MFPT
:func:`level_set_model`             exact Legoll-Lelievre dynamics of a CV by grid quadrature
:class:`PolynomialCoefficients`     step 1: Hermite regression of drift/diffusion from bursts
:class:`NeuralCoefficients`         step 1, neural alternative (Euler-Maruyama likelihood)
:class:`SlowManifoldAutoencoder`    step 2: autoencoder of points near the slow manifold
:class:`AutoSDE`                    step 2, time-evolving autoencoders on a pushed ensemble
:func:`reduce_to_slow`              step 3: the reduced SDE on the slow variable
:mod:`~effdyn.effective.slowfast`   the slow-fast test system and its exact averaged limit
==================================  =======================================================
"""

from effdyn.effective.conditional import ConditionalCoefficients
from effdyn.effective.level_sets import level_set_model
from effdyn.effective.manifold import (
    AutoencoderModel,
    AutoSDE,
    SlowManifoldAutoencoder,
    sliced_wasserstein,
)
from effdyn.effective.model import EffectiveSDE1D
from effdyn.effective.reduce import reduce_to_slow
from effdyn.effective.regression import (
    NeuralCoefficients,
    NeuralSDEModel,
    PolynomialCoefficients,
    PolynomialSDEModel,
    hermite_features,
    multi_indices,
    pairs_from_paths,
)
from effdyn.effective.slowfast import SlowFastDoubleWell

__all__ = [
    "AutoSDE",
    "AutoencoderModel",
    "ConditionalCoefficients",
    "EffectiveSDE1D",
    "NeuralCoefficients",
    "NeuralSDEModel",
    "PolynomialCoefficients",
    "PolynomialSDEModel",
    "SlowFastDoubleWell",
    "SlowManifoldAutoencoder",
    "hermite_features",
    "level_set_model",
    "multi_indices",
    "pairs_from_paths",
    "reduce_to_slow",
    "sliced_wasserstein",
]
