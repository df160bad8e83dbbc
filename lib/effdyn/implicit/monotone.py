"""The monotone parameterisation of a linear operator and its check.

A linear operator ``W`` is *m-monotone* (Winston and Kolter, 2020) when the symmetric part of
``I - W`` is at least ``m I``. Then ``0 in (I - W) z - b + df(z)`` has exactly one solution for
every convex proper ``f``, and the splitting methods of :mod:`effdyn.implicit.solvers` find it
from any start. Feng, Winston and Kolter (2023, arXiv 2307.04990) use this to make the
mean-field fixed point of a deep Boltzmann machine unique.
"""

from __future__ import annotations

import torch

__all__ = ["DenseOperator", "check_monotone", "check_m", "monotone_weight", "top_eigenvalue"]


def check_m(m: float) -> float:
    """Return ``m`` as a float, refusing values outside (0, 1]."""
    m = float(m)
    if not 0.0 < m <= 1.0:
        raise ValueError(f"m must lie in (0, 1], got {m}")
    return m


def monotone_weight(a: torch.Tensor, m: float, b: torch.Tensor | None = None) -> torch.Tensor:
    """The Winston-Kolter parameterisation ``W = (1 - m) I - A^T A + B - B^T``.

    Parameters
    ----------
    a : Tensor, shape (r, n)
        Any real matrix; ``A^T A`` is positive semi-definite, so ``I - W`` has symmetric part
        ``m I + A^T A >= m I`` whatever ``a`` is.
    m : float
        Monotonicity margin in (0, 1].
    b : Tensor, shape (n, n), optional
        The skew part ``B - B^T`` (leaves the symmetric part unchanged). Left out for the
        symmetric pairwise weights of a Boltzmann machine.

    Returns
    -------
    Tensor, shape (n, n)
        ``W``, with ``I - W >= m I`` by construction.

    References
    ----------
    Winston, E., Kolter, J. Z. (2020). Monotone operator equilibrium networks. NeurIPS 33.
    """
    m = check_m(m)
    if a.ndim != 2:
        raise ValueError(f"a must be a matrix (r, n), got shape {tuple(a.shape)}")
    n = a.shape[1]
    eye = torch.eye(n, dtype=a.dtype, device=a.device)
    w = (1.0 - m) * eye - a.T @ a
    if b is not None:
        if b.shape != (n, n):
            raise ValueError(f"b must have shape ({n}, {n}), got {tuple(b.shape)}")
        w = w + b - b.T
    return w


def top_eigenvalue(w: torch.Tensor) -> float:
    """The largest eigenvalue of the symmetric part of ``w`` (float64 eigensolver)."""
    sym = 0.5 * (w + w.T)
    return float(torch.linalg.eigvalsh(sym.detach().double().cpu())[-1])


def check_monotone(w: torch.Tensor, m: float, *, slack: float = 1e-10) -> float:
    """Check ``I - W >= m I``; return the top eigenvalue of ``W``'s symmetric part.

    Raises
    ------
    ValueError
        Naming the top eigenvalue against the bound ``1 - m`` when the constraint is violated.
    """
    m = check_m(m)
    if w.ndim != 2 or w.shape[0] != w.shape[1]:
        raise ValueError(f"W must be a square matrix, got shape {tuple(w.shape)}")
    top = top_eigenvalue(w)
    if top > 1.0 - m + slack:
        raise ValueError(
            f"W is not {m}-monotone: top eigenvalue of its symmetric part {top:.6g} > 1 - m = "
            f"{1.0 - m:.6g}"
        )
    return top


class DenseOperator:
    """A dense linear operator ``z -> z W^T`` acting on batches of row vectors.

    The solvers of :mod:`effdyn.implicit.solvers` only need :meth:`apply` (the forward step) and,
    for Peaceman-Rachford, :meth:`resolvent` (``(I + alpha (I - W))^{-1}``); a convolutional or
    tiered operator implements the same two methods.

    Parameters
    ----------
    w : Tensor, shape (n, n)
        The operator. It is not checked here; call :func:`check_monotone` where it matters.
        The resolvent is cached per alpha: build a new operator when ``w`` changes.
    """

    def __init__(self, w: torch.Tensor) -> None:
        if w.ndim != 2 or w.shape[0] != w.shape[1]:
            raise ValueError(f"W must be a square matrix, got shape {tuple(w.shape)}")
        self.w = w
        self._resolvent: dict[float, torch.Tensor] = {}

    @property
    def dim(self) -> int:
        """The dimension ``n``."""
        return int(self.w.shape[0])

    def apply(self, z: torch.Tensor) -> torch.Tensor:
        """``W z`` for each row ``z`` of a batch (shape (batch, n))."""
        return z @ self.w.T

    def apply_transpose(self, z: torch.Tensor) -> torch.Tensor:
        """``W^T z`` for each row (the adjoint, for the backward pass)."""
        return z @ self.w

    def resolvent(self, v: torch.Tensor, alpha: float) -> torch.Tensor:
        """``(I + alpha (I - W))^{-1} v`` for each row ``v`` (the matrix is cached per alpha)."""
        key = float(alpha)
        if key not in self._resolvent:
            n = self.dim
            eye = torch.eye(n, dtype=self.w.dtype, device=self.w.device)
            self._resolvent[key] = torch.linalg.inv(eye + key * (eye - self.w))
        return v @ self._resolvent[key].T
