"""Exact Gibbs posterior of a small binary perceptron by enumeration of all ``2^N`` weights.

The reference that measures the error of the factorised (mean-field) posterior of
Li, Huang, Zou and Huang (2023): ``p(w) ∝ exp(-beta E(w))`` with ``E(w)`` the number of
misclassified training patterns; ``beta = inf`` is uniform on the version space.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

MAX_ENUMERATION_INPUTS = 20


@dataclass(frozen=True)
class EnumeratedPosterior:
    """All weight vectors ``(2^N, N)`` and their posterior probabilities ``(2^N,)``."""

    weights: torch.Tensor
    probabilities: torch.Tensor

    @property
    def magnetisations(self) -> torch.Tensor:
        """Posterior means ``<w_i>``, shape ``(N,)``."""
        return self.probabilities @ self.weights

    def expectation(self, values: torch.Tensor) -> torch.Tensor:
        """Posterior mean of per-configuration values ``(2^N, ...)``."""
        return torch.tensordot(self.probabilities, values, dims=1)


def all_binary_weights(n: int, *, device=None, dtype=torch.float64) -> torch.Tensor:
    """Every vector of ``{-1, 1}^n``, shape ``(2^n, n)`` (binary counting order)."""
    codes = torch.arange(2**n, device=device)
    bits = (codes[:, None] >> torch.arange(n, device=device)[None, :]) & 1
    return (2 * bits - 1).to(dtype)


def enumerate_posterior(
    patterns: torch.Tensor, labels: torch.Tensor, beta: float
) -> EnumeratedPosterior:
    """Exact Gibbs posterior of a binary perceptron on ``(P, N)`` patterns, ``N <= 20``.

    Parameters
    ----------
    patterns : torch.Tensor
        Training patterns ``(P, N)``.
    labels : torch.Tensor
        Labels ``(P,)`` in ``{-1, 1}``.
    beta : float
        Inverse temperature of the error count (``math.inf``: the version space).

    Returns
    -------
    EnumeratedPosterior
        Weights and probabilities on the patterns' device, float64.
    """
    n = patterns.shape[-1]
    if n > MAX_ENUMERATION_INPUTS:
        raise ValueError(f"N must be at most {MAX_ENUMERATION_INPUTS} for enumeration, got {n}")
    if not float(beta) >= 0:
        raise ValueError(f"beta must be non-negative, got {beta!r}")
    w = all_binary_weights(n, device=patterns.device)
    out = w @ patterns.to(torch.float64).T
    errors = ((torch.where(out >= 0, 1.0, -1.0) * labels.to(torch.float64)) < 0).sum(-1)
    errors = errors.to(torch.float64)
    if math.isinf(beta):
        logp = torch.where(errors == 0, 0.0, -math.inf).to(torch.float64)
        if not bool((errors == 0).any()):
            raise ValueError("beta=inf but no weight vector classifies every pattern")
    else:
        logp = -float(beta) * errors
    probs = torch.softmax(logp, dim=0)
    return EnumeratedPosterior(w, probs)
