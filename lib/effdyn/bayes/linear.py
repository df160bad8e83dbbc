r"""Bayesian linear regression: the exact posterior and posterior predictive.

The tractable reference against which an SGLD ensemble is checked in the chapter
*universality-lens* (Feder, Urbanke and Fogel, 2025, arXiv:2506.07661). With features
``Phi (n, p)``, prior ``theta ~ N(0, s_0^2 I)`` and noise ``y = Phi theta + N(0, s^2)``
(Bishop, 2006, section 3.3):

.. math::

    \Sigma^{-1} = s_0^{-2} I + s^{-2} \Phi^\top \Phi, \qquad
    \mu = s^{-2} \Sigma \Phi^\top y, \qquad
    p(y_* \mid \phi_*) = N(y_*;\ \phi_*^\top \mu,\ s^2 + \phi_*^\top \Sigma \phi_*).
"""

from __future__ import annotations

import math
from typing import Any

import torch

from effdyn.bayes._bib import BISHOP2006_LINEAR

__all__ = ["GaussianLinearModel"]

bibtex = BISHOP2006_LINEAR

_LOG_2PI = math.log(2.0 * math.pi)


def _positive(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{name} must be positive, got {value!r}")
    return float(value)


def _gaussian_log_density(y: torch.Tensor, mean: torch.Tensor, var: Any) -> torch.Tensor:
    return -0.5 * (
        _LOG_2PI
        + torch.log(torch.as_tensor(var, dtype=mean.dtype, device=mean.device))
        + (y - mean) ** 2 / var
    )


class GaussianLinearModel:
    """Bayesian linear regression with an isotropic Gaussian prior and Gaussian noise.

    Parameters
    ----------
    prior_std : float
        Prior standard deviation ``s_0`` of each coefficient.
    noise_std : float
        Observation noise standard deviation ``s``.

    Call :meth:`fit` with the training features and targets; the posterior then lives on their
    device and dtype.
    """

    bibtex = BISHOP2006_LINEAR

    def __init__(self, prior_std: float = 1.0, noise_std: float = 1.0) -> None:
        self.prior_std = _positive(prior_std, "prior_std")
        self.noise_std = _positive(noise_std, "noise_std")
        self.features: torch.Tensor | None = None
        self.targets: torch.Tensor | None = None

    # -- the exact posterior ----------------------------------------------------------------
    def fit(self, features: torch.Tensor, targets: torch.Tensor) -> GaussianLinearModel:
        """Compute the posterior from ``features (n, p)`` and ``targets (n,)``; returns self."""
        if features.ndim != 2 or targets.shape != features.shape[:1]:
            raise ValueError(
                f"features must be (n, p) and targets (n,), got {tuple(features.shape)}, "
                f"{tuple(targets.shape)}"
            )
        self.features, self.targets = features, targets
        p = features.shape[1]
        eye = torch.eye(p, dtype=features.dtype, device=features.device)
        self.precision = eye / self.prior_std**2 + features.T @ features / self.noise_std**2
        chol = torch.linalg.cholesky(self.precision)
        self.covariance = torch.cholesky_inverse(chol)
        rhs = (features.T @ targets)[:, None] / self.noise_std**2
        self.mean = torch.cholesky_solve(rhs, chol)[:, 0]
        return self

    def _fitted(self) -> None:
        if self.features is None:
            raise RuntimeError("call fit(features, targets) first")

    def predictive(self, features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean and variance of the posterior predictive at ``features (m, p)``."""
        self._fitted()
        mean = features @ self.mean
        var = self.noise_std**2 + ((features @ self.covariance) * features).sum(-1)
        return mean, var

    def log_predictive(self, features: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """``log p(y_* | phi_*, data)`` of each test point under the exact predictive, (m,)."""
        mean, var = self.predictive(features)
        return _gaussian_log_density(targets, mean, var)

    # -- pieces for samplers ----------------------------------------------------------------
    def log_prior(self, theta: torch.Tensor) -> torch.Tensor:
        """``log N(theta; 0, s_0^2 I)`` for each row of ``theta (..., p)``."""
        p = theta.shape[-1]
        return -0.5 * (
            p * (_LOG_2PI + 2 * math.log(self.prior_std)) + (theta**2).sum(-1) / self.prior_std**2
        )

    def log_likelihood(self, theta: torch.Tensor, indices: torch.Tensor) -> torch.Tensor:
        """Summed log-likelihood of the training points ``indices (chains, B)`` at ``theta``.

        ``theta`` has shape ``(chains, p)``; the signature of :class:`effdyn.optim.SGLD`.
        """
        self._fitted()
        phi = self.features[indices]  # (chains, B, p)
        mean = torch.einsum("cbp,cp->cb", phi, theta)
        return _gaussian_log_density(self.targets[indices], mean, self.noise_std**2).sum(-1)

    def grad_log_prior(self, theta: torch.Tensor) -> torch.Tensor:
        """Gradient of :meth:`log_prior`: ``-theta / s_0^2``."""
        return -theta / self.prior_std**2

    def grad_log_likelihood(self, theta: torch.Tensor, indices: torch.Tensor) -> torch.Tensor:
        """Gradient of :meth:`log_likelihood`: ``Phi_B^T (y_B - Phi_B theta) / s^2``."""
        self._fitted()
        phi = self.features[indices]  # (chains, B, p)
        residual = self.targets[indices] - torch.einsum("cbp,cp->cb", phi, theta)
        return torch.einsum("cbp,cb->cp", phi, residual) / self.noise_std**2

    def log_predictive_samples(
        self, theta: torch.Tensor, features: torch.Tensor, targets: torch.Tensor
    ) -> torch.Tensor:
        """``log N(y_*; phi_* . theta_s, s^2)`` for each sample ``theta (S, p)``: shape (S, m)."""
        return _gaussian_log_density(targets, theta @ features.T, self.noise_std**2)
