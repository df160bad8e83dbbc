"""Tests of effdyn.hmm: forward algorithm, exact laws, sampling, statistics, analysis tools."""

from __future__ import annotations

import itertools
import math

import pytest
import torch

from effdyn.hmm import (
    HiddenMarkovModel,
    cyclic,
    find_fixed_points,
    fully_connected,
    kick_neuron_scores,
    lag_joint_law,
    linear_chain_hmm,
    linear_chain_stay,
    linear_chain_target,
    linear_emissions,
    log_likelihood,
    one_hot_emissions,
    pca,
    residence_law,
    sample,
    spectral_radius,
    stationary_distribution,
    symbol_frequencies,
    symbol_statistics,
    symbol_transition_matrix,
    uniform_start,
)

F64 = torch.float64
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def random_hmm(k: int, m: int, seed: int) -> HiddenMarkovModel:
    g = torch.Generator().manual_seed(seed)
    a = torch.rand(k, k, generator=g, dtype=F64) + 0.1
    b = torch.rand(k, m, generator=g, dtype=F64) + 0.1
    s = torch.rand(k, generator=g, dtype=F64) + 0.1
    return HiddenMarkovModel(s / s.sum(), a / a.sum(1, keepdim=True), b / b.sum(1, keepdim=True))


def test_forward_brute_force():
    hmm = random_hmm(3, 3, 0)
    g = torch.Generator().manual_seed(1)
    seqs = torch.randint(0, 3, (5, 6), generator=g)
    ours = log_likelihood(hmm, seqs)
    for n in range(seqs.shape[0]):
        o = seqs[n]
        total = torch.zeros((), dtype=F64)
        for path in itertools.product(range(3), repeat=6):
            p = hmm.start[path[0]] * hmm.emission[path[0], o[0]]
            for t in range(1, 6):
                p = p * hmm.transition[path[t - 1], path[t]] * hmm.emission[path[t], o[t]]
            total = total + p
        assert abs(ours[n].item() - math.log(total.item())) < 1e-12


def test_forward_impossible_sequence_is_minus_infinity():
    hmm = HiddenMarkovModel(
        uniform_start(2), linear_chain_stay(2), one_hot_emissions([0, 2], n_symbols=3)
    )
    ll = log_likelihood(hmm, torch.tensor([[0, 0, 2], [0, 1, 2]]))
    assert torch.isfinite(ll[0]) and ll[1] == -math.inf


def test_issue_table_stay_chain():
    expected = {2: 0.9405, 3: 0.7301, 4: 0.6912, 5: 0.6775}
    for k, value in expected.items():
        hmm = linear_chain_hmm(k)
        assert torch.allclose(
            symbol_frequencies(hmm), torch.tensor([0.495, 0.01, 0.495], dtype=F64)
        )
        t = symbol_transition_matrix(hmm)
        assert abs(t[0, 0].item() - value) < 5e-5 and abs(t[2, 2].item() - value) < 5e-5


def test_symbol_law_exact():
    """The exact stationary lag-1 law against 10^6 symbols from a chain started stationary."""
    base = linear_chain_hmm(3)
    pi = stationary_distribution(base.transition)
    hmm = HiddenMarkovModel(pi, base.transition, base.emission)
    g = torch.Generator().manual_seed(2)
    symbols, _ = sample(hmm, 20000, 50, g)  # 10^6 symbols
    stats = symbol_statistics(symbols, 3)
    freq = symbol_frequencies(hmm)
    n = symbols.numel()
    # frequencies: binomial errors are an underestimate for correlated symbols; use batch means
    per_seq = torch.stack([(symbols == m).double().mean(1) for m in range(3)], 1)
    se = per_seq.std(0) / math.sqrt(symbols.shape[0])
    assert ((stats.frequencies - freq).abs() < 3 * se).all(), (stats.frequencies, freq, se)
    joint = lag_joint_law(hmm, 1)
    counts = stats.transition_counts / stats.transition_counts.sum()
    pair = symbols[:, :-1] * 3 + symbols[:, 1:]
    per_seq_pair = torch.stack([(pair == c).double().mean(1) for c in range(9)], 1)
    se_pair = (per_seq_pair.std(0) / math.sqrt(symbols.shape[0])).reshape(3, 3)
    assert ((counts - joint).abs() <= 3 * se_pair + 1e-12).all()
    assert n == 10**6


