"""Tests of effdyn.replica: log H, quadrature vs Monte Carlo, saddle points, data, learner."""

import math

import numpy as np
import pytest
import torch
from scipy.special import log_ndtr

from effdyn.replica import (
    FirstTaskSaddle,
    FranzParisiSaddle,
    energetic_conjugates,
    first_task_entropic,
    gauss_legendre,
    gaussian_quadrature,
    log_gaussian_tail,
    monte_carlo_gaussian,
    monte_carlo_uniform,
)
from effdyn.replica.enumeration import all_binary_weights, enumerate_posterior
from effdyn.replica.field_space import FieldSpacePerceptron
from effdyn.replica.gibbs import IsingPerceptronGibbs
from effdyn.replica.teacher_student import TeacherStudent, correlated_teacher

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_log_gaussian_tail_matches_scipy_log_ndtr():
    x = torch.linspace(-40, 40, 20001, dtype=torch.float64)
    ours = log_gaussian_tail(x).numpy()
    ref = log_ndtr(-x.numpy())
    normal = np.abs(ref) > np.finfo(float).tiny  # below: subnormal values, compare absolutely
    assert np.max(np.abs(ours - ref)[normal] / np.abs(ref[normal])) < 1e-12
    assert np.max(np.abs(ours - ref)[~normal]) < 1e-300


