"""Tests of effdyn.cvs: eigenfunction learners and autoencoder CVs on models with known answers.

Ornstein-Uhlenbeck processes have exact spectra (rates ``sum_i n_i D_i k_i``, linear leading
eigenfunctions), exact stationary samples and exact transition pairs, so the learners are
checked against closed forms; the generator learner is also checked against the SqRA grid
spectrum of a double well (a peer method).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from effdyn.cvs import (
    MLP,
    AutoEncoder,
    CVModel,
    GeneratorEigenfunctions,
    StackedMLP,
    TransferEigenfunctions,
    autocorrelation,
    generator_loss,
    lagged_pairs,
    orthonormality_penalty,
    rayleigh_quotient,
    transfer_loss,
)

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def ou_samples(stiffness, n, beta=1.0, seed=0):
    """Exact samples of the OU stationary law N(0, 1 / (beta k)) per coordinate."""
    k = torch.as_tensor(stiffness, dtype=torch.float64)
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, k.numel(), generator=g, dtype=torch.float64) / torch.sqrt(beta * k)


def ou_pairs(stiffness, n, tau, beta=1.0, mobility=1.0, seed=0):
    """Exact pairs (X_0, X_tau) of dX = -D k X dt + sqrt(2 D / beta) dW, X_0 stationary."""
    k = torch.as_tensor(stiffness, dtype=torch.float64)
    rate = torch.as_tensor(mobility, dtype=torch.float64) * k
    x0 = ou_samples(stiffness, n, beta, seed)
    g = torch.Generator().manual_seed(seed + 100)
    noise = torch.randn(n, k.numel(), generator=g, dtype=torch.float64)
    xt = x0 * torch.exp(-rate * tau) + noise * torch.sqrt(
        (1 - torch.exp(-2 * rate * tau)) / (beta * k)
    )
    return x0, xt


def abs_corr(a, b) -> float:
    a = torch.as_tensor(a, dtype=torch.float64).ravel()
    b = torch.as_tensor(b, dtype=torch.float64).ravel()
    return abs(float(torch.corrcoef(torch.stack([a, b]))[0, 1]))


# ---------------------------------------------------------------- learners vs known spectra


def test_generator_learner_recovers_two_ou_eigenpairs_in_order():
    # 2D OU, k = (1, 1.8), beta = 2: -L has eigenvalues 0, 1, 1.8, 2, ...; phi_1 = x_1, phi_2 = x_2
    x = ou_samples([1.0, 1.8], 4000, beta=2.0)
    est = GeneratorEigenfunctions(
        [2, 16, 16, 1], 2, beta=2.0, eig_weights=[1.0, 0.5], n_epochs=120, batch_size=500
    ).fit(x)
    np.testing.assert_allclose(est.eigenvalues_, [1.0, 1.8], rtol=0.08)
    assert est.penalty_ < 0.02
    z = est.fetch_model()(x).detach()
    assert abs_corr(z[:, 0], x[:, 0]) > 0.97
    assert abs_corr(z[:, 1], x[:, 1]) > 0.97


def test_generator_learner_matches_sqra_on_a_double_well():
    from effdyn.operators import Grid, SqRA
    from effdyn.systems import DoubleWell

    beta = 2.0
    grid = Grid.box([(-2.5, 2.5)], 800)
    sqra = SqRA(DoubleWell(), grid, beta=beta)
    lam, phi = sqra.eigs(2)
    # exact samples of the grid's Boltzmann law (cell, then uniform in the cell)
    g = torch.Generator().manual_seed(1)
    cells = torch.multinomial(torch.as_tensor(sqra.pi), 4000, replacement=True, generator=g)
    x = torch.as_tensor(grid.points())[cells]
    x = x + (torch.rand(x.shape, generator=g, dtype=torch.float64) - 0.5) * grid.h[0]
    est = GeneratorEigenfunctions([1, 16, 16, 1], beta=beta, n_epochs=100, batch_size=500).fit(x)
    assert est.loss_ == pytest.approx(lam[1], rel=0.1)
    # the learned function's exact (grid) Rayleigh quotient is >= lambda_1 and close to it
    cv = est.fetch_model()
    pts = torch.as_tensor(grid.points())
    rq = float(rayleigh_quotient(cv, pts, beta, weights=torch.as_tensor(sqra.pi))[0])
    assert lam[1] * (1 - 1e-3) <= rq <= lam[1] * 1.1
    assert abs_corr(cv(pts).detach()[:, 0], phi[:, 1]) > 0.99


def test_transfer_learner_recovers_ou_autocorrelation_and_rate():
    tau = 0.5
    x0, xt = ou_pairs([1.0, 3.0], 4000, tau)
    est = TransferEigenfunctions([2, 16, 16, 1], lag=tau, n_epochs=120, batch_size=500).fit(x0, xt)
    expected = (1 - math.exp(-tau)) / tau  # lambda_1 = 1
    assert est.eigenvalues_[0] == pytest.approx(expected, rel=0.06)
    assert est.rates_[0] == pytest.approx(1.0, rel=0.1)
    cv = est.fetch_model()
    assert abs_corr(cv(x0).detach()[:, 0], x0[:, 0]) > 0.98
    assert float(autocorrelation(cv, x0, xt)[0]) == pytest.approx(math.exp(-tau), abs=0.04)


def test_autoencoder_picks_the_wide_fast_direction_the_eigenfunction_the_slow_one():
    # Anisotropic mobility D = (10, 0.1), k = (1, 4): x_1 is wide (var 1) and fast (rate 10),
    # x_2 narrow (var 0.25) and slow (rate 0.4). Reconstruction keeps x_1, the generator x_2.
    beta, k, D = 1.0, [1.0, 4.0], [10.0, 0.1]
    x = ou_samples(k, 4000, beta)
    ae = AutoEncoder([2, 16, 16, 1], [1, 16, 16, 2], n_epochs=100, batch_size=500).fit(x)
    ae_cv = ae.fetch_model()
    assert abs_corr(ae_cv(x).detach()[:, 0], x[:, 0]) > 0.98
    assert ae.reconstruction_error_ == pytest.approx(0.25, rel=0.25)  # the discarded variance
    gen = GeneratorEigenfunctions(
        [2, 16, 16, 1], beta=beta, diffusion=D, n_epochs=100, batch_size=500
    ).fit(x)
    assert gen.eigenvalues_[0] == pytest.approx(0.4, rel=0.1)
    rq_ae = float(rayleigh_quotient(ae_cv, x, beta, diffusion=torch.tensor(D))[0])
    assert rq_ae == pytest.approx(10.0, rel=0.1)


# ---------------------------------------------------------------- losses and diagnostics (exact)


def test_rayleigh_quotient_of_linear_and_sine_functions_is_exact():
    x = ou_samples([2.0], 5000, beta=1.5, seed=3)
    linear = torch.nn.Linear(1, 1).double()
    rq = float(rayleigh_quotient(linear, x, 1.5)[0])
    assert rq == pytest.approx(1.0 / (1.5 * float(x.var(unbiased=False))), rel=1e-10)

    class Sine(torch.nn.Module):
        def forward(self, y):
            return torch.sin(3 * y)

    rq_sin = float(rayleigh_quotient(Sine(), x, 1.5)[0])
    expected = float((9 * torch.cos(3 * x) ** 2).mean() / torch.sin(3 * x).var(unbiased=False))
    assert rq_sin == pytest.approx(expected / 1.5, rel=1e-10)


def test_losses_at_exact_eigenfunctions():
    # With the exact OU eigenfunction f = x standardised, the generator loss is the eigenvalue
    # up to sampling, the penalty vanishes, and the transfer loss is (1 - rho) / tau.
    x0, xt = ou_pairs([1.0], 200_000, 0.3, beta=1.0, seed=5)
    y0 = (x0 - x0.mean()) / x0.std(unbiased=False)
    w = torch.ones(y0.shape[0], dtype=torch.float64)
    grad = torch.ones(y0.shape[0], 1, 1, dtype=torch.float64) / x0.std(unbiased=False)
    loss, q, pen, _ = generator_loss(y0, grad, w, 1.0, torch.ones(1, dtype=torch.float64), 20.0)
    assert float(pen) < 1e-20
    assert float(loss) == pytest.approx(1.0 / float(x0.var(unbiased=False)), rel=1e-12)
    assert float(q[0]) == pytest.approx(1.0, rel=0.01)  # lambda_1 = k = 1
    yt = (xt - x0.mean()) / x0.std(unbiased=False)
    loss_t, q_t, _, _ = transfer_loss(y0, yt, w, 0.3, torch.ones(1, dtype=torch.float64), 0.0)
    assert float(q_t[0]) == pytest.approx((1 - math.exp(-0.3)) / 0.3, rel=0.02)
    cov = torch.tensor([[1.0, 0.5], [0.5, 3.0]])
    assert float(orthonormality_penalty(cov)) == pytest.approx(0.25 + 4.0)


def test_generator_loss_ranks_components_by_their_quotients():
    x = ou_samples([1.0, 4.0], 1000, seed=2)
    y = torch.stack([x[:, 1], x[:, 0]], dim=1) / x.std(dim=0, unbiased=False).flip(0)
    grad = torch.zeros(1000, 2, 2, dtype=torch.float64)
    grad[:, 0, 1] = 1 / x[:, 1].std(unbiased=False)
    grad[:, 1, 0] = 1 / x[:, 0].std(unbiased=False)
    omega = torch.tensor([1.0, 0.5], dtype=torch.float64)
    w = torch.ones(1000, dtype=torch.float64)
    loss, q, _, order = generator_loss(y, grad, w, 1.0, omega, 0.0)
    assert order.tolist() == [1, 0]
    assert q[0] < q[1]
    assert float(loss) == pytest.approx(float(q[0] + 0.5 * q[1]))


# ---------------------------------------------------------------- the CV model


def test_cv_model_is_standardised_independent_and_dtype_preserving():
    x = ou_samples([1.0, 2.0], 600)
    est = GeneratorEigenfunctions([2, 8, 1], beta=1.0, n_epochs=3, batch_size=200).fit(x)
    cv = est.fetch_model()
    assert isinstance(cv, CVModel) and cv.n_cvs == 1
    z64 = cv(x)
    assert z64.dtype == torch.float64 and z64.shape == (600, 1)
    assert cv(x.float()).dtype == torch.float32
    z64 = z64.detach()
    assert float(z64.mean()) == pytest.approx(0.0, abs=1e-5)
    assert float(z64.var(unbiased=False)) == pytest.approx(1.0, rel=1e-4)
    assert cv.gradient(x[:5]).shape == (5, 1, 2)
    # fetch_model returns an independent copy
    with torch.no_grad():
        for p in cv.parameters():
            p.add_(1.0)
    assert not torch.allclose(est.fetch_model()(x), cv(x))
    # same seed, same result
    again = GeneratorEigenfunctions([2, 8, 1], beta=1.0, n_epochs=3, batch_size=200).fit(x)
    assert torch.equal(again.fetch_model()(x), est.fetch_model()(x))
    with pytest.raises(ValueError, match="shape"):
        cv(torch.zeros(3, 5))


def test_lagged_pairs_and_networks():
    traj = torch.arange(5 * 3 * 2, dtype=torch.float64).reshape(5, 3, 2)
    x0, xt = lagged_pairs(traj, 2)
    assert x0.shape == xt.shape == (9, 2)
    assert torch.equal(xt - x0, torch.full((9, 2), 12.0))  # two frames of 3 x 2 entries apart
    assert lagged_pairs(traj[:, 0], 1)[0].shape == (4, 2)
    with pytest.raises(ValueError, match="lag_steps"):
        lagged_pairs(traj, 5)
    net = MLP([3, 7, 2])
    assert net(torch.zeros(4, 3)).shape == (4, 2)
    assert StackedMLP([3, 5, 1], 4)(torch.zeros(2, 3)).shape == (2, 4)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: GeneratorEigenfunctions([2, 5, 2], beta=1.0), "end with 1"),
        (lambda: GeneratorEigenfunctions([2, 5, 1], beta=-1.0), "beta"),
        (lambda: GeneratorEigenfunctions([2, 5, 1], 0, beta=1.0), "n_eigenfunctions"),
        (lambda: GeneratorEigenfunctions([2, 5, 1], 2, beta=1.0, eig_weights=[1, 2]), "decreas"),
        (lambda: GeneratorEigenfunctions([2, 5, 1], beta=1.0, diffusion=[1, 2, 3]), "diffusion"),
        (lambda: GeneratorEigenfunctions([2, 5, 1], beta=1.0, lr=0), "lr"),
        (lambda: GeneratorEigenfunctions([2, 5, 1], beta=1.0, test_ratio=1.0), "test_ratio"),
        (lambda: GeneratorEigenfunctions([2, 5, 1], beta=1.0, batch_size=1), "batch_size"),
        (lambda: GeneratorEigenfunctions([2], beta=1.0), "layers"),
        (lambda: TransferEigenfunctions([2, 5, 1], lag=0.0), "lag"),
        (lambda: TransferEigenfunctions([2, 5, 1], lag=1.0, penalty=-1), "penalty"),
        (lambda: AutoEncoder([2, 5, 1], [1, 5, 3]), "decoder_layers"),
        (lambda: MLP([2, 3, 1], activation="nope"), "activation"),
    ],
)
def test_bad_arguments_raise_precise_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_bad_data_raise_precise_errors():
    est = GeneratorEigenfunctions([2, 5, 1], beta=1.0, n_epochs=1)
    with pytest.raises(ValueError, match="columns"):
        est.fit(torch.zeros(10, 3))
    with pytest.raises(ValueError, match="non-finite"):
        est.fit(torch.full((10, 2), float("nan")))
    with pytest.raises(ValueError, match="weights"):
        est.fit(torch.randn(10, 2), weights=torch.ones(9))
    with pytest.raises(RuntimeError, match="fit"):
        est.fetch_model()
    tr = TransferEigenfunctions([2, 5, 1], lag=0.1, n_epochs=1)
    with pytest.raises(ValueError, match="must match"):
        tr.fit(torch.randn(10, 2), torch.randn(12, 2))


@pytest.mark.parametrize("device", DEVICES)
def test_learners_run_on_the_data_device(device):
    x = ou_samples([1.0, 2.0], 400).to(device)
    cv = GeneratorEigenfunctions([2, 8, 1], beta=1.0, n_epochs=2, batch_size=100).fit(x)
    model = cv.fetch_model()
    assert model.device.type == device
    assert model(x).device.type == device
    ae = AutoEncoder([2, 8, 1], [1, 8, 2], n_epochs=2, batch_size=100).fit(x).fetch_model()
    assert ae(x).shape == (400, 1)
