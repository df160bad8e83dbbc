"""Effective ODE of logistic-regression SGD on the binary Gaussian mixture.

With the conventions of :class:`effdyn.highdim.gmm.BinaryGMMLogisticSGD`, one step is
``x <- x + delta G`` with ``G = (mu + Z') sigma(-s) - alpha x``, ``Z' ~ N(0, I / lam)`` and
``s = <x, mu + Z'> = m + zeta``, ``zeta = <x, Z'> ~ N(0, q / lam)``. Since
``E[<mu, Z'> | zeta] = (m / q) zeta`` and ``delta^2 |G|^2 = delta c_delta sigma(-s)^2 / lam +
o(delta)`` at ``delta = c_delta / N``, the summary statistics ``(m, q) = (<x, mu>, |x|^2)``
follow, in time ``t = steps * delta`` :cite:`benarous2022sgdlimits`,

    dm/dt = E[sigma(-s) (1 + (m / q) zeta)] - alpha m,
    dq/dt = 2 E[s sigma(-s)] - 2 alpha q + (c_delta / lam) E[sigma(-s)^2],

the last term being the critical-scaling correction (absent for ``delta = o(1/N)``). The
one-dimensional Gaussian expectations are computed by Gauss-Hermite quadrature.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.optimize import fsolve

from effdyn.highdim.references import BEN_AROUS_GHEISSARI_JAGANNATH_2022
from effdyn.ode.fixed_step import Path, rk4


class BinaryGMMEffectiveDynamics:
    """Ballistic limit of the statistics ``(m, q)`` of logistic SGD on a binary mixture.

    Parameters
    ----------
    snr : float
        ``lam`` (noise ``Z / sqrt(lam)``).
    ridge : float
        ``alpha``.
    c_delta : float
        ``delta N`` (0 gives the population gradient flow).
    n_quad : int
        Number of Gauss-Hermite nodes.
    """

    bibtex = BEN_AROUS_GHEISSARI_JAGANNATH_2022

    def __init__(self, snr: float, ridge: float, c_delta: float, n_quad: int = 80) -> None:
        if not (snr > 0):
            raise ValueError(f"snr must be positive, got {snr!r}")
        if not (ridge >= 0) or not (c_delta >= 0):
            raise ValueError(f"ridge and c_delta must be non-negative, got {ridge!r}, {c_delta!r}")
        if int(n_quad) < 2:
            raise ValueError(f"n_quad must be an integer >= 2, got {n_quad!r}")
        self.snr, self.ridge, self.c_delta = float(snr), float(ridge), float(c_delta)
        nodes, weights = np.polynomial.hermite_e.hermegauss(int(n_quad))
        self._nodes = torch.tensor(nodes, dtype=torch.float64)
        self._weights = torch.tensor(weights / np.sqrt(2 * np.pi), dtype=torch.float64)

    def drift(self, y: torch.Tensor) -> torch.Tensor:
        """Drift of ``y = (..., 2)`` holding ``(m, q)`` in its last dimension."""
        m, q = y[..., 0:1], y[..., 1:2]
        nodes = self._nodes.to(y)
        w = self._weights.to(y)
        zeta = torch.sqrt(q / self.snr) * nodes
        s = m + zeta
        sig = torch.sigmoid(-s)
        dm = (w * sig * (1.0 + (m / q) * zeta)).sum(-1, keepdim=True) - self.ridge * m
        dq = (
            2.0 * (w * s * sig).sum(-1, keepdim=True)
            - 2.0 * self.ridge * q
            + (self.c_delta / self.snr) * (w * sig * sig).sum(-1, keepdim=True)
        )
        return torch.cat([dm, dq], dim=-1)

    def ode(self, m0: float, q0: float, t_final: float, dt: float = 1e-2, **kw) -> Path:
        """Solve the ODE from ``(m0, q0)`` with RK4."""
        y0 = torch.tensor([m0, q0], dtype=torch.float64)
        return rk4(self.drift, y0, t_final, dt, **kw)

    def fixed_point(self, guess: tuple[float, float] = (1.0, 2.0)) -> tuple[float, float]:
        """The fixed point ``(m*, q*)`` (needs ``alpha > 0``), by Newton's method from ``guess``.

        Raises
        ------
        ValueError
            If ``alpha = 0`` (the norm grows without bound) or the solver does not converge.
        """
        if self.ridge <= 0:
            raise ValueError("a fixed point needs ridge (alpha) > 0: otherwise |x| diverges")

        def f(v):
            return self.drift(torch.tensor(v, dtype=torch.float64)).numpy()

        sol, info, ok, msg = fsolve(f, np.asarray(guess, dtype=float), full_output=True)
        if ok != 1 or np.max(np.abs(f(sol))) > 1e-9:
            raise ValueError(f"fixed-point solver did not converge: {msg}")
        return float(sol[0]), float(sol[1])
