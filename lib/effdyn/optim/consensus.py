r"""The consensus point: the Laplace-principle (Gibbs) weighted mean of a particle cloud.

For particles :math:`V^1, \dots, V^N` and objective values :math:`E(V^i)` the consensus point is

.. math::

    v_\alpha = \sum_i V^i\, \omega_\alpha(V^i) \Big/ \sum_j \omega_\alpha(V^j),
    \qquad \omega_\alpha(v) = e^{-\alpha E(v)}.

By the Laplace principle it tends to the best particle as :math:`\alpha \to \infty`, and for a
measure :math:`\rho` with full support to :math:`\arg\min E` (Fornasier, Klock, Riedl 2024 give
the quantitative rate). The weights are computed with the log-sum-exp (softmax) trick, so that
:math:`\alpha = 10^{15}` (the default of the paper's code) neither overflows nor underflows.
"""

from __future__ import annotations

import torch

from effdyn.optim._bib import FORNASIER2024_LAPLACE, PINNAU2017_CBO

__all__ = ["consensus_point", "consensus_weights"]

bibtex = PINNAU2017_CBO + "\n\n" + FORNASIER2024_LAPLACE


def _check_alpha(alpha: float | torch.Tensor) -> None:
    if isinstance(alpha, torch.Tensor):
        if not bool(torch.all(alpha >= 0)):
            raise ValueError("alpha must be non-negative")
    elif not alpha >= 0:
        raise ValueError(f"alpha must be a non-negative number, got {alpha!r}")


def consensus_weights(
    energies: torch.Tensor, alpha: float | torch.Tensor, log_prior: torch.Tensor | None = None
) -> torch.Tensor:
    r"""Normalised Gibbs weights :math:`e^{-\alpha E_i} / \sum_j e^{-\alpha E_j}` (last axis).

    Parameters
    ----------
    energies : Tensor, shape (..., N)
        Objective values of the N particles of each run.
    alpha : float or Tensor broadcastable to (..., 1)
        Inverse temperature :math:`\alpha \ge 0` (``alpha = 0`` gives the arithmetic mean).
    log_prior : Tensor, shape (..., N), optional
        Log-weights of a reference measure added to :math:`-\alpha E` (quadrature weights when
        the particles are the nodes of a quadrature rule rather than samples).

    Returns
    -------
    Tensor, shape (..., N)
        Non-negative weights summing to one over the last axis, computed stably (softmax).
    """
    _check_alpha(alpha)
    if energies.ndim < 1:
        raise ValueError("energies must have shape (..., N)")
    logits = -alpha * energies
    if log_prior is not None:
        logits = logits + log_prior
    return torch.softmax(logits, dim=-1)


def consensus_point(
    particles: torch.Tensor,
    energies: torch.Tensor,
    alpha: float | torch.Tensor,
    log_prior: torch.Tensor | None = None,
) -> torch.Tensor:
    r"""The consensus point :math:`v_\alpha` of each run.

    Parameters
    ----------
    particles : Tensor, shape (..., N, d)
        Particle positions; leading dimensions are independent runs.
    energies : Tensor, shape (..., N)
        Objective values at the particles.
    alpha : float or Tensor
        Inverse temperature :math:`\alpha \ge 0`; a tensor must broadcast against ``(..., 1)``
        (one alpha per run).
    log_prior : Tensor, shape (..., N), optional
        Log-weights of a reference measure (see :func:`consensus_weights`).

    Returns
    -------
    Tensor, shape (..., d)
        Weighted mean of the particles with the weights of :func:`consensus_weights`.
    """
    if particles.ndim < 2:
        raise ValueError(f"particles must have shape (..., N, d), got {tuple(particles.shape)}")
    if energies.shape != particles.shape[:-1]:
        raise ValueError(
            f"energies must have shape {tuple(particles.shape[:-1])} (particles without the last "
            f"axis), got {tuple(energies.shape)}"
        )
    weights = consensus_weights(energies, alpha, log_prior)
    return torch.einsum("...n,...nd->...d", weights, particles)
