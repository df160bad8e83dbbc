"""Tests of the rate-preserving-CV toolkit: reduced-model rates, features, diffusion maps."""

import math

import numpy as np
import pytest
import torch

from effdyn.operators.fem import TensorDiffusion2D
from effdyn.operators.grid import Grid
from effdyn.operators.sqra import SqRA
from effdyn.ratecv import (
    DiffusionMap,
    EffectiveDynamics,
    EffectiveDynamics2D,
    OrthogonalityCV,
    cv_gradient_norms,
    cv_metric_tensors,
    local_tangents,
    pairwise_distances,
    plane_align,
    variable_sqra,
)


def periodic_model(bins=400, beta=2.0):
    """Samples-free reduced model: F = cos(3 z) + 0.5 cos z and M = 1 + 0.5 sin z."""
    est = EffectiveDynamics(bins, 0.0, 2 * math.pi, beta)
    z = est.grid.axes[0]
    F = np.cos(3 * z) + 0.5 * np.cos(z)
    # feed exact histogram weights: one sample per unit weight is replaced by direct assignment
    est.fit(torch.tensor(z), torch.tensor(1.0 + 0.5 * np.sin(z)))
    model = est.fetch_model()
    model.F = F - F.min()
    return model


def test_sqra_rate_converges_to_quadrature():
    """The grid generator's reactive frequency matches the closed-form 1D TPT integral."""
    A, B = (math.pi - 0.2, math.pi + 0.2), [(0.9, 1.1), (5.2, 5.4)]
    errs = []
    for n in (200, 800):
        m = periodic_model(n)
        errs.append(abs(m.rate(A, B, 1.0) / m.rate(A, B, 1.0, method="quadrature") - 1))
    assert errs[1] < 2e-3 and errs[1] < errs[0]


def test_constant_diffusion_committor_equals_effdyn_sqra():
    grid = Grid.box([(-2.0, 2.0)], 300)
    x = grid.axes[0]
    V = (x**2 - 1) ** 2
    beta, D = 3.0, 0.7
    Q, pi = variable_sqra(V, np.full(x.size, D), grid, beta)
    ref = SqRA(V, grid, beta=beta, diffusion=D)
    assert np.allclose(Q.toarray(), ref.Q.toarray(), rtol=1e-12, atol=1e-12)
    assert np.allclose(pi, ref.pi)


def test_rate_scales_with_diffusion_and_friction():
    m = periodic_model(200)
    A, B = (math.pi - 0.2, math.pi + 0.2), [(0.9, 1.1)]
    r1, r2 = m.rate(A, B, 1.0), m.rate(A, B, 2.0)
    assert r1 == pytest.approx(2 * r2, rel=1e-10)


def test_effective_dynamics_estimates_free_energy_and_M():
    rng = np.random.default_rng(0)
    beta = 1.0
    # samples of a von Mises density exp(kappa cos z): F = -cos z / beta * kappa
    z = rng.vonmises(0.0, 1.5, size=200_000) % (2 * math.pi)
    g2 = 2.0 + np.cos(z)
    m = (
        EffectiveDynamics(40, 0.0, 2 * math.pi, beta)
        .fit(torch.tensor(z), torch.tensor(g2))
        .fetch_model()
    )
    F_true = -1.5 * np.cos(m.z)
    assert np.allclose(m.F - m.F.mean(), F_true - F_true.mean(), atol=0.1)
    assert np.allclose(m.M, 2.0 + np.cos(m.z), atol=0.01)  # bin-averaged cos within a bin


def test_cv_gradient_norms_mass_weighting():
    x = torch.randn(5, 6, dtype=torch.float64)
    inv_m = torch.tensor([1.0, 1.0, 1.0, 0.5, 0.5, 0.5], dtype=torch.float64)
    z, g2 = cv_gradient_norms(lambda y: y[:, 0] + 2 * y[:, 3], x, inv_m)
    assert torch.allclose(z, x[:, 0] + 2 * x[:, 3])
    assert torch.allclose(g2, torch.full((5,), 1.0 + 4 * 0.5, dtype=torch.float64))
    with pytest.raises(ValueError, match="inverse_mass"):
        cv_gradient_norms(lambda y: y[:, 0], x, inv_m[:3])


