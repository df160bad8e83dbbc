"""The scaled forward algorithm: log-likelihood of symbol sequences under an HMM.

Rabiner (1989), Section V.A: alpha_t(j) = P(o_1..o_t, s_t = j) is propagated with a
normalisation at every step; the log-likelihood is the sum of the logs of the normalisers.
Used by Torre et al. (2025)'s setting to score emulator sequences under the true HMM.
"""

from __future__ import annotations

import torch

from effdyn.hmm.models import HiddenMarkovModel


def check_symbols(symbols: torch.Tensor, n_symbols: int) -> torch.Tensor:
    """Validate a (n, T) or (T,) integer tensor of symbols; returns it as (n, T) long.

    Raises
    ------
    ValueError
        If a symbol lies outside ``[0, n_symbols)`` or the tensor is not integer.
    """
    symbols = torch.as_tensor(symbols)
    if symbols.dtype.is_floating_point or symbols.dtype == torch.bool:
        raise ValueError(f"symbols must be an integer tensor, got dtype {symbols.dtype}")
    if symbols.ndim == 1:
        symbols = symbols[None]
    if symbols.ndim != 2 or symbols.shape[1] < 1:
        raise ValueError(f"symbols must have shape (n, T), got {tuple(symbols.shape)}")
    low, high = int(symbols.min()), int(symbols.max())
    if low < 0 or high >= n_symbols:
        raise ValueError(f"symbols must lie in [0, {n_symbols}), got values from {low} to {high}")
    return symbols.long()


def log_likelihood(hmm: HiddenMarkovModel, symbols: torch.Tensor) -> torch.Tensor:
    """Log-likelihood log P(o_1, ..., o_T) of each sequence, by the scaled forward pass.

    Parameters
    ----------
    hmm : HiddenMarkovModel
        The model; the computation runs in its dtype on its device.
    symbols : torch.Tensor
        Integer tensor (n, T) (or (T,)) of symbols in ``[0, hmm.n_symbols)``.

    Returns
    -------
    torch.Tensor
        Shape (n,), in the model's dtype (``-inf`` for an impossible sequence).
    """
    symbols = check_symbols(symbols, hmm.n_symbols).to(hmm.start.device)
    emit = hmm.emission.T[symbols]  # (n, T, K): B[:, o_t]
    alpha = hmm.start * emit[:, 0]
    scale = alpha.sum(-1)
    total = scale.log()
    tiny = torch.finfo(alpha.dtype).tiny
    alpha = alpha / scale.clamp_min(tiny)[:, None]
    for t in range(1, symbols.shape[1]):
        alpha = (alpha @ hmm.transition) * emit[:, t]
        scale = alpha.sum(-1)
        total = total + scale.log()
        alpha = alpha / scale.clamp_min(tiny)[:, None]
    return total
