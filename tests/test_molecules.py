"""Tests of the all-atom butane model (OPLS-AA) and its internal coordinates."""

import math

import pytest
import torch

from effdyn.molecules import Butane, butane_topology, dihedral, dihedral_gradient
from effdyn.sde import BAOAB, simulate


@pytest.fixture(scope="module")
def mol():
    return Butane()


def random_config(mol, n, scale=0.005, seed=0):
    g = torch.Generator().manual_seed(seed)
    return mol.anti_conformer(n) + scale * torch.randn(n, mol.dim, generator=g, dtype=torch.float64)


def random_rotation(seed):
    g = torch.Generator().manual_seed(seed)
    q, _ = torch.linalg.qr(torch.randn(3, 3, generator=g, dtype=torch.float64))
    return q * torch.sign(torch.det(q))


def test_topology_counts():
    top = butane_topology()
    assert top.n_atoms == 14 and len(top.bonds) == 13
    assert len(top.angles) == 24  # 4 carbons: 3+3+... (sum of C(deg, 2))
    assert len(top.torsions) == 27  # 9 around each terminal bond and 9 around the central one
    assert len(top.pairs_14) == 27 and len(top.pairs_15) == 91 - 13 - 24 - 27


def test_forces_match_finite_differences(mol):
    x = random_config(mol, 2)
    f = mol.force(x)
    h = 1e-6
    for k in (0, 4, 13, 21, 30, 41):
        e = torch.zeros_like(x)
        e[:, k] = h
        fd = -(mol.energy(x + e) - mol.energy(x - e)) / (2 * h)
        assert torch.allclose(f[:, k], fd, rtol=1e-5, atol=1e-4), (k, f[:, k], fd)


def test_analytic_forces_equal_autograd(mol):
    x = random_config(mol, 5, scale=0.02, seed=3)
    assert torch.allclose(mol.force(x), mol.force_autograd(x), rtol=1e-9, atol=1e-7)


def test_energy_invariant_under_rigid_motions(mol):
    x = random_config(mol, 3).view(3, 14, 3)
    R = random_rotation(1)
    moved = x @ R.T + torch.tensor([0.3, -1.0, 2.0], dtype=torch.float64)
    assert torch.allclose(mol.energy(x), mol.energy(moved), atol=1e-9)
    assert torch.allclose(mol.dihedral(x), mol.dihedral(moved), atol=1e-10)
    # forces rotate with the molecule
    assert torch.allclose(mol.force(moved), mol.force(x) @ R.T, atol=1e-7)


