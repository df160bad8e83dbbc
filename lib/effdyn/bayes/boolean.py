r"""All Boolean functions on a few bits, as truth tables, with a label-noise likelihood.

The hypothesis class of the exact experiments of Feder, Urbanke and Fogel (2025), "The
Universality Lens", arXiv:2506.07661, made finite: every function ``f: {0, 1}^n -> {0, 1}`` is
one integer ``t`` in ``[0, 2^(2^n))`` whose bit ``x`` is ``f(x)`` (input ``x`` is the integer
whose bit ``j`` is the ``j``-th coordinate). A label is observed through a binary symmetric
channel,

.. math::

    p_f(y \mid x) = 1 - \eta \ \text{ if } y = f(x), \qquad \eta \ \text{ otherwise},

so with inputs uniform on the ``2^n`` points the per-symbol Kullback-Leibler divergence between
two hypotheses depends only on their Hamming distance ``d``:

.. math::

    D(p_f \,\|\, p_g) = \frac{d_H(f, g)}{2^n}\,(1 - 2\eta)\,\log\frac{1 - \eta}{\eta}.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from effdyn.bayes._bib import FEDER2025_UNIVERSALITY

__all__ = ["MAX_BITS", "BooleanClass"]

bibtex = FEDER2025_UNIVERSALITY

#: the largest number of input bits (2^(2^5) = 4.3e9 hypotheses; 6 bits would need 2^64)
MAX_BITS = 5


def _check_eta(eta: Any) -> float:
    if isinstance(eta, bool) or not isinstance(eta, (int, float)) or not 0.0 < eta < 0.5:
        raise ValueError(f"eta must lie in (0, 1/2), got {eta!r}")
    return float(eta)


class BooleanClass:
    """The class of all ``2^(2^n_bits)`` Boolean functions on ``n_bits`` bits with label noise.

    Parameters
    ----------
    n_bits : int
        Number of input bits, 1 to :data:`MAX_BITS`.
    eta : float
        Label-flip probability, in ``(0, 1/2)``.
    device : torch.device or str, optional
        Where tables, labels and likelihoods are created.

    Notes
    -----
    Truth tables are ``int64`` tensors. ``n_bits = 4`` gives the 65,536 functions of the
    chapter *universality-lens*, after Feder, Urbanke and Fogel (2025), arXiv:2506.07661.
    """

    bibtex = FEDER2025_UNIVERSALITY

    def __init__(self, n_bits: int, eta: float = 0.1, device: Any = None) -> None:
        if isinstance(n_bits, bool) or not isinstance(n_bits, int) or not 1 <= n_bits <= MAX_BITS:
            raise ValueError(f"n_bits must be an integer in [1, {MAX_BITS}], got {n_bits!r}")
        self.n_bits = n_bits
        self.eta = _check_eta(eta)
        self.device = torch.device("cpu") if device is None else torch.device(device)
        self.n_inputs = 2**n_bits
        self.n_functions = 2**self.n_inputs

    # -- the class ---------------------------------------------------------------------------
    def inputs(self, dtype: torch.dtype = torch.float64) -> torch.Tensor:
        """The ``2^n`` inputs as spins in ``{-1, 1}``, shape ``(2^n, n)``; row ``x`` is input x."""
        x = torch.arange(self.n_inputs, device=self.device)
        bits = (x[:, None] >> torch.arange(self.n_bits, device=self.device)) & 1
        return (2 * bits - 1).to(dtype)

    def tables(self) -> torch.Tensor:
        """All truth tables, ``0, ..., 2^(2^n) - 1`` (``int64``)."""
        return torch.arange(self.n_functions, device=self.device, dtype=torch.int64)

    def check_table(self, table: Any, name: str = "target") -> int:
        """Return ``table`` as an int after checking that it is a function of the class."""
        if isinstance(table, torch.Tensor):
            if table.numel() != 1:
                raise ValueError(f"{name} must be one truth table, got shape {tuple(table.shape)}")
            table = int(table.item())
        if isinstance(table, bool) or not isinstance(table, int):
            raise ValueError(f"{name} must be an integer truth table, got {table!r}")
        if not 0 <= table < self.n_functions:
            raise ValueError(
                f"{name} must be a truth table in [0, {self.n_functions}), got {table}"
            )
        return table

    def labels(self, tables: torch.Tensor) -> torch.Tensor:
        """The values ``f(x)`` of each table at every input, shape ``(..., 2^n)`` (``int64``)."""
        tables = torch.as_tensor(tables, dtype=torch.int64, device=self.device)
        x = torch.arange(self.n_inputs, device=self.device)
        return (tables[..., None] >> x) & 1

    def table_from_labels(self, labels: torch.Tensor) -> torch.Tensor:
        """The truth tables of label arrays ``(..., 2^n)`` with entries 0/1 (inverse of labels)."""
        labels = torch.as_tensor(labels, device=self.device).to(torch.int64)
        if labels.shape[-1] != self.n_inputs:
            raise ValueError(
                f"labels must have last dimension {self.n_inputs}, got {tuple(labels.shape)}"
            )
        powers = torch.ones(self.n_inputs, dtype=torch.int64, device=self.device).cumsum(0) - 1
        return (labels << powers).sum(-1)

    def hamming(self, a: Any, b: Any) -> torch.Tensor:
        """Hamming distance between truth tables (broadcast), the number of differing inputs."""
        a = torch.as_tensor(a, dtype=torch.int64, device=self.device)
        b = torch.as_tensor(b, dtype=torch.int64, device=self.device)
        return self.labels(a ^ b).sum(-1)

    # -- named functions ---------------------------------------------------------------------
    def constant(self, value: int = 0) -> int:
        """The constant function ``value`` (0 or 1)."""
        if value not in (0, 1):
            raise ValueError(f"value must be 0 or 1, got {value!r}")
        return 0 if value == 0 else self.n_functions - 1

    def _table_of(self, values: torch.Tensor) -> int:
        return int(self.table_from_labels(values).item())

    def parity(self) -> int:
        """``x_1 xor ... xor x_n``: not linearly separable, maximally sensitive."""
        x = torch.arange(self.n_inputs, device=self.device)
        return self._table_of(_popcount(x) % 2)

    def majority(self) -> int:
        """1 where at least half of the bits are 1 (ties go to 1: ``sum(spins) >= 0``)."""
        x = torch.arange(self.n_inputs, device=self.device)
        return self._table_of((2 * _popcount(x) >= self.n_bits).to(torch.int64))

    def dictator(self, bit: int = 0) -> int:
        """The function ``f(x) = x_bit``."""
        if not 0 <= bit < self.n_bits:
            raise ValueError(f"bit must lie in [0, {self.n_bits}), got {bit!r}")
        x = torch.arange(self.n_inputs, device=self.device)
        return self._table_of((x >> bit) & 1)

    def sensitivity(self, tables: torch.Tensor | None = None) -> torch.Tensor:
        """Average sensitivity: mean over inputs of the number of single-bit flips that change f.

        0 for the constants, ``n`` for parity. Default: every table of the class.
        """
        tables = self.tables() if tables is None else torch.as_tensor(tables, device=self.device)
        f = self.labels(tables)
        x = torch.arange(self.n_inputs, device=self.device)
        total = torch.zeros(f.shape, dtype=torch.int64, device=self.device)
        for j in range(self.n_bits):
            total += f != f[..., x ^ (1 << j)]
        return total.sum(-1).to(torch.float64) / self.n_inputs

    # -- the likelihood ----------------------------------------------------------------------
    def log_likelihood(self, x: torch.Tensor, y: torch.Tensor, tables: Any = None) -> torch.Tensor:
        """``log p_f(y | x)`` for each observation and each table: shape ``(*x.shape, T)``.

        ``x`` are input indices in ``[0, 2^n)``, ``y`` labels in ``{0, 1}`` (same shape);
        ``tables`` defaults to the whole class (memory ``x.numel() * 2^(2^n)``).
        """
        tables = self.tables() if tables is None else torch.as_tensor(tables, device=self.device)
        fx = (tables >> x.to(torch.int64)[..., None]) & 1
        agree = fx == y.to(torch.int64)[..., None]
        values = torch.tensor(
            [math.log(self.eta), math.log1p(-self.eta)], dtype=torch.float64, device=self.device
        )
        return values[agree.to(torch.int64)]

    def kl_per_symbol(self, target: Any, tables: Any = None) -> torch.Tensor:
        """``D(p_target || p_f)`` per symbol with uniform inputs, for each table (float64)."""
        target = self.check_table(target)
        tables = self.tables() if tables is None else torch.as_tensor(tables, device=self.device)
        d = self.hamming(tables, target).to(torch.float64)
        return d / self.n_inputs * self.kl_unit()

    def kl_unit(self) -> float:
        """``(1 - 2 eta) log((1 - eta) / eta)``: the KL of one disagreeing input."""
        return (1.0 - 2.0 * self.eta) * math.log((1.0 - self.eta) / self.eta)

    def sample(
        self,
        target: Any,
        n_sequences: int,
        length: int,
        generator: torch.Generator | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Draw sequences ``(x, y)``, shape ``(n_sequences, length)``: x uniform, y noisy f(x)."""
        target = self.check_table(target)
        for name, v in (("n_sequences", n_sequences), ("length", length)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{name} must be a positive integer, got {v!r}")
        shape = (n_sequences, length)
        x = torch.randint(
            0, self.n_inputs, shape, generator=generator, device=self.device, dtype=torch.int64
        )
        flip = torch.rand(shape, generator=generator, device=self.device, dtype=torch.float64)
        y = ((target >> x) & 1) ^ (flip < self.eta).to(torch.int64)
        return x, y


def _popcount(x: torch.Tensor) -> torch.Tensor:
    """Number of set bits of non-negative int64 tensors below 2^32."""
    count = torch.zeros_like(x)
    for j in range(32):
        count += (x >> j) & 1
    return count
