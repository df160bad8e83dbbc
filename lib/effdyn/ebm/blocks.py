"""The one-hot layout of a categorical model: which coordinates form each variable."""

from __future__ import annotations

from collections.abc import Sequence

import torch

__all__ = ["Blocks", "as_blocks"]


class Blocks:
    """Variables ``i = 0..n-1`` with ``K_i`` categories, laid out consecutively in ``R^d``.

    Variables of equal size are grouped so that block operations (softmax, prox) run as one
    batched tensor operation per distinct size.

    Parameters
    ----------
    sizes : sequence of int
        ``K_i`` for each variable, each at least 2.
    """

    def __init__(self, sizes: Sequence[int]) -> None:
        sizes = [int(k) for k in sizes]
        if not sizes:
            raise ValueError("sizes must name at least one variable")
        bad = [k for k in sizes if k < 2]
        if bad:
            raise ValueError(f"K (categories per variable) must be at least 2, got {bad[0]}")
        self.sizes = sizes
        offsets = [0]
        for k in sizes:
            offsets.append(offsets[-1] + k)
        self.offsets = offsets
        self.dim = offsets[-1]
        groups: dict[int, list[list[int]]] = {}
        for i, k in enumerate(sizes):
            groups.setdefault(k, []).append(list(range(offsets[i], offsets[i] + k)))
        self.groups = [(k, torch.tensor(idx, dtype=torch.long)) for k, idx in groups.items()]
        self.variable = torch.repeat_interleave(torch.arange(len(sizes)), torch.tensor(sizes))

    @property
    def n(self) -> int:
        """The number of variables."""
        return len(self.sizes)

    def n_states(self) -> int:
        """The number of joint states, ``prod K_i``."""
        out = 1
        for k in self.sizes:
            out *= k
        return out

    def block_mask(self, dtype: torch.dtype = torch.bool, device=None) -> torch.Tensor:
        """The (d, d) indicator of pairs of coordinates in the same variable."""
        v = self.variable.to(device)
        return (v[:, None] == v[None, :]).to(dtype)

    def expand(self, per_variable: torch.Tensor) -> torch.Tensor:
        """Repeat a per-variable tensor (..., n) to per-coordinate (..., d)."""
        return per_variable[..., self.variable.to(per_variable.device)]

    def _per_block(self, v: torch.Tensor, fn) -> torch.Tensor:
        """``fn(block, dim=-1)`` applied to each variable's block of the last dimension."""
        out = torch.empty_like(v)
        for _, idx in self.groups:
            idx = idx.to(v.device)
            out[..., idx] = fn(v[..., idx], dim=-1)
        return out

    def softmax(self, v: torch.Tensor) -> torch.Tensor:
        """Softmax within each variable's block of the last dimension."""
        return self._per_block(v, torch.softmax)

    def log_softmax(self, v: torch.Tensor) -> torch.Tensor:
        """Log-softmax within each block."""
        return self._per_block(v, torch.log_softmax)

    def uniform(self, batch: int, dtype=torch.float64, device=None) -> torch.Tensor:
        """The uniform marginals (batch, d)."""
        k = torch.tensor(self.sizes, dtype=dtype, device=device)
        return (1.0 / k)[self.variable.to(device)].expand(batch, self.dim).clone()

    def random(
        self, batch: int, generator: torch.Generator | None = None, dtype=torch.float64, device=None
    ) -> torch.Tensor:
        """Points drawn uniformly (Dirichlet(1)) on the product of simplices, (batch, d)."""
        e = -torch.log(torch.rand(batch, self.dim, generator=generator, dtype=dtype, device=device))
        out = torch.empty_like(e)
        for _, idx in self.groups:
            idx = idx.to(e.device)
            blk = e[..., idx]
            out[..., idx] = blk / blk.sum(-1, keepdim=True)
        return out

    def one_hot(self, states: torch.Tensor, dtype=torch.float64) -> torch.Tensor:
        """One-hot codes (batch, d) of integer states (batch, n)."""
        if states.shape[-1] != self.n:
            raise ValueError(f"states must have {self.n} columns, got {states.shape[-1]}")
        off = torch.tensor(self.offsets[:-1], device=states.device)
        out = torch.zeros(*states.shape[:-1], self.dim, dtype=dtype, device=states.device)
        out.scatter_(-1, states.long() + off, 1.0)
        return out

    def argmax(self, q: torch.Tensor) -> torch.Tensor:
        """The most likely category of each variable, (batch, n)."""
        out = torch.empty(*q.shape[:-1], self.n, dtype=torch.long, device=q.device)
        starts = torch.tensor(self.offsets[:-1])
        for _, idx in self.groups:
            var = (idx[:, 0][:, None] == starts[None, :]).nonzero()[:, 1].to(q.device)
            out[..., var] = q[..., idx.to(q.device)].argmax(-1)
        return out


def as_blocks(blocks: Blocks | Sequence[int] | int) -> Blocks:
    """Accept a :class:`Blocks`, a list of sizes, or one size (a single variable)."""
    if isinstance(blocks, Blocks):
        return blocks
    if isinstance(blocks, int):
        return Blocks([blocks])
    return Blocks(blocks)
