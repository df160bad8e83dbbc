"""The field-space variational learner of binary perceptrons (Li, Huang, Zou, Huang 2023).

The posterior over binary weights is factorised, ``q(w) = prod_i (1 + m_i w_i) / 2``, with
magnetisations ``m_i = tanh(h_i)``; training runs on the real fields ``h`` with Adam. For a
pattern ``x`` the preactivation ``w . x / sqrt N`` is approximately Gaussian with mean
``sum_i m_i x_i / sqrt N`` and variance ``sum_i (1 - m_i^2) x_i^2 / N``, so the probability of
the right label is ``H(-y mean / std)``. The loss per instance is

    L(h) = -sum_mu log H(-y_mu mean_mu / std_mu) + gamma sum_i KL(m_i || m_prior_i),

the zero-temperature limit of the Boltzmann weight ``exp(-beta L)`` of the replica theory
(:mod:`effdyn.replica.saddle`); task 1 takes the uniform prior (``m_prior = 0``), task 2 the
magnetisations learned on task 1. Weight decay on ``h`` (decoupled, as the official
``Adamoptim``) keeps the fields finite.
"""

from __future__ import annotations

import torch

from effdyn.replica.saddle import bernoulli_kl
from effdyn.replica.special import log_gaussian_tail
from effdyn.replica.teacher_student import generalisation_error


class FieldSpacePerceptron:
    """Batched field-space perceptrons, one per instance.

    Parameters
    ----------
    n_inputs : int
        Number of inputs ``N``.
    n_instances : int
        Independent learners (leading axis).
    gamma : float
        Strength of the KL term to the prior (non-negative).
    prior : torch.Tensor, optional
        Prior magnetisations ``(n_instances, N)``; default zero (uniform prior).
    fields : torch.Tensor, optional
        Initial fields; default standard normal (as the official code).
    generator : torch.Generator, optional
        Random source of the initial fields and the mini-batches.
    device, dtype : optional
        Where and in which floating type the fields live.
    """

    def __init__(
        self,
        n_inputs: int,
        n_instances: int = 1,
        *,
        gamma: float = 0.0,
        prior: torch.Tensor | None = None,
        fields: torch.Tensor | None = None,
        generator: torch.Generator | None = None,
        device: torch.device | str | None = None,
        dtype: torch.dtype = torch.float32,
    ) -> None:
        if int(n_inputs) != n_inputs or n_inputs < 1:
            raise ValueError(f"N must be a positive integer, got {n_inputs!r}")
        if not float(gamma) >= 0:
            raise ValueError(f"gamma must be non-negative, got {gamma!r}")
        self.gamma = float(gamma)
        shape = (int(n_instances), int(n_inputs))
        if fields is None:
            fields = torch.randn(shape, generator=generator, device=device, dtype=dtype)
        self.fields = fields.detach().clone().to(device=device, dtype=dtype)
        self.prior = (
            torch.zeros_like(self.fields) if prior is None else prior.detach().to(self.fields)
        )
        self.generator = generator

    @property
    def magnetisations(self) -> torch.Tensor:
        """``m = tanh(h)``, shape ``(n_instances, N)``."""
        return torch.tanh(self.fields)

    def data_term(self, fields: torch.Tensor, patterns: torch.Tensor, labels: torch.Tensor):
        """``-sum_mu log H(-y mean/std)`` per instance (Gaussian field approximation)."""
        m = torch.tanh(fields)
        n = patterns.shape[-1]
        mean = torch.einsum("ipn,in->ip", patterns, m) / n**0.5
        var = torch.einsum("ipn,in->ip", patterns**2, 1 - m**2) / n
        return -log_gaussian_tail(-labels * mean / torch.sqrt(var + 1e-12)).sum(-1)

    def loss(self, fields: torch.Tensor, patterns: torch.Tensor, labels: torch.Tensor):
        """The loss per instance: data term plus ``gamma`` times the KL to the prior."""
        out = self.data_term(fields, patterns, labels)
        if self.gamma > 0:
            out = out + self.gamma * bernoulli_kl(torch.tanh(fields), self.prior).sum(-1)
        return out

    def fit(
        self,
        patterns: torch.Tensor,
        labels: torch.Tensor,
        *,
        epochs: int = 200,
        batch_size: int = 64,
        lr: float = 0.005,
        weight_decay: float = 0.0,
    ) -> FieldSpacePerceptron:
        """Train the fields with Adam(W) on mini-batches shared across instances.

        The KL term is spread over the mini-batches in proportion to their size (the official
        ``opt.batch = batch_size / N_data``). Returns ``self``.
        """
        if int(epochs) != epochs or epochs < 1:
            raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
        n_patterns = patterns.shape[1]
        fields = self.fields.clone().requires_grad_(True)
        opt = torch.optim.AdamW([fields], lr=lr, weight_decay=weight_decay)
        for _ in range(int(epochs)):
            order = torch.randperm(n_patterns, generator=self.generator, device=patterns.device)
            for start in range(0, n_patterns, batch_size):
                idx = order[start : start + batch_size]
                data = self.data_term(fields, patterns[:, idx], labels[:, idx])
                total = data
                if self.gamma > 0:
                    kl = bernoulli_kl(torch.tanh(fields), self.prior).sum(-1)
                    total = data + self.gamma * kl * (len(idx) / n_patterns)
                opt.zero_grad()
                total.sum().backward()
                opt.step()
        self.fields = fields.detach()
        return self

    def training_error(self, patterns: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Fraction of misclassified patterns by the clipped student ``sign(h)``, per instance."""
        bits = torch.where(self.fields >= 0, 1.0, -1.0).to(patterns.dtype)
        out = torch.einsum("ipn,in->ip", patterns, bits)
        pred = torch.where(out >= 0, 1.0, -1.0).to(labels.dtype)
        return (pred != labels).to(patterns.dtype).mean(-1)

    def generalisation_error(self, teacher: torch.Tensor) -> torch.Tensor:
        """``arccos(R)/pi`` of the clipped student, per instance."""
        return generalisation_error(self.fields, teacher)
