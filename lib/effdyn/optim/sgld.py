r"""Stochastic gradient Langevin dynamics (SGLD), batched over chains, and ensemble predictives.

Welling and Teh (2011): Euler-Maruyama steps of overdamped Langevin dynamics on the log
posterior with a minibatch estimate of its gradient,

.. math::

    \theta_{k+1} = \theta_k + h_k \Big( \nabla \log \pi(\theta_k)
        + \frac{N}{B} \sum_{i \in \mathcal B_k} \nabla \log p(y_i \mid x_i, \theta_k) \Big)
        + \sqrt{2 h_k / \beta}\; \xi_k, \qquad \xi_k \sim N(0, I),

in the conventions of :class:`effdyn.sde.OverdampedLangevin` (force ``F = grad log posterior``,
diffusion ``D = 1``, time step ``dt = h_k``, inverse temperature ``beta``; ``beta = 1`` samples
the posterior, up to the step-size bias). Welling and Teh write the step as ``eps / 2`` with
noise of variance ``eps``: ``h = eps / 2``. The schedule is
``h_k = step * (1 + k / decay_offset) ** (-decay)`` (``decay = 0``: constant step; their
``0.5 < decay <= 1`` gives a consistent sampler). ``beta = inf`` drops the noise: plain
minibatch stochastic gradient ascent on the log posterior (SGD).

Used by the chapter *universality-lens* (Feder, Urbanke and Fogel, 2025, arXiv:2506.07661),
where an SGLD ensemble stands for the Bayes mixture learner.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from effdyn.optim._bib import WELLING2011_SGLD

__all__ = ["SGLD", "SGLDResult", "ensemble_log_predictive"]

bibtex = WELLING2011_SGLD

#: ``log_likelihood(theta (chains, d), indices (chains, B)) -> (chains,)``
LogLikelihood = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
LogPrior = Callable[[torch.Tensor], torch.Tensor]


def _positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return value


def _nonneg_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return value


def _positive(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{name} must be positive, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class SGLDResult:
    """Output of :meth:`SGLD.run`.

    Attributes
    ----------
    samples : Tensor, shape (n_kept, chains, d)
        The kept iterates (after burn-in, every ``thin``-th).
    steps : Tensor, shape (n_kept,)
        Iteration index of each kept sample.
    final : Tensor, shape (chains, d)
        The last iterate.
    """

    samples: torch.Tensor
    steps: torch.Tensor
    final: torch.Tensor

    def flat(self) -> torch.Tensor:
        """All kept samples of all chains, shape ``(n_kept * chains, d)``."""
        return self.samples.reshape(-1, self.samples.shape[-1])


class SGLD:
    """Stochastic gradient Langevin dynamics for a posterior over ``d`` parameters.

    Parameters
    ----------
    log_likelihood : callable
        ``(theta (chains, d), indices (chains, B)) -> (chains,)``: the summed log-likelihood of
        the data points ``indices[c]`` at ``theta[c]``; differentiable in ``theta``.
    n_data : int
        Number of data points ``N`` (indices run over ``0..N-1``).
    step : float
        Step size ``h`` (positive); the time step of the Langevin dynamics.
    log_prior : callable, optional
        ``theta (chains, d) -> (chains,)``; default a flat prior.
    batch_size : int, optional
        Minibatch size ``B`` in ``[1, N]``, drawn without replacement for each chain and step;
        default ``N`` (full-batch Langevin, i.e. unadjusted Langevin / Euler-Maruyama).
    beta : float
        Inverse temperature (positive; ``math.inf`` for noiseless SGD).
    decay, decay_offset : float
        Step schedule ``h_k = h (1 + k / decay_offset) ** (-decay)``.
    grad_log_likelihood, grad_log_prior : callable, optional
        Closed-form gradients with the signatures of ``log_likelihood`` and ``log_prior`` but
        returning ``(chains, d)``; used instead of automatic differentiation when given.
    """

    bibtex = WELLING2011_SGLD

    def __init__(
        self,
        log_likelihood: LogLikelihood,
        n_data: int,
        step: float,
        *,
        log_prior: LogPrior | None = None,
        batch_size: int | None = None,
        beta: float = 1.0,
        decay: float = 0.0,
        decay_offset: float = 1.0,
        grad_log_likelihood: LogLikelihood | None = None,
        grad_log_prior: LogPrior | None = None,
    ) -> None:
        self.log_likelihood = log_likelihood
        self.log_prior = log_prior
        self.grad_log_likelihood = grad_log_likelihood
        self.grad_log_prior = grad_log_prior
        self.n_data = _positive_int(n_data, "n_data")
        self.step = _positive(step, "step")
        self.batch_size = (
            self.n_data if batch_size is None else _positive_int(batch_size, "batch_size")
        )
        if self.batch_size > self.n_data:
            raise ValueError(f"batch_size must be at most n_data={n_data}, got {batch_size!r}")
        self.beta = _positive(beta, "beta")
        if isinstance(decay, bool) or not isinstance(decay, (int, float)) or decay < 0:
            raise ValueError(f"decay must be non-negative, got {decay!r}")
        self.decay = float(decay)
        self.decay_offset = _positive(decay_offset, "decay_offset")

    def step_size(self, k: int) -> float:
        """The step ``h_k`` at iteration ``k = 0, 1, ...``."""
        return self.step * (1.0 + k / self.decay_offset) ** (-self.decay)

    def batch(self, chains: int, device: Any, generator: torch.Generator | None) -> torch.Tensor:
        """Minibatch indices ``(chains, B)``, without replacement within each chain."""
        if self.batch_size == self.n_data:
            return torch.arange(self.n_data, device=device).expand(chains, -1)
        keys = torch.rand(chains, self.n_data, generator=generator, device=device)
        return keys.topk(self.batch_size, dim=-1).indices

    def grad_log_posterior(self, theta: torch.Tensor, indices: torch.Tensor) -> torch.Tensor:
        """Minibatch estimate ``grad log prior + (N / B) grad sum_batch log p`` per chain."""
        scale = self.n_data / indices.shape[-1]
        if self.grad_log_likelihood is not None and (
            self.log_prior is None or self.grad_log_prior is not None
        ):
            grad = scale * self.grad_log_likelihood(theta, indices)
            if self.grad_log_prior is not None:
                grad = grad + self.grad_log_prior(theta)
            return grad
        with torch.enable_grad():
            th = theta.detach().requires_grad_(True)
            total = scale * self.log_likelihood(th, indices).sum()
            if self.log_prior is not None:
                total = total + self.log_prior(th).sum()
            (grad,) = torch.autograd.grad(total, th)
        return grad

    def run(
        self,
        theta0: torch.Tensor,
        n_steps: int,
        *,
        burn_in: int = 0,
        thin: int = 1,
        generator: torch.Generator | None = None,
    ) -> SGLDResult:
        """Run all chains from ``theta0`` (shape ``(chains, d)``, chains >= 1) for ``n_steps``.

        Iterates ``k > burn_in`` with ``(k - burn_in) % thin == 0`` are kept.
        """
        if not isinstance(theta0, torch.Tensor) or theta0.ndim != 2 or theta0.shape[0] < 1:
            shape = tuple(theta0.shape) if isinstance(theta0, torch.Tensor) else theta0
            raise ValueError(
                f"chains must be >= 1: theta0 must have shape (chains, d), got {shape}"
            )
        n_steps = _positive_int(n_steps, "n_steps")
        burn_in = _nonneg_int(burn_in, "burn_in")
        thin = _positive_int(thin, "thin")
        if burn_in >= n_steps:
            raise ValueError(f"burn_in must be below n_steps={n_steps}, got {burn_in}")
        theta = theta0.detach().clone()
        chains = theta.shape[0]
        kept, steps = [], []
        for k in range(n_steps):
            h = self.step_size(k)
            idx = self.batch(chains, theta.device, generator)
            theta = theta + h * self.grad_log_posterior(theta, idx)
            if math.isfinite(self.beta):
                noise = torch.randn(
                    theta.shape, generator=generator, device=theta.device, dtype=theta.dtype
                )
                theta = theta + math.sqrt(2.0 * h / self.beta) * noise
            if k + 1 > burn_in and (k + 1 - burn_in) % thin == 0:
                kept.append(theta)
                steps.append(k + 1)
        samples = torch.stack(kept) if kept else theta.new_empty(0, *theta.shape)
        return SGLDResult(
            samples=samples,
            steps=torch.tensor(steps, dtype=torch.int64, device=theta.device),
            final=theta,
        )


def ensemble_log_predictive(log_probs: torch.Tensor) -> torch.Tensor:
    """Log predictive density of an ensemble: ``log mean_s p(y | x, theta_s)``.

    ``log_probs`` has shape ``(n_members, ...)`` (the log density of each test point under each
    member); the result has shape ``(...)``.
    """
    if log_probs.ndim < 1 or log_probs.shape[0] < 1:
        raise ValueError(f"log_probs must have a leading ensemble dimension, got {log_probs.shape}")
    return torch.logsumexp(log_probs, dim=0) - math.log(log_probs.shape[0])
