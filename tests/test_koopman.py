"""Tests of effdyn.koopman (ISOKANN): transformations, spectra, learner, effective quantities."""

import numpy as np
import pytest
import torch

from effdyn.koopman import (
    ISOKANN,
    BurstData,
    EntropicChannel3D,
    effective_committor,
    equilibrium_pairs,
    grid_boltzmann_points,
    inner_simplex,
    koopman_matrix,
    match_permutation,
    pointwise_coefficients,
    rate_matrix,
    reactive_path,
    relaxation_rates,
    shift_scale,
    simulate_bursts,
    uniform_points,
)
from effdyn.operators import Grid, SqRA
from effdyn.sde import OverdampedLangevin
from effdyn.systems import DoubleWell


def test_shift_scale_maps_onto_unit_interval_and_rejects_constants():
    k = torch.tensor([[2.0], [3.0], [6.0]])
    assert torch.allclose(shift_scale(k), torch.tensor([[0.0], [0.25], [1.0]]))
    with pytest.raises(ValueError, match="collapsed"):
        shift_scale(torch.ones(4, 1))
    with pytest.raises(ValueError, match="one chi"):
        shift_scale(torch.rand(4, 2))


def test_inner_simplex_recovers_memberships_from_a_mixed_basis():
    gen = torch.Generator().manual_seed(0)
    w = torch.rand(200, 3, generator=gen, dtype=torch.float64)
    w[:3] = torch.eye(3, dtype=torch.float64)  # pure points exist
    memberships = w / w.sum(1, keepdim=True)
    mix = torch.tensor([[1.0, 0.3, -0.2], [0.5, -1.0, 0.4], [0.2, 0.1, 2.0]], dtype=torch.float64)
    target = inner_simplex(memberships @ mix)
    target = match_permutation(target, memberships)
    assert torch.allclose(target, memberships, atol=1e-10)
    assert torch.allclose(target.sum(1), torch.ones(200, dtype=torch.float64), atol=1e-10)


def test_koopman_matrix_and_rates_recover_a_known_two_state_model():
    tau, rates = 0.5, np.array([0.3, 0.7])
    Q = np.array([[-rates[0], rates[0]], [rates[1], -rates[1]]])
    T = __import__("scipy.linalg").linalg.expm(Q * tau)
    chi = np.random.default_rng(1).random((50, 1))
    X = np.concatenate([chi, 1 - chi], axis=1)
    kchi = (X @ T)[:, :1]
    T_hat = koopman_matrix(chi, kchi)
    assert np.allclose(T_hat, T, atol=1e-12)
    lam = relaxation_rates(T_hat, tau)
    assert lam[0] == pytest.approx(0.0, abs=1e-12)
    assert lam[1] == pytest.approx(rates.sum(), rel=1e-10)
    assert np.allclose(rate_matrix(T_hat, tau), Q, atol=1e-10)


@pytest.fixture(scope="module")
def double_well_fit():
    """ISOKANN on the double well at beta = 2: (lambda_1 of the grid, data, estimator, model)."""
    pot, beta = DoubleWell(), 2.0
    lam_grid = SqRA(pot, Grid.box(pot.domain, 800), beta=beta).eigs(2)[0][1]
    x = uniform_points(pot.domain, 256, seed=0)
    data = simulate_bursts(OverdampedLangevin(pot, beta=beta), x, 16, 1.0, 2e-3, seed=1)
    iso = ISOKANN(1, hidden=(16, 16), n_iterations=25, n_steps=40, learning_rate=1e-2, seed=0)
    model = iso.fit(data).fetch_model()
    return lam_grid, data, iso, model


def test_isokann_double_well_spectral_gap_matches_sqra(double_well_fit):
    lam_grid, data, iso, model = double_well_fit
    assert model.relaxation_rates[1] == pytest.approx(lam_grid, rel=0.15)
    chi = model.chi(torch.tensor([[-1.0], [0.0], [1.0]]))[:, 0]
    assert abs(float(chi[2] - chi[0])) > 0.6  # separates the wells
    assert 0.2 < float((chi[1] - chi[0]) / (chi[2] - chi[0])) < 0.8  # barrier in between
    # the model is independent of the estimator
    before = model.chi(torch.zeros(1, 1)).clone()
    iso.fit(data)
    assert torch.equal(model.chi(torch.zeros(1, 1)), before)


def test_equilibrium_pairs_are_boltzmann_weighted_bursts():
    pot, beta = DoubleWell(), 2.0
    x = uniform_points(pot.domain, 4000, seed=3, dtype=torch.float64)
    data = simulate_bursts(OverdampedLangevin(pot, beta=beta), x, 2, 0.01, 1e-3, seed=4)
    X, Y, w = equilibrium_pairs(data, pot, beta)
    assert X.shape == Y.shape == (8000, 1) and w.shape == (8000,)
    assert np.allclose(X[::2], x.numpy()) and np.allclose(Y, data.y.reshape(-1, 1).numpy())
    assert w.mean() == pytest.approx(1.0)
    ratio = w[0] / w[2]
    e = pot.energy(x[:2]).numpy()
    assert ratio == pytest.approx(np.exp(-beta * (e[0] - e[1])))
    # the weighted start points have the Boltzmann mean energy
    s = SqRA(pot, Grid.box(pot.domain, 400), beta=beta)
    mean_v = float(np.sum(w * pot.energy(torch.as_tensor(X)).numpy()) / w.sum())
    assert mean_v == pytest.approx(float(np.sum(s.pi * s.energies)), rel=0.05)
    with pytest.raises(ValueError, match="start_density"):
        equilibrium_pairs(data, pot, beta, start_density=lambda p: -torch.ones(len(p)))


