"""Projected (spherical) Langevin dynamics with iterate averaging, batched over runs.

The scheme of :cite:`langevin-averaging` on the unit sphere S^{d-1}:

``theta <- normalise(theta - eta grad_S L(theta) + sqrt(2 eta / beta) xi)``,

with the Riemannian gradient ``grad_S L = (I - theta theta^T) grad L`` and ``xi`` a standard
Gaussian projected on the tangent space at ``theta`` (the radial part only changes the scheme
at O(eta^2)). For small ``eta`` its stationary law approaches the Gibbs measure
``exp(-beta L) d sigma`` on the sphere. Three outputs are kept: the last iterate, the running
average after a burn-in ``normalise(sum_{t > burn_in} theta_t)`` (stochastic weight averaging),
and that average refined by a short noiseless (``beta = inf``) projected gradient descent.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

from effdyn.highdim.references import LANGEVIN_AVERAGING_2026

__all__ = [
    "LangevinRecord",
    "LangevinResult",
    "SphericalLangevin",
    "check_unit_vectors",
    "riemannian_gradient",
    "spherical_gradient_descent",
]

Gradient = Callable[[torch.Tensor], torch.Tensor]


def riemannian_gradient(theta: torch.Tensor, euclidean: torch.Tensor) -> torch.Tensor:
    """Project a Euclidean gradient on the tangent space of the unit sphere at ``theta``."""
    return euclidean - (euclidean * theta).sum(-1, keepdim=True) * theta


def _normalise(x: torch.Tensor) -> torch.Tensor:
    return x / x.norm(dim=-1, keepdim=True)


def check_unit_vectors(theta0: torch.Tensor, n_dim: int | None = None) -> None:
    """Refuse ``theta0`` unless it has shape (runs, d) (``d == n_dim`` if given), unit rows."""
    if not isinstance(theta0, torch.Tensor) or theta0.ndim != 2:
        shape = tuple(theta0.shape) if isinstance(theta0, torch.Tensor) else type(theta0).__name__
        raise ValueError(f"theta0 must be a tensor of shape (n_runs, d), got {shape}")
    if n_dim is not None and theta0.shape[1] != n_dim:
        raise ValueError(f"theta0 must have d = {n_dim} columns, got shape {tuple(theta0.shape)}")
    tol = 1e-4 if theta0.dtype in (torch.float32, torch.float16, torch.bfloat16) else 1e-8
    err = float((theta0.norm(dim=-1) - 1.0).abs().max())
    if not err <= tol:
        raise ValueError(f"theta0 must have rows of unit norm, got a deviation of {err:.3g}")


def spherical_gradient_descent(
    gradient: Gradient, theta0: torch.Tensor, step: float, n_steps: int
) -> torch.Tensor:
    """Noiseless projected gradient descent ``theta <- normalise(theta - step grad_S L)``.

    The ``beta = inf`` refinement of :cite:`langevin-averaging` (warm start from the average).
    """
    if not (step > 0):
        raise ValueError(f"step must be positive, got {step!r}")
    if int(n_steps) != n_steps or n_steps < 0:
        raise ValueError(f"n_steps must be a non-negative integer, got {n_steps!r}")
    check_unit_vectors(theta0)
    theta = theta0
    for _ in range(int(n_steps)):
        theta = _normalise(theta - step * riemannian_gradient(theta, gradient(theta)))
    return theta


spherical_gradient_descent.bibtex = LANGEVIN_AVERAGING_2026  # type: ignore[attr-defined]


@dataclass(frozen=True)
class LangevinRecord:
    """Overlaps with a target direction along the run.

    Attributes
    ----------
    steps : torch.Tensor
        Step numbers of the records, shape ``(n_record,)``.
    last, averaged : torch.Tensor
        ``|<theta_t, target>|`` and ``|<theta_bar_t, target>|`` (running average, zero before
        the burn-in ends), shape ``(n_record, n_runs)``.
    """

    steps: torch.Tensor
    last: torch.Tensor
    averaged: torch.Tensor


@dataclass(frozen=True)
class LangevinResult:
    """The three outputs of a batch of spherical Langevin runs, each of shape ``(n_runs, d)``.

    Attributes
    ----------
    last : torch.Tensor
        The last iterate.
    mean : torch.Tensor
        The time average of ``theta_t`` over ``burn_in < t <= n_steps`` (not normalised).
    averaged : torch.Tensor
        ``normalise(mean of theta_t over burn_in < t <= n_steps)``.
    refined : torch.Tensor
        ``averaged`` after the noiseless refinement (equal to it when ``refine_steps == 0``).
    refined_last : torch.Tensor
        ``last`` after the same refinement (the paired control of ``refined``).
    record : LangevinRecord or None
        Overlaps along the run when a target was given.
    """

    last: torch.Tensor
    mean: torch.Tensor
    averaged: torch.Tensor
    refined: torch.Tensor
    refined_last: torch.Tensor
    record: LangevinRecord | None = None


class SphericalLangevin:
    """Batched spherical Langevin dynamics with stochastic weight averaging.

    Parameters
    ----------
    beta : float or torch.Tensor
        Inverse temperature ``beta > 0`` (a tensor of shape ``(n_runs,)`` gives one per run).
    step : float
        Step size ``eta > 0``.
    n_steps : int
        Number of Langevin steps.
    burn_in : int
        Steps discarded before averaging (``0 <= burn_in < n_steps``).
    refine_steps : int
        Steps of the noiseless descent started from the average.
    refine_step : float, optional
        Step size of that descent (default ``step``).

    Notes
    -----
    Reference: :cite:`langevin-averaging` (algorithm: last iterate against the averaged one).
    """

    bibtex = LANGEVIN_AVERAGING_2026

    def __init__(
        self,
        beta: float | torch.Tensor,
        step: float,
        n_steps: int,
        *,
        burn_in: int = 0,
        refine_steps: int = 0,
        refine_step: float | None = None,
    ) -> None:
        b = torch.as_tensor(beta, dtype=torch.float64)
        if b.numel() == 0 or not bool((b > 0).all()):
            raise ValueError(f"beta must be positive, got {beta!r}")
        if not (step > 0) or not math.isfinite(step):
            raise ValueError(f"step must be positive, got {step!r}")
        if isinstance(n_steps, bool) or int(n_steps) != n_steps or n_steps < 1:
            raise ValueError(f"n_steps must be a positive integer, got {n_steps!r}")
        if int(burn_in) != burn_in or not (0 <= burn_in < n_steps):
            raise ValueError(
                f"burn_in must be an integer in [0, n_steps) = [0, {n_steps}), got {burn_in!r}"
            )
        if int(refine_steps) != refine_steps or refine_steps < 0:
            raise ValueError(f"refine_steps must be a non-negative integer, got {refine_steps!r}")
        if refine_step is not None and not (refine_step > 0):
            raise ValueError(f"refine_step must be positive, got {refine_step!r}")
        self.beta = beta
        self.step = float(step)
        self.n_steps = int(n_steps)
        self.burn_in = int(burn_in)
        self.refine_steps = int(refine_steps)
        self.refine_step = self.step if refine_step is None else float(refine_step)

    def _noise_scale(self, theta: torch.Tensor) -> torch.Tensor | float:
        if isinstance(self.beta, torch.Tensor) and self.beta.ndim > 0:
            beta = self.beta.to(device=theta.device, dtype=theta.dtype)
            if beta.shape != (theta.shape[0],):
                raise ValueError(
                    f"beta must be a scalar or have shape (n_runs,) = ({theta.shape[0]},), "
                    f"got {tuple(beta.shape)}"
                )
            return torch.sqrt(2.0 * self.step / beta)[:, None]
        return math.sqrt(2.0 * self.step / float(self.beta))

    def run(
        self,
        gradient: Gradient,
        theta0: torch.Tensor,
        *,
        seed: int | torch.Generator = 0,
        target: torch.Tensor | None = None,
        record_every: int | None = None,
    ) -> LangevinResult:
        """Run the batch from ``theta0`` (shape (runs, d), unit rows).

        Parameters
        ----------
        gradient : callable
            Euclidean gradient of the loss, ``(runs, d) -> (runs, d)``.
        theta0 : torch.Tensor
            Initial unit vectors; the device and dtype of the run are theirs.
        seed : int or torch.Generator
            Seed of the injected noise (or a generator on the device of ``theta0``).
        target : torch.Tensor, optional
            Direction(s) ``(runs, d)`` whose overlaps are recorded every ``record_every`` steps.
        record_every : int, optional
            Default ``max(1, n_steps // 100)``.
        """
        check_unit_vectors(theta0)
        if target is not None and target.shape != theta0.shape:
            raise ValueError(
                f"target must have the shape of theta0 {tuple(theta0.shape)}, "
                f"got {tuple(target.shape)}"
            )
        every = max(1, self.n_steps // 100) if record_every is None else int(record_every)
        if every < 1:
            raise ValueError(f"record_every must be a positive integer, got {record_every!r}")
        gen = seed
        if not isinstance(seed, torch.Generator):
            gen = torch.Generator(device=theta0.device)
            gen.manual_seed(int(seed))
        scale = self._noise_scale(theta0)
        theta = theta0
        total = torch.zeros_like(theta0)
        r, d = theta0.shape
        rec_steps, rec_last, rec_avg = [], [], []

        def overlap(x: torch.Tensor) -> torch.Tensor:
            norm = x.norm(dim=-1).clamp_min(torch.finfo(x.dtype).tiny)
            return (x * target).sum(-1).abs() / norm

        if target is not None:
            rec_steps.append(0)
            rec_last.append(overlap(theta))
            rec_avg.append(torch.zeros(r, device=theta0.device, dtype=theta0.dtype))
        chunk = max(1, min(self.n_steps, (1 << 22) // max(1, r * d)))
        step = 0
        while step < self.n_steps:
            c = min(chunk, self.n_steps - step)
            xi = torch.randn(c, r, d, generator=gen, device=theta0.device, dtype=theta0.dtype)
            for j in range(c):
                drift = riemannian_gradient(theta, gradient(theta))
                noise = riemannian_gradient(theta, xi[j])
                theta = _normalise(theta - self.step * drift + scale * noise)
                step += 1
                if step > self.burn_in:
                    total = total + theta
                if target is not None and (step % every == 0 or step == self.n_steps):
                    rec_steps.append(step)
                    rec_last.append(overlap(theta))
                    rec_avg.append(overlap(total))
        averaged = _normalise(total)
        refined, refined_last = averaged, theta
        if self.refine_steps:
            refined = spherical_gradient_descent(
                gradient, averaged, self.refine_step, self.refine_steps
            )
            refined_last = spherical_gradient_descent(
                gradient, theta, self.refine_step, self.refine_steps
            )
        record = None
        if target is not None:
            record = LangevinRecord(
                torch.tensor(rec_steps, device=theta0.device),
                torch.stack(rec_last),
                torch.stack(rec_avg),
            )
        return LangevinResult(
            theta, total / (self.n_steps - self.burn_in), averaged, refined, refined_last, record
        )
