"""Exact laws of an HMM: stationary distribution, symbol frequencies, lag-k joint symbol law,
symbol transition matrix and the geometric residence law of a hidden state.

These are the references against which Torre et al. (2025)'s output statistics of RNN
emulators are compared. Each law exists in two forms: stationary (``length=None``: the chain
started from its stationary distribution pi) and pooled over a sequence of ``length`` steps
started from the model's start distribution, which is what counts pooled over finite training
sequences estimate.
"""

from __future__ import annotations

import torch

from effdyn.hmm.models import HiddenMarkovModel


def stationary_distribution(transition: torch.Tensor) -> torch.Tensor:
    """The stationary distribution pi (pi^T A = pi^T, sum 1) of an irreducible chain."""
    k = transition.shape[0]
    system = transition.T - torch.eye(k, device=transition.device, dtype=transition.dtype)
    system[-1] = 1.0
    rhs = torch.zeros(k, device=transition.device, dtype=transition.dtype)
    rhs[-1] = 1.0
    return torch.linalg.solve(system, rhs)


def state_marginals(hmm: HiddenMarkovModel, length: int) -> torch.Tensor:
    """P(s_t = i) for t = 0, ..., length - 1 from the start distribution, shape (length, K)."""
    if length < 1:
        raise ValueError(f"length must be >= 1, got {length!r}")
    out = [hmm.start]
    for _ in range(length - 1):
        out.append(out[-1] @ hmm.transition)
    return torch.stack(out)


def _state_weights(hmm: HiddenMarkovModel, length: int | None, lag: int) -> torch.Tensor:
    """Mean state law of the first member of the pairs (t, t + lag) counted."""
    if length is None:
        return stationary_distribution(hmm.transition)
    if length <= lag:
        raise ValueError(f"length must exceed lag={lag}, got {length!r}")
    return state_marginals(hmm, length - lag).mean(0)


def symbol_frequencies(hmm: HiddenMarkovModel, length: int | None = None) -> torch.Tensor:
    """P(o = m): pi^T B (stationary), or the mean over t < ``length`` of p_t^T B."""
    return _state_weights(hmm, length, 0) @ hmm.emission


def lag_joint_law(hmm: HiddenMarkovModel, lag: int = 1, length: int | None = None) -> torch.Tensor:
    """Joint law P(o_t = a, o_{t+lag} = b), shape (M, M).

    Stationary: B^T diag(pi) A^lag B. With ``length``, the average over the pairs
    (t, t + lag), t = 0, ..., length - 1 - lag, of a chain started from ``hmm.start``.
    """
    if lag < 0:
        raise ValueError(f"lag must be >= 0, got {lag!r}")
    weights = _state_weights(hmm, length, lag)
    if lag == 0:
        return hmm.emission.T @ (weights[:, None] * hmm.emission)
    power = torch.linalg.matrix_power(hmm.transition, lag)
    return hmm.emission.T @ (weights[:, None] * power) @ hmm.emission


def symbol_transition_matrix(
    hmm: HiddenMarkovModel, lag: int = 1, length: int | None = None
) -> torch.Tensor:
    """P(o_{t+lag} = b | o_t = a): the lag-k joint law normalised by rows, shape (M, M)."""
    joint = lag_joint_law(hmm, lag, length)
    return joint / joint.sum(-1, keepdim=True)


def residence_law(transition: torch.Tensor, state: int, durations: torch.Tensor) -> torch.Tensor:
    """Geometric law of the residence time in ``state``: (1 - A_ii) A_ii^(d - 1), d >= 1."""
    stay = transition[state, state]
    d = torch.as_tensor(durations, device=transition.device, dtype=transition.dtype)
    if (d < 1).any():
        raise ValueError(f"durations must be >= 1, got minimum {float(d.min())}")
    return (1 - stay) * stay ** (d - 1)
