"""Tests of effdyn.highdim: spiked matrix/tensor SGD, its effective ODE/SDE and integrators."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from effdyn.highdim.spiked import SpikedTensorSGD, first_passage_times
from effdyn.highdim.spiked_effective import (
    SpikedEffectiveDynamics,
    matrix_fixed_point_overlap_sq,
)
from effdyn.ode.fixed_step import euler_maruyama, rk4

F64 = torch.float64


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.mark.parametrize(
    "snr,c_delta", [(2.0, 0.5), (2.0, 1.5), (1.0, 1.2), (0.5, 1.5), (3.0, 0.1)]
)
def test_matrix_ode_converges_to_closed_form_fixed_point(snr, c_delta):
    eff = SpikedEffectiveDynamics(snr, c_delta)
    m_star = math.sqrt(matrix_fixed_point_overlap_sq(snr, c_delta))
    assert eff.stable_overlap() == pytest.approx(m_star, abs=1e-12)
    assert abs(float(eff.drift(torch.tensor(m_star, dtype=F64)))) < 1e-12
    path = eff.ode(torch.tensor([0.3, 0.9], dtype=F64), t_final=60.0, dt=0.01, record_every=100)
    assert torch.allclose(path.y[-1], torch.full((2,), m_star, dtype=F64), atol=1e-6)


def test_tensor_fixed_points_are_zeros_of_drift_and_threshold():
    eff = SpikedEffectiveDynamics(1.0, 0.5, order=3)
    pts = eff.fixed_points()
    assert len(pts) == 3  # 0, an unstable and a stable root
    assert torch.allclose(
        eff.drift(torch.tensor(pts, dtype=F64)), torch.zeros(3, dtype=F64), atol=1e-12
    )
    # lam m (1 - m^2) has maximum 2 lam / (3 sqrt 3): above c_delta / 2 = that, no recovery
    c_crit = 4.0 / (3.0 * math.sqrt(3.0))
    assert len(SpikedEffectiveDynamics(1.0, 1.01 * c_crit, order=3).fixed_points()) == 1
    assert len(SpikedEffectiveDynamics(1.0, 0.99 * c_crit, order=3).fixed_points()) == 3


@pytest.mark.parametrize("sampler,n_dim,n_runs", [("vector", 40, 2000), ("reduced", 40, 2000)])
def test_pure_noise_keeps_uniform_law_exactly(sampler, n_dim, n_runs):
    # lam = 0: the noise law is rotation invariant, so a uniform start stays uniform on the
    # sphere at every step and E[N m^2] = 1 exactly (Var N m^2 -> 2).
    sgd = SpikedTensorSGD(n_dim, 0.0, c_delta=1.0, sampler=sampler, dtype=F64)
    rec = sgd.run(n_runs, t_final=2.0, n_record=5, seed=3)
    stat = n_dim * rec.m**2
    se = math.sqrt(2.0 * n_dim / (n_dim + 2) / n_runs)  # exact Var of N m^2 for uniform x
    for row in stat:
        assert abs(float(row.mean()) - 1.0) < 4.0 * se


def _moments(sgd, n_runs, t, m0, seed):
    m = sgd.run(n_runs, t, m0=m0, n_record=2, seed=seed).m[-1]
    return float(m.mean()), float(m.var()), n_runs


@pytest.mark.parametrize("order,n_dim", [(2, 16), (3, 8)])
def test_samplers_agree_in_law_with_dense_noise(order, n_dim):
    kw = dict(snr=1.5, order=order, c_delta=1.0, dtype=F64)
    ref = _moments(SpikedTensorSGD(n_dim, sampler="dense", **kw), 1500, 1.0, 0.6, 1)
    for sampler in ("vector", "reduced"):
        got = _moments(SpikedTensorSGD(n_dim, sampler=sampler, **kw), 1500, 1.0, 0.6, 2)
        se_mean = math.sqrt(ref[1] / ref[2] + got[1] / got[2])
        assert abs(got[0] - ref[0]) < 4.5 * se_mean
        assert got[1] == pytest.approx(ref[1], rel=0.25)


def test_sgd_distance_to_ode_shrinks_like_inverse_sqrt_n():
    snr, c_delta, m0, t_final = 2.0, 0.5, 0.5, 3.0
    ode = SpikedEffectiveDynamics(snr, c_delta)
    dist = []
    for n_dim in (150, 600):
        rec = SpikedTensorSGD(n_dim, snr, c_delta=c_delta, dtype=F64).run(
            16, t_final, m0=m0, n_record=31, seed=5
        )
        dt_rec = float(rec.t[1] - rec.t[0])
        path = ode.ode(m0, t_final=float(rec.t[-1]), dt=dt_rec / 10, record_every=10)
        assert path.y.shape[0] == rec.t.shape[0]
        sup = (rec.m - path.y.to(rec.m)).abs().max(dim=0).values
        dist.append(float(sup.mean()))
        assert dist[-1] < 3.0 / math.sqrt(n_dim)
    ratio = dist[0] / dist[1]  # N^{-1/2} predicts 2
    assert 1.5 < ratio < 2.7


def test_stable_equator_rescaled_variance_matches_ou():
    snr, c_delta, n_dim, n_runs = 0.25, 1.0, 500, 2000
    eff = SpikedEffectiveDynamics(snr, c_delta)
    var = eff.rescaled_stationary_variance()
    assert var == pytest.approx(2.0)
    rec = SpikedTensorSGD(n_dim, snr, c_delta=c_delta, sampler="reduced", dtype=F64).run(
        n_runs, 6.0, n_record=2, seed=11
    )
    stat = n_dim * rec.m[-1] ** 2
    assert abs(float(stat.mean()) - var) < 4.0 * math.sqrt(2.0 * var**2 / n_runs)


def test_mean_escape_time_formula_against_reduced_sgd():
    snr, c_delta, n_dim = 1.5, 1.0, 1000
    eff = SpikedEffectiveDynamics(snr, c_delta)
    thr = eff.stable_overlap() / 2
    tau = SpikedTensorSGD(n_dim, snr, c_delta=c_delta, sampler="reduced", dtype=F64).escape_times(
        600, thr, t_max=10.0, seed=2
    )
    assert torch.isfinite(tau).all()
    se = float(tau.std()) / math.sqrt(600)
    assert abs(float(tau.mean()) - eff.mean_escape_time(n_dim, thr)) < 4 * se + 0.02


def test_sde_matches_sgd_spread():
    snr, c_delta, n_dim, m0 = 2.0, 0.5, 400, 0.5
    eff = SpikedEffectiveDynamics(snr, c_delta)
    gen = torch.Generator().manual_seed(0)
    sde = eff.sde(torch.full((2000,), m0, dtype=F64), n_dim, 1.0, 1e-3, generator=gen)
    sgd = SpikedTensorSGD(n_dim, snr, c_delta=c_delta, sampler="reduced", dtype=F64).run(
        2000, 1.0, m0=m0, n_record=2, seed=1
    )
    assert float(sgd.m[-1].std()) == pytest.approx(float(sde.y[-1].std()), rel=0.1)


def test_rk4_is_fourth_order_and_em_has_exact_ou_moments():
    y0 = torch.tensor([1.0], dtype=F64)
    errs = [
        abs(float(rk4(lambda y: -y, y0, 1.0, h).y[-1, 0]) - math.exp(-1.0)) for h in (0.1, 0.05)
    ]
    assert 3.7 < math.log2(errs[0] / errs[1]) < 4.3
    # EM on dY = -Y dt + sqrt(2) dB: exact discrete recursion Var_{n+1} = (1-h)^2 Var_n + 2h
    h, n = 0.01, 300
    gen = torch.Generator().manual_seed(1)
    path = euler_maruyama(
        lambda y: -y,
        lambda y: math.sqrt(2.0) * torch.ones_like(y),
        torch.zeros(20000, dtype=F64),
        n * h,
        h,
        generator=gen,
        record_every=n,
    )
    var = 2 * h * (1 - (1 - h) ** (2 * n)) / (1 - (1 - h) ** 2)
    assert float(path.y[-1].var()) == pytest.approx(var, rel=0.05)


def test_first_passage_times():
    t = torch.tensor([0.0, 1.0, 2.0, 3.0])
    v = torch.tensor([[0.0, 0.0], [0.2, 0.6], [0.7, 0.1], [0.9, 0.2]])
    out = first_passage_times(t, v, 0.5)
    assert out[0] == 2.0 and out[1] == 1.0
    assert torch.isinf(first_passage_times(t, v, 0.95)).all()


def test_bad_input_is_rejected():
    with pytest.raises(ValueError, match="exactly one"):
        SpikedTensorSGD(10, 1.0)
    with pytest.raises(ValueError, match="n_dim"):
        SpikedTensorSGD(2, 1.0, c_delta=1.0)
    with pytest.raises(ValueError, match="sampler"):
        SpikedTensorSGD(10, 1.0, c_delta=1.0, sampler="fast")
    with pytest.raises(ValueError, match="dense"):
        SpikedTensorSGD(10, 1.0, order=4, c_delta=1.0, sampler="dense")
    with pytest.raises(ValueError, match="m0"):
        SpikedTensorSGD(10, 1.0, c_delta=1.0).run(2, 1.0, m0=1.5)
    with pytest.raises(ValueError, match="c_delta"):
        SpikedEffectiveDynamics(1.0, -1.0)
    with pytest.raises(ValueError, match="not stable"):
        SpikedEffectiveDynamics(2.0, 1.0).rescaled_stationary_variance()
    with pytest.raises(ValueError, match="threshold"):
        SpikedEffectiveDynamics(2.0, 1.0).mean_escape_time(100, 0.99)
    assert np.isfinite(SpikedEffectiveDynamics(2.0, 1.0).mean_escape_time(100, 0.5))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_runs_on_cuda():
    rec = SpikedTensorSGD(500, 2.0, c_delta=0.5, device="cuda").run(8, 1.0, m0=0.5, seed=0)
    assert rec.m.device.type == "cuda"
    red = SpikedTensorSGD(500, 2.0, c_delta=0.5, device="cuda", sampler="reduced").run(8, 1.0)
    assert red.m.device.type == "cuda"
