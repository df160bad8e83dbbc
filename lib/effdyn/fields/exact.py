r"""Exact solutions of the Klein-Gordon equations of :cite:`klein-gordon`, for testing.

Every function returns the pair ``(phi, pi)`` with :math:`\pi = \phi_t`, evaluated on the
coordinates ``x`` (a tensor; the result has its shape, device and dtype) at time ``t``.
Kinks on a periodic domain: a single kink joins two different vacua and cannot be periodic, so
the :math:`\phi^4` solutions here come as kink-antikink pairs
(:func:`phi4_kink_antikink`), exact up to the exponentially small tail overlap
:math:`\sim e^{-2 m d}` for a separation :math:`d` between neighbours (periodic images included).
"""

from __future__ import annotations

import math

import torch

from effdyn.fields.grid import PeriodicGrid

__all__ = [
    "gaussian_pulse",
    "linear_propagator",
    "phi4_kink",
    "phi4_kink_antikink",
    "phi4_kink_energy",
    "sine_gordon_kink",
    "sine_gordon_kink_energy",
    "sine_gordon_breather",
    "breather_energy",
    "breather_amplitude",
    "sine_gordon_kink_antikink",
    "lorentz_factor",
]

SG_BIBTEX = r"""@book{drazin1989solitons,
  author = {Drazin, P. G. and Johnson, R. S.},
  title = {Solitons: An Introduction},
  publisher = {Cambridge University Press},
  year = {1989},
  doi = {10.1017/CBO9781139172059}
}"""


def lorentz_factor(velocity: float) -> float:
    """:math:`\\gamma = 1/\\sqrt{1-v^2}`; raises ``ValueError`` unless ``|velocity| < 1``."""
    if not (math.isfinite(velocity) and abs(velocity) < 1.0):
        raise ValueError(f"velocity must satisfy |velocity| < 1 (light speed), got {velocity!r}")
    return 1.0 / math.sqrt(1.0 - velocity**2)


# ---------------------------------------------------------------------------- linear
def gaussian_pulse(
    x: torch.Tensor, amplitude: float = 1.0, width: float = 2.0, position: float = 0.0
) -> tuple[torch.Tensor, torch.Tensor]:
    """The paper's linear-case initial state :math:`A e^{-(x-x_0)^2/w^2}` at rest."""
    if not width > 0:
        raise ValueError(f"width must be positive, got {width!r}")
    phi = amplitude * torch.exp(-(((x - position) / width) ** 2))
    return phi, torch.zeros_like(phi)


