"""How slow is a collective variable? Rayleigh quotients and autocorrelations of a given CV."""

from __future__ import annotations

from typing import Any

import torch

from effdyn.cvs.losses import weighted_moments
from effdyn.cvs.model import cv_jacobian

__all__ = ["autocorrelation", "rayleigh_quotient"]

Tensor = torch.Tensor


def rayleigh_quotient(
    cv: torch.nn.Module,
    x: Any,
    beta: float,
    diffusion: float | Tensor = 1.0,
    weights: Any = None,
) -> Tensor:
    r"""``R(xi_i) = beta^{-1} E_mu[(D grad xi_i) . grad xi_i] / Var_mu xi_i`` per component.

    By the min-max principle ``R(f) >= lambda_1`` for every non-constant ``f``, with equality
    for the first eigenfunction of ``-L``: the smaller, the slower the CV (Zhang and Schütte
    2023). ``x`` ``(N, d)`` are samples of ``mu`` (with optional ``weights``). Returns ``(k,)``
    in ``x``'s dtype, detached.
    """
    from effdyn.cvs._training import positive

    beta = positive(beta, "beta")
    x = torch.as_tensor(x)
    if x.ndim != 2:
        raise ValueError(f"x must have shape (N, d), got {tuple(x.shape)}")
    y, grad = cv_jacobian(cv, x, create_graph=False)
    if y.ndim != 2:
        raise ValueError("the CV must return (N, k)")
    w = torch.ones(x.shape[0], dtype=y.dtype, device=y.device) if weights is None else weights
    w = torch.as_tensor(w, dtype=y.dtype, device=y.device)
    p = w / w.sum()
    _, cov = weighted_moments(y.detach(), w)
    energy = (p[:, None] * (grad.detach() ** 2 * diffusion).sum(dim=-1)).sum(dim=0) / beta
    return energy / torch.diagonal(cov)


def autocorrelation(cv: torch.nn.Module, x0: Any, x_lag: Any) -> Tensor:
    """``rho_i = Cov(xi_i(X_0), xi_i(X_tau)) / Var xi_i`` from pairs (stats over both ends).

    For an eigenfunction of ``L`` with eigenvalue ``lambda``, ``rho = exp(-lambda tau)``.
    """
    with torch.no_grad():
        y0, yt = cv(torch.as_tensor(x0)), cv(torch.as_tensor(x_lag))
        both = torch.cat([y0, yt])
        mean, cov = weighted_moments(
            both, torch.ones(both.shape[0], dtype=both.dtype, device=both.device)
        )
        cross = ((y0 - mean) * (yt - mean)).mean(dim=0)
        return cross / torch.diagonal(cov)
