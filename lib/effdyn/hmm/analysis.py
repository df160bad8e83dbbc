"""Reverse-engineering tools for recurrent emulators (Torre et al., 2025): fixed points of a
map, Jacobian spectra, principal components, and the kick-neuron score.

They are written for any map F: R^d -> R^d given as a batched callable (for the emulator of
:mod:`effdyn.neural.rnn`, ``model.recurrent_map``, the zero-input dynamics).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

Map = Callable[[torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class FixedPoints:
    """Result of :func:`find_fixed_points`.

    Attributes
    ----------
    points : torch.Tensor
        (k, d) distinct fixed points found (converged starts, deduplicated).
    counts : torch.Tensor
        (k,) how many converged starts ended at each point.
    final : torch.Tensor
        (n, d) where every start ended.
    residuals : torch.Tensor
        (n,) |F(h) - h| at the end of every start.
    converged : torch.Tensor
        (n,) bool, residual below the tolerance.
    """

    points: torch.Tensor
    counts: torch.Tensor
    final: torch.Tensor
    residuals: torch.Tensor
    converged: torch.Tensor

    @property
    def n_distinct(self) -> int:
        """Number of distinct fixed points."""
        return self.points.shape[0]

    @property
    def max_residual(self) -> float:
        """Largest residual over all starts (reported when a search does not converge)."""
        return float(self.residuals.max())


def find_fixed_points(
    step: Map,
    starts: torch.Tensor,
    tol: float = 1e-6,
    distinct_tol: float = 1e-3,
    max_iter: int = 500,
) -> FixedPoints:
    """Minimise q(h) = |F(h) - h|^2 / 2 from every start (L-BFGS) and deduplicate the minima.

    A start counts as converged when |F(h) - h| < ``tol``; converged end points closer than
    ``distinct_tol`` are merged (greedily, in order). Starts that do not converge are not
    reported as points: their residuals are in the result.

    Parameters
    ----------
    step : callable
        Batched map F, (n, d) -> (n, d), differentiable.
    starts : torch.Tensor
        (n, d) initial points (their dtype and device are used throughout).
    tol, distinct_tol : float
        Convergence and deduplication tolerances (> 0).
    max_iter : int
        L-BFGS iterations.
    """
    if not tol > 0:
        raise ValueError(f"tol must be > 0, got {tol!r}")
    if not distinct_tol > 0:
        raise ValueError(f"distinct_tol must be > 0, got {distinct_tol!r}")
    if starts.ndim != 2:
        raise ValueError(f"starts must have shape (n, d), got {tuple(starts.shape)}")
    h = starts.detach().clone().requires_grad_(True)
    chunk = 10
    optimizer = torch.optim.LBFGS(
        [h],
        lr=1.0,
        max_iter=chunk,
        tolerance_grad=1e-3 * tol,
        tolerance_change=1e-6 * tol**2,
        history_size=20,
        line_search_fn="strong_wolfe",
    )

    def closure():
        optimizer.zero_grad()
        q = 0.5 * ((step(h) - h) ** 2).sum()
        q.backward()
        return q

    for _ in range(max(1, max_iter // chunk)):
        optimizer.step(closure)
        with torch.no_grad():
            if ((step(h) - h).norm(dim=-1) < tol).all():
                break
    final = h.detach()
    with torch.no_grad():
        residuals = (step(final) - final).norm(dim=-1)
    converged = residuals < tol
    points: list[torch.Tensor] = []
    counts: list[int] = []
    for p in final[converged]:
        for i, q in enumerate(points):
            if (p - q).norm() < distinct_tol:
                counts[i] += 1
                break
        else:
            points.append(p)
            counts.append(1)
    d = starts.shape[1]
    stacked = torch.stack(points) if points else starts.new_zeros(0, d)
    return FixedPoints(
        stacked,
        torch.tensor(counts, dtype=torch.long, device=starts.device),
        final,
        residuals,
        converged,
    )


def jacobian(step: Map, h: torch.Tensor) -> torch.Tensor:
    """The Jacobian dF/dh at one point h (d,), shape (d, d)."""
    return torch.autograd.functional.jacobian(lambda z: step(z[None])[0], h.detach())


def jacobian_spectrum(step: Map, h: torch.Tensor) -> torch.Tensor:
    """Eigenvalues (complex, (d,)) of the Jacobian of F at h, by decreasing modulus."""
    eig = torch.linalg.eigvals(jacobian(step, h))
    return eig[eig.abs().argsort(descending=True)]


def spectral_radius(step: Map, h: torch.Tensor) -> float:
    """Largest eigenvalue modulus of the Jacobian of F at h."""
    return float(jacobian_spectrum(step, h).abs().max())


@dataclass(frozen=True)
class PrincipalComponents:
    """Principal components of a data cloud (rows are samples).

    Attributes
    ----------
    mean : torch.Tensor
        (d,) the mean removed.
    components : torch.Tensor
        (k, d) orthonormal directions, by decreasing variance.
    explained_variance_ratio : torch.Tensor
        (k,) fraction of the total variance along each direction.
    """

    mean: torch.Tensor
    components: torch.Tensor
    explained_variance_ratio: torch.Tensor

    def transform(self, x: torch.Tensor) -> torch.Tensor:
        """Coordinates of x (..., d) in the components, shape (..., k)."""
        return (x - self.mean) @ self.components.T


def pca(x: torch.Tensor, n_components: int) -> PrincipalComponents:
    """Principal component analysis of x (n, d) by a singular value decomposition."""
    if x.ndim != 2:
        raise ValueError(f"x must have shape (n, d), got {tuple(x.shape)}")
    if not 1 <= n_components <= min(x.shape):
        raise ValueError(f"n_components must lie in [1, {min(x.shape)}], got {n_components!r}")
    mean = x.mean(0)
    _, s, vh = torch.linalg.svd(x - mean, full_matrices=False)
    var = s**2
    return PrincipalComponents(mean, vh[:n_components], (var / var.sum())[:n_components])


def switch_times(symbols: torch.Tensor) -> torch.Tensor:
    """Boolean (n, T): True at t >= 1 where the symbol differs from that at t - 1."""
    out = torch.zeros_like(symbols, dtype=torch.bool)
    out[:, 1:] = symbols[:, 1:] != symbols[:, :-1]
    return out


def kick_neuron_scores(hidden: torch.Tensor, symbols: torch.Tensor, lead: int = 1) -> torch.Tensor:
    """Score each unit by how much its activity changes just before an output switch.

    For unit j, with D_t = |h_t - h_{t-1}|_j, the score is the mean of D over the steps ``lead``
    steps before a switch, minus its mean over all other steps, in units of the standard
    deviation of D (a standardised difference). Kick neurons (Torre et al., 2025) are the units
    of highest score.

    Parameters
    ----------
    hidden : torch.Tensor
        (n, T, H) hidden states.
    symbols : torch.Tensor
        (n, T) emitted symbols.
    lead : int
        How many steps before the switch the change is measured (>= 0; 0 = the switching step).
    """
    if hidden.ndim != 3 or symbols.shape != hidden.shape[:2]:
        raise ValueError(
            f"hidden (n, T, H) and symbols (n, T) disagree: {tuple(hidden.shape)}, "
            f"{tuple(symbols.shape)}"
        )
    if lead < 0:
        raise ValueError(f"lead must be >= 0, got {lead!r}")
    change = (hidden[:, 1:] - hidden[:, :-1]).abs()  # D_t for t = 1..T-1, index t - 1
    switch = switch_times(symbols)[:, 1:]  # switch at t, index t - 1
    if lead > 0:
        marked = torch.zeros_like(switch)
        marked[:, :-lead] = switch[:, lead:]
    else:
        marked = switch
    if not marked.any() or marked.all():
        raise ValueError("symbols must contain both switching and non-switching steps")
    flat = change.reshape(-1, change.shape[-1])
    mask = marked.reshape(-1)
    std = flat.std(0).clamp_min(torch.finfo(flat.dtype).tiny)
    return (flat[mask].mean(0) - flat[~mask].mean(0)) / std
