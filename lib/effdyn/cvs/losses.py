"""Loss functions of the collective-variable learners (Zhang and Schütte 2023, Sec. 2).

All take network outputs on a batch with sample weights ``w`` (``(N,)``, positive; the data
approximate ``mu`` by ``sum_n w_n delta_{x_n} / sum_n w_n``) and return a scalar to minimise
together with the per-component numbers worth logging.

* :func:`generator_loss`: ``sum_m omega_m R(f_{(m)}) + alpha P(f)`` with the Rayleigh quotients
  ``R(f_i) = beta^{-1} E_mu[(D grad f_i) . grad f_i] / Var_mu f_i`` of ``-L`` and the
  orthonormality penalty ``P(f) = sum_{i <= j} (Cov_mu(f_i, f_j) - delta_ij)^2``. The components
  are ranked by their current quotient (``f_{(1)}`` the smallest) and the weights
  ``omega_1 > omega_2 > ...`` make the minimiser the ``k`` leading eigenfunctions in order.
* :func:`transfer_loss`: the same with ``R_tau(f_i) = E[|f_i(X_tau) - f_i(X_0)|^2] / (2 tau
  Var f_i) = (1 - rho_i(tau)) / tau``, ``rho_i`` the autocorrelation of ``f_i`` at lag ``tau``,
  minimised by the eigenfunctions of the transfer operator, with value ``(1 - e^{-lambda_i
  tau}) / tau``.
* :func:`reconstruction_loss`: ``E_mu |f_dec(f_enc(x)) - x|^2`` of an autoencoder.
"""

from __future__ import annotations

import torch

__all__ = [
    "generator_loss",
    "orthonormality_penalty",
    "reconstruction_loss",
    "transfer_loss",
    "weighted_moments",
]

Tensor = torch.Tensor


def weighted_moments(y: Tensor, w: Tensor) -> tuple[Tensor, Tensor]:
    """Weighted mean ``(k,)`` and covariance ``(k, k)`` of ``y`` ``(N, k)``."""
    p = w / w.sum()
    mean = p @ y
    centred = y - mean
    cov = centred.T @ (p[:, None] * centred)
    return mean, cov


def orthonormality_penalty(cov: Tensor) -> Tensor:
    """``sum_{i <= j} (cov_ij - delta_ij)^2`` (the upper triangle with the diagonal)."""
    k = cov.shape[0]
    eye = torch.eye(k, dtype=cov.dtype, device=cov.device)
    iu = torch.triu_indices(k, k, device=cov.device)
    return ((cov - eye)[iu[0], iu[1]] ** 2).sum()


def _ranked_sum(quotients: Tensor, omega: Tensor, sort: bool) -> tuple[Tensor, Tensor, Tensor]:
    """``sum_m omega_m q_(m)`` with ``q`` ranked increasingly (by detached values) if ``sort``."""
    if sort:
        order = torch.argsort(quotients.detach())
    else:
        order = torch.arange(quotients.shape[0], device=quotients.device)
    ranked = quotients[order]
    return (omega * ranked).sum(), ranked.detach(), order


def generator_loss(
    y: Tensor,
    grad_y: Tensor,
    w: Tensor,
    beta: float,
    omega: Tensor,
    alpha: float,
    diffusion: Tensor | float = 1.0,
    sort: bool = True,
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """The variational loss of the generator's leading eigenfunctions.

    Parameters
    ----------
    y : Tensor ``(N, k)``
        ``f_i(x_n)``.
    grad_y : Tensor ``(N, k, d)``
        ``grad f_i(x_n)`` (built with ``create_graph=True``).
    w : Tensor ``(N,)``
        Sample weights.
    beta : float
        Inverse temperature.
    omega : Tensor ``(k,)``
        Decreasing positive weights of the ranked quotients.
    alpha : float
        Penalty strength.
    diffusion : float or Tensor ``(d,)``
        The diagonal ``D`` (``a`` of the paper) of ``L = D(-grad V . grad + beta^{-1} Laplace)``.
    sort : bool
        Rank the components by their quotients before weighting.

    Returns
    -------
    loss : Tensor (scalar)
    quotients : Tensor ``(k,)``
        The Rayleigh quotients, ranked (detached): estimates of ``lambda_1 <= ... <= lambda_k``.
    penalty : Tensor (scalar, detached)
    order : Tensor ``(k,)``
        Component index of each ranked quotient.
    """
    p = w / w.sum()
    _, cov = weighted_moments(y, w)
    energy = (p[:, None] * (grad_y**2 * diffusion).sum(dim=-1)).sum(dim=0) / beta
    quotients = energy / torch.diagonal(cov)
    weighted, ranked, order = _ranked_sum(quotients, omega, sort)
    penalty = orthonormality_penalty(cov)
    return weighted + alpha * penalty, ranked, penalty.detach(), order


def transfer_loss(
    y0: Tensor,
    yt: Tensor,
    w: Tensor,
    lag: float,
    omega: Tensor,
    alpha: float,
    sort: bool = True,
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """The variational loss of the transfer operator's leading eigenfunctions at lag ``tau``.

    ``y0`` and ``yt`` ``(N, k)`` are ``f_i`` at the two ends of ``N`` pairs ``(X_0, X_tau)``
    drawn from the stationary process. Means and covariances are taken over both ends (each end
    samples ``mu``), which makes the estimate time-reversal symmetric.

    Returns ``(loss, quotients (1 - rho_i) / tau ranked, penalty, order)`` as
    :func:`generator_loss`.
    """
    both = torch.cat([y0, yt], dim=0)
    _, cov = weighted_moments(both, torch.cat([w, w]))
    p = w / w.sum()
    jump = (p[:, None] * (yt - y0) ** 2).sum(dim=0)
    quotients = jump / (2.0 * lag * torch.diagonal(cov))
    weighted, ranked, order = _ranked_sum(quotients, omega, sort)
    penalty = orthonormality_penalty(cov)
    return weighted + alpha * penalty, ranked, penalty.detach(), order


def reconstruction_loss(x: Tensor, x_rec: Tensor, w: Tensor) -> Tensor:
    """``sum_n w_n |x_rec_n - x_n|^2 / sum_n w_n``."""
    p = w / w.sum()
    return (p * ((x_rec - x) ** 2).sum(dim=-1)).sum()
