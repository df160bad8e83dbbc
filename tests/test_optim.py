"""Tests of effdyn.optim: consensus point, CBO, consensus hopping, smoothing, objectives."""

from __future__ import annotations

import math

import pytest
import torch

from effdyn.optim import (
    CBO,
    Ackley,
    ConsensusHopping,
    GrandCanyon3Noisy,
    Quadratic,
    Rastrigin,
    consensus_point,
    consensus_weights,
    drift_alignment,
    gaussian_cloud,
    gaussian_grid,
    gradient,
    gradient_descent,
    proximal_point,
    smoothed_gradient,
    smoothed_objective,
    uniform_grid,
)

F64 = torch.float64
DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def gen(seed: int, device: str = "cpu") -> torch.Generator:
    return torch.Generator(device=device).manual_seed(seed)


# ---------------------------------------------------------------- objectives


def test_objectives_vanish_at_their_minimizer_and_are_positive_elsewhere():
    x = gaussian_cloud([0.0, 0.0], 3.0, 5000, generator=gen(0), dtype=F64)
    for objective in (GrandCanyon3Noisy(), Rastrigin(), Ackley(), Quadratic(2.0)):
        xstar = objective.minimizer(2, dtype=F64)
        assert abs(objective(xstar).item() - objective.minimum) < 1e-12
        assert bool((objective(x) > objective.minimum).all())


def test_grand_canyon_values_and_shape_checks():
    E = GrandCanyon3Noisy()
    # hand-evaluated at (8, 8): valley = 8 - (49*16/8 + 2), block = -20.8
    v1, v2 = 8.0, 8.0
    valley = v2 - (0.125 * (v1 - 1) * (v1 - 4) ** 2 + 2)
    expected = (
        100 * (1 - math.exp(-1.4 * valley**2 * math.exp(-0.002 * v1**4)))
        + 1.6 * v1**2
        + 0.8 * v2**2
        + 16 * (1 - math.cos(0.75 * math.pi * 8))
    )
    assert E(torch.tensor([8.0, 8.0], dtype=F64)).item() == pytest.approx(expected, rel=1e-12)
    with pytest.raises(ValueError, match=r"shape \(\.\.\., 2\)"):
        E(torch.zeros(3, 3))
    with pytest.raises(ValueError, match="d must be 2"):
        E.minimizer(3)
    with pytest.raises(ValueError, match="amplitude"):
        Rastrigin(amplitude=-1.0)


# ---------------------------------------------------------------- consensus point


def test_consensus_point_is_the_exact_weighted_mean_batched():
    g = gen(1)
    x = torch.randn(4, 3, 50, 2, generator=g, dtype=F64)
    e = torch.rand(4, 3, 50, generator=g, dtype=F64) * 5
    alpha = 2.7
    w = torch.exp(-alpha * e)
    exact = (w.unsqueeze(-1) * x).sum(-2) / w.sum(-1, keepdim=True)
    assert torch.allclose(consensus_point(x, e, alpha), exact, rtol=1e-13, atol=1e-14)
    # one loop per run gives the same numbers
    rows = [[consensus_point(x[i, j], e[i, j], alpha) for j in range(3)] for i in range(4)]
    looped = torch.stack([torch.stack(row) for row in rows])
    assert torch.allclose(consensus_point(x, e, alpha), looped, rtol=0, atol=1e-14)
    # alpha = 0 is the arithmetic mean; a constant shift of the energies changes nothing
    assert torch.allclose(consensus_point(x, e, 0.0), x.mean(-2), atol=1e-14)
    assert torch.allclose(consensus_point(x, e + 1e4, alpha), exact, atol=1e-13)


def test_consensus_point_is_stable_for_huge_alpha():
    g = gen(2)
    x = torch.randn(100, 2, generator=g)  # float32 on purpose
    e = Rastrigin()(x)
    v = consensus_point(x, e, 1e15)
    assert torch.isfinite(v).all()
    assert torch.equal(v, x[e.argmin()])
    w = consensus_weights(e, 1e15)
    assert w.sum().item() == pytest.approx(1.0)


def test_consensus_point_of_asymmetric_quadratic_matches_laplace_rate_exactly():
    """E(v) = a v^2 (v > 0), b v^2 (v < 0): the Gibbs mean is (a^-1/2 - b^-1/2)/sqrt(pi alpha)."""
    a, b = 1.0, 9.0

    def energy(v: torch.Tensor) -> torch.Tensor:
        v = v[..., 0]
        return torch.where(v > 0, a * v**2, b * v**2)

    for alpha in (1e2, 1e4, 1e6):
        w = 12 / math.sqrt(alpha * min(a, b))
        nodes, log_w = uniform_grid([-w], [w], 200001, dtype=F64)
        v = consensus_point(nodes, energy(nodes), alpha, log_prior=log_w)
        exact = (a**-0.5 - b**-0.5) / math.sqrt(math.pi * alpha)
        assert v.item() == pytest.approx(exact, rel=1e-6)


