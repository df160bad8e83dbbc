"""SDEs with exact solutions, for convergence tests of the integrators."""

from __future__ import annotations

import math

import torch

from effdyn.sde.problem import SDE

__all__ = ["GeometricBrownianMotion"]

Tensor = torch.Tensor


class GeometricBrownianMotion:
    """Geometric Brownian motion ``dX = mu X dt + sigma X dW`` (diagonal noise), per coordinate.

    The exact solution on a given Brownian path is
    ``X_t = X_0 exp((mu - sigma^2/2) t + sigma W_t)``, with ``E X_t = X_0 e^{mu t}`` and
    ``E X_t^2 = X_0^2 e^{(2 mu + sigma^2) t}``: the standard test of strong (Euler-Maruyama 1/2,
    Milstein 1) and weak (1) orders for multiplicative noise (Kloeden and Platen 1992).
    """

    def __init__(self, mu: float = 1.0, sigma: float = 0.5) -> None:
        self.mu, self.sigma = float(mu), float(sigma)

    def sde(self) -> SDE:
        mu, sigma = self.mu, self.sigma
        return SDE(
            lambda t, x: mu * x,
            lambda t, x: sigma * x,
            noise="diagonal",
            diffusion_dx=lambda t, x: torch.full_like(x, sigma),
            time_homogeneous=True,
            name="GeometricBrownianMotion",
        )

    def exact(self, x0: Tensor, t: float, W_t: Tensor) -> Tensor:
        """``X_t`` on the path with ``W(t) = W_t`` (shape of ``x0``)."""
        return x0 * torch.exp((self.mu - 0.5 * self.sigma**2) * t + self.sigma * W_t)

    def mean(self, x0: float, t: float) -> float:
        return x0 * math.exp(self.mu * t)

    def second_moment(self, x0: float, t: float) -> float:
        return x0 * x0 * math.exp((2 * self.mu + self.sigma**2) * t)
