"""Hidden Markov models with discrete symbols: the shared home for HMM tools.

- :mod:`effdyn.hmm.models`: :class:`HiddenMarkovModel` and the transition and emission families
  of Torre et al. (2025) (linear chains, fully connected, cyclic; linear and one-hot emissions).
- :mod:`effdyn.hmm.sampling`: batched sampling of state and symbol sequences.
- :mod:`effdyn.hmm.forward`: the scaled forward algorithm (log-likelihood per sequence).
- :mod:`effdyn.hmm.laws`: exact stationary distribution, symbol frequencies, lag-k joint symbol
  law, symbol transition matrix, geometric residence law.
- :mod:`effdyn.hmm.statistics`: empirical output statistics of symbol sequences.
- :mod:`effdyn.hmm.analysis`: fixed points, Jacobian spectra, PCA, kick-neuron scores, for
  reverse-engineering the recurrent emulators of :mod:`effdyn.neural.rnn`.
"""

from effdyn.hmm._bib import BIBTEX, RABINER1989_TUTORIAL, TORRE2025_MECHANISTIC
from effdyn.hmm.analysis import (
    FixedPoints,
    PrincipalComponents,
    find_fixed_points,
    jacobian,
    jacobian_spectrum,
    kick_neuron_scores,
    pca,
    spectral_radius,
    switch_times,
)
from effdyn.hmm.forward import check_symbols, log_likelihood
from effdyn.hmm.laws import (
    lag_joint_law,
    residence_law,
    state_marginals,
    stationary_distribution,
    symbol_frequencies,
    symbol_transition_matrix,
)
from effdyn.hmm.models import (
    HiddenMarkovModel,
    cyclic,
    fully_connected,
    linear_chain_hmm,
    linear_chain_stay,
    linear_chain_target,
    linear_emissions,
    one_hot_emissions,
    uniform_start,
)
from effdyn.hmm.sampling import sample
from effdyn.hmm.statistics import (
    SymbolStatistics,
    residence_times,
    run_lengths,
    symbol_statistics,
)

__all__ = [
    "BIBTEX",
    "RABINER1989_TUTORIAL",
    "TORRE2025_MECHANISTIC",
    "FixedPoints",
    "HiddenMarkovModel",
    "PrincipalComponents",
    "SymbolStatistics",
    "check_symbols",
    "cyclic",
    "find_fixed_points",
    "fully_connected",
    "jacobian",
    "jacobian_spectrum",
    "kick_neuron_scores",
    "lag_joint_law",
    "linear_chain_hmm",
    "linear_chain_stay",
    "linear_chain_target",
    "linear_emissions",
    "log_likelihood",
    "one_hot_emissions",
    "pca",
    "residence_law",
    "residence_times",
    "run_lengths",
    "sample",
    "spectral_radius",
    "state_marginals",
    "stationary_distribution",
    "switch_times",
    "symbol_frequencies",
    "symbol_statistics",
    "symbol_transition_matrix",
    "uniform_start",
]