def test_features_are_invariant():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(4, 5, 3, generator=g, dtype=torch.float64)
    q, _ = torch.linalg.qr(torch.randn(3, 3, generator=g, dtype=torch.float64))
    q = q * torch.sign(torch.det(q))
    y = x @ q.T + 1.5
    atoms = (0, 1, 2, 3)
    assert torch.allclose(
        plane_align(x, atoms, 1, 2, 0), plane_align(y, atoms, 1, 2, 0), atol=1e-10
    )
    assert torch.allclose(pairwise_distances(x, atoms), pairwise_distances(y, atoms), atol=1e-10)
    # a mirror image changes PlaneAlign (chirality kept) but not distances
    m = x * torch.tensor([1.0, 1.0, -1.0], dtype=torch.float64)
    assert not torch.allclose(plane_align(x, atoms, 1, 2, 0), plane_align(m, atoms, 1, 2, 0))
    with pytest.raises(ValueError, match="B, n_atoms, 3"):
        plane_align(x[0], atoms, 1, 2, 0)


def noisy_circle(n=600, seed=0):
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, 2 * np.pi, n)
    pts = np.stack([np.cos(t), np.sin(t), 0.02 * rng.standard_normal(n)], 1)
    return torch.tensor(pts), t


def test_diffusion_map_and_tangents_recover_a_circle():
    pts, t = noisy_circle()
    psi = torch.as_tensor(DiffusionMap(2).fit(pts).fetch_model().eigenvectors)
    ang = torch.atan2(psi[:, 1], psi[:, 0]).numpy()
    # the diffusion-map angle is the circle angle up to rotation and reflection
    d1 = np.angle(np.exp(1j * (ang - t)))
    d2 = np.angle(np.exp(1j * (ang + t)))

    def circular_spread(d):
        return np.std(np.angle(np.exp(1j * (d - np.angle(np.mean(np.exp(1j * d)))))))

    spread = min(circular_spread(d1), circular_spread(d2))
    assert spread < 0.1
    T = local_tangents(pts, 20, 1)[:, :, 0].numpy()
    true_t = np.stack([-np.sin(t), np.cos(t), 0 * t], 1)
    assert np.median(np.abs((T * true_t).sum(1))) > 0.98


def test_orthogonality_loss_decreases():
    pts, t = noisy_circle(400)
    tang = local_tangents(pts, 20, 1)
    theta = torch.tensor(t)
    cv0 = OrthogonalityCV(hidden=(16,), epochs=1, seed=0).fit(pts, theta, tang)
    cv = OrthogonalityCV(hidden=(16,), epochs=40, seed=0).fit(pts, theta, tang)
    assert cv.history[-1][1] < 0.5 * cv0.history[0][1]
    assert cv.history[-1][0] < 0.05
    with pytest.raises(ValueError, match="theta"):
        OrthogonalityCV().fit(pts, theta[:-1], tang)


def test_refined_model_keeps_the_rate_and_makes_grid_and_quadrature_agree():
    coarse = periodic_model(60)
    A, B = (math.pi - 0.2, math.pi + 0.2), [(0.9, 1.1), (5.2, 5.4)]
    fine = coarse.refined(720)
    assert fine.z.size == 720 and fine.counts.sum() == pytest.approx(coarse.counts.sum())
    r_s, r_q = fine.rate(A, B, 1.0), fine.rate(A, B, 1.0, method="quadrature")
    assert r_s == pytest.approx(r_q, rel=5e-3)
    # the refined profile of a smooth F is close to the exact fine-grid model
    exact = periodic_model(720)
    assert r_s == pytest.approx(exact.rate(A, B, 1.0), rel=0.05)


