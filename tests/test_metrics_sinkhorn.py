"""Tests of effdyn.metrics.sinkhorn: exact properties of the debiased Sinkhorn divergence."""

from __future__ import annotations

import pytest
import torch

from effdyn.metrics import epsilon_schedule, sinkhorn_divergence

F64 = torch.float64
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_sinkhorn_debiased_zero():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(100, 5, generator=g, dtype=F64)
    assert abs(sinkhorn_divergence(x, x).item()) < 1e-12
    # a permutation of the same cloud is the same measure
    assert abs(sinkhorn_divergence(x, x[torch.randperm(100, generator=g)]).item()) < 1e-12
    # without debiasing, OT_eps(a, a) > 0
    assert sinkhorn_divergence(x, x, debias=False).item() > 1e-3


def test_sinkhorn_small_blur_1d():
    """As blur -> 0, S tends to W2^2 / 2, computed exactly in 1-D from the sorted samples."""
    g = torch.Generator().manual_seed(1)
    x = torch.randn(64, 1, generator=g, dtype=F64)
    y = 0.7 * torch.randn(64, 1, generator=g, dtype=F64) + 1.0
    w2_half = 0.5 * ((x.sort(0).values - y.sort(0).values) ** 2).mean().item()
    errors = [
        abs(sinkhorn_divergence(x, y, blur=b, scaling=0.95).item() - w2_half)
        for b in (0.3, 0.1, 0.01)
    ]
    assert errors[2] < 1e-3 * w2_half + 1e-4
    assert errors[0] > errors[1] > errors[2]


def test_sinkhorn_translation_of_a_cloud():
    """For a rigid translation by v, W2^2/2 = |v|^2/2; the Sinkhorn divergence at small blur too."""
    g = torch.Generator().manual_seed(2)
    x = torch.randn(80, 2, generator=g, dtype=F64)
    v = torch.tensor([0.6, -0.8], dtype=F64)
    value = sinkhorn_divergence(x, x + v, blur=0.01, scaling=0.95).item()
    assert value == pytest.approx(0.5, rel=2e-3)


def test_sinkhorn_gradient_moves_x_towards_y():
    g = torch.Generator().manual_seed(3)
    x = torch.randn(60, 3, generator=g, dtype=F64).requires_grad_(True)
    y = torch.randn(60, 3, generator=g, dtype=F64) + 2.0
    start = sinkhorn_divergence(x, y).item()
    for _ in range(30):
        (grad,) = torch.autograd.grad(sinkhorn_divergence(x, y), x)
        with torch.no_grad():
            x -= 20.0 * grad
    assert sinkhorn_divergence(x, y).item() < 0.05 * start
    assert (x.detach().mean(0) - y.mean(0)).abs().max() < 0.1


def test_epsilon_schedule_ends_at_blur():
    s = epsilon_schedule(2, 10.0, 0.2, 0.5)
    assert s[0] == 100.0 and s[-1] == pytest.approx(0.04)
    assert all(a >= b for a, b in zip(s[1:-2], s[2:-1], strict=True))


@pytest.mark.parametrize(
    "kwargs, word",
    [
        ({"blur": 0.0}, "blur"),
        ({"blur": -1.0}, "blur"),
        ({"p": 3}, "p"),
        ({"scaling": 1.0}, "scaling"),
    ],
)
def test_sinkhorn_bad_input(kwargs, word):
    x = torch.zeros(3, 2)
    with pytest.raises(ValueError, match=word):
        sinkhorn_divergence(x, x, **kwargs)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA not available")
def test_sinkhorn_cuda_matches_cpu():
    g = torch.Generator().manual_seed(4)
    x, y = torch.randn(50, 4, generator=g, dtype=F64), torch.randn(40, 4, generator=g, dtype=F64)
    cpu = sinkhorn_divergence(x, y)
    gpu = sinkhorn_divergence(x.cuda(), y.cuda())
    assert abs(cpu.item() - gpu.item()) < 1e-10
