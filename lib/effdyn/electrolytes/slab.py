r"""Fluctuation-induced force between two no-flux plates in a driven electrolyte.

Our derivation (:cite:`driven-coulomb` computes this force for the same geometry; its stress
expression, eq. (8) of arXiv:2011.12821 in our reading, was not available to check, so the
chapter states the steps). Plates at :math:`z = 0, H` bound the electrolyte, the field is along
:math:`x`, parallel to them; no flux of either species and no normal electric field cross them
(Neumann conditions, cosine modes :math:`k_z = n\pi/H`). Each cosine mode then follows the bulk
dynamics of :class:`~effdyn.electrolytes.linear.LinearDrivenElectrolyte` with
:math:`k = (q, n\pi/H)`, so its stationary variance is the bulk structure factor.

Zero mean flux of each species across any plane gives the exact balance
:math:`k_BT\,\partial_z\langle c\rangle = \partial_z\langle T_{zz}\rangle` with the Maxwell stress
:math:`T_{zz} = \tfrac{\varepsilon}{2}(E_z^2 - E_\parallel^2)`; the normal force per area on a
plate is therefore :math:`k_BT\bar c - \overline{\langle T_{zz}\rangle}`, with bars for the
average over the gap. At fixed mean density the fluctuation part is
:math:`-\overline{\langle T_{zz}\rangle}` minus its bulk value. With the potential spectrum
:math:`S_\phi = S_{\rho\rho}/(\varepsilon^2k^4)` and :math:`F(q, k_z) = (k_z^2 - q^2) S_\phi`,

.. math::

    P(H) = -\frac{\varepsilon}{2\pi}\int\frac{d^{d-1}q}{(2\pi)^{d-1}}\Big[\frac{\pi}{H}
    {\sum_{n\ge0}}' F(q, \tfrac{n\pi}{H}) - \int_0^\infty F(q, k_z)\,dk_z\Big]

(the prime halves the :math:`n = 0` term; the remaining :math:`\tfrac{1}{2H}\int F(q,0)` is a
surface term, dropped). The equilibrium (E = 0) part of :math:`S_{\rho\rho}` contains the bare
:math:`1/k^2` field fluctuations that, in the full theory, cancel against those of the vacuum
field (the thermal van der Waals force across an electrolyte is screened); we keep the
field-induced part, :math:`S_{\rho\rho}(E) - S_{\rho\rho}(0) = S_{\rho\rho}(0)\,g`. It is
homogeneous of degree 0 at small :math:`k`, so :math:`P \propto H^{-d}` at :math:`\kappa H \gg 1`
and :math:`P \propto E^2` at small E. :math:`P > 0` pushes the plates apart.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from effdyn.electrolytes.linear import LinearDrivenElectrolyte

__all__ = ["slab_force"]


def _gauss(a: float, b: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    x, w = np.polynomial.legendre.leggauss(n)
    return 0.5 * (b - a) * x + 0.5 * (b + a), 0.5 * (b - a) * w


def _panels(edges: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    nodes = [_gauss(float(a), float(b), n) for a, b in zip(edges[:-1], edges[1:], strict=True)]
    return np.concatenate([x for x, _ in nodes]), np.concatenate([w for _, w in nodes])


def slab_force(
    model: LinearDrivenElectrolyte,
    H: float,  # noqa: N803
    *,
    spacing: float | None = None,
    n_q: int = 16,
    n_angle: int = 12,
    device: torch.device | str | None = None,
) -> float:
    """Field-induced fluctuation force per area between no-flux plates (module text).

    Parameters
    ----------
    model : LinearDrivenElectrolyte
        The bulk electrolyte; ``model.d`` must be 2 or 3 (plates are lines in 2-D).
    H : float
        Distance between the plates; must exceed ``spacing`` when one is given.
    spacing : float, optional
        A microscopic cutoff (grid spacing, ion size): only checked against ``H``.
    n_q, n_angle : int
        Gauss-Legendre nodes per panel for :math:`|q|` and (in 3-D) for its angle to E.
    device
        Where the mode sums are evaluated (float64).

    Returns
    -------
    float
        :math:`P(H)`, positive when repulsive.
    """
    if model.d not in (2, 3):
        raise ValueError(f"model.d must be 2 or 3 for a slab, got {model.d}")
    if not (isinstance(H, (int, float)) and math.isfinite(H) and H > 0):
        raise ValueError(f"H must be a positive finite number, got {H!r}")
    if spacing is not None and not H > spacing:
        raise ValueError(f"H must be larger than the grid spacing {spacing}, got {H!r}")
    dev = torch.device(device) if device is not None else torch.device("cpu")
    kap2 = model.kappa**2
    scale = max(model.kappa, 1.0 / H)
    k_top = 30.0 * scale
    n_modes = int(math.ceil(k_top * H / math.pi))
    k_top = n_modes * math.pi / H
    # in-plane wavevectors: |q| on panels up to 30/H, angle to the field on [0, pi/2]
    q, wq = _panels(np.array([0.0, 1.0, 3.0, 8.0, 16.0, 30.0]) / H, n_q)
    if model.d == 3:
        phi, wphi = _gauss(0.0, 0.5 * math.pi, n_angle)
        qx = (q[:, None] * np.cos(phi)[None, :]).ravel()
        weight = (wq[:, None] * q[:, None] * wphi[None, :]).ravel() * 4.0 / (2.0 * math.pi) ** 2
        qq = np.repeat(q, len(phi))
    else:
        qx, qq = q, q
        weight = wq * 2.0 / (2.0 * math.pi)
    qx_t = torch.as_tensor(qx, device=dev, dtype=torch.float64)[:, None]
    q2_t = torch.as_tensor(qq, device=dev, dtype=torch.float64)[:, None] ** 2
    w_t = torch.as_tensor(weight, device=dev, dtype=torch.float64)

    def integrand(kz: torch.Tensor) -> torch.Tensor:
        k2 = q2_t + kz**2
        e2qx2 = model.E**2 * qx_t**2
        g = e2qx2 * kap2 / ((2 * k2 + kap2) * ((k2 + kap2) * k2 + e2qx2))
        return (kz**2 - q2_t) * 2.0 * model.C0 * g / (k2 * (k2 + kap2))

    n = torch.arange(n_modes + 1, device=dev, dtype=torch.float64)
    kz_sum = (n * math.pi / H)[None, :]
    trap = torch.ones_like(n)
    trap[0] = trap[-1] = 0.5
    values = integrand(kz_sum)
    values = torch.where(torch.isfinite(values), values, torch.zeros_like(values))
    total = (values * trap).sum(-1) * (math.pi / H)
    edges = np.concatenate([[0.0], np.geomspace(1e-4 / H, k_top, 64)])
    kz_int, w_int = _panels(edges, 8)
    kz_int_t = torch.as_tensor(kz_int, device=dev, dtype=torch.float64)[None, :]
    integral = (integrand(kz_int_t) * torch.as_tensor(w_int, device=dev)).sum(-1)
    delta = total - integral
    eps = model.permittivity
    return float(-(eps / (2.0 * math.pi)) * (w_t * delta).sum() / eps**2)
