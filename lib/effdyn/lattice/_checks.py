"""Argument checks of :mod:`effdyn.lattice`: one precise one-line error per kind of bad input."""

from __future__ import annotations

import math
import operator
from typing import Any

import torch

__all__ = ["check_dtype", "check_field", "check_lattice_size", "check_positive"]

#: Floating dtypes the lattice code computes in.
DTYPES = (torch.float32, torch.float64)


def check_lattice_size(L: Any, name: str = "L") -> int:
    """Return ``L`` as an even integer >= 4 (the bipartite checkerboard needs an even size)."""
    if isinstance(L, bool):
        raise TypeError(f"{name} must be an integer, got bool")
    try:
        size = operator.index(L)
    except TypeError as err:
        raise TypeError(f"{name} must be an integer, got {type(L).__name__}") from err
    if size < 4 or size % 2:
        raise ValueError(
            f"{name} must be an even integer >= 4 (periodic bipartite lattice), got {L}"
        )
    return size


def check_positive(value: Any, name: str) -> float:
    """Return ``value`` as a finite positive float, or raise a ``ValueError`` naming it."""
    try:
        v = float(value)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}") from err
    if not (math.isfinite(v) and v > 0):
        raise ValueError(f"{name} must be finite and positive, got {value!r}")
    return v


def check_dtype(dtype: Any, name: str = "dtype") -> torch.dtype:
    """Return ``dtype`` if it is float32 or float64; refuse half precision and the rest."""
    if dtype not in DTYPES:
        raise ValueError(f"{name} must be torch.float32 or torch.float64, got {dtype}")
    return dtype


def check_field(Q: Any, L: int, name: str = "Q") -> torch.Tensor:
    """Check that ``Q`` is a real tensor of shape ``(B, L, L)`` in float32 or float64."""
    if not isinstance(Q, torch.Tensor):
        raise TypeError(f"{name} must be a torch tensor, got {type(Q).__name__}")
    if Q.dim() != 3 or Q.shape[1:] != (L, L):
        raise ValueError(f"{name} must have shape (B, {L}, {L}), got {tuple(Q.shape)}")
    check_dtype(Q.dtype, f"{name}.dtype")
    return Q
