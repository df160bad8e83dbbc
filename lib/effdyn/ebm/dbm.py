"""A monotone deep Boltzmann machine over tiers of one-hot units, trained through its fixed point.

The model of Feng, Winston and Kolter (2023, arXiv 2307.04990) for joint completion and
classification: tiers of categorical units, pixels ``(K, H, W)`` with one K-category variable per
pixel, hidden tiers ``(C, h, w)`` split into one-hot groups of ``group`` channels per position, and
a label tier. Observed pixels (and the label, when given) are clamped; the mean-field marginals of
the rest are the unique fixed point of the damped forward-backward map with the proximal softmax,
found by Anderson acceleration (the authors' defaults alpha = 0.125, tol = 1e-2, at most 50
iterations) and differentiated implicitly (:func:`~effdyn.implicit.implicit_fixed_point`).

Here the couplings are dense between all units (:func:`~effdyn.ebm.monotone_couplings`), the
``dense`` operator; the authors' tiers are connected by 3x3 convolutions, not implemented here.
Clamping keeps uniqueness: the principal submatrix of an m-monotone ``J`` is m-monotone.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from effdyn.ebm.blocks import Blocks
from effdyn.ebm.boltzmann import monotone_couplings
from effdyn.ebm.prox import prox_softmax
from effdyn.implicit import (
    DenseOperator,
    FixedPointResult,
    check_alpha,
    check_m,
    forward_backward_map,
    implicit_fixed_point,
)

__all__ = ["MonotoneDBM", "Prediction", "check_tiers", "completion_scores"]

Tier = tuple[int, int, int, int]


def check_tiers(tiers: Sequence[Sequence[int]]) -> list[Tier]:
    """Validate ``[(channels, height, width, group), ...]``: pixels first, label last.

    The pixel tier has ``channels == group == K``; each hidden tier's height and width divide
    those of the tier before (the sizes chain, as for stride-2 convolutions); ``group`` divides
    ``channels`` and is at least 2; the label tier is ``(n_classes, 1, 1, n_classes)``.
    """
    out = [tuple(int(x) for x in t) for t in tiers]
    if len(out) < 2:
        raise ValueError(f"tiers must list at least pixels and label, got {len(out)} tiers")
    for i, t in enumerate(out):
        if len(t) != 4 or min(t) < 1:
            raise ValueError(f"tiers[{i}] must be (channels, height, width, group), got {t}")
        c, _, _, g = t
        if g < 2:
            raise ValueError(f"tiers[{i}]: K (group size) must be at least 2, got {g}")
        if c % g:
            raise ValueError(f"tiers[{i}]: group {g} does not divide channels {c}")
    if out[0][0] != out[0][3]:
        raise ValueError(f"tiers[0] (pixels) must have channels == group == K, got {out[0]}")
    label = out[-1]
    if label[1:3] != (1, 1) or label[0] != label[3]:
        raise ValueError(f"tiers[-1] (label) must be (n_classes, 1, 1, n_classes), got {label}")
    for i in range(1, len(out) - 1):
        (_, h0, w0, _), (_, h1, w1, _) = out[i - 1], out[i]
        if h0 % h1 or w0 % w1 or h1 > h0 or w1 > w0:
            raise ValueError(
                f"tiers do not chain: tiers[{i}] has {h1}x{w1} positions, which does not divide "
                f"the {h0}x{w0} of tiers[{i - 1}]"
            )
    return out


@dataclass
class Prediction:
    """Marginals of a batch: ``pixels`` (batch, n_pixels, K), ``label`` (batch, n_classes)."""

    pixels: torch.Tensor
    label: torch.Tensor
    result: FixedPointResult


def completion_scores(
    pixel_probs: torch.Tensor, truth: torch.Tensor, hidden: torch.Tensor
) -> tuple[float, float]:
    """Accuracy of the most likely category, and mean cross-entropy (nats), on hidden pixels."""
    if pixel_probs.shape[:2] != truth.shape or truth.shape != hidden.shape:
        raise ValueError(
            f"hidden mask shape {tuple(hidden.shape)} must match truth {tuple(truth.shape)} and "
            f"pixel_probs {tuple(pixel_probs.shape[:2])}"
        )
    sel = hidden.bool()
    if not bool(sel.any()):
        return float("nan"), float("nan")
    p_true = pixel_probs.gather(-1, truth.long().unsqueeze(-1)).squeeze(-1)
    acc = (pixel_probs.argmax(-1) == truth)[sel].double().mean()
    ce = -torch.log(p_true[sel].clamp_min(1e-12)).double().mean()
    return float(acc), float(ce)


class MonotoneDBM(torch.nn.Module):
    """A monotone DBM with dense couplings over tiers of one-hot units.

    Parameters
    ----------
    tiers : sequence of (channels, height, width, group)
        E.g. ``[(K, 8, 8, K), (16, 4, 4, 4), (32, 2, 2, 4), (10, 1, 1, 10)]``; see
        :func:`check_tiers`.
    m : float
        Monotonicity margin in (0, 1].
    alpha, tol, max_iter : float, float, int
        Splitting step and Anderson settings (the authors' ``MON_DEFAULTS``).
    rank : int, optional
        Rows of ``A`` (default: the dimension).
    init_scale : float
        Initial ``A`` entries are N(0, init_scale^2 / rank).
    constraint : {"blocknorm", "spectral"}
        How :func:`~effdyn.ebm.monotone_couplings` imposes the constraint.
    generator : torch.Generator, optional
    dtype, device
    """

    def __init__(
        self,
        tiers: Sequence[Sequence[int]],
        *,
        m: float = 0.1,
        alpha: float = 0.125,
        tol: float = 1e-2,
        max_iter: int = 50,
        rank: int | None = None,
        init_scale: float = 0.5,
        constraint: str = "blocknorm",
        generator: torch.Generator | None = None,
        dtype: torch.dtype = torch.float32,
        device: torch.device | str | None = None,
    ) -> None:
        super().__init__()
        self.tiers = check_tiers(tiers)
        self.m = check_m(m)
        self.alpha = check_alpha(alpha)
        self.tol = float(tol)
        self.max_iter = int(max_iter)
        if constraint not in ("blocknorm", "spectral"):
            raise ValueError(f"constraint must be 'blocknorm' or 'spectral', got {constraint!r}")
        self.constraint = constraint
        sizes: list[int] = []
        for c, h, w, g in self.tiers:
            sizes += [g] * (h * w * (c // g))
        self.blocks = Blocks(sizes)
        self.k = self.tiers[0][0]
        self.n_pixels = self.tiers[0][1] * self.tiers[0][2]
        self.n_classes = self.tiers[-1][0]
        d = self.blocks.dim
        r = d if rank is None else int(rank)
        a = torch.randn(r, d, generator=generator, dtype=dtype) * (init_scale / math.sqrt(r))
        self.a = torch.nn.Parameter(a.to(device))
        self.b = torch.nn.Parameter(torch.zeros(d, dtype=dtype, device=device))

    @property
    def dim(self) -> int:
        """Total one-hot dimension."""
        return self.blocks.dim

    @torch.no_grad()
    def init_bias(self, pixels: torch.Tensor, labels: torch.Tensor, smoothing: float = 1.0) -> None:
        """Set the pixel and label biases to the log of their (smoothed) training frequencies.

        With zero couplings the marginals are then the training marginals, the usual start for
        Boltzmann machines (Hinton, 2010, "A practical guide to training RBMs", Section 8).
        """
        k, npx, nc = self.k, self.n_pixels, self.n_classes
        oh = torch.nn.functional.one_hot(pixels.long(), k).double().sum(0) + smoothing
        freq = oh / oh.sum(-1, keepdim=True)
        self.b[: npx * k] = torch.log(freq).reshape(-1).to(self.b)
        counts = torch.bincount(labels.long(), minlength=nc).double() + smoothing
        self.b[-nc:] = torch.log(counts / counts.sum()).to(self.b)

    def couplings(self) -> torch.Tensor:
        """The m-monotone couplings ``J`` (zero within-variable blocks)."""
        return monotone_couplings(self.a, self.blocks, self.m, method=self.constraint)

    def _clamp(
        self,
        pixels: torch.Tensor,
        pixel_observed: torch.Tensor,
        labels: torch.Tensor | None,
        label_observed: torch.Tensor | None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        batch = pixels.shape[0]
        if pixels.shape != (batch, self.n_pixels):
            raise ValueError(
                f"pixels must have shape (batch, {self.n_pixels}), got {tuple(pixels.shape)}"
            )
        if pixel_observed.shape != pixels.shape:
            raise ValueError(
                f"pixel mask must have shape {tuple(pixels.shape)}, got "
                f"{tuple(pixel_observed.shape)}"
            )
        dev, dt = self.b.device, self.b.dtype
        obs = torch.zeros(batch, self.dim, dtype=dt, device=dev)
        mask = torch.zeros(batch, self.dim, dtype=torch.bool, device=dev)
        k, npx = self.k, self.n_pixels
        pix = torch.nn.functional.one_hot(pixels.long().to(dev), k).to(dt).reshape(batch, npx * k)
        obs[:, : npx * k] = pix
        mask[:, : npx * k] = pixel_observed.to(dev).bool().repeat_interleave(k, dim=1)
        if labels is not None:
            if label_observed is None:
                label_observed = torch.ones(batch, dtype=torch.bool)
            if labels.shape != (batch,) or label_observed.shape != (batch,):
                raise ValueError(
                    f"labels and label mask must have shape ({batch},), got "
                    f"{tuple(labels.shape)} and {tuple(label_observed.shape)}"
                )
            nc = self.n_classes
            lab = torch.nn.functional.one_hot(labels.long().to(dev), nc).to(dt)
            obs[:, -nc:] = lab
            mask[:, -nc:] = label_observed.to(dev).bool()[:, None].expand(batch, nc)
        return obs, mask

    def forward(
        self,
        pixels: torch.Tensor,
        pixel_observed: torch.Tensor,
        labels: torch.Tensor | None = None,
        label_observed: torch.Tensor | None = None,
    ) -> Prediction:
        """Mean-field marginals given the observed pixels (and labels where observed).

        Parameters
        ----------
        pixels : Tensor of int, shape (batch, n_pixels)
            Pixel categories (values at hidden pixels are ignored).
        pixel_observed : Tensor of bool, shape (batch, n_pixels)
        labels : Tensor of int, shape (batch,), optional
        label_observed : Tensor of bool, shape (batch,), optional
            Default: all given labels observed.
        """
        obs, mask = self._clamp(pixels, pixel_observed, labels, label_observed)
        op = DenseOperator(self.couplings())
        blocks = self.blocks

        def prox(v: torch.Tensor, alpha: float) -> torch.Tensor:
            return torch.where(mask, obs, prox_softmax(v, alpha, blocks))

        step = forward_backward_map(op, prox, self.b, self.alpha)
        z0 = torch.where(mask, obs, blocks.uniform(obs.shape[0], obs.dtype, obs.device))
        q, result = implicit_fixed_point(step, z0, tol=self.tol, max_iter=self.max_iter, warn=False)
        npx, k = self.n_pixels, self.k
        return Prediction(q[:, : npx * k].reshape(-1, npx, k), q[:, -self.n_classes :], result)

    def loss(
        self,
        pred: Prediction,
        pixels: torch.Tensor,
        pixel_observed: torch.Tensor,
        labels: torch.Tensor,
        label_observed: torch.Tensor,
        label_weight: float = 1.0,
    ) -> torch.Tensor:
        """Cross-entropy on the hidden pixels (mean) plus ``label_weight`` times that on the
        hidden labels (mean)."""
        dev = pred.pixels.device
        hidden = ~pixel_observed.to(dev).bool()
        lp = torch.log(pred.pixels.clamp_min(1e-9))
        pix_ce = -lp.gather(-1, pixels.long().to(dev).unsqueeze(-1)).squeeze(-1)
        loss = (pix_ce * hidden).sum() / hidden.sum().clamp_min(1)
        lab_hidden = ~label_observed.to(dev).bool()
        if bool(lab_hidden.any()):
            ll = torch.log(pred.label.clamp_min(1e-9))
            lab_ce = -ll.gather(-1, labels.long().to(dev).unsqueeze(-1)).squeeze(-1)
            loss = loss + label_weight * (lab_ce * lab_hidden).sum() / lab_hidden.sum()
        return loss

    def fit(
        self,
        pixels: torch.Tensor,
        labels: torch.Tensor,
        *,
        seconds: float = 45.0,
        max_steps: int | None = None,
        batch_size: int = 64,
        lr: float = 1e-2,
        hide_pixels: float = 0.5,
        hide_label: float = 0.5,
        generator: torch.Generator | None = None,
        init_bias: bool = True,
        label_weight: float = 1.0,
    ) -> list[dict[str, float]]:
        """Train with Adam on random masks for a wall-clock budget (or ``max_steps``).

        Each step draws a mini-batch, hides each pixel with probability ``hide_pixels`` and the
        label with probability ``hide_label``, and minimises :meth:`loss` at the fixed point.
        With ``init_bias`` the biases start at the log training frequencies (:meth:`init_bias`);
        ``label_weight`` weighs the label term of :meth:`loss`.

        Returns
        -------
        list of dict
            Per step: ``step``, ``time``, ``loss``, ``iterations`` (forward Anderson).
        """
        for name, p in (("hide_pixels", hide_pixels), ("hide_label", hide_label)):
            if not 0.0 <= p <= 1.0:
                raise ValueError(f"{name} must lie in [0, 1], got {p}")
        if init_bias:
            self.init_bias(pixels, labels)
        opt = torch.optim.Adam(self.parameters(), lr=lr)
        n = pixels.shape[0]
        history: list[dict[str, float]] = []
        t0 = time.perf_counter()
        step = 0
        while True:
            if max_steps is not None and step >= max_steps:
                break
            if max_steps is None and time.perf_counter() - t0 >= seconds:
                break
            idx = torch.randint(n, (min(batch_size, n),), generator=generator)
            px, lb = pixels[idx], labels[idx]
            seen = torch.rand(px.shape, generator=generator) >= hide_pixels
            lab_seen = torch.rand(lb.shape, generator=generator) >= hide_label
            pred = self(px, seen, lb, lab_seen)
            loss = self.loss(pred, px, seen, lb, lab_seen, label_weight)
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
            history.append(
                {
                    "step": step,
                    "time": time.perf_counter() - t0,
                    "loss": float(loss.detach()),
                    "iterations": pred.result.n_iter,
                }
            )
        return history

    @torch.no_grad()
    def predict(
        self, pixels: torch.Tensor, pixel_observed: torch.Tensor, *, batch_size: int = 256
    ) -> Prediction:
        """Marginals with the label hidden, in batches (no gradient)."""
        outs = []
        for s in range(0, pixels.shape[0], batch_size):
            outs.append(self(pixels[s : s + batch_size], pixel_observed[s : s + batch_size]))
        res = outs[-1].result
        return Prediction(
            torch.cat([o.pixels for o in outs]), torch.cat([o.label for o in outs]), res
        )
