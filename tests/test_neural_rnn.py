"""Tests of effdyn.neural.rnn: the noise-driven ReLU RNN emulator and its Gumbel readout."""

from __future__ import annotations

import math

import pytest
import torch

from effdyn.hmm import find_fixed_points, linear_chain_hmm, sample, symbol_statistics
from effdyn.metrics import sinkhorn_divergence
from effdyn.neural import NoiseDrivenRNN, hard_gumbel_softmax, train_emulator

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_hard_gumbel_softmax_samples_the_softmax_law():
    g = torch.Generator().manual_seed(0)
    logits = torch.tensor([0.5, -1.0, 1.5], dtype=torch.float64)
    n = 200_000
    draws = hard_gumbel_softmax(logits.expand(n, 3), tau=1.0, generator=g)
    assert torch.all(draws.sum(-1) == 1) and set(draws.unique().tolist()) == {0.0, 1.0}
    freq = draws.mean(0)
    p = torch.softmax(logits, -1)
    se = (p * (1 - p) / n).sqrt()
    assert ((freq - p).abs() < 4 * se).all()


def test_hard_gumbel_softmax_straight_through_gradient():
    g = torch.Generator().manual_seed(1)
    logits = torch.randn(5, 3, dtype=torch.float64, requires_grad=True)
    y = hard_gumbel_softmax(logits, tau=0.7, generator=g)
    (y * torch.arange(3.0, dtype=torch.float64)).sum().backward()
    assert logits.grad is not None and logits.grad.abs().sum() > 0
    # rows of a softmax Jacobian sum to zero
    assert torch.allclose(logits.grad.sum(-1), torch.zeros(5, dtype=torch.float64), atol=1e-12)


def test_forward_is_the_relu_recursion_and_ablation_clamps_units():
    g = torch.Generator().manual_seed(2)
    model = NoiseDrivenRNN(4, 7, 3, dtype=torch.float64)
    noise, h0 = model.draw_inputs(3, 5, g)
    out = model(noise, h0, g)
    h = h0
    for t in range(5):
        h = torch.relu(noise[:, t] @ model.input_weight.T + h @ model.recurrent_weight.T)
        assert torch.allclose(out.hidden[:, t], h, atol=1e-12)
    assert torch.allclose(out.logits, out.hidden @ model.readout.weight.T)
    lesioned = model(noise, h0, g, ablate=[1, 4])
    assert (lesioned.hidden[..., [1, 4]] == 0).all()
    # with no unit ablated the stepwise pass equals nn.RNN's
    same = model(noise, h0, g, ablate=[])
    assert torch.allclose(same.hidden, out.hidden)


def test_zero_input_contracting_network_has_one_fixed_point():
    model = NoiseDrivenRNN(2, 8, 3, dtype=torch.float64)
    with torch.no_grad():
        w = model.recurrent_weight
        w.mul_(0.5 / torch.linalg.matrix_norm(w, 2))
    g = torch.Generator().manual_seed(3)
    starts = torch.rand(30, 8, generator=g, dtype=torch.float64) * 5
    result = find_fixed_points(model.recurrent_map, starts, tol=1e-8)
    assert result.n_distinct == 1 and result.points[0].norm() < 1e-6


def test_training_on_a_two_state_hmm_learns_persistence():
    """A short Sinkhorn training makes the emulator's symbols persistent like the HMM's."""
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(4)
    hmm = linear_chain_hmm(2)
    symbols, _ = sample(hmm, 256, 12, g)
    targets = torch.nn.functional.one_hot(symbols, 3).float()
    model = NoiseDrivenRNN(4, 24, 3)
    before = symbol_statistics(model.generate(512, 12, g).symbols, 3).volatility
    history = train_emulator(
        model, targets, sinkhorn_divergence, epochs=25, batch_size=128, generator=g
    )
    after = symbol_statistics(model.generate(512, 12, g).symbols, 3).volatility
    hmm_vol = symbol_statistics(symbols, 3).volatility
    assert history.losses[-1] < history.losses[0]
    assert abs(after - hmm_vol) < abs(before - hmm_vol)
    assert math.isfinite(history.losses[-1])


@pytest.mark.parametrize(
    "kwargs, word",
    [
        ({"input_size": 0}, "input_size"),
        ({"hidden_size": 0}, "hidden_size"),
        ({"tau": 0.0}, "tau"),
        ({"n_symbols": 1}, "n_symbols"),
    ],
)
def test_rnn_bad_input(kwargs, word):
    base = {"input_size": 2, "hidden_size": 3}
    with pytest.raises(ValueError, match=word):
        NoiseDrivenRNN(**{**base, **kwargs})


def test_gumbel_bad_temperature():
    with pytest.raises(ValueError, match="tau"):
        hard_gumbel_softmax(torch.zeros(2, 3), tau=-1.0)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA not available")
def test_rnn_runs_on_cuda():
    model = NoiseDrivenRNN(3, 5, 3, device="cuda")
    g = torch.Generator(device="cuda").manual_seed(0)
    out = model.generate(4, 6, g)
    assert out.outputs.device.type == "cuda" and out.symbols.shape == (4, 6)