def test_consensus_point_tends_to_argmin_as_alpha_grows():
    """Fixed particle cloud: v_alpha -> best particle; fixed reference measure: -> argmin E."""
    E = GrandCanyon3Noisy()
    nodes, log_w = uniform_grid([-2.0, -2.0], [2.0, 2.0], 401, dtype=F64)
    dist = [
        consensus_point(nodes, E(nodes), alpha, log_prior=log_w).norm().item()
        for alpha in (1.0, 10.0, 100.0, 1000.0)
    ]
    assert all(d1 > d2 for d1, d2 in zip(dist, dist[1:], strict=False))
    assert dist[-1] < 6e-3


def test_consensus_rejects_bad_input():
    with pytest.raises(ValueError, match="alpha"):
        consensus_point(torch.zeros(3, 2), torch.zeros(3), -1.0)
    with pytest.raises(ValueError, match="energies must have shape"):
        consensus_point(torch.zeros(3, 2), torch.zeros(4), 1.0)
    with pytest.raises(ValueError, match="particles must have shape"):
        consensus_point(torch.zeros(3), torch.zeros(3), 1.0)


# ---------------------------------------------------------------- CBO


@pytest.mark.parametrize("device", DEVICES)
def test_cbo_without_noise_contracts_at_the_exact_exponential_rate(device):
    """sigma = 0: every pairwise difference shrinks by exactly (1 - lam dt) per step."""
    cbo = CBO(lam=1.3, sigma=0.0, alpha=5.0, dt=0.05)
    x0 = gaussian_cloud([1.0, -2.0], 1.0, 30, 4, generator=gen(3, device), device=device, dtype=F64)
    res = cbo.run(Rastrigin(), x0, 40, keep_history=True)
    for k in (1, 10, 40):
        diff0 = x0 - x0[:, :1]
        diffk = res.history[k] - res.history[k][:, :1]
        assert torch.allclose(diffk, (1 - cbo.lam * cbo.dt) ** k * diff0, rtol=1e-10, atol=1e-12)
    assert res.consensus.shape == (41, 4, 2)
    assert res.particles.device.type == device


@pytest.mark.parametrize("noise", ["isotropic", "anisotropic"])
def test_cbo_noise_variance_follows_the_exact_one_step_factor(noise):
    """alpha = 0 (consensus = mean): E[V_{k+1}] = r V_k exactly, V = mean |x_i - mean|^2, with
    r = (1 - lam dt)^2 + sigma^2 dt (1 - 1/N) d (isotropic) or without the factor d
    (anisotropic); checked after k steps on the quadratic with many independent runs."""
    lam, sigma, dt, n, d, k, runs = 1.0, 0.8, 0.05, 10, 3, 6, 20000
    cbo = CBO(lam=lam, sigma=sigma, alpha=0.0, dt=dt, noise=noise)
    x0 = gaussian_cloud([0.0] * d, 1.0, n, runs, generator=gen(4), dtype=F64)
    res = cbo.run(Quadratic(), x0, k, gen(5), keep_history=True)

    def spread(x):
        return ((x - x.mean(-2, keepdim=True)) ** 2).sum(-1).mean(-1)

    ratio = spread(res.history[k]) / spread(x0)
    factor = (1 - lam * dt) ** 2 + sigma**2 * dt * (1 - 1 / n) * (d if noise == "isotropic" else 1)
    stderr = ratio.std().item() / math.sqrt(runs)
    assert abs(ratio.mean().item() - factor**k) < 4 * stderr
    assert stderr < 0.01 * factor**k  # the test resolves the factor to about 1 percent


def test_cbo_finds_the_global_minimum_of_rastrigin():
    """The paper's default d = 2 setting (T = 4, dt = 0.02, N = 100, alpha = 1e15, lam = 1,
    sigma = 0.1, start N((4, 6), 8^2)): most runs end within 0.25 of the minimiser."""
    g = gen(6)
    x0 = gaussian_cloud([4.0, 6.0], 8.0, 100, 100, generator=g)
    res = CBO(lam=1.0, sigma=0.1, alpha=1e15, dt=0.02).run(Rastrigin(), x0, 200, g)
    success = (res.final.norm(dim=-1) < 0.25).double().mean().item()
    assert success >= 0.85


def test_cbo_rejects_bad_parameters():
    for kwargs, name in (
        ({"lam": -1}, "lam"),
        ({"sigma": -1}, "sigma"),
        ({"alpha": -1}, "alpha"),
        ({"dt": 0}, "dt"),
        ({"noise": "pink"}, "noise"),
    ):
        with pytest.raises(ValueError, match=name):
            CBO(**kwargs)
    with pytest.raises(ValueError, match="particles must have shape"):
        CBO().step(Rastrigin(), torch.zeros(5))


# ---------------------------------------------------------------- hopping and GD