def test_finite_length_law_from_uniform_start_matches_samples():
    hmm = linear_chain_hmm(3)
    g = torch.Generator().manual_seed(3)
    symbols, _ = sample(hmm, 40000, 30, g)
    stats = symbol_statistics(symbols, 3)
    exact = symbol_transition_matrix(hmm, length=30)
    stationary = symbol_transition_matrix(hmm)
    assert abs(stats.transition_matrix[0, 0] - exact[0, 0]) < 0.004
    # the start transient is visible: the stationary value is excluded
    assert abs(stats.transition_matrix[0, 0] - stationary[0, 0]) > 0.015


def test_stationary_distribution_and_families():
    for k in (2, 3, 5):
        for a in (
            linear_chain_stay(k),
            linear_chain_target(k),
            fully_connected(k),
            cyclic(k),
        ):
            assert torch.allclose(a.sum(1), torch.ones(k, dtype=F64))
            pi = stationary_distribution(a)
            assert torch.allclose(pi @ a, pi, atol=1e-14)
    assert torch.allclose(
        stationary_distribution(linear_chain_stay(3)), torch.tensor([0.25, 0.5, 0.25], dtype=F64)
    )
    assert abs(linear_chain_target(3)[1, 1].item() - 0.8) < 1e-12
    e = linear_emissions(3)
    assert torch.allclose(e[1], torch.tensor([0.495, 0.01, 0.495], dtype=F64))


def test_residence_law_geometric_matches_sampled_states():
    hmm = linear_chain_hmm(2)
    g = torch.Generator().manual_seed(4)
    _, states = sample(hmm, 4000, 400, g)
    # interior runs of state 0 (not touching the sequence ends)
    stats = symbol_statistics(states, 2)
    lengths, run_states = stats.run_lengths, stats.run_symbols
    assert abs(float(lengths[run_states == 0].double().mean()) - 20.0) < 1.0  # truncated ends
    d = torch.arange(1, 200)
    law = residence_law(hmm.transition, 0, d)
    assert abs(law.sum().item() - 1) < 1e-4
    assert abs((d * law).sum().item() - 20.0) < 1e-2


def test_symbol_statistics_small_example():
    s = torch.tensor([[0, 0, 1, 1, 1], [2, 2, 2, 0, 0]])
    stats = symbol_statistics(s, 3)
    assert stats.run_lengths.tolist() == [2, 3, 3, 2]
    assert stats.run_symbols.tolist() == [0, 1, 2, 0]
    assert stats.volatility == pytest.approx(2 / 8)
    assert stats.mean_run_length(0) == 2.0
    assert stats.transition_counts[2, 0].item() == 1 and stats.transition_counts[2, 2].item() == 2


def test_fixed_points_linear():
    g = torch.Generator().manual_seed(5)
    w = torch.randn(6, 6, generator=g, dtype=F64)
    w = 0.8 * w / torch.linalg.matrix_norm(w, 2)
    starts = 3 * torch.randn(40, 6, generator=g, dtype=F64)
    result = find_fixed_points(lambda h: h @ w.T, starts, tol=1e-9)
    assert result.converged.all()
    assert result.n_distinct == 1 and result.counts.tolist() == [40]
    assert result.points[0].norm() < 1e-8
    assert spectral_radius(lambda h: h @ w.T, result.points[0]) == pytest.approx(
        torch.linalg.eigvals(w).abs().max().item(), rel=1e-10
    )


def test_fixed_points_affine_and_two_wells():
    g = torch.Generator().manual_seed(6)
    w = 0.5 * torch.eye(3, dtype=F64)
    b = torch.tensor([1.0, -2.0, 0.5], dtype=F64)
    result = find_fixed_points(lambda h: h @ w.T + b, torch.randn(10, 3, generator=g, dtype=F64))
    assert torch.allclose(result.points[0], 2 * b, atol=1e-7)

    # x -> tanh(2x) has three fixed points: 0 and +-0.9575...
    starts = torch.linspace(-2, 2, 41, dtype=F64)[:, None]
    result = find_fixed_points(lambda h: torch.tanh(2 * h), starts, tol=1e-9)
    roots = sorted(result.points[:, 0].tolist())
    assert len(roots) == 3
    assert roots[2] == pytest.approx(math.tanh(2 * roots[2]), abs=1e-9) and roots[2] > 0.95


def test_fixed_point_search_reports_residual_when_none_exists():
    result = find_fixed_points(lambda h: h + 1.0, torch.zeros(4, 2, dtype=F64))
    assert result.n_distinct == 0 and not result.converged.any()
    assert result.max_residual == pytest.approx(math.sqrt(2))


