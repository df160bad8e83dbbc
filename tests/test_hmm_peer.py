"""Peer comparisons: our forward algorithm against hmmlearn, our Sinkhorn divergence against
geomloss (the two packages the code of Torre et al., 2025 uses). Skipped when absent."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from effdyn.hmm import HiddenMarkovModel, linear_chain_hmm, log_likelihood, sample
from effdyn.metrics import sinkhorn_divergence

F64 = torch.float64
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_forward_matches_hmmlearn():
    hmm_module = pytest.importorskip("hmmlearn.hmm")
    g = torch.Generator().manual_seed(0)
    a = torch.rand(4, 4, generator=g, dtype=F64) + 0.05
    b = torch.rand(4, 3, generator=g, dtype=F64) + 0.05
    s = torch.rand(4, generator=g, dtype=F64) + 0.05
    ours = HiddenMarkovModel(s / s.sum(), a / a.sum(1, keepdim=True), b / b.sum(1, keepdim=True))
    peer = hmm_module.CategoricalHMM(n_components=4)
    peer.startprob_ = ours.start.numpy()
    peer.transmat_ = ours.transition.numpy()
    peer.emissionprob_ = ours.emission.numpy()
    for model in (ours, linear_chain_hmm(3)):
        if model is not ours:
            peer = hmm_module.CategoricalHMM(n_components=3)
            peer.startprob_ = model.start.numpy()
            peer.transmat_ = model.transition.numpy()
            peer.emissionprob_ = model.emission.numpy()
        symbols, _ = sample(model, 8, 40, g)
        ll = log_likelihood(model, symbols)
        for n in range(symbols.shape[0]):
            ref = peer.score(symbols[n].numpy().reshape(-1, 1))
            assert abs(ll[n].item() - ref) < 1e-8


def test_sinkhorn_matches_geomloss():
    geomloss = pytest.importorskip("geomloss")
    g = torch.Generator().manual_seed(1)
    loss = geomloss.SamplesLoss("sinkhorn", p=2, blur=0.2, backend="tensorized")
    for n, m, d in ((200, 150, 2), (64, 64, 90)):
        x = torch.randn(n, d, generator=g, dtype=F64).requires_grad_(True)
        y = torch.randn(m, d, generator=g, dtype=F64) + 0.3
        ref = loss(x, y)
        ours = sinkhorn_divergence(x, y, blur=0.2)
        assert abs(ours.item() - ref.item()) < 1e-5 * max(1.0, abs(ref.item()))
        g_ref = torch.autograd.grad(ref, x)[0]
        g_ours = torch.autograd.grad(ours, x)[0]
        assert np.allclose(g_ours.numpy(), g_ref.numpy(), atol=1e-8)
    # one-hot sequence clouds, as in training
    x = torch.nn.functional.one_hot(torch.randint(0, 3, (128, 30), generator=g), 3)
    y = torch.nn.functional.one_hot(torch.randint(0, 3, (128, 30), generator=g), 3)
    x, y = x.reshape(128, -1).double(), y.reshape(128, -1).double()
    assert abs(sinkhorn_divergence(x, y).item() - loss(x, y).item()) < 1e-5
