"""Exact k-space references for the Holstein checkerboard (CDW) state: force and gap equation.

For the uniform checkerboard ``Q_i = (-1)^(x+y) Q0`` the single-particle matrix couples each
momentum ``k`` of the ``L x L`` grid to ``k + (pi, pi)`` through ``Delta = g Q0``; with
``eps_k = -2t (cos kx + cos ky)`` and ``eps_{k+(pi,pi)} = -eps_k`` the two bands are
``+- E_k``, ``E_k = sqrt(eps_k^2 + Delta^2)``. The density on the ``+Q0`` sublattice is
``1/2 + delta`` with

    delta = N^-1 sum_{k in full BZ} Delta / (2 E_k) tanh(E_k / (2 kT)),

where the sum runs over all ``N = L^2`` momenta ``k = 2 pi (n_x, n_y) / L`` of the full
Brillouin zone (each pair ``(k, k + (pi, pi))`` is counted twice, once from each member;
equivalently ``2 / N`` times a sum over the ``N / 2`` momenta of the reduced zone). The force on a
``+Q0`` site is ``F = g delta - K Q0`` and the gap equation ``K Q0 = g delta(Q0)`` gives the
mean-field CDW amplitude ``Q0(T)``; its nontrivial root exists below ``T_CDW`` given by
``1 = (g^2 / K) N^-1 sum_k tanh(|eps_k| / 2T) / (2 |eps_k|)`` (with ``1 / (4T)`` where
``eps_k = 0``). These are the references for the Holstein chapter of Fan and Chern (2026),
arXiv:2601.04104, who do not give them.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from scipy.optimize import brentq

from effdyn.lattice._checks import check_lattice_size, check_positive

__all__ = [
    "band_energies",
    "cdw_amplitude",
    "cdw_transition_temperature",
    "checkerboard_force",
    "staggered_density",
]

Tensor = torch.Tensor


def band_energies(L: int, t: float = 1.0, *, dtype: torch.dtype = torch.float64) -> Tensor:
    """``eps_k = -2t (cos kx + cos ky)`` on the full ``L x L`` momentum grid, shape ``(L^2,)``."""
    L = check_lattice_size(L)
    t = check_positive(t, "t")
    k = 2 * math.pi * torch.arange(L, dtype=dtype) / L
    return (-2 * t * (torch.cos(k)[:, None] + torch.cos(k)[None, :])).reshape(-1)


def _tanh_over_energy(E: Tensor, kT: float) -> Tensor:
    """``tanh(E / 2kT) / (2E)``, with its limit ``1 / (4kT)`` at ``E = 0``."""
    safe = torch.where(E > 0, E, torch.ones_like(E))
    return torch.where(E > 0, torch.tanh(safe / (2 * kT)) / (2 * safe), 1 / (4 * kT))


def staggered_density(Delta: Any, *, L: int, t: float = 1.0, kT_el: float) -> Tensor:
    """``delta = <n_A> - 1/2`` of the checkerboard with gap ``Delta = g Q0`` (any shape)."""
    kT = check_positive(kT_el, "kT_el")
    eps = band_energies(L, t)
    D = torch.as_tensor(Delta, dtype=torch.float64)
    E = torch.sqrt(eps**2 + D[..., None] ** 2)
    return (D[..., None] * _tanh_over_energy(E, kT)).mean(-1)


def checkerboard_force(
    Q0: Any, *, L: int, t: float = 1.0, g: float, K: float = 1.0, kT_el: float
) -> Tensor:
    """Exact force ``g delta(g Q0) - K Q0`` on a ``+Q0`` site of the checkerboard (float64).

    The force on a site of sign ``s = (-1)^(x+y)`` is ``s`` times this value.
    """
    K = check_positive(K, "K")
    Q0 = torch.as_tensor(Q0, dtype=torch.float64)
    return g * staggered_density(g * Q0, L=L, t=t, kT_el=kT_el) - K * Q0


def cdw_transition_temperature(*, L: int, t: float = 1.0, g: float, K: float = 1.0) -> float:
    """Mean-field ``T_CDW``: the temperature below which the gap equation has a root ``Q0 > 0``."""
    K = check_positive(K, "K")
    eps = band_energies(L, t).abs()

    def excess(kT: float) -> float:
        return float(g * g / K * _tanh_over_energy(eps, kT).mean()) - 1.0

    low, high = 1e-6 * t, 10.0 * (t + g * g / K)
    if excess(low) <= 0:
        return 0.0
    return float(brentq(excess, low, high, xtol=1e-14, rtol=1e-13))


def cdw_amplitude(kT_el: float, *, L: int, t: float = 1.0, g: float, K: float = 1.0) -> float:
    """Mean-field CDW amplitude ``Q0(T) >= 0`` solving ``K Q0 = g delta(g Q0)`` (0 above T_CDW).

    ``g delta(g Q0) / Q0`` decreases with ``Q0`` and ``delta <= 1/2``, so the root lies in
    ``(0, |g| / 2K]``; it is found by Brent's method to machine precision.
    """
    kT = check_positive(kT_el, "kT_el")
    K = check_positive(K, "K")
    g = abs(float(g))
    if g == 0:
        return 0.0

    def excess(q0: float) -> float:
        return float(g * staggered_density(g * q0, L=L, t=t, kT_el=kT)) / q0 - K

    low, high = 1e-12, g / (2 * K)
    if excess(low) <= 0:
        return 0.0
    return float(brentq(excess, low, high, xtol=1e-15, rtol=1e-14))
