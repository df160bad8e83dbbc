"""All-atom n-butane in vacuum with the OPLS-AA force field, batched in torch.

Units are those of GROMACS and OpenMM: nm, ps, atomic mass units (g/mol), kJ/mol, elementary
charges; a force of 1 kJ/(mol nm) accelerates 1 amu by 1 nm/ps^2, so these units go straight
into the Langevin integrators of :mod:`effdyn.sde`.

The energy is

``V = sum_bonds k_b/2 (r - r0)^2 + sum_angles k_a/2 (theta - theta0)^2
+ sum_torsions sum_n C_n cos^n(phi - pi)
+ sum_pairs f_ij [4 eps_ij ((sigma_ij/r)^12 - (sigma_ij/r)^6) + k_e q_i q_j / r]``

with Ryckaert-Bellemans torsions (the OPLS Fourier series ``V1/2 (1 + cos phi) + V2/2 (1 -
cos 2 phi) + V3/2 (1 + cos 3 phi)`` rewritten as a polynomial in ``cos phi``), geometric
combination rules, pairs separated by one or two bonds excluded, 1-4 pairs scaled by
``f = 1/2`` (both Lennard-Jones and Coulomb) and all other pairs at full strength, no cutoff.

The parameters are OPLS-AA (Jorgensen, Maxwell and Tirado-Rives 1996), atom types opls_135
(CH3 carbon), opls_136 (CH2 carbon) and opls_140 (alkane hydrogen), as distributed with GROMACS
(``oplsaa.ff``: ``ffnonbonded.itp`` and ``ffbonded.itp``, "hydrocarbon all-atom"), typed in
here.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import torch

from effdyn.molecules.geometry import as_atoms, dihedral

__all__ = ["Butane", "ButaneTopology", "OPLSAA", "butane_topology"]

Tensor = torch.Tensor

#: Molar gas constant in kJ/(mol K): ``kT = R T`` in the units of this module.
GAS_CONSTANT = 0.0083144626
#: Coulomb constant ``1/(4 pi eps0)`` in kJ nm/(mol e^2).
COULOMB = 138.935458

bibtex = r"""@article{jorgensen1996oplsaa,
  author  = {Jorgensen, William L. and Maxwell, David S. and Tirado-Rives, Julian},
  title   = {Development and testing of the {OPLS} all-atom force field on conformational
             energetics and properties of organic liquids},
  journal = {Journal of the American Chemical Society},
  volume  = {118},
  number  = {45},
  pages   = {11225--11236},
  year    = {1996},
  doi     = {10.1021/ja9621760}
}"""


@dataclass(frozen=True)
class OPLSAA:
    """The OPLS-AA parameters for n-alkanes used here (GROMACS ``oplsaa.ff`` values).

    Bond and angle force constants ``k`` are for ``k/2 (x - x0)^2`` (twice the
    ``k (x - x0)^2`` constants of the original tables); torsions are Ryckaert-Bellemans
    coefficients ``C0..C3`` in kJ/mol of ``sum C_n cos^n(phi - 180 deg)``.
    """

    # atom types: (charge e, sigma nm, epsilon kJ/mol)
    CH3_carbon: tuple[float, float, float] = (-0.180, 0.350, 0.276144)  # opls_135
    CH2_carbon: tuple[float, float, float] = (-0.120, 0.350, 0.276144)  # opls_136
    hydrogen: tuple[float, float, float] = (0.060, 0.250, 0.125520)  # opls_140
    # bonds: (r0 nm, k kJ/mol/nm^2)
    bond_CC: tuple[float, float] = (0.15290, 224262.4)
    bond_CH: tuple[float, float] = (0.10900, 284512.0)
    # angles: (theta0 degrees, k kJ/mol/rad^2)
    angle_CCC: tuple[float, float] = (112.7, 488.273)
    angle_CCH: tuple[float, float] = (110.7, 313.800)
    angle_HCH: tuple[float, float] = (107.8, 276.144)
    # torsions: Ryckaert-Bellemans C0..C3 (kJ/mol)
    torsion_CCCC: tuple[float, ...] = (2.92880, -1.46440, 0.20920, -1.67360)
    torsion_XCCH: tuple[float, ...] = (0.62760, 1.88280, 0.00000, -2.51040)  # H-C-C-H, C-C-C-H
    scale_14: float = 0.5
    mass_C: float = 12.011
    mass_H: float = 1.008


@dataclass(frozen=True)
class ButaneTopology:
    """Atoms and interaction lists of n-butane (indices into the 14 atoms).

    Atom order: ``C1 H H H C2 H H C3 H H C4 H H H``; the carbons are ``(0, 4, 7, 10)``.
    """

    names: tuple[str, ...]
    elements: tuple[str, ...]
    bonds: tuple[tuple[int, int], ...]
    angles: tuple[tuple[int, int, int], ...]
    torsions: tuple[tuple[int, int, int, int], ...]
    pairs_14: tuple[tuple[int, int], ...]
    pairs_15: tuple[tuple[int, int], ...]
    carbons: tuple[int, int, int, int] = (0, 4, 7, 10)

    @property
    def n_atoms(self) -> int:
        return len(self.names)


def butane_topology() -> ButaneTopology:
    """Build the topology of n-butane: bonds, then angles, torsions and pairs from the graph."""
    names = ("C1", "H11", "H12", "H13", "C2", "H21", "H22", "C3", "H31", "H32", "C4", "H41",
             "H42", "H43")  # fmt: skip
    elements = tuple(n[0] for n in names)
    bonds = ((0, 1), (0, 2), (0, 3), (0, 4), (4, 5), (4, 6), (4, 7), (7, 8), (7, 9), (7, 10),
             (10, 11), (10, 12), (10, 13))  # fmt: skip
    n = len(names)
    nbr: list[list[int]] = [[] for _ in range(n)]
    for a, b in bonds:
        nbr[a].append(b)
        nbr[b].append(a)
    angles = tuple(
        (a, j, b) for j in range(n) for ia, a in enumerate(nbr[j]) for b in nbr[j][ia + 1 :]
    )
    torsions = tuple(
        (a, j, k, b) for j, k in bonds for a in nbr[j] if a != k for b in nbr[k] if b != j
    )
    # graph distances by breadth-first search
    hops = [[-1] * n for _ in range(n)]
    for s in range(n):
        hops[s][s] = 0
        queue = deque([s])
        while queue:
            u = queue.popleft()
            for v in nbr[u]:
                if hops[s][v] < 0:
                    hops[s][v] = hops[s][u] + 1
                    queue.append(v)
    pairs_14 = tuple((i, j) for i in range(n) for j in range(i + 1, n) if hops[i][j] == 3)
    pairs_15 = tuple((i, j) for i in range(n) for j in range(i + 1, n) if hops[i][j] >= 4)
    return ButaneTopology(names, elements, bonds, angles, torsions, pairs_14, pairs_15)


class Butane:
    """The OPLS-AA potential energy of n-butane in vacuum, for batches of configurations.

    Parameters
    ----------
    hydrogen_mass : float
        Mass of the hydrogens in amu (1.008; change it for the light-atom experiment: the
        potential, hence the equilibrium distribution, does not depend on masses).
    params : OPLSAA
        Force-field parameters.
    device, dtype
        Where the parameter tensors live; :meth:`energy` moves them to the positions' device
        and dtype when those differ.

    Positions are ``(B, 42)`` (flat, as the integrators of :mod:`effdyn.sde` take them) or
    ``(B, 14, 3)``, in nm. :meth:`force` is ``-grad V`` by autograd, with the flat shape of
    its input.

    Examples
    --------
    >>> mol = Butane()
    >>> x = mol.anti_conformer(4)         # (4, 42), anti, near the energy minimum
    >>> mol.energy(x).shape, mol.force(x).shape
    (torch.Size([4]), torch.Size([4, 42]))
    """

    bibtex = bibtex

    def __init__(
        self,
        hydrogen_mass: float = 1.008,
        params: OPLSAA | None = None,
        *,
        device: torch.device | str | None = None,
        dtype: torch.dtype = torch.float64,
    ) -> None:
        if not (isinstance(hydrogen_mass, (int, float)) and math.isfinite(hydrogen_mass)):
            raise ValueError(f"hydrogen_mass must be a positive number, got {hydrogen_mass!r}")
        if hydrogen_mass <= 0:
            raise ValueError(f"hydrogen_mass must be positive (amu), got {hydrogen_mass!r}")
        self.params = p = params if params is not None else OPLSAA()
        self.topology = top = butane_topology()
        self.hydrogen_mass = float(hydrogen_mass)
        self.n_atoms = top.n_atoms
        kw = {"device": device, "dtype": dtype}

        def carbon_type(i: int) -> tuple[float, float, float]:
            n_h = sum(1 for a, b in top.bonds if i in (a, b) and "H" in top.elements[a + b - i])
            return p.CH3_carbon if n_h == 3 else p.CH2_carbon

        types = [carbon_type(i) if e == "C" else p.hydrogen for i, e in enumerate(top.elements)]
        self.charges = torch.tensor([t[0] for t in types], **kw)
        sig = torch.tensor([t[1] for t in types], **kw)
        eps = torch.tensor([t[2] for t in types], **kw)
        masses = [p.mass_C if e == "C" else self.hydrogen_mass for e in top.elements]
        self.masses = torch.tensor(masses, **kw)

        idx = {"device": device, "dtype": torch.long}
        self._bonds = torch.tensor(top.bonds, **idx)
        bond_par = [p.bond_CC if top.elements[a] == top.elements[b] == "C" else p.bond_CH
                    for a, b in top.bonds]  # fmt: skip
        self._bond_r0 = torch.tensor([b[0] for b in bond_par], **kw)
        self._bond_k = torch.tensor([b[1] for b in bond_par], **kw)

        self._angles = torch.tensor(top.angles, **idx)
        ang_par = []
        for a, _, b in top.angles:
            n_h = (top.elements[a] == "H") + (top.elements[b] == "H")
            ang_par.append((p.angle_CCC, p.angle_CCH, p.angle_HCH)[n_h])
        self._angle_t0 = torch.tensor([math.radians(a[0]) for a in ang_par], **kw)
        self._angle_k = torch.tensor([a[1] for a in ang_par], **kw)

        self._torsions = torch.tensor(top.torsions, **idx)
        tor_par = [p.torsion_CCCC if top.elements[a] == top.elements[b] == "C" else p.torsion_XCCH
                   for a, _, _, b in top.torsions]  # fmt: skip
        self._rb = torch.tensor(tor_par, **kw)  # (n_torsions, 4)

        pairs = top.pairs_14 + top.pairs_15
        scale = torch.tensor([p.scale_14] * len(top.pairs_14) + [1.0] * len(top.pairs_15), **kw)
        self._pairs = torch.tensor(pairs, **idx)
        i, j = self._pairs[:, 0], self._pairs[:, 1]
        s_ij = torch.sqrt(sig[i] * sig[j])
        e_ij = torch.sqrt(eps[i] * eps[j])
        self._lj12 = scale * 4 * e_ij * s_ij**12
        self._lj6 = scale * 4 * e_ij * s_ij**6
        self._qq = scale * COULOMB * self.charges[i] * self.charges[j]
        self._on: tuple[torch.device, torch.dtype] = (self.masses.device, self.masses.dtype)

    # -- helpers ---------------------------------------------------------------------------
    @property
    def dim(self) -> int:
        """Number of Cartesian coordinates (42)."""
        return 3 * self.n_atoms

    @property
    def carbons(self) -> tuple[int, int, int, int]:
        return self.topology.carbons

    def mass_per_coordinate(self) -> Tensor:
        """Masses repeated over x, y, z: shape ``(42,)``, for the Langevin integrators."""
        return self.masses.repeat_interleave(3)

    def beta(self, temperature: float) -> float:
        """``1 / kT`` in mol/kJ at ``temperature`` kelvin."""
        if not temperature > 0:
            raise ValueError(f"temperature must be positive (kelvin), got {temperature!r}")
        return 1.0 / (GAS_CONSTANT * float(temperature))

    def _to(self, x: Tensor) -> None:
        if (x.device, x.dtype) != self._on:
            for name in ("charges", "masses", "_bond_r0", "_bond_k", "_angle_t0", "_angle_k",
                         "_rb", "_lj12", "_lj6", "_qq"):  # fmt: skip
                setattr(self, name, getattr(self, name).to(x.device, x.dtype))
            for name in ("_bonds", "_angles", "_torsions", "_pairs"):
                setattr(self, name, getattr(self, name).to(x.device))
            self._on = (x.device, x.dtype)

    # -- energy ----------------------------------------------------------------------------
    def energy_terms(self, x: Tensor) -> dict[str, Tensor]:
        """Bond, angle, torsion, Lennard-Jones and Coulomb energies, each ``(B,)`` in kJ/mol."""
        r = as_atoms(x, self.n_atoms)
        self._to(r)
        b = self._bonds
        d = (r[:, b[:, 1]] - r[:, b[:, 0]]).norm(dim=-1)
        e_bond = 0.5 * (self._bond_k * (d - self._bond_r0) ** 2).sum(-1)

        a = self._angles
        u, v = r[:, a[:, 0]] - r[:, a[:, 1]], r[:, a[:, 2]] - r[:, a[:, 1]]
        cos = (u * v).sum(-1) / (u.norm(dim=-1) * v.norm(dim=-1))
        theta = torch.acos(cos.clamp(-1.0, 1.0))
        e_angle = 0.5 * (self._angle_k * (theta - self._angle_t0) ** 2).sum(-1)

        t = self._torsions
        b1 = r[:, t[:, 1]] - r[:, t[:, 0]]
        b2 = r[:, t[:, 2]] - r[:, t[:, 1]]
        b3 = r[:, t[:, 3]] - r[:, t[:, 2]]
        n1, n2 = torch.cross(b1, b2, dim=-1), torch.cross(b2, b3, dim=-1)
        cos_phi = (n1 * n2).sum(-1) / (n1.norm(dim=-1) * n2.norm(dim=-1))
        c = -cos_phi  # cos(phi - pi)
        rb = self._rb
        e_torsion = (rb[:, 0] + c * (rb[:, 1] + c * (rb[:, 2] + c * rb[:, 3]))).sum(-1)

        pr = self._pairs
        inv2 = 1.0 / ((r[:, pr[:, 1]] - r[:, pr[:, 0]]) ** 2).sum(-1)
        inv6 = inv2**3
        e_lj = (self._lj12 * inv6 * inv6 - self._lj6 * inv6).sum(-1)
        e_coul = (self._qq * inv2.sqrt()).sum(-1)
        return {
            "bond": e_bond,
            "angle": e_angle,
            "torsion": e_torsion,
            "lennard_jones": e_lj,
            "coulomb": e_coul,
        }

    def energy(self, x: Tensor) -> Tensor:
        """The potential energy ``(B,)`` in kJ/mol."""
        return sum(self.energy_terms(x).values())

    def force_autograd(self, x: Tensor) -> Tensor:
        """``-grad V`` by automatic differentiation of :meth:`energy` (a reference for
        :meth:`force`, which is faster)."""
        with torch.enable_grad():
            xg = x.detach().requires_grad_(True)
            (g,) = torch.autograd.grad(self.energy(xg).sum(), xg)
        return -g

    def force(self, x: Tensor) -> Tensor:
        """``-grad V`` (kJ/(mol nm)) from the analytic derivatives of each term; same shape
        as ``x``."""
        r = as_atoms(x, self.n_atoms)
        self._to(r)
        grad = torch.zeros_like(r)

        b = self._bonds
        d = r[:, b[:, 1]] - r[:, b[:, 0]]
        dist = d.norm(dim=-1, keepdim=True)
        g = (self._bond_k[:, None] * (dist - self._bond_r0[:, None]) / dist) * d
        grad.index_add_(1, b[:, 1], g).index_add_(1, b[:, 0], -g)

        a = self._angles
        u, v = r[:, a[:, 0]] - r[:, a[:, 1]], r[:, a[:, 2]] - r[:, a[:, 1]]
        nu, nv = u.norm(dim=-1, keepdim=True), v.norm(dim=-1, keepdim=True)
        uh, vh = u / nu, v / nv
        cos = (uh * vh).sum(-1, keepdim=True).clamp(-1.0, 1.0)
        theta = torch.acos(cos)
        sin = torch.sqrt((1.0 - cos * cos).clamp_min(1e-12))
        de = -self._angle_k[:, None] * (theta - self._angle_t0[:, None]) / sin
        gu = de * (vh - cos * uh) / nu
        gv = de * (uh - cos * vh) / nv
        grad.index_add_(1, a[:, 0], gu).index_add_(1, a[:, 2], gv)
        grad.index_add_(1, a[:, 1], -(gu + gv))

        t = self._torsions
        b1 = r[:, t[:, 1]] - r[:, t[:, 0]]
        b2 = r[:, t[:, 2]] - r[:, t[:, 1]]
        b3 = r[:, t[:, 3]] - r[:, t[:, 2]]
        n1, n2 = torch.cross(b1, b2, dim=-1), torch.cross(b2, b3, dim=-1)
        l1, l2 = n1.norm(dim=-1, keepdim=True), n2.norm(dim=-1, keepdim=True)
        h1, h2 = n1 / l1, n2 / l2
        cos_phi = (h1 * h2).sum(-1, keepdim=True)
        c = -cos_phi
        rb = self._rb
        # dE/d(cos phi) = -(C1 + 2 C2 c + 3 C3 c^2)
        de = -(rb[:, 1:2] + c * (2 * rb[:, 2:3] + 3 * c * rb[:, 3:4]))
        g1 = de * (h2 - cos_phi * h1) / l1  # dE/dn1
        g2 = de * (h1 - cos_phi * h2) / l2  # dE/dn2
        G1 = torch.cross(b2, g1, dim=-1)
        G2 = torch.cross(g1, b1, dim=-1) + torch.cross(b3, g2, dim=-1)
        G3 = torch.cross(g2, b2, dim=-1)
        grad.index_add_(1, t[:, 0], -G1).index_add_(1, t[:, 1], G1 - G2)
        grad.index_add_(1, t[:, 2], G2 - G3).index_add_(1, t[:, 3], G3)

        pr = self._pairs
        d = r[:, pr[:, 1]] - r[:, pr[:, 0]]
        inv2 = 1.0 / (d * d).sum(-1)
        inv6 = inv2**3
        # dE/d(r^2) for E = A r^-12 - C r^-6 + Q r^-1
        de = inv2 * (-6.0 * self._lj12 * inv6 * inv6 + 3.0 * self._lj6 * inv6
                     - 0.5 * self._qq * inv2.sqrt())  # fmt: skip
        g = (2.0 * de)[..., None] * d
        grad.index_add_(1, pr[:, 1], g).index_add_(1, pr[:, 0], -g)
        return -grad.reshape(x.shape)

    __call__ = force

    def dihedral(self, x: Tensor) -> Tensor:
        """The C-C-C-C dihedral ``(B,)`` in ``[0, 2 pi)``; anti = pi."""
        return dihedral(as_atoms(x, self.n_atoms), *self.carbons)

    def group_dihedral(self, x: Tensor) -> Tensor:
        """The dihedral ``(B,)`` of the centres of mass of the four CH3/CH2 groups, in [0, 2 pi).

        Unlike :meth:`dihedral`, its gradient reaches the hydrogens, in proportion to their
        mass, so its mass-weighted diffusion ``E[grad xi^T M^{-1} grad xi]`` counts the
        hydrogens carried along by the torsion (the light-atom point of Sule, Mehta and
        Cameron 2025). It tends to :meth:`dihedral` as the hydrogen mass goes to zero.
        """
        r = as_atoms(x, self.n_atoms)
        groups = []
        for c in self.carbons:
            members = [
                c,
                *(
                    b if a == c else a
                    for a, b in self.topology.bonds
                    if c in (a, b) and self.topology.elements[a + b - c] == "H"
                ),
            ]
            m = self.masses[members].to(r.device, r.dtype)
            groups.append((r[:, members] * m[:, None]).sum(1) / m.sum())
        return dihedral(torch.stack(groups, dim=1), 0, 1, 2, 3)

    # -- configurations --------------------------------------------------------------------
    def anti_conformer(self, n: int = 1, *, device=None, dtype=None) -> Tensor:
        """``n`` copies ``(n, 42)`` of an ideal staggered anti geometry (equilibrium bond
        lengths and angles, carbon skeleton in the xy plane)."""
        if int(n) != n or n < 1:
            raise ValueError(f"n must be a positive integer, got {n!r}")
        p = self.params
        bcc, bch = p.bond_CC[0], p.bond_CH[0]
        th = math.radians(p.angle_CCC[0])
        pos = torch.zeros(self.n_atoms, 3, dtype=torch.float64)
        C1, C2, C3, C4 = self.carbons
        pos[C3] = torch.tensor([bcc, 0.0, 0.0])
        pos[C1] = bcc * torch.tensor([math.cos(th), math.sin(th), 0.0])
        pos[C4] = pos[C3] + bcc * torch.tensor([-math.cos(th), -math.sin(th), 0.0])
        half = math.radians(p.angle_HCH[0]) / 2
        for c, (a, b), hs in ((C2, (C1, C3), (5, 6)), (C3, (C2, C4), (8, 9))):
            ua = (pos[a] - pos[c]) / bcc
            ub = (pos[b] - pos[c]) / bcc
            w = -(ua + ub) / (ua + ub).norm()
            nrm = torch.linalg.cross(ua, ub)
            nrm = nrm / nrm.norm()
            pos[hs[0]] = pos[c] + bch * (math.cos(half) * w + math.sin(half) * nrm)
            pos[hs[1]] = pos[c] + bch * (math.cos(half) * w - math.sin(half) * nrm)
        tha = math.radians(p.angle_CCH[0])
        for c, a, other, hs in ((C1, C2, C3, (1, 2, 3)), (C4, C3, C2, (11, 12, 13))):
            ua = (pos[a] - pos[c]) / bcc
            ref = pos[other] - pos[a]
            p1 = -(ref - (ref @ ua) * ua)
            p1 = p1 / p1.norm()
            p2 = torch.linalg.cross(ua, p1)
            for k, h in enumerate(hs):
                ang = 2 * math.pi * k / 3
                direc = math.cos(tha) * ua + math.sin(tha) * (
                    math.cos(ang) * p1 + math.sin(ang) * p2
                )
                pos[h] = pos[c] + bch * direc
        dev = device if device is not None else self.masses.device
        dt = dtype if dtype is not None else self.masses.dtype
        return pos.reshape(1, -1).repeat(int(n), 1).to(dev, dt)

    def rotamers(self, phi: Tensor, *, device=None, dtype=None) -> Tensor:
        """Conformers ``(len(phi), 42)`` with C-C-C-C dihedral ``phi`` (radians): the anti
        conformer with C3's hydrogens, C4 and C4's hydrogens rigidly rotated about the C2-C3
        bond (a rigid torsion scan)."""
        phi = torch.as_tensor(phi, dtype=torch.float64).reshape(-1).cpu()
        x = self.anti_conformer(1, device="cpu", dtype=torch.float64).view(self.n_atoms, 3)
        c2, c3 = x[self.carbons[1]], x[self.carbons[2]]
        k = (c3 - c2) / (c3 - c2).norm()
        K = torch.tensor([[0.0, -k[2], k[1]], [k[2], 0.0, -k[0]], [-k[1], k[0], 0.0]],
                         dtype=torch.float64)  # fmt: skip
        a = (math.pi - phi)[:, None, None]  # the anti conformer has phi = pi
        R = torch.eye(3, dtype=torch.float64) + torch.sin(a) * K + (1 - torch.cos(a)) * (K @ K)
        moving = [8, 9, 10, 11, 12, 13]
        out = x.expand(phi.shape[0], -1, -1).clone()
        out[:, moving] = torch.einsum("bij,mj->bmi", R, x[moving] - c3) + c3
        dev = device if device is not None else self.masses.device
        dt = dtype if dtype is not None else self.masses.dtype
        return out.reshape(phi.shape[0], -1).to(dev, dt)

    def thermal_rotamers(
        self,
        n: int,
        temperature: float,
        *,
        generator: torch.Generator | None = None,
        grid: int = 720,
        device=None,
        dtype=None,
    ) -> Tensor:
        """``n`` rigid rotamers (:meth:`rotamers`) with dihedrals drawn from the Boltzmann
        weights ``exp(-E / kT)`` of the rigid torsion scan on ``grid`` angles.

        A starting ensemble close to equilibrium in the slow coordinate: starting every replica
        in anti would bias transition counts for the ``~ 1 / (k_AB + k_BA)`` it takes the
        anti/gauche populations to relax. The rigid scan misses the relaxation of bonds and
        angles, so a short burn-in is still needed, and the populations are close to, not
        exactly, the equilibrium ones.
        """
        if int(n) != n or n < 1:
            raise ValueError(f"n must be a positive integer, got {n!r}")
        phis = torch.arange(grid, dtype=torch.float64) * (2 * math.pi / grid)
        E = self.energy(self.rotamers(phis, device="cpu", dtype=torch.float64))
        w = torch.exp(-self.beta(temperature) * (E - E.min()))
        pick = torch.multinomial(w, int(n), replacement=True, generator=generator)
        jitter = torch.rand(int(n), generator=generator, dtype=torch.float64) - 0.5
        return self.rotamers(phis[pick] + jitter * (2 * math.pi / grid), device=device,
                             dtype=dtype)  # fmt: skip
