"""Tests of the benchmark systems: analytic forces, documented minima and energies, shapes."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from effdyn.systems import (
    AsymmetricDoubleWell,
    DoubleWell,
    GeometricBrownianMotion,
    MullerBrown,
    OrnsteinUhlenbeck,
    Potential,
    TripleWell,
    TripleWellCircle,
)

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
POTENTIALS = [
    DoubleWell(),
    DoubleWell(height=3.0),
    AsymmetricDoubleWell(),
    TripleWell(),
    MullerBrown(),
    MullerBrown(scale=0.05),
    TripleWellCircle(),
    TripleWellCircle(eps=0.1),
    OrnsteinUhlenbeck([1.0, 2.5], [0.5, -1.0]),
]


def _points(V: Potential, n: int, device: str, dtype=torch.float64) -> torch.Tensor:
    gen = torch.Generator().manual_seed(0)
    lo = torch.tensor([b[0] for b in V.domain], dtype=dtype)
    hi = torch.tensor([b[1] for b in V.domain], dtype=dtype)
    return (lo + (hi - lo) * torch.rand(n, V.dim, generator=gen, dtype=dtype)).to(device)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("V", POTENTIALS, ids=lambda V: V.name)
def test_force_is_minus_the_autograd_gradient(V, device):
    x = _points(V, 500, device).requires_grad_(True)
    (grad,) = torch.autograd.grad(V.energy(x).sum(), x)
    force = V.force(x.detach())
    scale = 1.0 + grad.abs()
    assert ((force + grad).abs() / scale).max() < 1e-10
    torch.testing.assert_close(V.grad(x.detach()), grad)


@pytest.mark.parametrize("V", POTENTIALS, ids=lambda V: V.name)
def test_batch_shapes_and_float32(V):
    x = _points(V, 24, "cpu").reshape(2, 3, 4, V.dim)
    assert V.energy(x).shape == (2, 3, 4) and V.force(x).shape == x.shape
    assert torch.equal(V(x), V.energy(x))
    x32 = x.float()
    assert V.force(x32).dtype == torch.float32
    torch.testing.assert_close(V.force(x32).double(), V.force(x), rtol=1e-4, atol=1e-3 * 200)
    with pytest.raises(ValueError, match=f"{V.dim}-dimensional"):
        V.energy(torch.zeros(5, V.dim + 1))


@pytest.mark.parametrize("V", POTENTIALS, ids=lambda V: V.name)
def test_documented_minima_are_minima(V):
    m = torch.as_tensor(V.minima, dtype=torch.float64)
    assert m.shape[1] == V.dim and m.shape[0] >= 1
    scale = max(1.0, float(V.energy(m).abs().max()))
    assert float(V.force(m).abs().max()) < 2e-3 * scale
    for k in range(V.dim):  # the energy rises in every coordinate direction
        step = torch.zeros(V.dim, dtype=torch.float64)
        step[k] = 1e-3
        assert bool((V.energy(m + step) > V.energy(m)).all())
        assert bool((V.energy(m - step) > V.energy(m)).all())


def test_energies_at_known_points():
    dw = DoubleWell()
    assert float(dw.energy(torch.tensor([[0.0]]))) == 1.0
    tw = TripleWell()
    np.testing.assert_allclose(
        tw.energy(torch.as_tensor(tw.minima)).numpy(), [-3.9949, -3.9949, -2.1722], atol=1e-4
    )
    # the upper saddles are the lower pass of the MSV triple well
    saddles = torch.tensor([[0.0, -0.3158], [0.6173, 1.1027]], dtype=torch.float64)
    np.testing.assert_allclose(tw.energy(saddles).numpy(), [-1.3846, -1.6467], atol=1e-4)
    mb = MullerBrown()
    np.testing.assert_allclose(
        mb.energy(torch.as_tensor(mb.minima)).numpy(), [-146.6995, -108.1667, -80.7678], atol=1e-3
    )
    np.testing.assert_allclose(
        MullerBrown(0.1).energy(torch.as_tensor(mb.minima)).numpy(),
        [-14.67, -10.817, -8.077],
        atol=1e-3,
    )
    adw = AsymmetricDoubleWell(tilt=0.25)
    left, right = adw.minima[:, 0]
    assert left < -1 < 0 < right < 1


def test_triple_well_on_a_circle_angular_part():
    c = TripleWellCircle(eps=0.5)
    r = c._radial_minimum()
    angles = torch.tensor([0.0, 2 * math.pi / 3, math.pi / 3, math.pi - 1e-9], dtype=torch.float64)
    pts = torch.stack([r * torch.cos(angles), r * torch.sin(angles)], dim=-1)
    radial = (r - 1) ** 2 / 0.5 + 5 * math.exp(-5 * r * r)
    np.testing.assert_allclose(c.energy(pts).numpy() - radial, [0.2, 0.0, 1.0, 9.0], atol=1e-6)
    # continuous across the pieces at +-pi/3
    a = torch.tensor(
        [math.pi / 3 - 1e-9, math.pi / 3 + 1e-9, -math.pi / 3 - 1e-9, -math.pi / 3 + 1e-9]
    )
    v, d = c._angular(a.double())
    assert abs(float(v[0] - v[1])) < 1e-7 and abs(float(v[2] - v[3])) < 1e-7
    assert abs(float(d[0] - d[1])) < 1e-6  # V_1' = 0 at the barriers
    assert torch.isfinite(c.force(torch.zeros(1, 2, dtype=torch.float64))).all()


def test_ornstein_uhlenbeck_formulas():
    ou = OrnsteinUhlenbeck([1.0, 2.5])
    np.testing.assert_allclose(ou.eigenvalues(6), [0, 1, 2, 2.5, 3, 3.5])
    np.testing.assert_allclose(OrnsteinUhlenbeck(2.0).eigenvalues(4), [0, 2, 4, 6])
    np.testing.assert_allclose(ou.transition_mean([1.0, 1.0], 1.0), np.exp([-1.0, -2.5]))
    np.testing.assert_allclose(ou.stationary_variance(2.0), [0.5, 0.2])
    np.testing.assert_allclose(ou.transition_variance(1e9, 2.0), ou.stationary_variance(2.0))
    assert OrnsteinUhlenbeck(1.0, dim=3).dim == 3
    with pytest.raises(ValueError, match="stiffness must be finite and positive"):
        OrnsteinUhlenbeck(-1.0)


def test_geometric_brownian_motion():
    gbm = GeometricBrownianMotion(0.3, 0.4)
    x0 = torch.full((4,), 2.0)
    torch.testing.assert_close(gbm.exact(x0, 1.0, torch.zeros(4)), x0 * math.exp(0.3 - 0.08))
    assert gbm.mean(2.0, 1.0) == pytest.approx(2 * math.exp(0.3))
    assert gbm.second_moment(1.0, 1.0) == pytest.approx(math.exp(0.6 + 0.16))
    sde = gbm.sde()
    assert sde.noise == "diagonal" and not sde.additive


def test_every_system_documents_a_reference():
    for V in POTENTIALS:
        assert V.bibtex.startswith("@") and "year" in V.bibtex
        assert len(V.domain) == V.dim
