r"""Self-interaction potentials :math:`V(\phi)` of the nonlinear Klein-Gordon equation.

The equation is :math:`\phi_{tt} - \phi_{xx} + V'(\phi) = 0`, with the three potentials of
:cite:`klein-gordon`: the linear Klein-Gordon field, :math:`\phi^4` theory and sine-Gordon.
Each potential is an object with :meth:`~Potential.V` (energy density),
:meth:`~Potential.dV` (force) and :meth:`~Potential.d2V` (its curvature, used for stability
limits); all act elementwise on tensors of any shape.
"""

from __future__ import annotations

import math

import torch

__all__ = ["Potential", "LinearKG", "Phi4", "SineGordon"]

_PAPER_BIBTEX = r"""@software{herho2025amangkurat,
  author = {Herho, Sandy H. S. and others},
  title = {amangkurat: symplectic pseudo-spectral solver for the idealized (1+1)D nonlinear
           Klein-Gordon equation},
  year = {2025},
  doi = {10.5281/zenodo.17624665}
}"""


class Potential:
    """Base class: a potential :math:`V(\\phi)` and its first two derivatives."""

    name: str = "potential"
    bibtex: str = _PAPER_BIBTEX

    def V(self, phi: torch.Tensor) -> torch.Tensor:  # noqa: N802 - physics notation
        """Potential energy density :math:`V(\\phi)`."""
        raise NotImplementedError

    def dV(self, phi: torch.Tensor) -> torch.Tensor:  # noqa: N802
        """Force term :math:`V'(\\phi)` of the equation of motion."""
        raise NotImplementedError

    def d2V(self, phi: torch.Tensor) -> torch.Tensor:  # noqa: N802
        """Curvature :math:`V''(\\phi)`."""
        raise NotImplementedError

    def max_curvature(self, phi_bound: float) -> float:
        """An upper bound of :math:`|V''|` for :math:`|\\phi| \\le` ``phi_bound``."""
        raise NotImplementedError


def _positive(value: float, what: str) -> float:
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
        raise ValueError(f"{what} must be a positive finite number, got {value!r}")
    return float(value)


class LinearKG(Potential):
    r"""Linear Klein-Gordon field, :math:`V = \tfrac12 m^2 \phi^2`.

    Parameters
    ----------
    mass : float
        The mass :math:`m > 0`; the dispersion relation is :math:`\omega^2 = k^2 + m^2`.
    """

    name = "linear"

    def __init__(self, mass: float = 1.0) -> None:
        self.mass = _positive(mass, "mass")

    def __repr__(self) -> str:
        return f"LinearKG(mass={self.mass:g})"

    def V(self, phi: torch.Tensor) -> torch.Tensor:  # noqa: N802
        return 0.5 * self.mass**2 * phi**2

    def dV(self, phi: torch.Tensor) -> torch.Tensor:  # noqa: N802
        return self.mass**2 * phi

    def d2V(self, phi: torch.Tensor) -> torch.Tensor:  # noqa: N802
        return torch.full_like(phi, self.mass**2)

    def max_curvature(self, phi_bound: float) -> float:
        return self.mass**2


class Phi4(Potential):
    r""":math:`\phi^4` theory, :math:`V = \tfrac{\lambda}{4}(\phi^2 - v^2)^2`.

    The static kink is :math:`v\tanh(v\sqrt{\lambda/2}\,x)`, its energy
    :math:`\tfrac{2\sqrt2}{3}\sqrt{\lambda}\,v^3` and the mass of small oscillations about a
    vacuum :math:`\sqrt{2\lambda}\,v` (:func:`effdyn.fields.exact.phi4_kink`).

    Parameters
    ----------
    lam : float
        Coupling :math:`\lambda > 0`.
    vacuum : float
        Vacuum expectation value :math:`v > 0` (the minima are :math:`\pm v`).
    """

    name = "phi4"
    bibtex = (
        _PAPER_BIBTEX
        + "\n"
        + r"""@article{campbell1983resonance,
  author = {Campbell, David K. and Schonfeld, Jonathan F. and Wingate, Charles A.},
  title = {Resonance structure in kink-antikink interactions in $\phi^4$ theory},
  journal = {Physica D},
  volume = {9},
  pages = {1--32},
  year = {1983},
  doi = {10.1016/0167-2789(83)90289-0}
}"""
    )

    def __init__(self, lam: float = 1.0, vacuum: float = 1.0) -> None:
        self.lam = _positive(lam, "lam")
        self.vacuum = _positive(vacuum, "vacuum")

    def __repr__(self) -> str:
        return f"Phi4(lam={self.lam:g}, vacuum={self.vacuum:g})"

    def V(self, phi: torch.Tensor) -> torch.Tensor:  # noqa: N802
        return 0.25 * self.lam * (phi**2 - self.vacuum**2) ** 2

    def dV(self, phi: torch.Tensor) -> torch.Tensor:  # noqa: N802
        return self.lam * phi * (phi**2 - self.vacuum**2)

    def d2V(self, phi: torch.Tensor) -> torch.Tensor:  # noqa: N802
        return self.lam * (3.0 * phi**2 - self.vacuum**2)

    def max_curvature(self, phi_bound: float) -> float:
        return self.lam * max(3.0 * phi_bound**2 - self.vacuum**2, self.vacuum**2)


class SineGordon(Potential):
    r"""Sine-Gordon, :math:`V = 1 - \cos\phi` (integrable: kinks, breathers, exact collisions)."""

    name = "sine-gordon"

    def __repr__(self) -> str:
        return "SineGordon()"

    def V(self, phi: torch.Tensor) -> torch.Tensor:  # noqa: N802
        return 1.0 - torch.cos(phi)

    def dV(self, phi: torch.Tensor) -> torch.Tensor:  # noqa: N802
        return torch.sin(phi)

    def d2V(self, phi: torch.Tensor) -> torch.Tensor:  # noqa: N802
        return torch.cos(phi)

    def max_curvature(self, phi_bound: float) -> float:
        return 1.0
