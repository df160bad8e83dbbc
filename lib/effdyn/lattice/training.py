"""Fitting a lattice force field to reference forces (mean-squared error, Adam).

Used to train :class:`effdyn.lattice.EquivariantForceField` and the :class:`PlainCNN` baseline
on exact-diagonalisation forces of the Holstein model (Fan and Chern 2026, arXiv:2601.04104).
With ``augment=True`` each batch is transformed by a random element of D4 x Z2 and a random
translation (data augmentation, the alternative to building the symmetry into the network).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from effdyn.lattice.symmetry import D4_ORDER, d4_transform

__all__ = ["fit_force_field", "force_parity"]

Tensor = torch.Tensor


def fit_force_field(
    model: nn.Module,
    Q: Tensor,
    F: Tensor,
    *,
    n_steps: int = 1000,
    batch_size: int = 32,
    lr: float = 3e-3,
    augment: bool = False,
    odd: bool = True,
    seed: int = 0,
) -> list[float]:
    """Train ``model`` to map ``Q (M, L, L)`` to ``F (M, L, L)``; return the loss per step.

    Adam with a cosine-decaying learning rate; minibatches drawn with ``seed`` (on the CPU, so
    the run is the same on every device). The model is left in evaluation mode.
    """
    if Q.shape != F.shape or Q.dim() != 3:
        raise ValueError(
            f"Q and F must have equal shapes (M, L, L), got {tuple(Q.shape)}, {tuple(F.shape)}"
        )
    if not (isinstance(n_steps, int) and n_steps >= 1):
        raise ValueError(f"n_steps must be a positive integer, got {n_steps!r}")
    if not (isinstance(batch_size, int) and batch_size >= 1):
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    if not lr > 0:
        raise ValueError(f"lr must be positive, got {lr!r}")
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda k: 0.5 * (1 + math.cos(math.pi * k / n_steps))
    )
    M, L = Q.shape[0], Q.shape[-1]
    losses = []
    model.train()
    for _ in range(n_steps):
        idx = torch.randint(0, M, (min(batch_size, M),), generator=gen).to(Q.device)
        q, f = Q[idx], F[idx]
        if augment:
            e, sx, sy, s = (int(v) for v in torch.randint(0, 8 * L, (4,), generator=gen))
            sign = -1.0 if (odd and s % 2) else 1.0

            def act(x: Tensor, e: int = e % D4_ORDER, sx: int = sx, sy: int = sy) -> Tensor:
                return d4_transform(torch.roll(x, (sx % L, sy % L), dims=(-2, -1)), e)

            q, f = sign * act(q), sign * act(f)
        loss = (model(q) - f).square().mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        losses.append(float(loss.detach()))
    model.eval()
    return losses


def force_parity(predicted: Tensor, reference: Tensor) -> tuple[float, float]:
    """``(R^2, relative RMSE)`` of predicted against reference forces (all sites pooled).

    ``R^2 = 1 - sum (p - r)^2 / sum (r - mean r)^2``; relative RMSE is ``rms(p - r) / rms(r)``.
    """
    if predicted.shape != reference.shape:
        raise ValueError(
            f"predicted and reference must have equal shapes, got {tuple(predicted.shape)}, "
            f"{tuple(reference.shape)}"
        )
    p, r = predicted.double().reshape(-1), reference.double().reshape(-1)
    resid = (p - r).square().sum()
    r2 = 1.0 - resid / (r - r.mean()).square().sum()
    rel = torch.sqrt(resid / r.square().sum())
    return float(r2), float(rel)
