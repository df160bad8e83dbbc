"""Tests of the virtual Brownian tree, the Levy-area solvers and adaptive stepping.

Exact properties: marginal laws of W, H, K, the conditional law of W at an inner point given
(W, H) (and given W only), Chen additivity, determinism and query-order independence, agreement
in law with BrownianPath, and strong orders on shared paths.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import stats

from effdyn.sde import (
    ALIGN,
    SDE,
    BrownianPath,
    CIRController,
    DriftImplicitEulerCIR,
    EulerMaruyama,
    HOStS,
    PIDController,
    ShARK,
    VirtualBrownianTree,
    simulate,
    solve_adaptive,
    solve_fixed,
)
from effdyn.systems import CIRProcess

F64 = torch.float64

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _intervals(n: int, tree: VirtualBrownianTree, seed: int = 0):
    """Random ``s < u`` in ``[t0, t1]`` whose endpoints lie in different finest cells."""
    g = torch.Generator().manual_seed(seed)
    a = tree.t0 + tree.duration * torch.rand(n, generator=g, dtype=F64)
    b = tree.t0 + tree.duration * torch.rand(n, generator=g, dtype=F64)
    s, u = torch.minimum(a, b), torch.maximum(a, b)
    far = (u - s) > 2 * tree.cell
    u = torch.where(far, u, torch.clamp(s + 2 * tree.cell + 0.3 * tree.duration, max=tree.t1))
    s = torch.where(u - s > 2 * tree.cell, s, tree.t0 + torch.zeros_like(s))
    return s, u


# -- bad input ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, word",
    [
        (dict(t0=0.0, t1=1.0, tol=0.0), "tol"),
        (dict(t0=0.0, t1=1.0, tol=1.0), "tol"),
        (dict(t0=1.0, t1=1.0, tol=0.1), "t0"),
        (dict(t0=0.0, t1=1.0, tol=0.1, levy_area="space"), "levy_area"),
    ],
)
def test_bad_tree_arguments(kwargs, word):
    with pytest.raises(ValueError, match=word):
        VirtualBrownianTree(shape=(2, 1), **kwargs)


def test_bad_queries():
    tree = VirtualBrownianTree(0.0, 1.0, 2**-6, (3, 1), seed=1)
    with pytest.raises(ValueError, match="t must lie"):
        tree.evaluate(0.2, 1.5)
    with pytest.raises(ValueError, match="s must lie"):
        tree.evaluate(-0.1, 0.5)
    with pytest.raises(ValueError, match="s must not exceed t"):
        tree.evaluate(0.6, 0.5)
    with pytest.raises(ValueError, match="K"):
        tree.noise(("dW", "K"), 4)
    with pytest.raises(ValueError, match="smaller than the tree's tolerance"):
        tree.increments(2**8)
    with pytest.raises(ValueError, match="sigma"):
        CIRProcess(1.0, 1.0, 0.0)
    with pytest.raises(ValueError, match="x0"):
        CIRProcess(1.0, 1.0, 1.0, x0=-1.0)
    with pytest.raises(ValueError, match="x0"):
        HOStS(1.0, 1.0, 1.5).initial_state(-torch.ones(2, 1, dtype=F64))
    with pytest.raises(ValueError, match="ctol"):
        CIRController(0.0)
    with pytest.raises(ValueError, match="H"):
        HOStS(1.0, 1.0, 1.5).step(
            torch.ones(3, 1, dtype=F64), torch.ones(3, dtype=F64), tree.evaluate(0.0, 0.5)
        )


# -- marginal laws ------------------------------------------------------------------------------
def test_marginals_of_w_h_k():
    n = 20_000
    tree = VirtualBrownianTree(0.0, 2.0, 2**-10, (n, 1), seed=7, levy_area="space-time-time")
    s, u = _intervals(n, tree)
    inc = tree.evaluate(s, u)
    h = (u - s)[:, None]
    z = torch.cat([inc.W / h.sqrt(), inc.H / (h / 12).sqrt(), inc.K / (h / 720).sqrt()], dim=1)
    cov = (z.T @ z / n).numpy()
    band = 4 * math.sqrt(2 / n)
    assert np.all(np.abs(np.diag(cov) - 1) < band), np.diag(cov)
    off = cov[np.triu_indices(3, 1)]
    assert np.all(np.abs(off) < 4 / math.sqrt(n)), off
    for j in range(3):
        assert stats.kstest(z[:, j].numpy(), "norm").pvalue > 1e-3


def _conditional_sample(levy_area, n, s, r, u, seed):
    tree = VirtualBrownianTree(0.0, 1.0, 2**-8, (n, 1), seed=seed, levy_area=levy_area)
    whole = tree.evaluate(s, u)
    left = tree.evaluate(s, r)
    return whole, left


@pytest.mark.parametrize("fraction", [0.5, 0.3])
def test_conditional_law_given_w_and_h(fraction):
    n = 20_000
    s, u = 0.125, 0.625
    r = s + fraction * (u - s)
    whole, left = _conditional_sample("space-time", n, s, r, u, seed=11)
    a, b, h = r - s, u - r, u - s
    resid = left.W - (a / h) * whole.W - 6 * a * b / h**2 * whole.H
    var = a * b * (a**3 + b**3) / h**4
    if fraction == 0.5:
        assert math.isclose(var, h / 16)
    zmean = float(resid.mean()) / math.sqrt(var / n)
    assert abs(zmean) < 4
    assert abs(float(resid.var()) / var - 1) < 4 * math.sqrt(2 / n)
    for x in (whole.W, whole.H):  # the residual is independent of the conditioning
        assert abs(float(torch.corrcoef(torch.stack([resid[:, 0], x[:, 0]]))[0, 1])) < 4 / n**0.5


def test_conditional_law_given_w_only():
    n = 20_000
    s, r, u = 0.25, 0.375, 0.875
    whole, left = _conditional_sample(None, n, s, r, u, seed=5)
    a, b, h = r - s, u - r, u - s
    resid = left.W - (a / h) * whole.W
    var = a * b / h
    assert abs(float(resid.mean()) / math.sqrt(var / n)) < 4
    assert abs(float(resid.var()) / var - 1) < 4 * math.sqrt(2 / n)


# -- consistency ---------------------------------------------------------------------------------
def test_chen_additivity_over_random_partitions():
    n = 2_000
    tree = VirtualBrownianTree(0.0, 1.0, 2**-12, (n, 2), seed=3, levy_area="space-time-time")
    g = torch.Generator().manual_seed(1)
    cuts = torch.sort(torch.rand(n, 4, generator=g, dtype=F64), dim=1).values
    whole = tree.evaluate(cuts[:, 0], cuts[:, 3])
    W = torch.zeros_like(whole.W)
    hH = torch.zeros_like(W)
    h2K = torch.zeros_like(W)
    length = torch.zeros(n, 1, dtype=F64)
    for i in range(3):
        p = tree.evaluate(cuts[:, i], cuts[:, i + 1])
        h2 = (cuts[:, i + 1] - cuts[:, i])[:, None]
        h1 = length
        cross = h2 * W - h1 * p.W
        h2K = h2K + h2**2 * p.K + 0.5 * (h2 * hH - h1 * h2 * p.H) + (h2 - h1) * cross / 12
        hH = hH + h2 * p.H + 0.5 * cross
        W = W + p.W
        length = h1 + h2
    assert float((W - whole.W).abs().max()) <= 1e-12
    assert float((hH / length - whole.H).abs().max()) <= 1e-12
    assert float((h2K / length**2 - whole.K).abs().max()) <= 1e-12


def test_determinism_and_query_order():
    n = 64
    kw = dict(shape=(n, 3), seed=42, levy_area="space-time-time")
    t1 = VirtualBrownianTree(0.0, 3.0, 2**-9, **kw)
    t2 = VirtualBrownianTree(0.0, 3.0, 2**-9, **kw)
    times = torch.linspace(0.1, 2.9, 7, dtype=F64)
    forward = [t1.evaluate(times[i].expand(n), times[i + 1].expand(n)).H for i in range(6)]
    backward = [t2.evaluate(times[i].expand(n), times[i + 1].expand(n)).H for i in range(5, -1, -1)]
    for f, b in zip(forward, reversed(backward), strict=True):
        assert torch.equal(f, b)
    other = VirtualBrownianTree(0.0, 3.0, 2**-9, shape=(n, 3), seed=43)
    assert not torch.equal(other.evaluate(0.1, 0.5).W, t1.evaluate(0.1, 0.5).W)
    single = t1.evaluate(0.1, 0.5).W
    f32 = VirtualBrownianTree(0.0, 3.0, 2**-9, dtype=torch.float32, **kw).evaluate(0.1, 0.5).W
    assert f32.dtype == torch.float32
    assert torch.allclose(f32.double(), single, atol=1e-6)


def test_grid_equals_point_queries_and_agrees_with_brownian_path():
    n = 4_000
    tree = VirtualBrownianTree(0.0, 1.0, 2**-6, (n, 1), seed=9, levy_area="space-time")
    grid = tree.increments(8)
    point = tree.evaluate(3 / 8, 4 / 8)
    assert torch.allclose(grid.W[3], point.W, atol=1e-13)
    assert torch.allclose(grid.H[3], point.H, atol=1e-13)
    path = BrownianPath((n, 1), 0.0, 1.0, levy_area=True, seed=9)
    for ours, theirs in ((grid.W, path.increments(8)), (grid.H, path.levy_areas(8))):
        assert stats.ks_2samp(ours[5, :, 0].numpy(), theirs[5, :, 0].numpy()).pvalue > 1e-3
        # consecutive steps are independent in both
        c = torch.corrcoef(torch.stack([ours[2, :, 0], ours[3, :, 0]]))[0, 1]
        assert abs(float(c)) < 4 / n**0.5


def test_simulate_runs_on_a_tree():
    n = 50
    tree = VirtualBrownianTree(0.0, 1.0, 2**-8, (n, 1), seed=2)
    sde = SDE(lambda t, x: torch.zeros_like(x), 1.0)
    res = simulate(EulerMaruyama(sde), torch.zeros(n, 1, dtype=F64), n_steps=16, brownian=tree)
    assert torch.allclose(res.x, tree.value(1.0).W, atol=1e-12)


# -- solvers: strong orders on shared paths ------------------------------------------------------
def _fit_order(steps, errors):
    return np.polyfit(np.log(steps), np.log(errors), 1)[0]


@pytest.mark.parametrize(
    "name, drift, sigma, order, band",
    [
        # linear drift: the order-2 terms of the expansion vanish and ShARK is second order
        ("ou", lambda t, x: -x, 1.0, 2.0, 0.15),
        # nonlinear drift: 1.5 asymptotically (the fit over these steps lies between 1.5 and 2)
        ("cubic", lambda t, x: x - x**3, 1.0, 1.75, 0.3),
    ],
)
def test_shark_strong_order_on_additive_noise(name, drift, sigma, order, band):
    n = 400
    tree = VirtualBrownianTree(0.0, 1.0, 2**-12, (n, 1), seed=4, levy_area="space-time")
    sde = SDE(drift, sigma)
    x0 = torch.full((n, 1), 0.5, dtype=F64)

    def solve(k):
        return simulate(ShARK(sde), x0, n_steps=2**k, brownian=tree).x

    ref = solve(12)
    ks = (3, 4, 5, 6, 7)
    errs = [float((solve(k) - ref).pow(2).mean().sqrt()) for k in ks]
    assert abs(_fit_order([2.0**-k for k in ks], errs) - order) < band


def test_align_strong_order_two_on_quadratic_langevin():
    n = 200
    tree = VirtualBrownianTree(0.0, 2.0, 2**-11, (n, 2), seed=8, levy_area="space-time")
    k_spring = torch.tensor([1.0, 4.0], dtype=F64)

    def solve(k):
        scheme = ALIGN(lambda q: -k_spring * q, beta=1.0, gamma=1.0)
        return simulate(
            scheme,
            torch.ones(n, 2, dtype=F64),
            n_steps=2**k,
            brownian=tree,
            p0=torch.zeros(n, 2, dtype=F64),
        ).x

    ref = solve(12)
    ks = (3, 4, 5, 6)
    errs = [float((solve(k) - ref).pow(2).mean().sqrt()) for k in ks]
    assert abs(_fit_order([2.0 * 2.0**-k for k in ks], errs) - 2.0) < 0.15


def test_cir_mean_and_law():
    n = 4_000
    cir = CIRProcess(1.0, 1.0, 1.5, x0=1.0)
    tree = VirtualBrownianTree(0.0, 1.0, 2**-8, (n, 1), seed=12, levy_area="space-time")
    x = solve_fixed(HOStS(1.0, 1.0, 1.5), torch.ones(n, 1, dtype=F64), tree, 2**7)[:, 0]
    z = (float(x.mean()) - cir.mean(1.0)) / (float(x.std()) / math.sqrt(n))
    assert abs(z) < 4
    assert stats.kstest(x.numpy(), cir.law(1.0).cdf).pvalue > 1e-3
    y = solve_fixed(DriftImplicitEulerCIR(1.0, 1.0, 1.5), torch.ones(n, 1, dtype=F64), tree, 2**7)
    assert bool((y >= 0).all())
    assert stats.kstest(y[:, 0].numpy(), cir.law(1.0).cdf).pvalue > 1e-3


def test_adaptive_cir_counts_and_convergence():
    n = 64
    tree = VirtualBrownianTree(0.0, 1.0, 2**-9, (n, 1), seed=1, levy_area="space-time")
    x0 = torch.ones(n, 1, dtype=F64)
    hosts = HOStS(1.0, 1.0, 1.5)
    ref = solve_adaptive(hosts, x0, tree, CIRController(2**-6))
    coarse = solve_adaptive(hosts, x0, tree, CIRController(2**-1))
    fine = solve_adaptive(hosts, x0, tree, CIRController(2**-4))
    assert torch.allclose(ref.t, torch.ones(n, dtype=F64))
    assert coarse.mean_steps < fine.mean_steps < ref.mean_steps
    e_coarse = float((coarse.x - ref.x).pow(2).mean().sqrt())
    e_fine = float((fine.x - ref.x).pow(2).mean().sqrt())
    assert e_fine < 0.5 * e_coarse
    die = DriftImplicitEulerCIR(1.0, 1.0, 1.5)
    loose = solve_adaptive(die, x0, tree, PIDController(1e-1, 1e-2, order=1.0, dtmin=2**-9))
    tight = solve_adaptive(die, x0, tree, PIDController(1e-2, 1e-3, order=1.0, dtmin=2**-9))
    assert torch.allclose(tight.t, torch.ones(n, dtype=F64))
    assert loose.mean_steps < tight.mean_steps
    assert int(tight.rejections.sum()) > 0  # rejected steps re-query the tree


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA not available")
def test_cuda_matches_cpu():
    kw = dict(shape=(16, 2), seed=5, levy_area="space-time-time")
    cpu = VirtualBrownianTree(0.0, 1.0, 2**-10, **kw).evaluate(0.2, 0.7)
    gpu = VirtualBrownianTree(0.0, 1.0, 2**-10, device="cuda", **kw).evaluate(0.2, 0.7)
    for a, b in ((cpu.W, gpu.W), (cpu.H, gpu.H), (cpu.K, gpu.K)):
        assert torch.allclose(a, b.cpu(), atol=1e-10)


def test_point_and_between_agree_with_evaluate():
    n = 500
    tree = VirtualBrownianTree(0.0, 4.0, 2**-10, (n, 1), seed=6, levy_area="space-time")
    s, u = _intervals(n, tree, seed=3)
    inc = tree.evaluate(s, u)
    via_points = tree.between(tree.point(s), s, tree.point(u), u)
    assert torch.allclose(via_points.W, inc.W, atol=1e-12)
    assert torch.allclose(via_points.H, inc.H, atol=1e-9)
