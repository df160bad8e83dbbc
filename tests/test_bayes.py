"""Tests of effdyn.bayes: Boolean classes, induced priors, the exact mixture and its regret."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch

from effdyn.bayes import (
    BooleanClass,
    GaussianLinearModel,
    InducedPrior,
    MixtureLearner,
    ReLUNetwork,
    ThresholdUnit,
    induced_prior,
    resolvability_bound,
    threshold_constant_probability,
)

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def random_prior(n: int, seed: int) -> torch.Tensor:
    rng = np.random.default_rng(seed)
    w = rng.dirichlet(np.full(n, 0.3))
    w = np.maximum(w, 1e-300)
    return torch.tensor(w / w.sum(), dtype=torch.float64)


# -- the class ----------------------------------------------------------------------------------
def test_tables_labels_roundtrip_and_named_functions():
    cls = BooleanClass(3)
    tables = cls.tables()
    assert tables.numel() == 256
    assert torch.equal(cls.table_from_labels(cls.labels(tables)), tables)
    x = cls.inputs()
    # parity is the product of the spins (+1 for an odd number of ones is -1 * ...): check by bits
    bits = (x + 1) / 2
    assert torch.equal(cls.labels(cls.parity()), (bits.sum(-1) % 2).long())
    assert torch.equal(cls.labels(cls.majority()), (bits.sum(-1) >= 1.5).long())
    assert torch.equal(cls.labels(cls.dictator(1)), bits[:, 1].long())
    assert cls.hamming(cls.constant(0), cls.constant(1)).item() == 8
    assert cls.hamming(cls.parity(), cls.constant(0)).item() == 4


def test_sensitivity_known_values():
    cls = BooleanClass(4)
    s = cls.sensitivity()
    assert s[cls.constant(0)] == 0 and s[cls.constant(1)] == 0
    assert s[cls.parity()] == 4  # every flip changes parity
    assert s[cls.dictator(2)] == 1
    assert float(s.max()) == 4 and int((s == 4).sum()) == 2  # parity and its complement


def test_kl_formula():
    """Per-symbol KL with uniform inputs against direct summation over inputs and labels."""
    for n_bits, eta in [(2, 0.1), (3, 0.27)]:
        cls = BooleanClass(n_bits, eta=eta)
        target = int(torch.randint(0, cls.n_functions, (1,)).item())
        lab_t = cls.labels(target).double()
        lab = cls.labels(cls.tables()).double()
        direct = torch.zeros(cls.n_functions, dtype=torch.float64)
        for y in (0.0, 1.0):
            pt = (lab_t == y).double() * (1 - 2 * eta) + eta  # 1 - eta or eta
            pf = (lab == y).double() * (1 - 2 * eta) + eta
            direct += (pt * torch.log(pt / pf)).mean(-1)
        torch.testing.assert_close(cls.kl_per_symbol(target), direct, rtol=1e-12, atol=1e-14)


# -- induced priors -----------------------------------------------------------------------------
def test_threshold_quadrature_exact_one_bit():
    for sb in (0.5, 1.0, 2.0):
        exact = 2 / math.pi * math.atan(sb)
        assert threshold_constant_probability(1, 1.0, sb) == pytest.approx(exact, abs=1e-5)


def test_threshold_constant_weight():
    """sign(w.x + b) is constant on {-1,1}^4 iff |b| > sum|w_i|: sampled against quadrature."""
    reference = threshold_constant_probability(4)
    assert reference == pytest.approx(0.0291, abs=2e-4)
    cls = BooleanClass(4)
    n = 60_000
    prior = induced_prior(ThresholdUnit(4), n, generator=torch.Generator().manual_seed(1))
    p = prior.sampled[cls.constant(0)] + prior.sampled[cls.constant(1)]
    se = math.sqrt(reference * (1 - reference) / n)
    assert abs(float(p) - reference) < 4 * se
    # the constant condition itself, draw by draw
    g = torch.Generator().manual_seed(2)
    unit = ThresholdUnit(4)
    labels = unit.sample_labels(4000, cls.inputs(), g)
    g = torch.Generator().manual_seed(2)
    w = torch.randn(4000, 4, generator=g, dtype=torch.float64)
    b = torch.randn(4000, 1, generator=g, dtype=torch.float64)
    const = b[:, 0].abs() > w.abs().sum(-1)
    is_const = (labels.sum(-1) == 0) | (labels.sum(-1) == 16)
    assert torch.equal(const, is_const)


def test_threshold_support_is_linearly_separable_functions():
    """3 bits: exactly the 104 linearly separable functions appear; parity never."""
    cls = BooleanClass(3)
    prior = induced_prior(ThresholdUnit(3), 60_000, generator=torch.Generator().manual_seed(3))
    assert int((prior.counts > 0).sum()) == 104
    assert int(prior.counts[cls.parity()]) == 0


def test_parity_weight_zero():
    """Parity is not linearly separable: a single threshold unit never computes it."""
    for n_bits in (2, 4):
        cls = BooleanClass(n_bits)
        prior = induced_prior(
            ThresholdUnit(n_bits), 20_000, generator=torch.Generator().manual_seed(4)
        )
        assert prior.weight(cls.parity()) == 0.0
        assert prior.counts.sum() == 20_000
    # ... while a ReLU network does compute XOR on two bits
    cls = BooleanClass(2)
    relu = induced_prior(ReLUNetwork(2, 16), 20_000, generator=torch.Generator().manual_seed(5))
    assert relu.weight(cls.parity()) > 0.0


def test_floor_and_stderr():
    counts = torch.zeros(16, dtype=torch.int64)
    counts[0], counts[3] = 30, 10
    prior = InducedPrior(counts=counts, n_draws=40).with_floor(0.2)
    torch.testing.assert_close(prior.weights.sum(), torch.tensor(1.0, dtype=torch.float64))
    assert prior.weight(3) == pytest.approx(0.8 * 0.25 + 0.2 / 16)
    assert prior.weight(5) == pytest.approx(0.2 / 16)
    assert float(prior.stderr[0]) == pytest.approx(0.8 * math.sqrt(0.75 * 0.25 / 40))


# -- the mixture --------------------------------------------------------------------------------
def brute_force_log_mixture(prior, cls, x, y):
    """log sum_f w(f) prod_t p_f(y_t | x_t), by explicit loops (numpy)."""
    w = prior.numpy()
    total = 0.0
    for f in range(cls.n_functions):
        like = 1.0
        for xt, yt in zip(x.tolist(), y.tolist(), strict=True):
            like *= (1 - cls.eta) if ((f >> xt) & 1) == yt else cls.eta
        total += w[f] * like
    return math.log(total)


def test_mixture_equals_brute_force():
    """n_bits = 2: the sequential predictive equals ratios of brute-force mixture likelihoods."""
    cls = BooleanClass(2, eta=0.2)
    prior = random_prior(cls.n_functions, 0)
    learner = MixtureLearner(prior, cls)
    g = torch.Generator().manual_seed(6)
    x, y = cls.sample(target=6, n_sequences=3, length=12, generator=g)
    p1 = learner.predictive(x, y)
    online = learner.log_loss_online(x, y)
    closed = learner.log_loss(x, y)
    for s in range(3):
        logq = [0.0]
        logq += [brute_force_log_mixture(prior, cls, x[s, :t], y[s, :t]) for t in range(1, 13)]
        for t in range(12):
            # q(y_t = 1 | past) = q(y^{t-1}, 1) / q(y^{t-1})
            y1 = y[s, : t + 1].clone()
            y1[t] = 1
            ratio = math.exp(brute_force_log_mixture(prior, cls, x[s, : t + 1], y1) - logq[t])
            assert float(p1[s, t]) == pytest.approx(ratio, rel=1e-10)
            assert float(online[s, t]) == pytest.approx(-logq[t + 1], rel=1e-10)
            assert float(closed[s, t]) == pytest.approx(-logq[t + 1], rel=1e-10)


def test_mixture_pointwise_bound():
    """For every sequence and every n: regret <= log 1/w(target), with equality approached."""
    cls = BooleanClass(3, eta=0.1)
    g = torch.Generator().manual_seed(7)
    for seed in range(3):
        prior = random_prior(cls.n_functions, seed + 10)
        learner = MixtureLearner(prior, cls)
        target = int(torch.randint(0, cls.n_functions, (1,), generator=g).item())
        x, y = cls.sample(target, 40, 300, generator=g)
        r = learner.regret(x, y, target)
        log_inv_w = -math.log(float(prior[target]))
        assert float(r.max()) <= log_inv_w + 1e-9
        # with enough data every other hypothesis is ruled out
        assert float(r[:, -1].mean()) > log_inv_w - 0.05 * max(1.0, log_inv_w)
    # R_n = log w(target | data) - log w(target): the posterior gain of the target
    lp = learner.log_posterior(x[:2], y[:2])
    torch.testing.assert_close(lp.exp().sum(-1), torch.ones(2, dtype=torch.float64))
    torch.testing.assert_close(lp[:, target] + log_inv_w, r[:2, -1])


def test_resolvability_bound_values_and_mean_regret():
    cls = BooleanClass(3, eta=0.15)
    prior = random_prior(cls.n_functions, 3)
    target = cls.majority()
    bound, radius = resolvability_bound([0, 5, 10_000], prior, target, cls)
    assert float(bound[0]) == pytest.approx(0.0, abs=1e-12) and int(radius[0]) == 8
    assert float(bound[2]) == pytest.approx(-math.log(float(prior[target])))
    # brute force: minimum over every KL value of n eps + log 1/pi(B_eps)
    kl = cls.kl_per_symbol(target)
    n = 5
    direct = min(
        n * e - math.log(float(prior[kl <= e + 1e-15].sum())) for e in kl.unique().tolist()
    )
    assert float(bound[1]) == pytest.approx(direct, rel=1e-12)
    # the expectation bound, with the Monte Carlo error of the mean
    learner = MixtureLearner(prior, cls)
    x, y = cls.sample(target, 2000, 20, generator=torch.Generator().manual_seed(8))
    at = [1, 2, 5, 10, 20]
    r = learner.regret(x, y, target, at=at)
    b, _ = resolvability_bound(at, prior, target, cls)
    mean, se = r.mean(0), r.std(0) / math.sqrt(r.shape[0])
    assert bool((mean <= b + 3 * se).all())


def test_floor_in_closed_form_equals_dense_mixture():
    """The sparse + uniform-floor evaluation equals the dense sum over all hypotheses."""
    cls = BooleanClass(3, eta=0.2)
    g = torch.Generator().manual_seed(9)
    sparse = induced_prior(ReLUNetwork(3, 8), 300, floor=0.05, generator=g)
    assert 0 < int((sparse.counts > 0).sum()) < cls.n_functions
    fast = MixtureLearner(sparse, cls)
    dense = MixtureLearner(sparse.weights, cls)
    assert fast.support.numel() < dense.support.numel() == cls.n_functions
    x, y = cls.sample(cls.parity(), 5, 40, generator=g)
    torch.testing.assert_close(fast.log_loss(x, y), dense.log_loss(x, y), rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(fast.log_loss(x, y), fast.log_loss_online(x, y))
    torch.testing.assert_close(
        fast.regret(x, y, cls.parity()), dense.regret(x, y, cls.parity()), rtol=1e-12, atol=1e-12
    )


# -- bad input ----------------------------------------------------------------------------------
def test_bad_input():
    cls = BooleanClass(2)
    prior = torch.full((16,), 1 / 16, dtype=torch.float64)
    with pytest.raises(ValueError, match="eta"):
        BooleanClass(2, eta=0.5)
    with pytest.raises(ValueError, match="eta"):
        BooleanClass(2, eta=0.0)
    with pytest.raises(ValueError, match="n_bits"):
        BooleanClass(6)
    with pytest.raises(ValueError, match="prior must sum to 1"):
        MixtureLearner(prior * 2, cls)
    bad = prior.clone()
    bad[0], bad[1] = -0.1, bad[1] + 0.1
    with pytest.raises(ValueError, match="non-negative"):
        MixtureLearner(bad, cls)
    with pytest.raises(ValueError, match="target"):
        MixtureLearner(prior, cls).regret(torch.zeros(1, 3).long(), torch.zeros(1, 3).long(), 16)
    with pytest.raises(ValueError, match="target"):
        resolvability_bound(3, prior, -1, cls)
    with pytest.raises(ValueError, match="floor"):
        induced_prior(ThresholdUnit(2), 10, floor=1.0)
    with pytest.raises(ValueError, match="floor"):
        InducedPrior(torch.ones(16, dtype=torch.int64), 16).with_floor(-0.1)
    with pytest.raises(ValueError, match="n_draws"):
        induced_prior(ThresholdUnit(2), 0)
    zero = torch.zeros(16, dtype=torch.float64)
    zero[0] = 1.0
    with pytest.raises(ValueError, match="weight 0"):
        MixtureLearner(zero, cls).regret(torch.zeros(1, 3).long(), torch.zeros(1, 3).long(), 5)
    with pytest.raises(ValueError, match="weight 0"):
        resolvability_bound(3, zero, 5, cls)
    with pytest.raises(ValueError, match="prior_std"):
        GaussianLinearModel(prior_std=0.0)


@pytest.mark.parametrize("device", DEVICES)
def test_device_and_dtype(device):
    cls = BooleanClass(3, device=device)
    g = torch.Generator(device=device).manual_seed(0)
    prior = induced_prior(ReLUNetwork(3, 32), 5000, 1000, floor=0.1, generator=g, device=device)
    assert prior.weights.device.type == device and prior.weights.dtype == torch.float64
    learner = MixtureLearner(prior, cls)
    x, y = cls.sample(cls.majority(), 4, 30, generator=g)
    r = learner.regret(x, y, cls.majority(), at=[10, 30])
    assert r.device.type == device and r.dtype == torch.float64
    if device == "cuda":  # the same draws give the same answer on the CPU
        cpu = MixtureLearner(prior.weights.cpu(), BooleanClass(3))
        on_cpu = cpu.regret(x.cpu(), y.cpu(), cls.majority(), at=[10, 30])
        torch.testing.assert_close(on_cpu, r.cpu())


def test_brute_force_helper_is_itself_exact():
    """Guard for the brute-force reference: it sums to 1 over all label sequences."""
    cls = BooleanClass(1, eta=0.3)
    prior = random_prior(cls.n_functions, 1)
    x = torch.tensor([0, 1, 1])
    total = sum(
        math.exp(brute_force_log_mixture(prior, cls, x, torch.tensor(ys)))
        for ys in itertools.product([0, 1], repeat=3)
    )
    assert total == pytest.approx(1.0, rel=1e-12)