def test_torsion_profile_minima(mol):
    """Rigidly rotating C4 and its hydrogens about the C2-C3 bond: anti is the global minimum,
    gauche (near +-60 deg from cis, i.e. pi -+ 2 pi / 3) a local one, cis the maximum."""
    x = mol.anti_conformer(1).view(14, 3)
    c2, c3 = x[4], x[7]
    axis = (c3 - c2) / (c3 - c2).norm()
    moving = [8, 9, 10, 11, 12, 13]
    angles = torch.linspace(0, 2 * math.pi, 361, dtype=torch.float64)[:-1]
    confs = []
    for a in angles:
        K = torch.tensor([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
        R = torch.eye(3, dtype=torch.float64) + torch.sin(a) * K + (1 - torch.cos(a)) * K @ K
        y = x.clone()
        y[moving] = (x[moving] - c3) @ R.T + c3
        confs.append(y)
    confs = torch.stack(confs)
    E = mol.energy(confs)
    phi = mol.dihedral(confs)
    assert abs(float(phi[E.argmin()]) - math.pi) < 0.05
    assert float(phi[E.argmax()]) < 0.1 or float(phi[E.argmax()]) > 2 * math.pi - 0.1
    gauche = (phi - (math.pi - 2 * math.pi / 3)).abs() < 0.5
    g_min = phi[gauche][E[gauche].argmin()]
    assert abs(float(g_min) - math.pi / 3) < 0.3  # rigid scan: 60-75 deg (relaxed ~65)
    dE = float(E[gauche].min() - E.min())
    assert 1.0 < dE < 6.0  # anti-gauche gap of alkanes, about 3 kJ/mol


def test_dihedral_gradient_matches_finite_differences():
    g = torch.Generator().manual_seed(4)
    x = torch.randn(3, 4, 3, generator=g, dtype=torch.float64)
    phi, grad = dihedral_gradient(x, 0, 1, 2, 3)
    h = 1e-6
    for a in range(4):
        for c in range(3):
            e = torch.zeros_like(x)
            e[:, a, c] = h
            fd = (dihedral(x + e, 0, 1, 2, 3, periodic_range="-pi,pi")
                  - dihedral(x - e, 0, 1, 2, 3, periodic_range="-pi,pi")) / (2 * h)  # fmt: skip
            assert torch.allclose(grad[:, a, c], fd, atol=1e-6)


def test_masses_and_bad_input(mol):
    m = mol.mass_per_coordinate()
    assert m.shape == (42,) and float(m[0]) == pytest.approx(12.011) and float(m[3]) == 1.008
    assert float(Butane(hydrogen_mass=4.0).masses[1]) == 4.0
    with pytest.raises(ValueError, match="hydrogen_mass"):
        Butane(hydrogen_mass=-1.0)
    with pytest.raises(ValueError, match=r"\(B, 42\)"):
        mol.energy(torch.zeros(3, 41, dtype=torch.float64))
    with pytest.raises(ValueError, match="temperature"):
        mol.beta(0.0)


@pytest.mark.usefixtures("one_torch_thread")
def test_baoab_equipartition_on_butane():
    """BAOAB with per-atom masses: the kinetic temperature of carbons and hydrogens is kT."""
    torch.manual_seed(0)
    mol = Butane(dtype=torch.float32)
    beta = mol.beta(300.0)
    integ = BAOAB(mol.force, beta=beta, gamma=10.0, mass=mol.mass_per_coordinate())
    run = simulate(integ, mol.anti_conformer(128), 0.0005, 1000, seed=1, save_every=100,
                   save_momenta=True)  # fmt: skip
    p = run.traj_p[4:].double()
    per_atom = (p**2 / mol.mass_per_coordinate().double()).mean(dim=(0, 1)).view(14, 3).mean(1)
    kT = 1 / beta
    carbons = per_atom[[0, 4, 7, 10]].mean()
    hydrogens = per_atom[[1, 2, 3, 5, 6, 8, 9, 11, 12, 13]].mean()
    assert abs(float(carbons) / kT - 1) < 0.05
    assert abs(float(hydrogens) / kT - 1) < 0.05


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_cuda_matches_cpu(mol):
    x = random_config(mol, 4)
    assert torch.allclose(mol.force(x.cuda()).cpu(), mol.force(x), atol=1e-8)


def test_rotamers_set_the_dihedral_and_thermal_rotamers_favour_anti(mol):
    phis = torch.tensor([0.5, 1.0, math.pi, 4.0, 6.0], dtype=torch.float64)
    x = mol.rotamers(phis)
    assert torch.allclose(mol.dihedral(x), phis, atol=1e-10)
    # bond lengths are those of the anti conformer
    d0 = (mol.anti_conformer(1).view(14, 3)[10] - mol.anti_conformer(1).view(14, 3)[7]).norm()
    assert torch.allclose((x.view(-1, 14, 3)[:, 10] - x.view(-1, 14, 3)[:, 7]).norm(dim=-1), d0)
    y = mol.thermal_rotamers(2000, 300.0, generator=torch.Generator().manual_seed(0))
    phi = mol.dihedral(y)
    anti = float(((phi - math.pi).abs() < math.pi / 3).double().mean())
    cis = float((torch.cos(phi) > 0.9).double().mean())
    assert 0.6 < anti < 0.95 and cis < 0.01


def test_group_dihedral_tends_to_the_carbon_dihedral_and_reaches_the_hydrogens(mol):
    x = mol.rotamers(torch.tensor([1.1, math.pi, 4.2], dtype=torch.float64))
    x = x + 0.003 * torch.randn(x.shape, generator=torch.Generator().manual_seed(1), dtype=x.dtype)
    featherweight = Butane(hydrogen_mass=1e-9, dtype=torch.float64)
    assert torch.allclose(featherweight.group_dihedral(x), mol.dihedral(x), atol=1e-7)
    z = mol.group_dihedral(x)
    assert not torch.allclose(z, mol.dihedral(x), atol=1e-4)  # hydrogens move the centres
    y = x.detach().clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(mol.group_dihedral(y).sum(), y)
    grad = grad.view(-1, 14, 3)
    hydrogens = [i for i in range(14) if i not in mol.carbons]
    assert float(grad[:, hydrogens].abs().max()) > 0.1  # rad/nm: the gradient reaches them
    assert torch.allclose(grad.sum(1), torch.zeros(3, 3, dtype=x.dtype), atol=1e-9)  # translations
    R = torch.linalg.qr(
        torch.randn(3, 3, generator=torch.Generator().manual_seed(2), dtype=x.dtype)
    )[0]
    R = R * torch.sign(torch.linalg.det(R))  # a proper rotation
    turned = (x.view(-1, 14, 3) @ R.T).reshape(x.shape)
    assert torch.allclose(mol.group_dihedral(turned), z, atol=1e-9)
