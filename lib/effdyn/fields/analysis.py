r"""The paper's diagnostics of the four regimes: entropy measures and phase-space portraits.

:cite:`klein-gordon` (supplementary scripts) turns each snapshot into a distribution
:math:`p(x) = \phi^2 / \int \phi^2 dx` and reports its Shannon, Rényi
(:math:`\alpha = 0.5, 2, 10`) and Tsallis (:math:`q = 0.5, 2`) entropies and a "composite"
:math:`C = 0.5 S + 0.3 H_2 + 0.2 S_2`. Note that :math:`p` is a *density* (units 1/length), yet
the sums run over grid points without the weight :math:`dx`; the values therefore depend on the
grid spacing (:math:`\sum_j p_j = 1/dx`), and :math:`H_2, S_2` can be negative. The functions
below reproduce that definition (``normalise="paper"``) and also offer the grid-independent
probability masses :math:`p_j = \phi_j^2 / \sum_i \phi_i^2` (``normalise="mass"``).
The phase-space portrait is :math:`(\phi, \partial_t\phi)` at one point, with the time
derivative from central differences of the snapshots as in the paper's scripts.
"""

from __future__ import annotations

import torch

from effdyn.fields.grid import PeriodicGrid

__all__ = [
    "field_distribution",
    "entropy_measures",
    "centre_series",
    "interpolated_maxima",
    "phase_space_stats",
]

_EPS = 1e-15  # the paper's scripts drop p <= 1e-15


def field_distribution(
    phi: torch.Tensor, grid: PeriodicGrid, normalise: str = "paper"
) -> torch.Tensor:
    """:math:`p \\propto \\phi^2` along the last dimension (the module text gives both norms)."""
    phi2 = phi**2
    if normalise == "paper":
        norm = grid.integrate(phi2)
    elif normalise == "mass":
        norm = phi2.sum(dim=-1)
    else:
        raise ValueError(f"normalise must be 'paper' or 'mass', got {normalise!r}")
    norm = torch.where(norm > _EPS, norm, torch.ones_like(norm))
    return phi2 / norm.unsqueeze(-1)


def _power_sum(p: torch.Tensor, a: float) -> torch.Tensor:
    keep = p > _EPS
    return torch.where(keep, p.clamp_min(_EPS) ** a, torch.zeros_like(p)).sum(dim=-1)


def entropy_measures(
    phi: torch.Tensor, grid: PeriodicGrid, normalise: str = "paper"
) -> dict[str, torch.Tensor]:
    r"""Shannon, Rényi, Tsallis and composite entropies of :math:`p \propto \phi^2`.

    Parameters
    ----------
    phi : torch.Tensor
        Fields of shape ``(..., n)`` (e.g. snapshots ``(n_t, n)``).
    grid : PeriodicGrid
    normalise : {"paper", "mass"}
        The paper's density normalisation or probability masses.

    Returns
    -------
    dict
        Keys ``shannon``, ``renyi_0.5``, ``renyi_2``, ``renyi_10``, ``tsallis_0.5``,
        ``tsallis_2``, ``composite``; each a tensor of shape ``(...)``.
    """
    p = field_distribution(phi, grid, normalise)
    keep = p > _EPS
    shannon = -torch.where(keep, p * torch.log(p.clamp_min(_EPS)), torch.zeros_like(p)).sum(-1)
    out = {"shannon": shannon}
    for a in (0.5, 2.0, 10.0):
        out[f"renyi_{a:g}"] = torch.log(_power_sum(p, a)) / (1.0 - a)
    for q in (0.5, 2.0):
        out[f"tsallis_{q:g}"] = (1.0 - _power_sum(p, q)) / (q - 1.0)
    out["composite"] = 0.5 * shannon + 0.3 * out["renyi_2"] + 0.2 * out["tsallis_2"]
    return out


def centre_series(
    phi: torch.Tensor, t: torch.Tensor, grid: PeriodicGrid, x0: float = 0.0
) -> tuple[torch.Tensor, torch.Tensor]:
    """:math:`\\phi(x_0, t)` and its central-difference time derivative from snapshots.

    ``phi`` has shape ``(n_t, ..., n)`` and ``t`` the uniformly spaced snapshot times; the grid
    point nearest ``x0`` is used. The derivative is second order inside and first order at the
    two ends (as ``numpy.gradient``, which the paper's scripts use).
    """
    if phi.shape[0] != t.shape[0] or t.dim() != 1 or t.shape[0] < 2:
        raise ValueError("t must be 1-D with at least two times, one per snapshot of phi")
    j = int(torch.argmin((grid.x - x0).abs()))
    series = phi[..., j]
    spacing = float(t[1] - t[0])
    (rate,) = torch.gradient(series, spacing=spacing, dim=0)
    return series, rate


def interpolated_maxima(
    series: torch.Tensor, t: torch.Tensor, *, t_min: float | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Times and values of the interior local maxima of a sampled series, by parabolic fit.

    Each sample larger than both neighbours is replaced by the vertex of the parabola through
    it and its two neighbours (uniform spacing ``h``), which is exact for a quadratic peak and
    otherwise errs by :math:`O(h^4)` in the peak value (versus :math:`O(h^2)` for the largest
    sample). The first and last samples are never maxima, so a series that starts at its peak
    does not report the initial value.

    Parameters
    ----------
    series : torch.Tensor
        Samples of shape ``(n_t,)``.
    t : torch.Tensor
        Uniformly spaced times, shape ``(n_t,)``.
    t_min : float, optional
        Keep only maxima whose sample time is at least ``t_min``.

    Returns
    -------
    times, values : torch.Tensor
        The interpolated times and peak values, in time order (empty if there is none).
    """
    if series.dim() != 1 or t.shape != series.shape or series.shape[0] < 3:
        raise ValueError("series and t must be 1-D of equal length, with at least 3 samples")
    h = t[1:] - t[:-1]
    if not torch.allclose(h, h[0].expand_as(h), rtol=1e-6, atol=0.0):
        raise ValueError("t must be uniformly spaced")
    left, mid, right = series[:-2], series[1:-1], series[2:]
    idx = torch.nonzero((mid > left) & (mid >= right)).flatten()
    if t_min is not None:
        idx = idx[t[1:-1][idx] >= t_min]
    fl, fm, fr = left[idx], mid[idx], right[idx]
    curv = fl - 2.0 * fm + fr  # < 0 at a strict maximum
    shift = torch.where(curv < 0, 0.5 * (fl - fr) / curv, torch.zeros_like(curv))
    values = fm - 0.25 * (fl - fr) * shift
    times = t[1:-1][idx] + shift * h[0]
    return times, values


def phase_space_stats(field: torch.Tensor, rate: torch.Tensor) -> dict[str, float]:
    """Mean, standard deviation, range and RMS of both series and their correlation."""
    f, r = field.double().flatten(), rate.double().flatten()
    corr = torch.corrcoef(torch.stack([f, r]))[0, 1]
    return {
        "phi_mean": float(f.mean()),
        "phi_std": float(f.std(unbiased=False)),
        "phi_min": float(f.min()),
        "phi_max": float(f.max()),
        "phi_rms": float(f.pow(2).mean().sqrt()),
        "rate_mean": float(r.mean()),
        "rate_std": float(r.std(unbiased=False)),
        "rate_min": float(r.min()),
        "rate_max": float(r.max()),
        "rate_rms": float(r.pow(2).mean().sqrt()),
        "correlation": float(corr),
    }
