"""Replica-symmetric Gibbs learning of a binary (Ising) perceptron from a binary teacher.

The classical learning curve of Gyorgyi (1990) and Sompolinsky, Tishby and Seung (1990): a
student drawn uniformly from the version space (zero-temperature Gibbs learning) of ``alpha N``
examples. Teacher-student symmetry sets ``q = R`` (Nishimori line), and the entropy per weight is

    s(alpha) = extr_{R, R_hat} [ -R_hat (1 + R) / 2 + int Dz log 2 cosh(sqrt(R_hat) z + R_hat)
                                 + 2 alpha int Dt H(-k t) log H(-k t) ],  k = sqrt(R / (1 - R)),

with ``R = int Dz tanh(sqrt(R_hat) z + R_hat)`` and ``R_hat = 2 alpha dG/dR`` (automatic
differentiation of the quadrature). The perfectly generalising state ``R = 1`` has entropy 0,
so the first-order transition to perfect generalisation is where ``s`` of the ``R < 1`` branch
crosses zero; the literature places it at ``alpha ~ 1.245``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from effdyn.replica.quadrature import gaussian_quadrature
from effdyn.replica.saddle import check_alpha, check_damping
from effdyn.replica.special import gaussian_tail, log_gaussian_tail


@dataclass(frozen=True)
class GibbsPoint:
    """One point of the ``R < 1`` branch: load, overlap, conjugate, entropy, error."""

    alpha: float
    R: float
    R_hat: float
    entropy: float
    eps: float


class IsingPerceptronGibbs:
    """Gibbs learning curve of the Ising perceptron and its first-order transition.

    Parameters
    ----------
    damping : float
        Damping in ``(0, 1]`` of the fixed-point iteration.
    tol : float
        Convergence threshold on ``R``.
    max_iter : int
        Iteration cap; not converging raises ``ValueError`` naming alpha and the residual.
    n_gauss : int
        Nodes of the Gaussian rules (Legendre on [-12, 12]).
    device : torch.device or str, optional
        Where the quadrature runs (float64).
    """

    def __init__(
        self,
        *,
        damping: float = 0.5,
        tol: float = 1e-11,
        max_iter: int = 5000,
        n_gauss: int = 800,
        device: torch.device | str | None = None,
    ) -> None:
        self.damping = check_damping(damping)
        self.tol, self.max_iter = float(tol), int(max_iter)
        self.rule = gaussian_quadrature(n_gauss, device=device)

    def energetic(self, R: torch.Tensor) -> torch.Tensor:
        """``G(R) = 2 int Dt H(-k t) log H(-k t)``, ``k = sqrt(R / (1 - R))``."""
        t, w = self.rule
        k = torch.sqrt(R / (1 - R))
        return 2.0 * (w * gaussian_tail(-k * t) * log_gaussian_tail(-k * t)).sum()

    def _entropic(self, R_hat: float) -> tuple[float, float]:
        z, w = self.rule
        u = math.sqrt(max(R_hat, 0.0)) * z + R_hat
        R = (w * torch.tanh(u)).sum().item()
        log2cosh = u.abs() + torch.log1p(torch.exp(-2 * u.abs()))
        return R, (w * log2cosh).sum().item()

    def solve(self, alpha: float, start: float = 0.1) -> GibbsPoint:
        """The ``R < 1`` branch at ``alpha`` by damped iteration from overlap ``start``."""
        alpha = check_alpha(alpha)
        R = float(start)
        residual = math.inf
        for _ in range(self.max_iter):
            Rt = torch.tensor(
                R, dtype=torch.float64, device=self.rule[0].device, requires_grad=True
            )
            g = self.energetic(Rt)
            (dg,) = torch.autograd.grad(g, Rt)
            R_hat = 2.0 * alpha * dg.item()
            new, _ = self._entropic(R_hat)
            new = R + self.damping * (new - R)
            residual = abs(new - R)
            R = min(new, 1 - 1e-12)
            if residual < self.tol:
                break
        else:
            raise ValueError(
                f"fixed point not converged at alpha={alpha!r} within max_iter={self.max_iter}: "
                f"last residual {residual:.3e}"
            )
        _, log2cosh = self._entropic(R_hat)
        Rt = torch.tensor(R, dtype=torch.float64, device=self.rule[0].device)
        s = -0.5 * R_hat * (1 + R) + log2cosh + alpha * self.energetic(Rt).item()
        return GibbsPoint(alpha, R, R_hat, s, math.acos(R) / math.pi)

    def curve(self, alphas: list[float], start: float = 0.05) -> list[GibbsPoint]:
        """The ``R < 1`` branch along ``alphas`` by continuation."""
        out = []
        for a in alphas:
            p = self.solve(a, start)
            out.append(p)
            start = p.R
        return out

    def transition(self, low: float = 1.0, high: float = 1.4, tol: float = 1e-6) -> float:
        """The load where the entropy of the ``R < 1`` branch crosses zero (bisection)."""
        lo = self.solve(low)
        hi = self.solve(high, lo.R)
        if not (lo.entropy > 0 > hi.entropy):
            raise ValueError(
                f"entropy does not change sign on [low, high]=[{low}, {high}]: "
                f"{lo.entropy:.3g}, {hi.entropy:.3g}"
            )
        while high - low > tol:
            mid = 0.5 * (low + high)
            p = self.solve(mid, lo.R)
            if p.entropy > 0:
                low, lo = mid, p
            else:
                high = mid
        return 0.5 * (low + high)
