"""Shared plumbing of the learners: argument checks, data preparation and the training loop."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

Tensor = torch.Tensor


def positive(value: Any, name: str, *, allow_zero: bool = False) -> float:
    """``value`` as a finite float ``> 0`` (``>= 0`` with ``allow_zero``), else ValueError."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    ok = math.isfinite(v) and (v >= 0 if allow_zero else v > 0)
    if not ok:
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be finite and {bound}, got {value!r}")
    return v


def positive_int(value: Any, name: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
    return int(value)


def eig_weights(omega: Sequence[float] | None, k: int) -> list[float]:
    """The weights of the ranked quotients: ``1, 1/2, 1/3, ...`` by default; checked."""
    if omega is None:
        return [1.0 / (i + 1) for i in range(k)]
    w = [float(v) for v in omega]
    if len(w) != k:
        raise ValueError(f"eig_weights must have n_eigenfunctions = {k} entries, got {omega!r}")
    if any(not (math.isfinite(v) and v > 0) for v in w) or any(
        a <= b for a, b in zip(w[:-1], w[1:], strict=True)
    ):
        raise ValueError(f"eig_weights must be positive and strictly decreasing, got {omega!r}")
    return w


class TrainingConfig:
    """Optimiser settings shared by all learners (checked on construction)."""

    def __init__(
        self,
        lr: float,
        batch_size: int,
        n_epochs: int,
        test_ratio: float,
        seed: int,
        device: torch.device | str | None,
        dtype: torch.dtype,
    ) -> None:
        self.lr = positive(lr, "lr")
        self.batch_size = positive_int(batch_size, "batch_size", 2)
        self.n_epochs = positive_int(n_epochs, "n_epochs")
        self.test_ratio = float(test_ratio)
        if not 0.0 <= self.test_ratio < 1.0:
            raise ValueError(f"test_ratio must be in [0, 1), got {test_ratio!r}")
        self.seed = positive_int(seed, "seed", 0)
        self.device = None if device is None else torch.device(device)
        if dtype not in (torch.float32, torch.float64):
            raise ValueError(f"dtype must be torch.float32 or torch.float64, got {dtype!r}")
        self.dtype = dtype


def as_samples(x: Any, name: str, device, dtype, dim: int | None = None) -> Tensor:
    """Positions ``(N, d)`` as a finite tensor on ``device`` in ``dtype``."""
    t = torch.as_tensor(x)
    if t.ndim != 2 or t.shape[0] < 2:
        raise ValueError(f"{name} must have shape (N, d) with N >= 2, got {tuple(t.shape)}")
    if dim is not None and t.shape[1] != dim:
        raise ValueError(f"{name} must have {dim} columns (the network's input), got {t.shape[1]}")
    t = t.to(device=device, dtype=dtype)
    if not bool(torch.isfinite(t).all()):
        raise ValueError(f"{name} contains non-finite values")
    return t


def as_weights(weights: Any, n: int, device, dtype) -> Tensor:
    """Sample weights ``(n,)`` (ones when ``None``), finite, nonnegative, not all zero."""
    if weights is None:
        return torch.ones(n, device=device, dtype=dtype)
    w = torch.as_tensor(weights).to(device=device, dtype=dtype).reshape(-1)
    if w.shape[0] != n:
        raise ValueError(f"weights must have one entry per sample ({n}), got {w.shape[0]}")
    if not bool(torch.isfinite(w).all()) or bool((w < 0).any()) or not bool((w > 0).any()):
        raise ValueError("weights must be finite, nonnegative and not all zero")
    return w


def resolve_device(config: TrainingConfig, x: Any) -> torch.device:
    if config.device is not None:
        return config.device
    return x.device if isinstance(x, torch.Tensor) else torch.device("cpu")


def seeded_module(factory: Callable[[], nn.Module], seed: int, device, dtype) -> nn.Module:
    """A module initialised by torch under ``seed`` (built on the CPU, then moved)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        module = factory()
    return module.to(device=device, dtype=dtype)


def split(n: int, test_ratio: float, seed: int) -> tuple[Tensor, Tensor]:
    """A random train/test split of ``range(n)`` (the test part equals the train part if empty)."""
    gen = torch.Generator().manual_seed(seed + 1)
    perm = torch.randperm(n, generator=gen)
    n_test = int(round(test_ratio * n))
    if n_test == 0:
        return perm, perm
    if n - n_test < 2:
        raise ValueError(f"test_ratio={test_ratio} leaves fewer than 2 of {n} samples to train on")
    return perm[n_test:], perm[:n_test]


def train(
    params: Sequence[Tensor],
    batch_loss: Callable[[Tensor], Tensor],
    train_idx: Tensor,
    test_idx: Tensor,
    config: TrainingConfig,
    device: torch.device,
) -> dict[str, np.ndarray]:
    """Adam on shuffled mini-batches of ``train_idx``; returns per-epoch mean losses.

    ``batch_loss(idx)`` evaluates the loss on the samples ``idx`` (a LongTensor on ``device``).
    The last incomplete batch of an epoch is dropped when there is at least one full batch.
    The test loss is evaluated on the whole test set after each epoch.
    """
    opt = torch.optim.Adam(params, lr=config.lr)
    gen = torch.Generator().manual_seed(config.seed + 2)
    n = train_idx.numel()
    bs = min(config.batch_size, n)
    n_batches = max(n // bs, 1)
    test_idx = test_idx.to(device)
    train_curve, test_curve = [], []
    for _ in range(config.n_epochs):
        perm = train_idx[torch.randperm(n, generator=gen)].to(device)
        total = torch.zeros((), device=device)
        for b in range(n_batches):
            opt.zero_grad(set_to_none=True)
            loss = batch_loss(perm[b * bs : (b + 1) * bs])
            loss.backward()
            opt.step()
            total += loss.detach()
        train_curve.append(total / n_batches)
        test_curve.append(batch_loss(test_idx).detach())
    history = {
        "train_loss": torch.stack(train_curve).cpu().double().numpy(),
        "test_loss": torch.stack(test_curve).cpu().double().numpy(),
    }
    if not np.all(np.isfinite(history["train_loss"])):
        raise FloatingPointError("training diverged (non-finite loss); try a smaller lr")
    return history
