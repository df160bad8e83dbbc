"""effdyn.ebm: proximal softmax, categorical Boltzmann machines, enumeration, the monotone DBM."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import scipy.optimize
import torch

from effdyn.data import bin_intensities, load_digits_binned
from effdyn.ebm import (
    Blocks,
    CategoricalBM,
    MonotoneDBM,
    antiferromagnetic_bm,
    check_tiers,
    monotone_couplings,
    off_block,
    prox_softmax,
    random_monotone_bm,
    rbm_mean_field_completion,
)

torch.set_num_threads(1)
F64 = torch.float64


def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


def _model_with_blocks(sizes, seed=0, scale=0.7):
    """A symmetric model whose within-variable blocks are non-zero (they must act as a bias)."""
    g = _gen(seed)
    d = sum(sizes)
    w = torch.randn(d, d, generator=g, dtype=F64) * scale
    w = 0.5 * (w + w.T)
    b = torch.randn(d, generator=g, dtype=F64)
    return CategoricalBM(w, b, sizes), g


# proximal softmax -------------------------------------------------------------------------
@pytest.mark.parametrize("alpha", [0.05, 0.125, 0.5, 0.9])
def test_prox_softmax_matches_solver(alpha):
    g = _gen(1)
    v = torch.randn(6, 5, generator=g, dtype=F64) * 2.0
    z = prox_softmax(v, alpha)
    for row in range(v.shape[0]):
        vv = v[row].numpy()

        def objective(q, vv=vv):
            return (1 - alpha) / 2 * q @ q - vv @ q + alpha * np.sum(q * np.log(q))

        def gradient(q, vv=vv):
            return (1 - alpha) * q - vv + alpha * (np.log(q) + 1)

        x = np.exp(vv - vv.max()) / np.exp(vv - vv.max()).sum()
        for _ in range(5):  # SLSQP stops on a relative ftol: restart it from its own answer
            x = scipy.optimize.minimize(
                objective,
                x,
                jac=gradient,
                method="SLSQP",
                bounds=[(1e-300, 1.0)] * 5,
                constraints=[
                    {"type": "eq", "fun": lambda q: q.sum() - 1, "jac": lambda q: np.ones(5)}
                ],
                options={"ftol": 1e-16, "maxiter": 1000},
            ).x
        ref = scipy.optimize.OptimizeResult(x=x)
        assert np.abs(ref.x - z[row].numpy()).max() < 1e-8
    # the stationarity condition holds to rounding: (1 - a) z + a log z - v is constant
    lhs = (1 - alpha) * z + alpha * torch.log(z) - v
    assert float((lhs - lhs.mean(-1, keepdim=True)).abs().max()) < 1e-12


@pytest.mark.parametrize("alpha", [0.0, 1.0, -0.5, 2.0])
def test_prox_softmax_refuses_alpha(alpha):
    with pytest.raises(ValueError, match="alpha must lie in"):
        prox_softmax(torch.zeros(3, dtype=F64), alpha)


def test_prox_softmax_blocks_and_gradient():
    blocks = Blocks([2, 3, 3, 4])
    g = _gen(2)
    v = torch.randn(3, blocks.dim, generator=g, dtype=F64, requires_grad=True)
    z = prox_softmax(v, 0.3, blocks)
    for _, idx in blocks.groups:
        assert torch.allclose(z[:, idx].sum(-1), torch.ones(3, len(idx), dtype=F64))
    assert torch.autograd.gradcheck(lambda x: prox_softmax(x, 0.3, blocks), (v,))


def test_prox_softmax_extreme_inputs():
    v = torch.tensor([[200.0, -200.0, 0.0], [1e-3, 0.0, -1e-3]], dtype=F64)
    z = prox_softmax(v, 0.125)
    assert torch.isfinite(z).all() and torch.allclose(z.sum(-1), torch.ones(2, dtype=F64))
    assert float(z[0, 0]) == pytest.approx(1.0, abs=1e-12)


# Boltzmann machine: exact identities ------------------------------------------------------
def test_enumeration_matches_brute_force():
    model, _ = _model_with_blocks([2, 3, 2])
    states = list(itertools.product(range(2), range(3), range(2)))
    x = model.blocks.one_hot(torch.tensor(states))
    # the energy from the definition, written out per variable pair
    w, b = model.weight, model.bias
    logw = -model.energy(x)
    ref_log_z = float(torch.logsumexp(logw, 0))
    p = torch.exp(logw - ref_log_z)
    ex = model.enumerate()
    assert ex.log_z == pytest.approx(ref_log_z, abs=1e-12)
    assert torch.allclose(ex.marginals, p @ x, atol=1e-12)
    # one-hot identity: x^T W x = sum_{i != j} x_i W_ij x_j + sum_i diag(W_ii) . x_i
    manual = torch.stack(
        [xx @ off_block(w, model.blocks) @ xx + torch.diagonal(w) @ xx for xx in x]
    )
    assert torch.allclose(-0.5 * manual - x @ b, model.energy(x), atol=1e-12)


def test_gibbs_identity():
    """F(q) + log Z = KL(q || p) for any product law q (enumeration), hence F >= -log Z."""
    model, g = _model_with_blocks([3] * 5 + [2] * 3)
    q = model.blocks.random(20, generator=g)
    ex = model.enumerate(q)
    gap = model.free_energy(q) + ex.log_z
    assert torch.allclose(gap, ex.kl, rtol=0, atol=1e-10)
    assert bool((gap >= -1e-12).all())


def test_gibbs_identity_catches_the_one_hot_pitfall():
    """Treating E_q[x_i^T W_ii x_i] as q_i^T W_ii q_i breaks the identity."""
    model, g = _model_with_blocks([3] * 5)
    q = model.blocks.random(10, generator=g)
    ex = model.enumerate(q)
    wrong = -0.5 * ((q @ model.weight) * q).sum(-1) - q @ model.bias - model.entropy(q)
    assert float((wrong + ex.log_z - ex.kl).abs().max()) > 1e-3


def test_enumeration_limit_and_bad_input():
    big = Blocks([3] * 15)
    model = CategoricalBM(torch.zeros(big.dim, big.dim), torch.zeros(big.dim), big)
    with pytest.raises(ValueError, match="more than the limit 3\\*\\*14"):
        model.enumerate()
    with pytest.raises(ValueError, match="K \\(categories per variable\\) must be at least 2"):
        Blocks([2, 1, 3])
    with pytest.raises(ValueError, match="symmetric"):
        CategoricalBM(torch.triu(torch.ones(4, 4)), torch.zeros(4), [2, 2])
    with pytest.raises(ValueError, match="not 0.1-monotone: top eigenvalue"):
        CategoricalBM(
            torch.kron(torch.ones(2, 2) - torch.eye(2), torch.eye(2)), torch.zeros(4), [2, 2], m=0.1
        )


# mean field of monotone models ------------------------------------------------------------
def test_monotone_couplings_constraint_and_zero_blocks():
    blocks = Blocks([3] * 6 + [2] * 4)
    a = torch.randn(30, blocks.dim, generator=_gen(4), dtype=F64) * 2
    for method in ("spectral", "blocknorm"):
        j = monotone_couplings(a, blocks, 0.1, method=method)
        assert float(torch.linalg.eigvalsh(j)[-1]) <= 0.9 + 1e-10
        assert float((j * blocks.block_mask(F64)).abs().max()) == 0.0
        assert torch.allclose(j, j.T)


def test_monotone_unique():
    """100 random starts end within 1e-8 of each other (strong couplings, lambda_min < -4)."""
    g = _gen(5)
    model = antiferromagnetic_bm([2] * 12, 6.0, disorder=0.5, m=0.1, generator=g)
    assert float(torch.linalg.eigvalsh(model.couplings)[0]) < -4
    starts = model.blocks.random(100, generator=g)
    res = model.mean_field(starts, tol=1e-13, max_iter=2000)
    assert res.converged
    assert float((res.z - res.z[0]).abs().max()) < 1e-8
    naive = model.naive_mean_field(starts[:10], n_iter=1000)
    assert naive.residual > 1e-3  # the undamped parallel update oscillates on the same model


@pytest.mark.parametrize("solver", ["anderson", "forward_backward", "peaceman_rachford"])
def test_fixed_point_is_meanfield(solver):
    g = _gen(6)
    model = random_monotone_bm([3] * 6 + [2] * 4, 0.8, m=0.1, generator=g)
    res = model.mean_field(
        model.blocks.random(3, generator=g), solver=solver, tol=1e-14, max_iter=5000
    )
    q = res.z
    assert float(model.mean_field_residual(q).max()) < 1e-10
    points = model.blocks.random(10_000, generator=g)
    assert float(model.free_energy(q).max()) < float(model.free_energy(points).min())


def test_meanfield_close_to_exact_at_weak_coupling():
    g = _gen(7)
    model = random_monotone_bm([2] * 12, 0.25, m=0.1, generator=g)
    q = model.mean_field(tol=1e-12, max_iter=500).z[0]
    assert float((q - model.enumerate().marginals).abs().max()) < 0.05


def test_anderson_fewer_iterations_than_splitting():
    g = _gen(8)
    model = random_monotone_bm([3] * 8, 0.9, m=0.1, generator=g)
    q0 = model.blocks.random(1, generator=g)
    fb = model.mean_field(q0, solver="forward_backward", tol=1e-10, max_iter=5000)
    aa = model.mean_field(q0, solver="anderson", tol=1e-10, max_iter=5000)
    assert aa.n_iter < fb.n_iter
    assert torch.allclose(aa.z, fb.z, atol=1e-8)


def test_naive_mean_field_fails_on_strong_antiferromagnet():
    g = _gen(9)
    model = antiferromagnetic_bm([2] * 12, 6.0, disorder=0.5, generator=g)
    res = model.naive_mean_field(model.blocks.random(10, generator=g), n_iter=1000)
    assert res.residual > 1e-3


# the digits model ---------------------------------------------------------------------------
TINY = [(2, 2, 2, 2), (4, 1, 1, 2), (3, 1, 1, 3)]


def test_tiers_must_chain():
    with pytest.raises(ValueError, match="do not chain"):
        check_tiers([(2, 8, 8, 2), (16, 3, 3, 4), (10, 1, 1, 10)])
    with pytest.raises(ValueError, match="does not divide channels"):
        check_tiers([(2, 8, 8, 2), (15, 4, 4, 4), (10, 1, 1, 10)])
    with pytest.raises(ValueError, match="must be at least 2"):
        check_tiers([(1, 8, 8, 1), (16, 4, 4, 4), (10, 1, 1, 10)])


def test_dbm_masks_of_wrong_shape():
    model = MonotoneDBM(TINY, dtype=F64, generator=_gen(0))
    px = torch.zeros(3, 4, dtype=torch.long)
    with pytest.raises(ValueError, match="pixel mask must have shape"):
        model(px, torch.ones(3, 5, dtype=torch.bool))


def test_dbm_implicit_gradient():
    """The loss gradient through the clamped fixed point matches finite differences."""
    model = MonotoneDBM(TINY, dtype=F64, generator=_gen(1), init_scale=1.5, tol=1e-13, max_iter=500)
    torch.nn.init.normal_(model.b, std=0.5, generator=_gen(2))
    px = torch.tensor([[0, 1, 1, 0], [1, 1, 0, 0]])
    seen = torch.tensor([[True, False, True, False], [False, True, True, False]])
    lab, lab_seen = torch.tensor([2, 0]), torch.tensor([False, True])
    a0 = model.a.detach().clone()

    def loss_of(a, b):
        with torch.no_grad():
            model.a.copy_(a)
            model.b.copy_(b)
        return model.loss(model(px, seen, lab, lab_seen), px, seen, lab, lab_seen)

    loss = loss_of(a0, model.b.detach().clone())
    loss.backward()
    ga, gb = model.a.grad.clone(), model.b.grad.clone()
    h = 1e-6
    for i, j in [(0, 1), (3, 5), (7, 2)]:
        e = torch.zeros_like(a0)
        e[i, j] = h
        fd = (loss_of(a0 + e, model.b.detach()) - loss_of(a0 - e, model.b.detach())) / (2 * h)
        assert float(fd) == pytest.approx(float(ga[i, j]), rel=1e-5, abs=1e-8)
    b0 = model.b.detach().clone()
    for k in [0, 5, 9]:
        e = torch.zeros_like(b0)
        e[k] = h
        model.a.data.copy_(a0)
        fd = (loss_of(a0, b0 + e) - loss_of(a0, b0 - e)) / (2 * h)
        assert float(fd) == pytest.approx(float(gb[k]), rel=1e-5, abs=1e-8)


def test_dbm_training_lowers_the_loss():
    data = load_digits_binned(2)
    x = torch.as_tensor(data.x_train[:200])
    y = torch.as_tensor(data.y_train[:200])
    model = MonotoneDBM([(2, 8, 8, 2), (8, 2, 2, 4), (10, 1, 1, 10)], generator=_gen(3))
    hist = model.fit(x, y, max_steps=30, lr=3e-3, generator=_gen(4))
    assert np.mean([h["loss"] for h in hist[-5:]]) < np.mean([h["loss"] for h in hist[:5]])


# data and baselines ---------------------------------------------------------------------------
def test_digits_binning():
    assert bin_intensities(np.array([0, 7, 8, 16]), 2).tolist() == [0, 0, 1, 1]
    assert bin_intensities(np.array([0, 4, 8, 12, 16]), 4).tolist() == [0, 1, 2, 3, 3]
    with pytest.raises(ValueError, match="K \\(categories per pixel\\) must be at least 2"):
        bin_intensities(np.array([1]), 1)
    data = load_digits_binned(4)
    assert data.x_train.shape[1] == 64 and data.x_train.max() == 3
    assert len(data.y_train) + len(data.y_test) == 1797


def test_rbm_completion_keeps_observed():
    g = np.random.default_rng(0)
    w = g.normal(size=(5, 8))
    v = (g.random((3, 8)) > 0.5).astype(float)
    seen = g.random((3, 8)) > 0.5
    out = rbm_mean_field_completion(w, np.zeros(5), np.zeros(8), v, seen)
    assert np.array_equal(out[seen], v[seen]) and ((out >= 0) & (out <= 1)).all()
    with pytest.raises(ValueError, match="observed mask"):
        rbm_mean_field_completion(w, np.zeros(5), np.zeros(8), v, seen[:, :4])
    assert math.isfinite(float(out.sum()))