def test_smoothing_keeps_a_flat_histogram_flat():
    z = (torch.arange(36000, dtype=torch.float64) + 0.5) * (2 * math.pi / 36000)
    m = EffectiveDynamics(36, 0.0, 2 * math.pi, 1.0, smooth=2.0).fit(z, torch.ones_like(z))
    model = m.fetch_model()
    assert np.allclose(model.F, 0.0, atol=1e-9) and np.allclose(model.M, 1.0)


def test_barrier_rates_tst_bound_and_kramers_limits():
    """TST >= Kramers; Kramers -> overdamped (grid) rate at large friction, -> TST at small."""
    m = periodic_model(720, beta=4.0)
    A, B = (math.pi - 0.2, math.pi + 0.2), [(0.9, 1.1), (5.2, 5.4)]
    tst, kr = m.barrier_rates(A, B, gamma=1.0)
    assert kr < tst
    tst_lo, kr_lo = m.barrier_rates(A, B, gamma=1e-3)
    assert kr_lo == pytest.approx(tst_lo, rel=1e-2) and tst_lo == pytest.approx(tst)
    big = 1e3
    _, kr_hi = m.barrier_rates(A, B, gamma=big)
    assert kr_hi == pytest.approx(m.rate(A, B, big), rel=0.15)


def test_metric_tensors_of_a_linear_cv_and_the_scalar_case():
    x = torch.randn(7, 6, dtype=torch.float64)
    W = torch.randn(2, 6, dtype=torch.float64)
    inv_mass = torch.rand(6, dtype=torch.float64) + 0.1
    z, G = cv_metric_tensors(lambda y: y @ W.T, x, inv_mass, batch=3)
    assert torch.allclose(z, x @ W.T)
    exact = (W * inv_mass) @ W.T
    assert torch.allclose(G, exact.expand(7, 2, 2), atol=1e-12)
    z1, g1 = cv_gradient_norms(lambda y: (y @ W.T)[:, 1], x, inv_mass)
    assert z1.shape == (7,) and torch.allclose(g1, G[:, 1, 1], atol=1e-12)
    with pytest.raises(ValueError, match="scalar CV"):
        cv_gradient_norms(lambda y: y @ W.T, x, inv_mass)


def test_2d_reduced_model_from_samples_matches_the_exact_grid_rate():
    """Samples of exp(-beta V) for a linear CV z = A x: the estimated F and M = A m^-1 A^T give
    the rate of the exact model within the sampling error."""
    beta, gamma = 2.0, 3.0
    A = np.array([[1.0, 0.4], [0.0, 0.7]])
    est = EffectiveDynamics2D(48, [(-2.4, 2.4), (-1.4, 1.4)], beta)
    grid = est.grid
    z1, z2 = grid.mesh()
    x = np.einsum("ab,bij->aij", np.linalg.inv(A), np.stack([z1, z2]))
    V = ((x[0] ** 2 - 1) ** 2 + x[1] ** 2).ravel()
    rng = np.random.default_rng(1)
    p = np.exp(-beta * (V - V.min()))
    cells = rng.choice(grid.size, size=400_000, p=p / p.sum())
    jitter = (rng.random((cells.size, 2)) - 0.5) * grid.h
    samples = grid.points()[cells] + jitter
    inv_mass = np.array([0.5, 2.0])  # masses 2 and 0.5
    G = np.broadcast_to((A * inv_mass) @ A.T, (cells.size, 2, 2))
    model = est.fit(torch.tensor(samples), torch.tensor(G)).fetch_model()
    assert np.allclose(model.M[model.counts > 0], (A * inv_mass) @ A.T)
    a, b = x[0].ravel() < -0.8, x[0].ravel() > 0.8
    exact = TensorDiffusion2D(V, grid, beta, (A * inv_mass) @ A.T / (beta * gamma))
    assert model.rate(a, b, gamma) == pytest.approx(exact.reactive_frequency(a, b), rel=0.02)
    assert model.rate(a, b, 2 * gamma) == pytest.approx(model.rate(a, b, gamma) / 2, rel=1e-10)
