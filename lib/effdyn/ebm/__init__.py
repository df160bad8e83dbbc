"""Energy-based models: categorical Boltzmann machines with one-hot units.

- :mod:`effdyn.ebm.blocks`: the one-hot layout (:class:`Blocks`).
- :mod:`effdyn.ebm.prox`: :func:`prox_softmax`, the prox of alpha times the negative entropy.
- :mod:`effdyn.ebm.boltzmann`: :class:`CategoricalBM` (energy, mean-field free energy, monotone
  splitting and naive parallel mean field, exact enumeration in float64), monotone couplings.
- :mod:`effdyn.ebm.dbm`: :class:`MonotoneDBM`, tiers of one-hot units trained through the fixed
  point for joint completion and classification.
- :mod:`effdyn.ebm.baselines`: naive mean-field completion with a binary RBM.
"""

from effdyn.ebm._bib import BIBTEX, FENG2023_MONOTONE_DBM, HINTON2002_CD, WINSTON2020_MONOTONE
from effdyn.ebm.baselines import rbm_mean_field_completion
from effdyn.ebm.blocks import Blocks, as_blocks
from effdyn.ebm.boltzmann import (
    MAX_ENUMERATION_STATES,
    CategoricalBM,
    Enumeration,
    antiferromagnetic_bm,
    monotone_couplings,
    off_block,
    random_monotone_bm,
    random_symmetric_bm,
)
from effdyn.ebm.dbm import MonotoneDBM, Prediction, check_tiers, completion_scores
from effdyn.ebm.prox import prox_softmax, prox_softmax_block

__all__ = [
    "BIBTEX",
    "FENG2023_MONOTONE_DBM",
    "HINTON2002_CD",
    "MAX_ENUMERATION_STATES",
    "WINSTON2020_MONOTONE",
    "Blocks",
    "CategoricalBM",
    "Enumeration",
    "MonotoneDBM",
    "Prediction",
    "antiferromagnetic_bm",
    "as_blocks",
    "check_tiers",
    "completion_scores",
    "monotone_couplings",
    "off_block",
    "prox_softmax",
    "prox_softmax_block",
    "random_monotone_bm",
    "random_symmetric_bm",
    "rbm_mean_field_completion",
]
