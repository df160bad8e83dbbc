"""Effective (ballistic ODE and diffusive SDE) dynamics of the spiked-model overlap.

Derivation (conventions of :mod:`effdyn.highdim.spiked`, ``delta = c_delta / N``): write one
step as ``y = x + delta G`` with ``G = g + lam k m^{k-1} v``, ``g ~ N(0, k I + k (k-1) x x^T)``.
Expanding ``<y, v> / |y|`` to first order in ``delta`` and using
``delta^2 |g|^2 = delta c_delta k + O(delta^2 sqrt(N))`` (the *critical* term) gives, with time
``t = steps * delta``, the ballistic limit :cite:`benarous2022sgdlimits`

    dm/dt = k lam m^{k-1} (1 - m^2) - (k c_delta / 2) m,

the first part being the population gradient flow on the sphere and the second the correction
from the gradient's second moment. The per-step fluctuation of the overlap is
``delta <g, v - m x>``, of variance ``delta^2 k (1 - m^2)``, so the diffusive description is

    dm = drift(m) dt + sqrt(k c_delta (1 - m^2) / N) dB_t.

Near the equator ``m = 0`` the rescaled overlap ``eta = sqrt(N) m`` follows (for k = 2) the
Ornstein-Uhlenbeck equation ``d eta = a eta dt + sqrt(2 c_delta) dB`` with ``a = 2 lam - c_delta``.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from effdyn.highdim.references import BEN_AROUS_GHEISSARI_JAGANNATH_2022
from effdyn.ode.fixed_step import Path, euler_maruyama, rk4

EULER_GAMMA = 0.5772156649015329


def matrix_fixed_point_overlap_sq(snr: float, c_delta: float) -> float:
    """Closed-form squared overlap of the stable non-trivial fixed point, spiked matrix (k = 2).

    ``m*^2 = 1 - c_delta / (2 lam)`` when ``lam > c_delta / 2``, and 0 otherwise (then the
    equator ``m = 0`` is the only stable fixed point).
    """
    if not (snr >= 0) or not (c_delta >= 0):
        raise ValueError(f"snr and c_delta must be non-negative, got {snr!r}, {c_delta!r}")
    if snr <= c_delta / 2:
        return 0.0
    return 1.0 - c_delta / (2.0 * snr)


matrix_fixed_point_overlap_sq.bibtex = BEN_AROUS_GHEISSARI_JAGANNATH_2022  # type: ignore[attr-defined]


class SpikedEffectiveDynamics:
    """Effective ODE / SDE of the overlap ``m`` for projected online SGD on the spiked model.

    Parameters
    ----------
    snr : float
        Signal strength ``lam >= 0``.
    c_delta : float
        Step-size constant, ``delta = c_delta / N`` (``c_delta = 0``: population gradient flow,
        the limit of any sub-critical step size).
    order : int
        Tensor order ``k >= 2``.
    """

    bibtex = BEN_AROUS_GHEISSARI_JAGANNATH_2022

    def __init__(self, snr: float, c_delta: float, order: int = 2) -> None:
        if not (snr >= 0):
            raise ValueError(f"snr must be non-negative, got {snr!r}")
        if not (c_delta >= 0):
            raise ValueError(f"c_delta must be non-negative, got {c_delta!r}")
        if int(order) != order or order < 2:
            raise ValueError(f"order must be an integer >= 2, got {order!r}")
        self.snr, self.c_delta, self.order = float(snr), float(c_delta), int(order)

    # ------------------------------------------------------------------ coefficients
    def drift(self, m: torch.Tensor) -> torch.Tensor:
        """Ballistic drift ``k lam m^{k-1} (1 - m^2) - k c_delta m / 2``."""
        k = self.order
        return k * self.snr * m ** (k - 1) * (1.0 - m * m) - 0.5 * k * self.c_delta * m

    def diffusion(self, m: torch.Tensor, n_dim: int) -> torch.Tensor:
        """Diffusion coefficient (standard deviation per unit time) at dimension ``n_dim``."""
        return torch.sqrt(self.order * self.c_delta * torch.clamp(1.0 - m * m, min=0.0) / n_dim)

    def linear_rate(self) -> float:
        """``drift'(0)``: ``2 lam - c_delta`` for k = 2 and ``-k c_delta / 2`` for k >= 3."""
        rate = -0.5 * self.order * self.c_delta
        return rate + (2.0 * self.snr if self.order == 2 else 0.0)

    def fixed_points(self) -> np.ndarray:
        """Non-negative fixed points of the ballistic ODE, sorted (always contains 0)."""
        k, lam, c = self.order, self.snr, self.c_delta
        pts = [0.0]
        if lam > 0:
            # lam m^{k-2} (1 - m^2) = c / 2  <=>  -lam m^k + lam m^{k-2} - c/2 = 0
            coeffs = np.zeros(k + 1)
            coeffs[0] = -lam
            coeffs[2] = lam
            coeffs[k] -= c / 2.0
            for root in np.roots(coeffs):
                if abs(root.imag) < 1e-10 and 1e-12 < root.real <= 1.0:
                    pts.append(float(root.real))
        return np.array(sorted(set(pts)))

    def stable_overlap(self) -> float:
        """The largest stable fixed point (the overlap reached from a warm start)."""
        pts = self.fixed_points()
        for m in pts[::-1]:
            slope = float(self._drift_prime(m))
            if slope < 0 or (m == 0.0 and slope <= 0):
                return float(m)
        return 0.0

    def _drift_prime(self, m: float, h: float = 1e-6) -> float:
        mm = torch.tensor([m - h, m + h], dtype=torch.float64)
        d = self.drift(mm)
        return float((d[1] - d[0]) / (2 * h))

    # ------------------------------------------------------------------ solutions
    def ode(self, m0: torch.Tensor | float, t_final: float, dt: float = 1e-3, **kw) -> Path:
        """Solve the ballistic ODE with RK4 from ``m0`` (a float or a batch of floats)."""
        y0 = torch.as_tensor(m0, dtype=torch.float64)
        return rk4(self.drift, y0.reshape(-1) if y0.ndim == 0 else y0, t_final, dt, **kw)

    def sde(
        self,
        m0: torch.Tensor,
        n_dim: int,
        t_final: float,
        dt: float,
        *,
        generator: torch.Generator | None = None,
        record_every: int = 1,
    ) -> Path:
        """Solve the diffusive SDE at dimension ``n_dim`` with Euler-Maruyama (batched)."""
        return euler_maruyama(
            self.drift,
            lambda m: self.diffusion(m, n_dim),
            m0,
            t_final,
            dt,
            generator=generator,
            record_every=record_every,
        )

    # ------------------------------------------------------------------ equator statistics
    def rescaled_stationary_variance(self) -> float:
        """Stationary variance of ``eta = sqrt(N) m`` about a stable equator (OU limit).

        The OU process ``d eta = a eta dt + sqrt(k c_delta) dB`` with ``a = drift'(0) < 0`` has
        stationary variance ``k c_delta / (2 |a|)``: ``c_delta / (c_delta - 2 lam)`` for k = 2.
        """
        a = self.linear_rate()
        if a >= 0:
            raise ValueError(
                f"the equator is not stable (drift'(0) = {a:g} >= 0): no stationary variance"
            )
        return self.order * self.c_delta / (2.0 * abs(a))

    def mean_escape_time(self, n_dim: int, threshold: float, eta0_var: float = 1.0) -> float:
        """Mean time for ``|m|`` to reach ``threshold`` from the equator (k = 2, ``a > 0``).

        Matching the unstable OU phase (``eta_t ~ e^{a t} Z`` with
        ``Z ~ N(0, eta0_var + c_delta / a)``) to the logistic ballistic phase of ``u = m^2``,
        ``du/dt = 2 u (a - 2 lam u)``, gives, as ``N -> infinity``,

            E tau = [ln N + gamma + ln 2 - ln(eta0_var + c_delta / a)
                     + ln(u_t u* / (u* - u_t))] / (2 a),

        with ``u_t = threshold^2`` and ``u* = a / (2 lam)``; ``eta0_var = 1`` for a uniform start.
        The slope in ``ln N`` is ``1 / (2 a)``.
        """
        if self.order != 2:
            raise ValueError(f"mean_escape_time is derived for order 2 only, got {self.order}")
        a = self.linear_rate()
        if a <= 0:
            raise ValueError(f"the equator is stable (drift'(0) = {a:g}): no escape at rate ln N")
        u_star = a / (2.0 * self.snr)
        u_t = threshold * threshold
        if not (0 < u_t < u_star):
            raise ValueError(
                f"threshold must lie in (0, m*) = (0, {math.sqrt(u_star):.4g}), got {threshold!r}"
            )
        const = EULER_GAMMA + math.log(2.0) - math.log(eta0_var + self.c_delta / a)
        const += math.log(u_t * u_star / (u_star - u_t))
        return (math.log(n_dim) + const) / (2.0 * a)