def test_pca_recovers_a_plane():
    g = torch.Generator().manual_seed(7)
    coeff = torch.randn(500, 2, generator=g, dtype=F64) * torch.tensor([3.0, 1.0], dtype=F64)
    basis = torch.linalg.qr(torch.randn(5, 2, generator=g, dtype=F64)).Q.T
    x = coeff @ basis + 1.0
    p = pca(x, 2)
    assert p.explained_variance_ratio.sum().item() == pytest.approx(1.0, abs=1e-12)
    proj = p.components @ basis.T  # rotation between the planes
    assert torch.allclose(proj.abs().det().abs(), torch.tensor(1.0, dtype=F64), atol=1e-10) or (
        torch.linalg.svdvals(proj).min() > 1 - 1e-10
    )


def test_kick_neuron_scores_find_the_planted_unit():
    g = torch.Generator().manual_seed(8)
    n, t, h = 50, 40, 6
    flips = (torch.rand(n, t, generator=g) < 0.05).long()  # rare switches
    symbols = flips.cumsum(1) % 2
    hidden = torch.randn(n, t, h, generator=g, dtype=F64) * 0.1
    switch = torch.zeros(n, t, dtype=torch.bool)
    switch[:, 1:] = symbols[:, 1:] != symbols[:, :-1]
    kick = torch.zeros(n, t, dtype=F64)
    kick[:, :-1][switch[:, 1:]] = 3.0  # unit 2 jumps one step before every switch
    hidden[..., 2] += kick
    scores = kick_neuron_scores(hidden, symbols, lead=1)
    assert scores.argmax().item() == 2 and scores[2] > 5 * scores[[0, 1, 3, 4, 5]].abs().max()


@pytest.mark.parametrize(
    "call, word",
    [
        (lambda: linear_chain_stay(3, stay=1.0), "stay"),
        (lambda: linear_chain_stay(3, stay=0.0), "stay"),
        (lambda: linear_chain_target(3, target=1.5), "target"),
        (lambda: fully_connected(1), "n_states"),
        (lambda: cyclic(4, stay=-0.1), "stay"),
        (lambda: linear_emissions(1), "n_states"),
        (lambda: one_hot_emissions([0, 3], 3), "symbols"),
        (
            lambda: HiddenMarkovModel(
                uniform_start(2), linear_chain_stay(2), torch.tensor([[0.5, 0.6], [0.5, 0.5]])
            ),
            "emission",
        ),
        (lambda: log_likelihood(linear_chain_hmm(2), torch.tensor([[0, 3]])), "symbols"),
        (lambda: symbol_statistics(torch.tensor([[0, -1]]), 3), "symbols"),
        (lambda: sample(linear_chain_hmm(2), 0, 3), "n_sequences"),
    ],
)
def test_bad_input(call, word):
    with pytest.raises(ValueError, match=word):
        call()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA not available")
def test_cuda_forward_and_sampling():
    hmm = linear_chain_hmm(3, device="cuda")
    g = torch.Generator(device="cuda").manual_seed(0)
    symbols, _ = sample(hmm, 100, 20, g)
    assert symbols.device.type == "cuda"
    ll = log_likelihood(hmm, symbols)
    ll_cpu = log_likelihood(linear_chain_hmm(3), symbols.cpu())
    assert torch.allclose(ll.cpu(), ll_cpu, atol=1e-10)


def test_residence_times_keep_censored_runs_apart():
    from effdyn.hmm import residence_times

    labels = torch.tensor([[0, 0, 1, 1, 1, 0, 0, 1], [1, 0, 0, 0, 0, 0, 0, 0]])
    done, cut = residence_times(labels, 0)
    assert done.tolist() == [2] and cut.tolist() == [7]
    done, cut = residence_times(labels, 1)
    assert done.tolist() == [3] and cut.tolist() == [1]


def test_residence_times_with_kaplan_meier_recover_the_geometric_mean():
    """Label chains staying with probability 0.95 (mean residence 20) over 10 mean lengths."""
    from effdyn.estimators import kaplan_meier_mean
    from effdyn.hmm import residence_times

    gen = torch.Generator().manual_seed(0)
    flips = (torch.rand(20_000, 200, generator=gen) < 0.05).long()
    labels = flips.cumsum(1) % 2
    done, cut = residence_times(labels, 0)
    est = kaplan_meier_mean(torch.bincount(done), torch.bincount(cut))
    se = (est.high - est.low) / (2 * 1.959964)
    assert abs(est.value - 20.0) < 3 * se, (est.value, se)
    assert float(done.double().mean()) < 20.0 - 3 * se  # completed runs only: biased low
