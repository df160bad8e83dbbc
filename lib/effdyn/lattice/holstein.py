"""The semiclassical (adiabatic) Holstein model on a periodic square lattice, solved exactly.

Spinless electrons at chemical potential ``mu = 0`` (half filling by particle-hole symmetry) on an
``L x L`` periodic square lattice, coupled to one classical displacement ``Q_i`` per site
(Holstein 1959; the model of Fan and Chern 2026, arXiv:2601.04104)::

    H = -t sum_<ij> (c_i^+ c_j + h.c.) - g sum_i (n_i - 1/2) Q_i + sum_i K Q_i^2 / 2.

In the adiabatic (Born-Oppenheimer) limit the electrons are in equilibrium at temperature
``kT_el`` for the instantaneous ``Q``; the lattice feels the force

    F_i = g (<n_i> - 1/2) - K Q_i,

with ``<n_i>`` from the electronic density matrix (exact diagonalisation of the ``L^2 x L^2``
single-particle matrix ``h = -t A - g diag(Q)``, batched ``torch.linalg.eigh``). The force is
minus the gradient of the electronic grand potential plus the elastic energy
(:meth:`HolsteinModel.energy`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from effdyn.lattice._checks import check_dtype, check_field, check_lattice_size, check_positive

__all__ = ["HolsteinModel", "hopping_matrix", "staggered_sign"]

Tensor = torch.Tensor


def hopping_matrix(
    L: int, *, device: torch.device | str | None = None, dtype: torch.dtype = torch.float64
) -> Tensor:
    """Adjacency matrix ``A`` of the periodic ``L x L`` square lattice, shape ``(L^2, L^2)``.

    Site ``(x, y)`` has index ``x * L + y``; ``A_ij = 1`` for nearest neighbours.
    """
    L = check_lattice_size(L)
    check_dtype(dtype)
    idx = torch.arange(L * L, device=device).reshape(L, L)
    A = torch.zeros(L * L, L * L, device=device, dtype=dtype)
    for shift, dim in ((1, 0), (1, 1)):
        nb = torch.roll(idx, shifts=shift, dims=dim).reshape(-1)
        A[idx.reshape(-1), nb] = 1.0
        A[nb, idx.reshape(-1)] = 1.0
    return A


def staggered_sign(
    L: int, *, device: torch.device | str | None = None, dtype: torch.dtype = torch.float64
) -> Tensor:
    """The checkerboard sign ``(-1)^(x + y)`` on the ``L x L`` lattice, shape ``(L, L)``."""
    L = check_lattice_size(L)
    x = torch.arange(L, device=device)
    return (1 - 2 * ((x[:, None] + x[None, :]) % 2)).to(dtype)


class HolsteinModel:
    """Adiabatic Holstein model with exact (ED) forces on an ``L x L`` periodic lattice.

    Parameters
    ----------
    L : int
        Linear size; even (the checkerboard must fit the periodic lattice) and at least 4.
    t : float
        Hopping amplitude (> 0).
    g : float
        Electron-lattice coupling (any real number; ``g = 0`` decouples the electrons).
    K : float
        Elastic constant (> 0).
    kT_el : float
        Temperature of the electrons (> 0), in units of ``t``.

    Notes
    -----
    Fan and Chern (2026), arXiv:2601.04104, train equivariant force fields on these forces.
    The methods take a batch ``Q`` of shape ``(B, L, L)`` and compute in its device and dtype
    (float64 for references, float32 acceptable for training data).
    """

    def __init__(self, L: int, t: float = 1.0, g: float = 1.5, K: float = 1.0, kT_el: float = 0.02):
        self.L = check_lattice_size(L)
        self.t = check_positive(t, "t")
        try:
            self.g = float(g)
        except (TypeError, ValueError) as err:
            raise TypeError(f"g must be a real number, got {type(g).__name__}") from err
        self.K = check_positive(K, "K")
        self.kT_el = check_positive(kT_el, "kT_el")
        self._hopping: dict[Any, Tensor] = {}

    @property
    def n_sites(self) -> int:
        """Number of sites ``N = L^2``."""
        return self.L * self.L

    def __repr__(self) -> str:
        return (
            f"HolsteinModel(L={self.L}, t={self.t:g}, g={self.g:g}, K={self.K:g}, "
            f"kT_el={self.kT_el:g})"
        )

    def _single_particle(self, Q: Tensor) -> Tensor:
        key = (Q.device, Q.dtype)
        A = self._hopping.get(key)
        if A is None:
            A = self._hopping[key] = hopping_matrix(self.L, device=Q.device, dtype=Q.dtype)
        onsite = torch.diag_embed(Q.reshape(Q.shape[0], -1))
        return -self.t * A - self.g * onsite

    def spectrum(self, Q: Tensor) -> tuple[Tensor, Tensor]:
        """Single-particle energies ``(B, N)`` and eigenvectors ``(B, N, N)`` for ``Q``."""
        Q = check_field(Q, self.L)
        return torch.linalg.eigh(self._single_particle(Q))

    def density(self, Q: Tensor) -> Tensor:
        """Electron density ``<n_i>`` at ``mu = 0`` and ``kT_el``, shape ``(B, L, L)``."""
        energies, vectors = self.spectrum(Q)
        occupation = torch.sigmoid(-energies / self.kT_el)
        n = torch.einsum("bin,bn->bi", vectors * vectors, occupation)
        return n.reshape(Q.shape)

    def forces(self, Q: Tensor) -> Tensor:
        """Adiabatic forces ``F_i = g (<n_i> - 1/2) - K Q_i``, shape ``(B, L, L)``."""
        return self.g * (self.density(Q) - 0.5) - self.K * Q

    def energy(self, Q: Tensor) -> Tensor:
        """Electronic grand potential at ``mu = 0`` plus the elastic energy, shape ``(B,)``.

        ``E(Q) = -kT_el sum_n log(1 + exp(-eps_n / kT_el)) + (g/2) sum_i Q_i + (K/2) sum_i Q_i^2``
        (the ``g/2`` term is the ``-1/2`` of ``n_i - 1/2``), so that ``forces = -grad E``.
        Differentiable by autograd (for configurations without degenerate levels).
        """
        Q = check_field(Q, self.L)
        energies = torch.linalg.eigvalsh(self._single_particle(Q))
        grand = -self.kT_el * torch.nn.functional.softplus(-energies / self.kT_el).sum(-1)
        flat = Q.reshape(Q.shape[0], -1)
        return grand + 0.5 * self.g * flat.sum(-1) + 0.5 * self.K * (flat * flat).sum(-1)

    def flat_force(self) -> Callable[[Tensor], Tensor]:
        """The ED force as a callable on ``Q`` flattened to ``(B, L^2)`` (for :mod:`effdyn.sde`)."""
        return flat_force(self.forces, self.L)

    # exact mean-field references (effdyn.lattice.meanfield)
    def checkerboard_force(self, Q0: Any) -> Tensor:
        """Force on a ``+Q0`` site of the checkerboard ``Q_i = (-1)^(x+y) Q0`` (k-space, exact).

        See :func:`effdyn.lattice.meanfield.checkerboard_force`.
        """
        from effdyn.lattice.meanfield import checkerboard_force

        return checkerboard_force(Q0, L=self.L, t=self.t, g=self.g, K=self.K, kT_el=self.kT_el)

    def cdw_gap_equation(self, kT_el: float | None = None) -> float:
        """Equilibrium checkerboard amplitude ``Q0(T)`` from the gap equation (0 above T_CDW).

        See :func:`effdyn.lattice.meanfield.cdw_amplitude`.
        """
        from effdyn.lattice.meanfield import cdw_amplitude

        kT = self.kT_el if kT_el is None else kT_el
        return cdw_amplitude(kT, L=self.L, t=self.t, g=self.g, K=self.K)


def flat_force(force: Callable[[Tensor], Tensor], L: int) -> Callable[[Tensor], Tensor]:
    """Wrap a lattice force ``(B, L, L) -> (B, L, L)`` as ``(B, L^2) -> (B, L^2)``.

    This is the form the Langevin integrators of :mod:`effdyn.sde` (e.g. ``BAOAB``) take.
    """
    L = check_lattice_size(L)

    def wrapped(q: Tensor) -> Tensor:
        if q.dim() != 2 or q.shape[1] != L * L:
            raise ValueError(f"q must have shape (B, {L * L}), got {tuple(q.shape)}")
        return force(q.reshape(-1, L, L)).reshape(q.shape)

    return wrapped
