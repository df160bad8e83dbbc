"""Tests of BrownianPath: bridge refinement, exact aggregation, statistics, channels."""

from __future__ import annotations

import math

import pytest
import torch

from effdyn.sde import OBABO, SRA1, BrownianPath, EulerMaruyama

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("levy", [False, True])
def test_order_of_requests_does_not_matter(device, levy):
    a = BrownianPath((50, 2), 0.0, 2.0, seed=7, levy_area=levy, device=device)
    b = BrownianPath((50, 2), 0.0, 2.0, seed=7, levy_area=levy, device=device)
    fine_first = a.increments(64)
    coarse_a = a.increments(4)
    coarse_b = b.increments(4)
    fine_b = b.increments(64)
    torch.testing.assert_close(coarse_a, coarse_b, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(fine_first, fine_b, rtol=1e-12, atol=1e-12)
    if levy:
        torch.testing.assert_close(a.levy_areas(4), b.levy_areas(4), rtol=1e-12, atol=1e-12)


def test_coarse_increments_are_sums_of_fine_ones():
    path = BrownianPath((30, 1), 0.0, 1.0, seed=1, levy_area=True, n_base=3)
    fine = path.increments(3 * 32)
    coarse = path.increments(3 * 4)
    torch.testing.assert_close(coarse, fine.reshape(12, 8, 30, 1).sum(1), rtol=0, atol=1e-13)
    torch.testing.assert_close(path.values(12)[-1], fine.sum(0), rtol=0, atol=1e-13)
    assert torch.equal(path.values(12)[0], torch.zeros(30, 1, dtype=torch.float64))


def test_levy_area_matches_its_definition_on_the_finer_grid():
    """H = (1/h) int_a^b (W_s - W_a) ds - dW/2, with the integral summed over finer steps."""
    path = BrownianPath((40, 1), 0.0, 1.0, seed=3, levy_area=True)
    n_f, n_c = 64, 4
    dW, H = path.increments(n_f), path.levy_areas(n_f)
    h_f = 1.0 / n_f
    r = n_f // n_c
    W = torch.cat([torch.zeros_like(dW[:1]), dW.cumsum(0)])
    expected = []
    for k in range(n_c):
        seg = slice(k * r, (k + 1) * r)
        Wa = W[k * r]
        integral = (h_f * ((W[k * r : (k + 1) * r] - Wa) + H[seg] + 0.5 * dW[seg])).sum(0)
        expected.append(integral / (r * h_f) - 0.5 * dW[seg].sum(0))
    torch.testing.assert_close(path.levy_areas(n_c), torch.stack(expected), rtol=0, atol=1e-12)


@pytest.mark.parametrize("levy", [False, True])
def test_refined_increments_have_the_right_law(levy):
    """After five bridge refinements: Var dW = h, Var H = h/12, uncorrelated, independent."""
    B, n = 20000, 32
    path = BrownianPath((B, 1), 0.0, 2.0, seed=11, levy_area=levy)
    dW = path.increments(n).squeeze(-1)  # (n, B)
    h = 2.0 / n
    var = dW.var(dim=1) / h
    assert torch.allclose(var, torch.ones_like(var), atol=0.06)  # 20000 samples: sd ~ 0.01
    corr = torch.corrcoef(dW[:6])  # neighbouring increments uncorrelated
    assert (corr - torch.eye(6, dtype=corr.dtype)).abs().max() < 0.04
    if levy:
        H = path.levy_areas(n).squeeze(-1)
        assert torch.allclose(H.var(dim=1) / (h / 12), torch.ones(n, dtype=H.dtype), atol=0.06)
        c = ((H * dW).mean(dim=1) / math.sqrt(h * h / 12)).abs().max()
        assert c < 0.04


def test_seed_and_grid_checks():
    a = BrownianPath((5, 1), seed=1).increments(8)
    b = BrownianPath((5, 1), seed=2).increments(8)
    assert not torch.allclose(a, b)
    path = BrownianPath((5, 1), n_base=3)
    with pytest.raises(ValueError, match="n_base \\* 2\\*\\*k"):
        path.increments(8)
    with pytest.raises(ValueError, match="levy_area=False"):
        path.levy_areas(3)
    with pytest.raises(ValueError, match="t0 < t1"):
        BrownianPath((5, 1), 1.0, 1.0)


def test_noise_channels_for_integrators():
    path = BrownianPath((7, 2), 0.0, 1.0, seed=0, levy_area=True)
    assert path.noise(EulerMaruyama.noise_channels, 8).shape == (8, 7, 2)
    sra = path.noise(SRA1.noise_channels, 8)
    assert sra.shape == (8, 2, 7, 2)
    torch.testing.assert_close(sra[:, 0], path.increments(8))
    torch.testing.assert_close(sra[:, 1], path.levy_areas(8))
    halves = path.noise(OBABO.noise_channels, 8)
    assert halves.shape == (8, 2, 7, 2)
    torch.testing.assert_close(halves.sum(1), path.increments(8), rtol=0, atol=1e-13)