def linear_propagator(
    phi0: torch.Tensor, pi0: torch.Tensor, grid: PeriodicGrid, mass: float, t: float
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Exact evolution of the linear Klein-Gordon equation, mode by mode.

    With :math:`\omega_k = \sqrt{k^2 + m^2}`,
    :math:`\hat\phi_k(t) = \hat\phi_k(0)\cos\omega_k t + \hat\pi_k(0)\sin(\omega_k t)/\omega_k`.
    For data resolved by the grid this is the exact solution of the PDE; it is also the exact
    solution of the semi-discrete system the time stepper integrates (same :math:`k^2`).
    """
    if not mass > 0:
        raise ValueError(f"mass must be positive, got {mass!r}")
    omega = torch.sqrt(grid.k**2 + mass**2)
    c, s = torch.cos(omega * t), torch.sin(omega * t)
    f0, p0 = torch.fft.rfft(phi0), torch.fft.rfft(pi0)
    phi = torch.fft.irfft(f0 * c + p0 * s / omega, n=grid.n)
    pi = torch.fft.irfft(-f0 * omega * s + p0 * c, n=grid.n)
    return phi, pi


# ----------------------------------------------------------------------------- phi^4
def _phi4_slope(lam: float, vacuum: float) -> float:
    if not (lam > 0 and vacuum > 0):
        raise ValueError(f"lam and vacuum must be positive, got lam={lam!r}, vacuum={vacuum!r}")
    return vacuum * math.sqrt(lam / 2.0)


def phi4_kink(
    x: torch.Tensor,
    t: float = 0.0,
    *,
    lam: float = 1.0,
    vacuum: float = 1.0,
    position: float = 0.0,
    velocity: float = 0.0,
    charge: int = 1,
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Boosted :math:`\phi^4` kink :math:`\pm v\tanh(a\gamma(x - x_0 - ut))`.

    Here :math:`a = v\sqrt{\lambda/2}` and :math:`\gamma = 1/\sqrt{1-u^2}`.

    ``charge=+1`` is the kink (from :math:`-v` to :math:`+v`), ``-1`` the antikink. On its own
    it is not periodic; see :func:`phi4_kink_antikink`.
    """
    if charge not in (1, -1):
        raise ValueError(f"charge must be +1 (kink) or -1 (antikink), got {charge!r}")
    a = _phi4_slope(lam, vacuum) * lorentz_factor(velocity)
    s = a * (x - position - velocity * t)
    phi = charge * vacuum * torch.tanh(s)
    pi = -charge * vacuum * a * velocity / torch.cosh(s) ** 2
    return phi, pi


def phi4_kink_energy(lam: float = 1.0, vacuum: float = 1.0, velocity: float = 0.0) -> float:
    r"""Kink energy :math:`\gamma\,\tfrac{2\sqrt2}{3}\sqrt\lambda\,v^3` (0.9428 for λ = v = 1).

    (The ``amangkurat`` package writes :math:`\tfrac{2\sqrt2}{3}\lambda v^3`, which agrees only
    for :math:`\lambda = 1`.)
    """
    _phi4_slope(lam, vacuum)
    return lorentz_factor(velocity) * 2.0 * math.sqrt(2.0) / 3.0 * math.sqrt(lam) * vacuum**3


def phi4_kink_antikink(
    x: torch.Tensor,
    t: float = 0.0,
    *,
    positions: tuple[float, float],
    velocities: tuple[float, float] = (0.0, 0.0),
    lam: float = 1.0,
    vacuum: float = 1.0,
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Kink at ``positions[0]`` and antikink at ``positions[1]`` in the vacuum :math:`-v`.

    :math:`\phi = K(x - x_1 - u_1 t) + \bar K(x - x_2 - u_2 t) - v`: the field is :math:`-v`
    outside the pair and :math:`+v` between, so it is periodic on a domain that contains both
    (the ``amangkurat`` package omits the :math:`-v`, which puts the outside at the unstable
    maximum :math:`\phi = 0` of :math:`V`). For separated solitons moving with equal velocities it
    is an exact travelling solution up to :math:`O(e^{-2 a d})`; for opposite velocities it is the
    standard initial state of a collision (:cite:`campbell1983resonance`).
    """
    if not positions[0] < positions[1]:
        raise ValueError(f"positions must be ordered (kink left of antikink), got {positions!r}")
    k_phi, k_pi = phi4_kink(
        x, t, lam=lam, vacuum=vacuum, position=positions[0], velocity=velocities[0], charge=1
    )
    a_phi, a_pi = phi4_kink(
        x, t, lam=lam, vacuum=vacuum, position=positions[1], velocity=velocities[1], charge=-1
    )
    return k_phi + a_phi - vacuum, k_pi + a_pi


# ---------------------------------------------------------------------- sine-Gordon
def sine_gordon_kink(
    x: torch.Tensor,
    t: float = 0.0,
    *,
    position: float = 0.0,
    velocity: float = 0.0,
    charge: int = 1,
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Sine-Gordon kink :math:`4\arctan e^{\pm\gamma(x - x_0 - ut)}` (energy :math:`8\gamma`)."""
    if charge not in (1, -1):
        raise ValueError(f"charge must be +1 (kink) or -1 (antikink), got {charge!r}")
    g = lorentz_factor(velocity)
    s = charge * g * (x - position - velocity * t)
    phi = 4.0 * torch.atan(torch.exp(s))
    phi_x = charge * 2.0 * g / torch.cosh(s)
    return phi, -velocity * phi_x


def sine_gordon_kink_energy(velocity: float = 0.0) -> float:
    """Energy :math:`8\\gamma` of a sine-Gordon kink."""
    return 8.0 * lorentz_factor(velocity)


def _breather_beta(omega: float) -> float:
    if not (math.isfinite(omega) and 0.0 < omega < 1.0):
        raise ValueError(f"omega must satisfy 0 < omega < 1, got {omega!r}")
    return math.sqrt(1.0 - omega**2)


def sine_gordon_breather(
    x: torch.Tensor, t: float = 0.0, *, omega: float = 0.5, position: float = 0.0, t0: float = 0.0
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Standing sine-Gordon breather of frequency ``omega``.

    :math:`\phi = 4\arctan[(\beta/\omega)\sin\omega(t - t_0) / \cosh\beta(x-x_0)]`.

    :math:`\beta = \sqrt{1-\omega^2}`. Its peak is :math:`4\arctan(\beta/\omega)` (4.1888 at
    :math:`\omega = 0.5`), its energy :math:`16\beta` and its momentum zero. Use
    ``t0 = -pi / (2 omega)`` to start at the turning point of maximal amplitude, where
    :math:`\phi_t = 0`.
    """
    beta = _breather_beta(omega)
    amp = beta / omega
    tau = t - t0
    sech = 1.0 / torch.cosh(beta * (x - position))
    g = amp * math.sin(omega * tau) * sech
    g_t = amp * omega * math.cos(omega * tau) * sech
    return 4.0 * torch.atan(g), 4.0 * g_t / (1.0 + g**2)


def breather_energy(omega: float) -> float:
    """Energy :math:`16\\sqrt{1-\\omega^2}` of the breather of frequency ``omega``."""
    return 16.0 * _breather_beta(omega)


def breather_amplitude(omega: float) -> float:
    """Peak value :math:`4\\arctan(\\sqrt{1-\\omega^2}/\\omega)` of the breather."""
    return 4.0 * math.atan(_breather_beta(omega) / omega)


def sine_gordon_kink_antikink(
    x: torch.Tensor, t: float, *, velocity: float
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Exact kink-antikink collision :math:`4\arctan[\sinh(\gamma u t) / (u\cosh\gamma x)]`.

    The pair approaches for :math:`t < 0`, passes through itself at :math:`t = 0` and separates,
    with energy :math:`16\gamma`; the field vanishes at both ends, so it lives on a periodic
    domain.
    """
    if not velocity > 0:
        raise ValueError(f"velocity must be positive, got {velocity!r}")
    g = lorentz_factor(velocity)
    ch = torch.cosh(g * x)
    q = math.sinh(g * velocity * t) / (velocity * ch)
    q_t = g * math.cosh(g * velocity * t) / ch
    return 4.0 * torch.atan(q), 4.0 * q_t / (1.0 + q**2)