def test_consensus_hopping_path_shape_and_zero_width_fixed_point():
    E = GrandCanyon3Noisy()
    x0 = torch.tensor([[8.0, 8.0], [1.0, 1.0]], dtype=F64)
    path = ConsensusHopping(sigma=0.0, alpha=100.0, n_particles=5).run(E, x0, 3, gen(7))
    assert path.shape == (4, 2, 2)
    assert torch.allclose(path[-1], x0)  # sigma = 0: all samples coincide with the centre
    with pytest.raises(ValueError, match="n_particles"):
        ConsensusHopping(n_particles=0)


def test_gradient_descent_on_a_quadratic_is_exact_and_stuck_on_the_canyon():
    q = Quadratic(curvature=2.0)
    x0 = torch.tensor([[1.0, -3.0]], dtype=F64)
    path = gradient_descent(q, x0, n_steps=50, dt=0.1, learning_rate=1.0)
    assert torch.allclose(path[50], (1 - 0.2) ** 50 * x0, rtol=1e-12)
    # from (8, 8) gradient descent stops at a local minimum far from the global one
    start = torch.tensor([[8.0, 8.0]], dtype=F64)
    end = gradient_descent(GrandCanyon3Noisy(), start, n_steps=3000, dt=1e-3)[-1]
    assert end.norm().item() > 5.0
    g_end = gradient(GrandCanyon3Noisy(), end)
    assert g_end.norm().item() < 1.0


# ---------------------------------------------------------------- smoothing


def test_smoothed_objective_of_a_quadratic_is_exact():
    """E = c|x|^2/2: E_{alpha,sigma}(x) = c|x|^2 / (2(1 + alpha c sigma^2))
    + d log(1 + alpha c sigma^2) / (2 alpha), gradient c x / (1 + alpha c sigma^2)."""
    c, alpha, sigma, d = 3.0, 2.0, 0.5, 2
    q = Quadratic(curvature=c)
    nodes, log_w = gaussian_grid(d, 401, 9.0, dtype=F64)
    x = torch.tensor([[0.3, -0.7], [1.5, 0.2]], dtype=F64)
    s = 1 + alpha * c * sigma**2
    exact = c * (x**2).sum(-1) / (2 * s) + d * math.log(s) / (2 * alpha)
    got = smoothed_objective(q, x, alpha, sigma, nodes, log_w)
    assert torch.allclose(got, exact, rtol=1e-8)
    grad = smoothed_gradient(q, x, alpha, sigma, nodes, log_w)
    assert torch.allclose(grad, c * x / s, rtol=1e-8)


def test_smoothed_gradient_identity_matches_autograd_on_the_canyon():
    E = GrandCanyon3Noisy()
    nodes, log_w = gaussian_grid(2, 401, 8.0, dtype=F64)
    x = torch.tensor([[5.0, 3.0], [2.0, 1.5], [6.0, 7.0]], dtype=F64)
    alpha, sigma = 0.05, 0.7
    identity = smoothed_gradient(E, x, alpha, sigma, nodes, log_w)
    auto = gradient(lambda y: smoothed_objective(E, y, alpha, sigma, nodes, log_w), x)
    assert torch.allclose(identity, auto, rtol=1e-6, atol=1e-6)


def test_proximal_point_of_a_quadratic():
    q = Quadratic(curvature=2.0)
    cand, _ = uniform_grid([-2.0, -2.0], [2.0, 2.0], 401, dtype=F64)
    x = torch.tensor([1.0, -1.5], dtype=F64)
    tau = 0.5  # prox = x / (1 + c tau)
    assert torch.allclose(proximal_point(q, x, tau, cand), x / 2.0, atol=0.01)
    with pytest.raises(ValueError, match="tau"):
        proximal_point(q, x, 0.0, cand)


def test_drift_alignment_jackknife_error_matches_the_spread_over_replicates():
    g = gen(3)
    points = torch.zeros(16, 2, dtype=F64)
    direction = torch.tensor([1.0, 0.0], dtype=F64).expand(16, 2)
    n_hops = 40

    def hops() -> torch.Tensor:
        return points + 0.3 * direction + torch.randn(n_hops, 16, 2, generator=g, dtype=F64)

    results = torch.tensor([drift_alignment(hops(), points, direction) for _ in range(200)])
    values_t, errors = results[:, 0], results[:, 1]
    # noise of one hop 1, drift 0.3 over 40 hops: the cosine is well below 1 and noisy
    assert 0.3 < float(values_t.mean()) < 0.95
    spread = float(values_t.std())
    # the cosine is nearly quadratic in the perpendicular noise, where the jackknife is
    # conservative (over by about 1.5 here): it must not under-state the error
    assert 0.95 * spread < float(errors.mean()) < 1.8 * spread
    # an exact drift gives cosine 1 with zero error; an opposite direction gives -1
    exact = points + 0.3 * direction + torch.zeros(n_hops, 16, 2, dtype=F64)
    assert drift_alignment(exact, points, direction) == pytest.approx((1.0, 0.0))
    assert drift_alignment(exact, points, -direction)[0] == pytest.approx(-1.0)
    with pytest.raises(ValueError, match="shape"):
        drift_alignment(exact[0], points, direction)
