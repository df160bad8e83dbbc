"""Tests of effdyn.highdim Gaussian-mixture SGD streams and their effective ODE."""

from __future__ import annotations

import math

import pytest
import torch

from effdyn.highdim.gmm import BinaryGMMLogisticSGD, XORTwoLayerSGD, xor_test_error
from effdyn.highdim.gmm_effective import BinaryGMMEffectiveDynamics

F64 = torch.float64


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_binary_fixed_point_is_zero_of_drift_and_attracts_the_ode():
    eff = BinaryGMMEffectiveDynamics(snr=2.0, ridge=0.1, c_delta=2.0)
    m_star, q_star = eff.fixed_point()
    drift = eff.drift(torch.tensor([m_star, q_star], dtype=F64))
    assert drift.abs().max() < 1e-9
    end = eff.ode(0.0, 1.0, 60.0, 0.02, record_every=3000).y[-1]
    assert float(end[0]) == pytest.approx(m_star, abs=1e-5)
    assert float(end[1]) == pytest.approx(q_star, abs=1e-5)


def test_binary_sgd_follows_the_corrected_ode_not_the_gradient_flow():
    snr, ridge, c_delta, n_dim, n_runs, t_final = 2.0, 0.1, 2.0, 400, 16, 12.0
    rec = BinaryGMMLogisticSGD(n_dim, snr, ridge, c_delta=c_delta, dtype=F64).run(
        n_runs, t_final, n_record=7, seed=4
    )
    for c, should_match in ((c_delta, True), (0.0, False)):
        path = BinaryGMMEffectiveDynamics(snr, ridge, c).ode(0.0, 1.0, float(rec.t[-1]), 0.01)
        q_ode = float(path.y[-1, 1])
        q_sgd = rec.stats["q"][-1]
        se = float(q_sgd.std()) / math.sqrt(n_runs)
        gap = abs(float(q_sgd.mean()) - q_ode)
        # the fluctuations are O(N^{-1/2}); the correction term shifts q by O(1)
        assert (gap < 4 * se + 0.5 / n_dim) == should_match


def test_xor_error_from_summary_statistics_of_hand_built_networks():
    k, big = 4, 5.0
    mmu = torch.tensor([big, -big, 0.0, 0.0], dtype=F64)
    mnu = torch.tensor([0.0, 0.0, big, -big], dtype=F64)
    stats = {
        "a": torch.tensor([1.0, 1.0, -1.0, -1.0], dtype=F64),
        "m_mu": mmu,
        "m_nu": mnu,
        "r_perp": torch.eye(k, dtype=F64),
    }
    gen = torch.Generator().manual_seed(0)
    good = float(xor_test_error(stats, snr=10.0, n_mc=20000, generator=gen))
    assert good < 0.05  # cross-talk of the +-nu units on the +-mu clusters, and back
    # drop the +mu detector: the +mu cluster (a quarter of the data) is misclassified
    stats_bad = dict(stats, a=torch.tensor([0.0, 1.0, -1.0, -1.0], dtype=F64))
    bad = float(xor_test_error(stats_bad, snr=10.0, n_mc=20000, generator=gen))
    assert 0.25 - good <= bad <= 0.25 + good + 0.01


def test_xor_wide_network_learns_and_statistics_are_consistent():
    sgd = XORTwoLayerSGD(100, 16, snr=10.0, ridge=0.01, c_delta=4.0, dtype=F64)
    rec = sgd.run(8, 60.0, n_record=3, seed=0)
    st = rec.stats
    assert st["a"].shape == (3, 8, 16) and st["r_perp"].shape == (3, 8, 16, 16)
    assert torch.linalg.eigvalsh(st["r_perp"][-1]).min() > -1e-10  # a Gram matrix
    err0 = xor_test_error({k: v[0] for k, v in st.items()}, 10.0, 2000)
    err = xor_test_error({k: v[-1] for k, v in st.items()}, 10.0, 2000)
    assert float(err0.mean()) > 0.3 and float(err.mean()) < 0.1


def test_bad_input_is_rejected():
    with pytest.raises(ValueError, match="snr"):
        BinaryGMMLogisticSGD(10, 0.0, c_delta=1.0)
    with pytest.raises(ValueError, match="width"):
        XORTwoLayerSGD(10, 0, 1.0, c_delta=1.0)
    with pytest.raises(ValueError, match="q0"):
        BinaryGMMLogisticSGD(10, 1.0, c_delta=1.0).run(2, 1.0, m0=2.0, q0=1.0)
    with pytest.raises(ValueError, match="ridge"):
        BinaryGMMEffectiveDynamics(1.0, 0.0, 1.0).fixed_point()
