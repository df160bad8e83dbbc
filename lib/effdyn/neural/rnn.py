"""Noise-driven recurrent emulators of discrete stochastic processes (Torre et al., 2025).

A bias-free ReLU recurrent network h_t = relu(W_in x_t + W_rec h_{t-1}) is driven by i.i.d.
N(0, s^2) input noise x_t (s = 1 in training), starts from h_0 ~ N(0, 1), and emits one-hot
symbols through a linear readout and a hard Gumbel-softmax (straight-through, temperature
``tau``). Trained with a distance between batches of generated and target sequences (the
Sinkhorn divergence in the paper), it learns to emit like a hidden Markov model.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch
from torch import nn

TORRE2025_MECHANISTIC = r"""@inproceedings{torre2025mechanistic,
  title     = {Mechanistic Interpretability of {RNN}s emulating Hidden {M}arkov Models},
  author    = {Torre, Elia and Viscione, Michele and Pompe, Lucas and Grewe, Benjamin F. and
               Mante, Valerio},
  booktitle = {Advances in Neural Information Processing Systems},
  year      = {2025},
  note      = {arXiv:2510.25674}
}"""


def hard_gumbel_softmax(
    logits: torch.Tensor, tau: float = 1.0, generator: torch.Generator | None = None
) -> torch.Tensor:
    """One-hot samples of softmax(logits) by the Gumbel-max trick, straight-through gradients.

    The forward value is the one-hot argmax of (logits + g)/tau with g i.i.d. standard Gumbel;
    the gradient is that of the relaxed softmax((logits + g)/tau) (Jang et al., 2017).
    """
    if not tau > 0:
        raise ValueError(f"tau must be > 0, got {tau!r}")
    u = torch.rand(logits.shape, generator=generator, device=logits.device, dtype=logits.dtype)
    tiny = torch.finfo(logits.dtype).tiny
    exponential = -torch.log(u.clamp_min(tiny))
    gumbel = -torch.log(exponential.clamp_min(tiny))
    soft = torch.softmax((logits + gumbel) / tau, dim=-1)
    hard = torch.nn.functional.one_hot(soft.argmax(-1), logits.shape[-1]).to(soft.dtype)
    return hard - soft.detach() + soft


@dataclass
class EmulatorOutput:
    """What a pass of :class:`NoiseDrivenRNN` returns (all batch-first).

    Attributes
    ----------
    outputs : torch.Tensor
        (n, T, M) one-hot symbols (straight-through differentiable).
    hidden : torch.Tensor
        (n, T, H) hidden states h_1, ..., h_T.
    logits : torch.Tensor
        (n, T, M) readout W_out h_t.
    """

    outputs: torch.Tensor
    hidden: torch.Tensor
    logits: torch.Tensor

    @property
    def symbols(self) -> torch.Tensor:
        """(n, T) integer symbols."""
        return self.outputs.argmax(-1)


class NoiseDrivenRNN(nn.Module):
    """Bias-free ReLU RNN driven by Gaussian input noise, with a hard Gumbel-softmax readout.

    Parameters
    ----------
    input_size : int
        Dimension of the input noise (>= 1).
    hidden_size : int
        Number of recurrent units (>= 1).
    n_symbols : int
        Alphabet size M of the emitted symbols (>= 2).
    tau : float
        Gumbel-softmax temperature (> 0; 1 in the paper).
    device, dtype
        Where the parameters live.

    References
    ----------
    Torre et al. (2025), *Mechanistic Interpretability of RNNs emulating Hidden Markov Models*.
    """

    bibtex = TORRE2025_MECHANISTIC

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        n_symbols: int = 3,
        tau: float = 1.0,
        device=None,
        dtype=torch.float32,
    ) -> None:
        super().__init__()
        if input_size < 1:
            raise ValueError(f"input_size must be >= 1, got {input_size!r}")
        if hidden_size < 1:
            raise ValueError(f"hidden_size must be >= 1, got {hidden_size!r}")
        if n_symbols < 2:
            raise ValueError(f"n_symbols must be >= 2, got {n_symbols!r}")
        if not tau > 0:
            raise ValueError(f"tau must be > 0, got {tau!r}")
        self.input_size, self.hidden_size, self.n_symbols, self.tau = (
            input_size,
            hidden_size,
            n_symbols,
            tau,
        )
        kw = {"device": device, "dtype": dtype}
        self.rnn = nn.RNN(
            input_size, hidden_size, nonlinearity="relu", bias=False, batch_first=True, **kw
        )
        self.readout = nn.Linear(hidden_size, n_symbols, bias=False, **kw)

    @property
    def recurrent_weight(self) -> torch.Tensor:
        """W_rec, shape (H, H)."""
        return self.rnn.weight_hh_l0

    @property
    def input_weight(self) -> torch.Tensor:
        """W_in, shape (H, I)."""
        return self.rnn.weight_ih_l0

    def draw_inputs(
        self,
        n_sequences: int,
        length: int,
        generator: torch.Generator | None = None,
        noise_scale: float = 1.0,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Input noise N(0, noise_scale^2), shape (n, T, I), and h_0 ~ N(0, 1), shape (n, H)."""
        if n_sequences < 1 or length < 1:
            raise ValueError(f"n_sequences and length must be >= 1, got {n_sequences}, {length}")
        w = self.recurrent_weight
        noise = torch.randn(
            n_sequences,
            length,
            self.input_size,
            generator=generator,
            device=w.device,
            dtype=w.dtype,
        )
        h0 = torch.randn(
            n_sequences, self.hidden_size, generator=generator, device=w.device, dtype=w.dtype
        )
        return noise_scale * noise, h0

    def forward(
        self,
        noise: torch.Tensor,
        h0: torch.Tensor,
        generator: torch.Generator | None = None,
        ablate: Sequence[int] | None = None,
    ) -> EmulatorOutput:
        """Run the network on ``noise`` (n, T, I) from ``h0`` (n, H).

        With ``ablate`` (indices of units), those units are clamped to zero at every step (a
        lesion experiment); the pass then runs step by step instead of through ``nn.RNN``.
        """
        if noise.ndim != 3 or noise.shape[-1] != self.input_size:
            raise ValueError(
                f"noise must have shape (n, T, {self.input_size}), got {tuple(noise.shape)}"
            )
        if ablate is None or len(ablate) == 0:
            hidden, _ = self.rnn(noise, h0[None])
        else:
            mask = torch.ones(self.hidden_size, device=noise.device, dtype=noise.dtype)
            mask[torch.as_tensor(list(ablate), device=noise.device, dtype=torch.long)] = 0
            drive = noise @ self.input_weight.T
            h, states = h0 * mask, []
            for t in range(noise.shape[1]):
                h = torch.relu(drive[:, t] + h @ self.recurrent_weight.T) * mask
                states.append(h)
            hidden = torch.stack(states, dim=1)
        logits = self.readout(hidden)
        return EmulatorOutput(hard_gumbel_softmax(logits, self.tau, generator), hidden, logits)

    @torch.no_grad()
    def generate(
        self,
        n_sequences: int,
        length: int,
        generator: torch.Generator | None = None,
        noise_scale: float = 1.0,
        ablate: Sequence[int] | None = None,
    ) -> EmulatorOutput:
        """Sample ``n_sequences`` sequences of ``length`` symbols (no gradients)."""
        noise, h0 = self.draw_inputs(n_sequences, length, generator, noise_scale)
        return self(noise, h0, generator, ablate)

    def recurrent_map(self, h: torch.Tensor) -> torch.Tensor:
        """The zero-input map F(h) = relu(W_rec h), batched over the leading axes."""
        return torch.relu(h @ self.recurrent_weight.T)


