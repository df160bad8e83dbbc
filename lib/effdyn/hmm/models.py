"""Hidden Markov models with discrete symbols, and the transition and emission families of
Torre et al. (2025), *Mechanistic Interpretability of RNNs emulating Hidden Markov Models*.

A :class:`HiddenMarkovModel` holds a start distribution ``start`` (K,), a row-stochastic
transition matrix ``transition`` (K, K) and a row-stochastic emission matrix ``emission``
(K, M), as float64 tensors unless another dtype is asked for. The builders reproduce the
parameterisations of the paper's code (linear chains with a stay or a target probability, fully
connected, cyclic; linear and one-hot emissions); the start distribution is uniform, as there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from effdyn.hmm._bib import BIBTEX

_ROW_TOL = 1e-9


def _check_states(n_states: int) -> None:
    if not isinstance(n_states, int) or n_states < 2:
        raise ValueError(f"n_states must be an integer >= 2, got {n_states!r}")


def _check_probability(name: str, value: float) -> None:
    if not 0.0 < float(value) < 1.0:
        raise ValueError(f"{name} must lie in (0, 1), got {value!r}")


def _check_stochastic(name: str, matrix: torch.Tensor) -> None:
    if (matrix < 0).any():
        raise ValueError(f"{name} has negative entries: {matrix.tolist()}")
    sums = matrix.sum(-1)
    if (sums - 1).abs().max() > _ROW_TOL:
        raise ValueError(f"{name} rows must sum to 1, got row sums {sums.tolist()}")


@dataclass(frozen=True)
class HiddenMarkovModel:
    """A discrete-symbol hidden Markov model.

    Parameters
    ----------
    start : torch.Tensor
        Initial state distribution, shape (K,).
    transition : torch.Tensor
        Row-stochastic transition matrix A, shape (K, K): ``A[i, j] = P(s' = j | s = i)``.
    emission : torch.Tensor
        Row-stochastic emission matrix B, shape (K, M): ``B[i, o] = P(o | s = i)``.

    Raises
    ------
    ValueError
        If the shapes disagree or a row is not a probability vector.
    """

    start: torch.Tensor
    transition: torch.Tensor
    emission: torch.Tensor

    bibtex = BIBTEX

    def __post_init__(self) -> None:
        k = self.transition.shape[0]
        if self.transition.shape != (k, k):
            raise ValueError(f"transition must be square, got shape {tuple(self.transition.shape)}")
        if k < 2:
            raise ValueError(f"n_states must be >= 2, got {k}")
        if self.start.shape != (k,):
            raise ValueError(f"start must have shape ({k},), got {tuple(self.start.shape)}")
        if self.emission.ndim != 2 or self.emission.shape[0] != k:
            raise ValueError(f"emission must have shape ({k}, M), got {tuple(self.emission.shape)}")
        _check_stochastic("start", self.start[None])
        _check_stochastic("transition", self.transition)
        _check_stochastic("emission", self.emission)

    @property
    def n_states(self) -> int:
        """Number of hidden states K."""
        return self.transition.shape[0]

    @property
    def n_symbols(self) -> int:
        """Number of output symbols M."""
        return self.emission.shape[1]

    def to(self, device=None, dtype=None) -> HiddenMarkovModel:
        """The same model with its tensors on ``device`` and in ``dtype``."""
        return HiddenMarkovModel(
            self.start.to(device=device, dtype=dtype),
            self.transition.to(device=device, dtype=dtype),
            self.emission.to(device=device, dtype=dtype),
        )

    @classmethod
    def from_arrays(cls, start, transition, emission, device=None, dtype=torch.float64):
        """Build a model from array-likes (converted to tensors of ``dtype`` on ``device``)."""
        return cls(
            torch.as_tensor(start, device=device, dtype=dtype),
            torch.as_tensor(transition, device=device, dtype=dtype),
            torch.as_tensor(emission, device=device, dtype=dtype),
        )


def uniform_start(n_states: int, device=None, dtype=torch.float64) -> torch.Tensor:
    """The uniform start distribution of the paper's code, shape (K,)."""
    _check_states(n_states)
    return torch.full((n_states,), 1.0 / n_states, device=device, dtype=dtype)


def linear_chain_stay(
    n_states: int, stay: float = 0.95, device=None, dtype=torch.float64
) -> torch.Tensor:
    """Tridiagonal linear-chain transition matrix with stay probability ``stay``.

    The end states move to their single neighbour with probability 1 - stay; middle states move
    to each neighbour with probability (1 - stay)/2 (the ``stay_prob`` family of Torre et al.,
    2025).
    """
    _check_states(n_states)
    _check_probability("stay", stay)
    a = torch.zeros(n_states, n_states, device=device, dtype=dtype)
    idx = torch.arange(n_states, device=device)
    a[idx, idx] = stay
    move = 1.0 - stay
    a[0, 1] = move
    a[-1, -2] = move
    mid = idx[1:-1]
    a[mid, mid - 1] = move / 2
    a[mid, mid + 1] = move / 2
    return a


def linear_chain_target(
    n_states: int, target: float = 0.01, device=None, dtype=torch.float64
) -> torch.Tensor:
    """Linear-chain transition matrix of the ``target_prob`` family (Torre et al., 2025).

    With q = target^(1/(K-1)), the end states stay with probability 1 - q and move with q;
    middle states move to each neighbour with q and stay with 1 - 2q.
    """
    _check_states(n_states)
    _check_probability("target", target)
    q = float(target) ** (1.0 / (n_states - 1))
    if n_states > 2 and 1.0 - 2.0 * q < 0:
        raise ValueError(
            f"target={target!r} gives q={q:.4g} > 1/2 for n_states={n_states}: negative stay"
        )
    a = torch.zeros(n_states, n_states, device=device, dtype=dtype)
    idx = torch.arange(n_states, device=device)
    mid = idx[1:-1]
    a[0, 0] = 1 - q
    a[0, 1] = q
    a[-1, -1] = 1 - q
    a[-1, -2] = q
    a[mid, mid] = 1 - 2 * q
    a[mid, mid - 1] = q
    a[mid, mid + 1] = q
    return a


def fully_connected(
    n_states: int, stay: float = 0.99, device=None, dtype=torch.float64
) -> torch.Tensor:
    """Fully connected transitions: stay with ``stay``, move to each other state equally."""
    _check_states(n_states)
    _check_probability("stay", stay)
    off = (1.0 - stay) / (n_states - 1)
    a = torch.full((n_states, n_states), off, device=device, dtype=dtype)
    a.fill_diagonal_(stay)
    return a


def cyclic(n_states: int, stay: float = 0.95, device=None, dtype=torch.float64) -> torch.Tensor:
    """Cyclic transitions: stay with ``stay``, else move to the next state i -> i + 1 mod K."""
    _check_states(n_states)
    _check_probability("stay", stay)
    idx = torch.arange(n_states, device=device)
    a = torch.zeros(n_states, n_states, device=device, dtype=dtype)
    a[idx, idx] = stay
    a[idx, (idx + 1) % n_states] = 1.0 - stay
    return a


def linear_emissions(
    n_states: int, n_symbols: int = 3, device=None, dtype=torch.float64
) -> torch.Tensor:
    """The ``linear`` emission family: state i emits [0.99(1 - a), 0.01, 0.99 a], a = i/(K-1).

    Only the paper's three-symbol alphabet is supported.
    """
    _check_states(n_states)
    if n_symbols != 3:
        raise ValueError(f"n_symbols must be 3 for linear emissions, got {n_symbols!r}")
    a = torch.arange(n_states, device=device, dtype=dtype) / (n_states - 1)
    middle = torch.full_like(a, 0.01)
    return torch.stack([0.99 * (1 - a), middle, 0.99 * a], dim=-1)


def one_hot_emissions(
    symbols: Sequence[int], n_symbols: int, device=None, dtype=torch.float64
) -> torch.Tensor:
    """Deterministic emissions: state i always emits ``symbols[i]`` (the custom family)."""
    if n_symbols < 1:
        raise ValueError(f"n_symbols must be >= 1, got {n_symbols!r}")
    s = torch.as_tensor(list(symbols), device=device, dtype=torch.long)
    if s.numel() < 2:
        raise ValueError(f"symbols must name at least 2 states, got {list(symbols)!r}")
    if (s < 0).any() or (s >= n_symbols).any():
        raise ValueError(f"symbols must lie in [0, {n_symbols}), got {list(symbols)!r}")
    return torch.nn.functional.one_hot(s, n_symbols).to(dtype)


def linear_chain_hmm(
    n_states: int,
    stay: float = 0.95,
    family: str = "stay",
    target: float = 0.01,
    device=None,
    dtype=torch.float64,
) -> HiddenMarkovModel:
    """The paper's linear-chain HMM: uniform start, ``stay``/``target`` chain, linear emissions."""
    if family == "stay":
        a = linear_chain_stay(n_states, stay, device=device, dtype=dtype)
    elif family == "target":
        a = linear_chain_target(n_states, target, device=device, dtype=dtype)
    else:
        raise ValueError(f"family must be 'stay' or 'target', got {family!r}")
    return HiddenMarkovModel(
        uniform_start(n_states, device=device, dtype=dtype),
        a,
        linear_emissions(n_states, device=device, dtype=dtype),
    )
