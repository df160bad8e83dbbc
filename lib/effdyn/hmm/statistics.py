"""Empirical output statistics of symbol sequences, as compared between HMM and RNN samples by
the code of Torre et al. (2025) (`test.py`): symbol frequencies, the lag-1 symbol transition
matrix, run lengths and volatility (the fraction of steps at which the symbol changes).
Counts are pooled over all sequences and time steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from effdyn.hmm.forward import check_symbols


@dataclass(frozen=True)
class SymbolStatistics:
    """Pooled statistics of a batch of symbol sequences.

    Attributes
    ----------
    frequencies : torch.Tensor
        (M,) fraction of all symbols equal to m.
    transition_matrix : torch.Tensor
        (M, M) pooled lag-1 counts ``n(o_t = a, o_{t+1} = b)`` normalised by rows (a row with
        no count is NaN).
    transition_counts : torch.Tensor
        (M, M) the counts themselves.
    run_lengths : torch.Tensor
        Length of every maximal run of one symbol (runs cut by the sequence ends included).
    run_symbols : torch.Tensor
        The symbol of each run.
    volatility : float
        Fraction of consecutive pairs whose symbols differ.
    """

    frequencies: torch.Tensor
    transition_matrix: torch.Tensor
    transition_counts: torch.Tensor
    run_lengths: torch.Tensor
    run_symbols: torch.Tensor
    volatility: float

    def mean_run_length(self, symbol: int) -> float:
        """Mean length of the runs of ``symbol`` (NaN when it never occurs)."""
        runs = self.run_lengths[self.run_symbols == symbol]
        return float(runs.double().mean()) if runs.numel() else float("nan")


def run_lengths(symbols: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Lengths and symbols of the maximal runs in each row of an (n, T) tensor."""
    starts = torch.ones_like(symbols, dtype=torch.bool)
    starts[:, 1:] = symbols[:, 1:] != symbols[:, :-1]
    flat_starts = starts.reshape(-1)
    run_id = flat_starts.long().cumsum(0) - 1
    lengths = torch.bincount(run_id)
    return lengths, symbols.reshape(-1)[flat_starts]


def residence_times(labels: torch.Tensor, label: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Residence times in ``label`` along each row of an ``(n, T)`` tensor, censoring kept apart.

    Returns ``(completed, censored)``: the lengths of the runs of ``label`` that began after the
    first step of their row and ended before its last step (complete residence times), and the
    lengths of those still under way at the last step (right-censored: the true residence is
    longer). Runs that began at the first step are left out (their start is not an entry).
    Estimate the mean from both with :func:`effdyn.estimators.kaplan_meier_mean` (the average of
    the completed ones alone is biased low; the run's last one, cut off, lower still).
    """
    if labels.ndim != 2:
        raise ValueError(f"labels must be (n, T), got shape {tuple(labels.shape)}")
    n, T = labels.shape
    starts = torch.ones_like(labels, dtype=torch.bool)
    starts[:, 1:] = labels[:, 1:] != labels[:, :-1]
    ends = torch.ones_like(starts)
    ends[:, :-1] = starts[:, 1:]
    step = torch.arange(T, device=labels.device).expand(n, T)
    first = step[starts]  # start step of every run, row-major order (as ends)
    last = step[ends]
    lengths = last - first + 1
    mine = labels[starts] == label
    entered = first > 0
    censored = last == T - 1
    return lengths[mine & entered & ~censored], lengths[mine & entered & censored]


def symbol_statistics(symbols: torch.Tensor, n_symbols: int) -> SymbolStatistics:
    """Empirical statistics of (n, T) integer symbol sequences over an alphabet of ``n_symbols``.

    Raises
    ------
    ValueError
        If a symbol lies outside ``[0, n_symbols)``.
    """
    symbols = check_symbols(symbols, n_symbols)
    m = n_symbols
    freq = torch.bincount(symbols.reshape(-1), minlength=m).double() / symbols.numel()
    if symbols.shape[1] > 1:
        pair = symbols[:, :-1] * m + symbols[:, 1:]
        counts = torch.bincount(pair.reshape(-1), minlength=m * m).reshape(m, m).double()
        volatility = float((symbols[:, 1:] != symbols[:, :-1]).double().mean())
    else:
        counts = torch.zeros(m, m, dtype=torch.float64, device=symbols.device)
        volatility = float("nan")
    matrix = counts / counts.sum(-1, keepdim=True)
    lengths, run_symbols = run_lengths(symbols)
    return SymbolStatistics(freq, matrix, counts, lengths, run_symbols, volatility)