@dataclass
class TrainingHistory:
    """Loss per epoch (mean over batches) of :func:`train_emulator`, and the epoch kept."""

    losses: list[float] = field(default_factory=list)
    best_epoch: int = -1


def train_emulator(
    model: NoiseDrivenRNN,
    targets: torch.Tensor,
    loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    epochs: int,
    batch_size: int,
    lr: float = 1e-3,
    grad_clip: float = 0.9,
    generator: torch.Generator | None = None,
    noise_scale: float = 1.0,
    keep_best: bool = False,
) -> TrainingHistory:
    """Train ``model`` so that its sequences match ``targets`` in distribution.

    Each epoch walks through ``targets`` (N, T, M one-hot) in batches; for each batch the model
    emits as many sequences from fresh noise, and ``loss(generated, target)`` compares the two
    batches as clouds of flattened (T * M)-dimensional points. Adam with learning rate ``lr``
    and gradient-norm clipping at ``grad_clip``, as in the code of Torre et al. (2025). With
    ``keep_best``, the parameters at the end of the epoch of lowest mean loss are restored at
    the end (the code keeps the model of lowest validation loss).
    """
    if epochs < 1:
        raise ValueError(f"epochs must be >= 1, got {epochs!r}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size!r}")
    if targets.ndim != 3 or targets.shape[-1] != model.n_symbols:
        raise ValueError(
            f"targets must have shape (N, T, {model.n_symbols}), got {tuple(targets.shape)}"
        )
    w = model.recurrent_weight
    targets = targets.to(device=w.device, dtype=w.dtype)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history = TrainingHistory()
    n, length = targets.shape[:2]
    best_loss, best_state = math.inf, None
    for epoch in range(epochs):
        batch_losses = []
        for start in range(0, n, batch_size):
            batch = targets[start : start + batch_size]
            noise, h0 = model.draw_inputs(batch.shape[0], length, generator, noise_scale)
            out = model(noise, h0, generator)
            value = loss(out.outputs.reshape(batch.shape[0], -1), batch.reshape(batch.shape[0], -1))
            optimizer.zero_grad()
            value.backward()
            nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
            optimizer.step()
            batch_losses.append(float(value.detach()))
        history.losses.append(sum(batch_losses) / len(batch_losses))
        if keep_best and history.losses[-1] < best_loss:
            best_loss = history.losses[-1]
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            history.best_epoch = epoch
    if keep_best and best_state is not None:
        model.load_state_dict(best_state)
    else:
        history.best_epoch = epochs - 1
    return history