def _monomials(z, degree=8):
    u = np.asarray(z)[:, :1] / 2.0
    return np.concatenate([u**k for k in range(1, degree + 1)], axis=1)


def test_isokann_agrees_with_deeptime_tica_on_the_same_bursts(double_well_fit):
    TICA = pytest.importorskip("deeptime.decomposition").TICA
    lam_grid, data, _, model = double_well_fit
    X, Y, w = equilibrium_pairs(data, DoubleWell(), 2.0)
    feats = (_monomials(X), _monomials(Y))
    tica = TICA(dim=1, scaling=None).fit(feats, weights=w).fetch_model()
    lam_tica = -np.log(tica.singular_values[0]) / data.tau
    raw = TICA(dim=1, scaling=None).fit(feats).fetch_model()
    lam_raw = -np.log(raw.singular_values[0]) / data.tau
    # reweighted TICA is consistent; without weights the uniform start density biases it
    assert lam_tica == pytest.approx(lam_grid, rel=0.1)
    assert abs(lam_tica - lam_grid) < abs(lam_raw - lam_grid)
    assert model.relaxation_rates[1] == pytest.approx(lam_tica, rel=0.15)


def test_burst_data_and_estimator_reject_bad_input():
    with pytest.raises(ValueError, match="y must have shape"):
        BurstData(torch.zeros(3, 1), torch.zeros(4, 2, 1), 1.0)
    with pytest.raises(ValueError, match="tau"):
        BurstData(torch.zeros(3, 1), torch.zeros(3, 2, 1), -1.0)
    with pytest.raises(ValueError, match="n_chi"):
        ISOKANN(0)
    with pytest.raises(ValueError, match="tau / dt"):
        simulate_bursts(OverdampedLangevin(DoubleWell(), beta=1.0), torch.zeros(2, 1), 2, 1.0, 0.3)
    with pytest.raises(RuntimeError, match="fit"):
        ISOKANN(1).fetch_model()


def test_effective_committor_of_brownian_motion_is_linear():
    class Brownian:
        def drift(self, z):
            return torch.zeros_like(z)

        def diffusion(self, z):
            return torch.ones_like(z)

    z = np.linspace(-0.5, 1.5, 21)
    q = effective_committor(Brownian(), 0.0, 1.0, z)
    assert np.allclose(q, np.clip(z, 0, 1), atol=1e-9)
    assert np.allclose(effective_committor(Brownian(), 1.0, 0.0, z), 1 - np.clip(z, 0, 1))


def test_pointwise_coefficients_match_ito_formula():
    # xi(x) = x^2 on the double well: b = 2 x F + 2/beta, a = (2/beta) 4 x^2
    pot, beta = DoubleWell(), 2.0
    x = torch.linspace(-1.5, 1.5, 7, dtype=torch.float64).reshape(-1, 1)
    b, a = pointwise_coefficients(lambda p: p[:, 0] ** 2, x, pot, beta)
    F = pot.force(x)[:, 0]
    assert torch.allclose(b, 2 * x[:, 0] * F + 2 / beta)
    assert torch.allclose(a, (2 / beta) * 4 * x[:, 0] ** 2)


def test_reactive_path_takes_the_straight_branch():
    # two branches sampled at the same clock values: straight (y = 0) and a detour
    # (y = 3 sin(pi t)); with equal step counts the likelihood prefers the straight one
    t = torch.linspace(0, 1, 200, dtype=torch.float64)
    t = torch.cat([t, t + 1e-4])
    y = torch.cat([torch.zeros(200), 3 * torch.sin(torch.pi * t[200:])]).double()
    pts = torch.stack([t, y], 1)
    ids = reactive_path(t, pts, sigma=0.5, max_jump=0.05)
    assert np.all(np.diff(t[ids].numpy()) > 0)
    assert float(pts[ids, 1].abs().max()) < 0.5
    assert len(ids) > 150


def test_grid_boltzmann_points_have_the_boltzmann_mean_energy():
    pot, beta = DoubleWell(), 2.0
    s = SqRA(pot, Grid.box(pot.domain, 400), beta=beta)
    x = grid_boltzmann_points(s, 40000, seed=0, dtype=torch.float64)
    mean_v = float(pot.energy(x).mean())
    assert mean_v == pytest.approx(float(np.sum(s.pi * s.energies)), rel=0.03)


def test_entropic_channel_force_is_minus_grad_and_free_energy_has_the_entropic_barrier():
    V = EntropicChannel3D()
    x = torch.randn(20, 3, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(V.energy(x).sum(), x)
    assert torch.allclose(V.force(x.detach()), -g)
    beta = 2.0
    F = V.free_energy(np.array([0.0, 1.0]), beta)
    assert F[0] - F[1] == pytest.approx(
        V.height
        + np.log(1 + V.narrowing) / beta
        - np.log(1 + V.narrowing * np.exp(-1 / (2 * 0.09))) / beta
    )
