r"""Linearised stochastic Poisson-Nernst-Planck dynamics of a driven electrolyte.

The model of :cite:`driven-coulomb` (part 1; built on arXiv:2011.12821): a symmetric monovalent
electrolyte, mean density :math:`C_0` per species, diffusivity :math:`D`, Debye wavenumber
:math:`\kappa`, driven by a uniform field :math:`E` along :math:`x`. Units: :math:`k_BT = e = 1`,
so the mobility is :math:`\mu = D`, the drift velocity of a cation :math:`DE`, and the
permittivity :math:`\varepsilon = 2C_0/\kappa^2`. For the charge :math:`\rho = C_+ - C_-` and the
density :math:`c = C_+ + C_- - 2C_0` each Fourier mode obeys the 2 x 2 Ornstein-Uhlenbeck system

.. math::

    \partial_t \begin{pmatrix}\rho_k\\ c_k\end{pmatrix} =
    -\begin{pmatrix} D(k^2+\kappa^2) & i D E k_x \\ i D E k_x & D k^2 \end{pmatrix}
    \begin{pmatrix}\rho_k\\ c_k\end{pmatrix} + \begin{pmatrix}\xi_\rho\\ \xi_c\end{pmatrix},
    \qquad \langle \xi_a \xi_b^* \rangle = 4 D C_0 k^2 \delta_{ab}.

The noise follows from the Dean-Kawasaki noise :math:`\nabla\cdot(\sqrt{2DC_\pm}\,\eta_\pm)` of
each species linearised about :math:`C_0` (intensity :math:`2DC_0k^2` per species; the sum and
difference of two independent such noises are independent, with intensity :math:`4DC_0k^2`).

Solving the Lyapunov equation :math:`A\Sigma + \Sigma A^\dagger = B` in closed form, with
:math:`g = E^2 k_x^2 \kappa^2 / [(2k^2+\kappa^2)((k^2+\kappa^2)k^2 + E^2k_x^2)]`,

.. math::

    S_{cc} = 2C_0 (1 - g), \quad S_{\rho\rho} = \frac{2C_0 k^2}{k^2+\kappa^2}(1 + g), \quad
    S_{\rho c} = \langle\rho_k c_k^*\rangle/V =
    -\frac{2 i C_0 E k_x k^2\kappa^2}{(2k^2+\kappa^2)((k^2+\kappa^2)k^2 + E^2k_x^2)}.

(:math:`D` drops out.) At :math:`E = 0` these are Debye-Hueckel's; for :math:`E \ne 0` and
:math:`k \to 0`, :math:`S_{cc} - 2C_0 \to -2C_0 E^2k_x^2/(\kappa^2k^2 + E^2k_x^2)`, homogeneous
of degree 0 in :math:`k`: the density correlations decay as :math:`r^{-d}` despite screening.
Lattice schemes are compared with the same formulas evaluated on their own symbols: pass ``k2``
(the symbol of :math:`-\nabla^2`) and ``kx`` (that of :math:`-i\partial_x`) instead of ``k``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from effdyn.electrolytes._bib import (
    MAHDISOLTANI2021_LONGRANGE,
    MAHDISOLTANI2021_TRANSIENT,
    MAHDISOLTANI2023_NONEQUILIBRIUM,
)
from effdyn.electrolytes._checks import dimension, finite, positive

__all__ = ["LinearDrivenElectrolyte", "StructureFactors"]


@dataclass
class StructureFactors:
    """Stationary (or time-dependent) equal-time structure factors of one set of modes.

    ``rho_c`` is :math:`\\langle \\rho_k c_k^* \\rangle / V` (complex; purely imaginary in the
    steady state).
    """

    cc: torch.Tensor
    rho_rho: torch.Tensor
    rho_c: torch.Tensor


class LinearDrivenElectrolyte:
    r"""The linear stochastic PNP model of a driven electrolyte (module text for the equations).

    Parameters
    ----------
    C0 : float
        Mean number density of each species (> 0).
    D : float
        Diffusivity of both species (> 0).
    kappa : float
        Debye wavenumber (> 0).
    E : float
        Field along :math:`x` in units of :math:`k_BT/(e\,\text{length})` (finite).
    d : int
        Space dimension, 1, 2 or 3.

    References
    ----------
    Mahdisoltani and Golestanian, Physica A (2023) 127947 (arXiv:2207.00467); PRL 126, 158002
    (2021) (arXiv:2011.12821); New J. Phys. (2021) (arXiv:2104.14498).
    """

    bibtex = "\n".join(
        [MAHDISOLTANI2023_NONEQUILIBRIUM, MAHDISOLTANI2021_LONGRANGE, MAHDISOLTANI2021_TRANSIENT]
    )

    def __init__(self, C0: float, D: float, kappa: float, E: float, d: int = 2) -> None:  # noqa: N803
        self.C0 = positive(C0, "C0")
        self.D = positive(D, "D")
        self.kappa = positive(kappa, "kappa")
        self.E = finite(E, "E")
        self.d = dimension(d)

    def __repr__(self) -> str:
        return (
            f"LinearDrivenElectrolyte(C0={self.C0:g}, D={self.D:g}, kappa={self.kappa:g}, "
            f"E={self.E:g}, d={self.d})"
        )

    @property
    def permittivity(self) -> float:
        """:math:`\\varepsilon = 2C_0/\\kappa^2` in the units of the module text."""
        return 2.0 * self.C0 / self.kappa**2

    def with_field(self, E: float) -> LinearDrivenElectrolyte:  # noqa: N803
        """The same electrolyte in another field."""
        return LinearDrivenElectrolyte(self.C0, self.D, self.kappa, E, self.d)

    # ------------------------------------------------------------------ symbols
    def _symbols(
        self,
        k: torch.Tensor | None,
        k2: torch.Tensor | None,
        kx: torch.Tensor | None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        if k is not None:
            if k2 is not None or kx is not None:
                raise ValueError("give k, or k2 and kx, not both")
            k = torch.as_tensor(k, dtype=torch.float64)
            if k.shape[-1] != self.d:
                raise ValueError(f"k must end with d={self.d} components, got {tuple(k.shape)}")
            return (k**2).sum(-1), k[..., 0]
        if k2 is None or kx is None:
            raise ValueError("give k, or both k2 and kx")
        k2 = torch.as_tensor(k2)
        kx = torch.as_tensor(kx)
        k2, kx = torch.broadcast_tensors(k2, kx)
        return k2.to(torch.float64), kx.to(torch.float64)

    def drift_matrix(
        self,
        k: torch.Tensor | None = None,
        *,
        k2: torch.Tensor | None = None,
        kx: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """The drift :math:`A` of each mode, shape ``(..., 2, 2)`` complex128 (order rho, c)."""
        k2, kx = self._symbols(k, k2, kx)
        a = -self.D * (k2 + self.kappa**2)
        b = -self.D * k2
        w = -1j * self.D * self.E * kx
        row0 = torch.stack([a.to(torch.complex128), w], dim=-1)
        row1 = torch.stack([w, b.to(torch.complex128)], dim=-1)
        return torch.stack([row0, row1], dim=-2)

    def noise_matrix(
        self,
        k: torch.Tensor | None = None,
        *,
        k2: torch.Tensor | None = None,
        kx: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """The noise covariance rate :math:`B = 4DC_0k^2 I` of each mode, ``(..., 2, 2)``."""
        k2, _ = self._symbols(k, k2, kx)
        eye = torch.eye(2, dtype=torch.complex128, device=k2.device)
        return (4.0 * self.D * self.C0 * k2)[..., None, None].to(torch.complex128) * eye

    # --------------------------------------------------------- steady state
    def structure_factors(
        self,
        k: torch.Tensor | None = None,
        *,
        k2: torch.Tensor | None = None,
        kx: torch.Tensor | None = None,
    ) -> StructureFactors:
        """Closed-form stationary structure factors (float64, batched over the modes).

        Parameters
        ----------
        k : torch.Tensor, optional
            Wavevectors of shape ``(..., d)`` (``k[..., 0]`` is along the field).
        k2, kx : torch.Tensor, optional
            Instead of ``k``: the symbols of :math:`-\\nabla^2` and :math:`-i\\partial_x`
            (broadcastable), e.g. those of a lattice scheme.

        Returns
        -------
        StructureFactors
            At :math:`k^2 = 0` every entry is 0 (the conserved zero mode does not fluctuate).
        """
        k2, kx = self._symbols(k, k2, kx)
        kap2 = self.kappa**2
        e = self.E
        den = (2.0 * k2 + kap2) * ((k2 + kap2) * k2 + e**2 * kx**2)
        zero = k2 <= 0
        safe = torch.where(zero, torch.ones_like(den), den)
        g = torch.where(zero, torch.zeros_like(den), e**2 * kx**2 * kap2 / safe)
        cc = torch.where(zero, torch.zeros_like(g), 2.0 * self.C0 * (1.0 - g))
        rr = 2.0 * self.C0 * k2 / (k2 + kap2) * (1.0 + g)
        rc_im = torch.where(zero, torch.zeros_like(g), -2.0 * self.C0 * e * kx * k2 * kap2 / safe)
        return StructureFactors(cc=cc, rho_rho=rr, rho_c=1j * rc_im)

    def covariance(
        self,
        k: torch.Tensor | None = None,
        *,
        k2: torch.Tensor | None = None,
        kx: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """The stationary covariance matrix of each mode, ``(..., 2, 2)`` complex128."""
        s = self.structure_factors(k, k2=k2, kx=kx)
        row0 = torch.stack([s.rho_rho.to(torch.complex128), s.rho_c], dim=-1)
        row1 = torch.stack([s.rho_c.conj(), s.cc.to(torch.complex128)], dim=-1)
        return torch.stack([row0, row1], dim=-2)

    def debye_hueckel(self, k2: torch.Tensor) -> StructureFactors:
        """Equilibrium (E = 0) structure factors :math:`S_{\\rho\\rho} = 2C_0k^2/(k^2+\\kappa^2)`,
        :math:`S_{cc} = 2C_0`, :math:`S_{\\rho c} = 0` (the Debye-Hueckel law)."""
        k2 = torch.as_tensor(k2, dtype=torch.float64)
        cc = torch.where(k2 > 0, 2.0 * self.C0 * torch.ones_like(k2), torch.zeros_like(k2))
        return StructureFactors(
            cc=cc,
            rho_rho=2.0 * self.C0 * k2 / (k2 + self.kappa**2),
            rho_c=torch.zeros_like(k2).to(torch.complex128),
        )

    def long_wavelength_density(self, theta: torch.Tensor) -> torch.Tensor:
        r"""The :math:`k \to 0` limit of :math:`S_{cc} - 2C_0` along the angle ``theta`` to E,
        :math:`-2C_0 E^2\cos^2\theta/(\kappa^2 + E^2\cos^2\theta)` (degree 0 in :math:`k`)."""
        c2 = torch.cos(torch.as_tensor(theta, dtype=torch.float64)) ** 2
        return -2.0 * self.C0 * self.E**2 * c2 / (self.kappa**2 + self.E**2 * c2)

    # ------------------------------------------------------------ transient
    def covariance_after_quench(
        self,
        t: float,
        k: torch.Tensor | None = None,
        *,
        k2: torch.Tensor | None = None,
        kx: torch.Tensor | None = None,
        E_before: float = 0.0,  # noqa: N803
    ) -> torch.Tensor:
        r"""Covariance of each mode a time ``t`` after the field jumps from ``E_before`` to E.

        The modes start in the stationary state at ``E_before`` (equilibrium for 0); then
        :math:`\Sigma(t) = \Sigma_\infty + e^{At}(\Sigma_0 - \Sigma_\infty)e^{A^\dagger t}`.
        Returns ``(..., 2, 2)`` complex128.
        """
        if not (isinstance(t, (int, float)) and t >= 0):
            raise ValueError(f"t must be a non-negative number, got {t!r}")
        before = self.with_field(finite(E_before, "E_before"))
        sigma0 = before.covariance(k, k2=k2, kx=kx)
        sigma_inf = self.covariance(k, k2=k2, kx=kx)
        propagator = torch.linalg.matrix_exp(self.drift_matrix(k, k2=k2, kx=kx) * t)
        delta = propagator @ (sigma0 - sigma_inf) @ propagator.conj().transpose(-1, -2)
        return sigma_inf + delta
