"""Sampling state and symbol sequences from a :class:`~effdyn.hmm.models.HiddenMarkovModel`.

All sequences advance together (a batch of ``n_sequences``), with inverse-CDF draws from one
explicit :class:`torch.Generator` on the model's device.
"""

from __future__ import annotations

import torch

from effdyn.hmm.models import HiddenMarkovModel


def _draw(cdf: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    """One categorical draw per row of cumulative probabilities ``cdf`` (inverse CDF)."""
    u = torch.rand(cdf.shape[:-1] + (1,), generator=generator, device=cdf.device, dtype=cdf.dtype)
    index = (cdf < u).sum(-1)
    return index.clamp_(max=cdf.shape[-1] - 1)


def sample(
    hmm: HiddenMarkovModel,
    n_sequences: int,
    length: int,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Draw ``n_sequences`` independent sequences of ``length`` steps.

    Parameters
    ----------
    hmm : HiddenMarkovModel
        The model (its device decides where the samples live).
    n_sequences, length : int
        Batch size and number of time steps (both >= 1).
    generator : torch.Generator, optional
        Source of randomness, on the model's device.

    Returns
    -------
    symbols, states : torch.Tensor
        Long tensors of shape (n_sequences, length).
    """
    if n_sequences < 1:
        raise ValueError(f"n_sequences must be >= 1, got {n_sequences!r}")
    if length < 1:
        raise ValueError(f"length must be >= 1, got {length!r}")
    start_cdf = hmm.start.cumsum(-1).expand(n_sequences, -1)
    transition_cdf = hmm.transition.cumsum(-1)
    emission_cdf = hmm.emission.cumsum(-1)
    states = torch.empty(n_sequences, length, dtype=torch.long, device=hmm.start.device)
    symbols = torch.empty_like(states)
    s = _draw(start_cdf, generator)
    for t in range(length):
        if t > 0:
            s = _draw(transition_cdf.index_select(0, s), generator)
        states[:, t] = s
        symbols[:, t] = _draw(emission_cdf.index_select(0, s), generator)
    return symbols, states