def test_log_gaussian_tail_gradient_is_finite_and_right():
    x = torch.tensor([-30.0, -1.0, 0.0, 2.0, 35.0], dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(log_gaussian_tail(x).sum(), x)
    # d log H / dx = -phi(x) / H(x) (inverse Mills ratio)
    xd = x.detach().numpy()
    expected = -np.exp(-0.5 * xd**2 - log_ndtr(-xd)) / math.sqrt(2 * math.pi)
    assert np.allclose(g.numpy(), expected, rtol=1e-10)


def test_gaussian_rules_integrate_moments():
    for rule in ("hermite", "legendre"):
        z, w = gaussian_quadrature(60, rule)
        assert abs(w.sum().item() - 1) < 1e-12
        assert abs((w * z**4).sum().item() - 3) < 1e-10
    m, w = gauss_legendre(10)
    assert abs((w * m**2).sum().item() - 2 / 3) < 1e-14


def test_quadrature_and_monte_carlo_saddle_equations_agree_within_error():
    order, alpha, beta = (0.5, 0.35, 0.7), 1.0, 20.0
    rule = gaussian_quadrature(120)
    hats_q, _ = energetic_conjugates(order, alpha, beta, rule, gaussian_quadrature(160))
    ent_q = first_task_entropic(hats_q, gaussian_quadrature(600), gauss_legendre(300))
    gen = torch.Generator().manual_seed(0)
    mc_hats, mc_ent = [], []
    for _ in range(6):
        h, _ = energetic_conjugates(
            order, alpha, beta, monte_carlo_gaussian(800, gen), monte_carlo_gaussian(800, gen)
        )
        mc_hats.append(h)
        e = first_task_entropic(
            hats_q, monte_carlo_gaussian(800, gen), monte_carlo_uniform(800, gen)
        )
        mc_ent.append((e["q"], e["r"], e["q_star"]))
    for ref, samples in ((hats_q, mc_hats), ((ent_q["q"], ent_q["r"], ent_q["q_star"]), mc_ent)):
        s = np.array(samples)
        mean, se = s.mean(0), s.std(0, ddof=1) / math.sqrt(len(s))
        assert np.all(np.abs(mean - np.array(ref)) < 4 * se + 1e-12), (mean, ref, se)


def test_prior_at_zero_load():
    sol = FirstTaskSaddle(0.0, 20.0, n_gauss=40, n_inner=40, n_z=200, n_m=100, tol=1e-13).solve()
    assert abs(sol.q) < 1e-11 and abs(sol.r) < 1e-11
    assert abs(sol.q_star - 1 / 3) < 1e-11
    assert abs(sol.eps - 0.5) < 1e-11


def test_saddle_learning_reduces_error_and_second_task_prior():
    small = FirstTaskSaddle(0.2, 20.0, n_gauss=40, n_inner=60, n_z=300, n_m=150, tol=1e-7)
    first = small.solve()
    assert 0 < first.r < math.sqrt(first.q) < 1 and first.q < first.q_star < 1
    assert first.eps < 0.5
    # alpha2 = 0 with r0 = 1: the second task's prior keeps the first teacher's overlap sign
    fp = FranzParisiSaddle(
        0.2,
        0.0,
        20.0,
        1.0,
        1.0,
        first=first,
        n_gauss=60,
        n_inner=80,
        n_m=150,
        n_x=12,
        n_m1=40,
        n_m2=40,
        tol=1e-7,
    )
    sol = fp.solve()
    assert abs(sol.R - sol.extra["R1"]) < 1e-12
    assert sol.extra["R1"] > 0


def test_bad_input_raises():
    with pytest.raises(ValueError, match="alpha"):
        FirstTaskSaddle(-1.0)
    with pytest.raises(ValueError, match="beta"):
        FirstTaskSaddle(1.0, -2.0)
    with pytest.raises(ValueError, match="damping"):
        FirstTaskSaddle(1.0, damping=1.5)
    with pytest.raises(ValueError, match="r0"):
        correlated_teacher(torch.ones(3), 1.5, torch.Generator())
    with pytest.raises(ValueError, match="N"):
        TeacherStudent(0, 1.0)
    with pytest.raises(ValueError, match="alpha"):
        TeacherStudent(10, 0.0)
    with pytest.raises(ValueError, match="gamma"):
        FieldSpacePerceptron(10, gamma=-1.0)
    with pytest.raises(ValueError, match="N must be at most 20"):
        enumerate_posterior(torch.ones(3, 21), torch.ones(3), 1.0)
    with pytest.raises(ValueError, match="alpha=0.5.*residual"):
        FirstTaskSaddle(0.5, 20.0, max_iter=2, n_gauss=20, n_inner=20, n_z=50, n_m=50).solve()


def test_second_teacher_overlap_within_sampling_error():
    gen = torch.Generator().manual_seed(1)
    teacher = torch.where(torch.rand(400, 1000, generator=gen) < 0.5, -1.0, 1.0)
    for r0 in (-0.5, 0.0, 0.5):
        overlaps = (correlated_teacher(teacher, r0, gen) * teacher).mean(-1)
        se = math.sqrt((1 - r0**2) / 1000 / 400)
        assert abs(overlaps.mean().item() - r0) < 4 * se
        assert abs(overlaps.std().item() - math.sqrt((1 - r0**2) / 1000)) < 0.1 * math.sqrt(
            (1 - r0**2) / 1000
        )


def test_field_space_learner_separates_separable_data():
    # gamma = 0, no weight decay: the fields grow until every training pattern is right
    ts = TeacherStudent(40, 0.5, seed=3, n_instances=2)
    gen = torch.Generator().manual_seed(0)
    learner = FieldSpacePerceptron(40, 2, generator=gen).fit(
        ts.patterns, ts.labels, epochs=150, batch_size=20, lr=0.1
    )
    assert torch.all(learner.training_error(ts.patterns, ts.labels) == 0)


def test_enumeration_matches_weight_sampling():
    ts = TeacherStudent(10, 1.0, seed=5, dtype=torch.float64)
    post = enumerate_posterior(ts.patterns[0], ts.labels[0], 2.0)
    gen = torch.Generator().manual_seed(0)
    w = torch.where(torch.rand(200000, 10, generator=gen, dtype=torch.float64) < 0.5, -1.0, 1.0)
    w = w.to(torch.float64)
    out = torch.where(w @ ts.patterns[0].T >= 0, 1.0, -1.0)
    errors = (out != ts.labels[0]).sum(-1).to(torch.float64)
    weight = torch.exp(-2.0 * errors)
    est = (weight[:, None] * w).sum(0) / weight.sum()
    # self-normalised importance sampling error, by batches
    batches = torch.stack(
        [(weight[k::20, None] * w[k::20]).sum(0) / weight[k::20].sum() for k in range(20)]
    )
    se = batches.std(0) / math.sqrt(20)
    assert torch.all((est - post.magnetisations).abs() < 4 * se + 1e-9)
    assert abs(post.probabilities.sum().item() - 1) < 1e-12
    assert all_binary_weights(3).shape == (8, 3)


def test_ising_gibbs_transition_near_classical_value():
    # the entropy of the R < 1 branch vanishes near alpha = 1.245 (Gyorgyi 1990)
    gibbs = IsingPerceptronGibbs(n_gauss=300, tol=1e-10)
    assert gibbs.solve(1.2).entropy > 0 > gibbs.solve(1.3).entropy
    low = gibbs.solve(0.0)
    assert abs(low.entropy - math.log(2)) < 1e-10 and abs(low.R) < 1e-8


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_matches_cpu():
    cpu = FirstTaskSaddle(0.3, 20.0, n_gauss=40, n_inner=60, n_z=200, n_m=100).solve()
    gpu = FirstTaskSaddle(
        0.3, 20.0, n_gauss=40, n_inner=60, n_z=200, n_m=100, device="cuda"
    ).solve()
    assert abs(cpu.q - gpu.q) < 1e-9
    ts = TeacherStudent(50, 1.0, seed=0, device="cuda")
    assert ts.patterns.is_cuda and ts.labels.is_cuda
