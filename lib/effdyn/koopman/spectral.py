"""Koopman matrices, relaxation rates and rate matrices from learned chi functions.

If ``chi`` spans an invariant subspace of ``K^tau`` then ``K^tau chi = chi T`` for a ``k x k``
matrix ``T``; it is estimated by least squares over the start points, ``T = chi^+ (K chi)``.
Its eigenvalues are ``exp(-lambda_i tau)`` and ``Q = log(T) / tau`` is the generator of the
Markov jump process between the membership functions (Sikorski et al. 2026; ``rates`` of
ISOKANN.jl writes the same with points as columns, ``log(Y X^+) / tau``). One chi function is
completed by ``1 - chi`` to a two-state basis.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
import torch

from effdyn.koopman._bib import ISOKANN_EFFECTIVE

__all__ = ["koopman_matrix", "rate_matrix", "relaxation_rates"]


def _numpy(a) -> np.ndarray:
    if isinstance(a, torch.Tensor):
        a = a.detach().cpu().to(torch.float64).numpy()
    return np.asarray(a, dtype=np.float64)


def koopman_matrix(chi, kchi, complete: bool | None = None) -> np.ndarray:
    """The least-squares matrix ``T`` with ``chi T ~ K chi`` at the start points.

    Parameters
    ----------
    chi, kchi : array or Tensor ``(N, k)``
        The chi functions and their Koopman images at the same points.
    complete : bool, optional
        Append ``1 - chi`` (and ``1 - K chi``) to make a two-state basis; default: when ``k = 1``.

    Returns
    -------
    numpy.ndarray ``(k', k')``, ``k' = 2`` for a completed single chi.
    """
    X, Y = _numpy(chi), _numpy(kchi)
    if X.ndim != 2 or X.shape != Y.shape:
        raise ValueError(
            f"chi and kchi must be matrices of the same shape (N, k); got {X.shape}, {Y.shape}"
        )
    if complete is None:
        complete = X.shape[1] == 1
    if complete:
        X = np.concatenate([X, 1.0 - X.sum(axis=1, keepdims=True)], axis=1)
        Y = np.concatenate([Y, 1.0 - Y.sum(axis=1, keepdims=True)], axis=1)
    T, *_ = np.linalg.lstsq(X, Y, rcond=None)
    return T


koopman_matrix.bibtex = ISOKANN_EFFECTIVE  # type: ignore[attr-defined]


def relaxation_rates(T: np.ndarray, tau: float) -> np.ndarray:
    """``lambda_i = -log(mu_i) / tau`` for the eigenvalues ``mu_i`` of ``T``, increasing.

    ``lambda_0 ~ 0`` belongs to the constant function; ``lambda_1`` is the spectral gap.
    Eigenvalues that are not positive reals give ``nan`` (no rate for that lag time).
    """
    if not tau > 0:
        raise ValueError(f"tau must be positive, got {tau!r}")
    mu = np.linalg.eigvals(np.asarray(T, dtype=np.float64))
    real = np.where(np.abs(mu.imag) < 1e-10, mu.real, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        lam = np.where(real > 0, -np.log(real) / tau, np.nan)
    return np.sort(lam)


def rate_matrix(T: np.ndarray, tau: float) -> np.ndarray:
    """``Q = log(T) / tau`` (principal matrix logarithm, real part); ``-diag(Q)`` are exit rates."""
    if not tau > 0:
        raise ValueError(f"tau must be positive, got {tau!r}")
    L = scipy.linalg.logm(np.asarray(T, dtype=np.float64))
    return np.real(L) / tau
