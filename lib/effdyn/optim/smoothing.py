r"""The smoothed objective behind the "CBO is a stochastic relaxation of gradient descent" reading.

For :math:`\alpha, \sigma > 0` let

.. math::

    E_{\alpha,\sigma}(x) = -\frac{1}{\alpha}
        \log \mathbb{E}_{\xi \sim N(0, I)}\bigl[e^{-\alpha E(x + \sigma\xi)}\bigr].

Differentiating under the integral gives the identity used throughout Riedl, Klock, Geldhauser
and Fornasier (2023):

.. math::

    \nabla E_{\alpha,\sigma}(x) = \frac{x - v_\alpha\bigl(N(x, \sigma^2 I)\bigr)}{\alpha\sigma^2},

i.e. the consensus point of a Gaussian cloud around :math:`x` is *exactly* one gradient step of
length :math:`\tau = \alpha\sigma^2` on :math:`E_{\alpha,\sigma}`; with finitely many particles
it is a stochastic gradient step. As :math:`\alpha \to \infty` at fixed :math:`\tau`,
:math:`E_{\alpha,\sigma}` tends to the Moreau envelope
:math:`\min_y E(y) + |y - x|^2 / (2\tau)` (Laplace principle) and the step to a proximal
(implicit gradient) step.

Expectations over :math:`N(0, I)` and other reference measures are computed on explicit nodes with
log-weights: a tensor-product midpoint grid (:func:`gaussian_grid`, :func:`uniform_grid`; exact to
grid resolution in low dimension) or Monte Carlo samples (:func:`monte_carlo_nodes`).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from effdyn.optim._bib import RIEDL2023_GRADIENT
from effdyn.optim.consensus import consensus_point

__all__ = [
    "drift_alignment",
    "gaussian_grid",
    "monte_carlo_nodes",
    "proximal_point",
    "smoothed_gradient",
    "smoothed_objective",
    "uniform_grid",
]

bibtex = RIEDL2023_GRADIENT

Objective = Callable[[torch.Tensor], torch.Tensor]


def uniform_grid(
    lower: list[float] | tuple[float, ...] | torch.Tensor,
    upper: list[float] | tuple[float, ...] | torch.Tensor,
    n_per_dim: int,
    *,
    device: torch.device | str | None = None,
    dtype: torch.dtype | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Midpoints of a regular grid on the box ``[lower, upper]`` with equal log-weights.

    Returns
    -------
    (Tensor, Tensor)
        Nodes of shape ``(n_per_dim**d, d)`` and log-weights ``-log(n_per_dim**d)`` of shape
        ``(n_per_dim**d,)`` (the normalised Lebesgue measure of the box).
    """
    dtype = dtype or torch.get_default_dtype()
    lo = torch.as_tensor(lower, device=device, dtype=dtype)
    hi = torch.as_tensor(upper, device=device, dtype=dtype)
    if lo.ndim != 1 or lo.shape != hi.shape:
        raise ValueError("lower and upper must be vectors of the same length d")
    if not bool(torch.all(hi > lo)):
        raise ValueError("upper must exceed lower in every coordinate")
    if n_per_dim < 1:
        raise ValueError(f"n_per_dim must be a positive integer, got {n_per_dim}")
    unit = (torch.arange(n_per_dim, device=lo.device, dtype=dtype) + 0.5) / n_per_dim
    axes = [lo[i] + (hi[i] - lo[i]) * unit for i in range(lo.shape[0])]
    nodes = torch.stack(torch.meshgrid(*axes, indexing="ij"), dim=-1).reshape(-1, lo.shape[0])
    log_w = torch.full((nodes.shape[0],), -math.log(nodes.shape[0]), device=lo.device, dtype=dtype)
    return nodes, log_w


def gaussian_grid(
    d: int,
    n_per_dim: int,
    half_width: float = 6.0,
    *,
    device: torch.device | str | None = None,
    dtype: torch.dtype | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Midpoint quadrature of the standard normal ``N(0, I_d)`` on ``[-half_width, half_width]^d``.

    Returns nodes ``(n_per_dim**d, d)`` and normalised log-weights (log density plus log cell
    volume, renormalised to total mass one).
    """
    if d < 1:
        raise ValueError(f"d must be a positive integer, got {d}")
    if not half_width > 0:
        raise ValueError(f"half_width must be positive, got {half_width}")
    nodes, _ = uniform_grid(
        [-half_width] * d, [half_width] * d, n_per_dim, device=device, dtype=dtype
    )
    log_w = -0.5 * (nodes**2).sum(-1)
    return nodes, log_w - torch.logsumexp(log_w, dim=0)


def monte_carlo_nodes(
    n: int,
    d: int,
    *,
    generator: torch.Generator | None = None,
    device: torch.device | str | None = None,
    dtype: torch.dtype | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` standard normal samples in ``d`` dimensions with equal log-weights ``-log n``."""
    if n < 1 or d < 1:
        raise ValueError(f"n and d must be positive integers, got n={n}, d={d}")
    dtype = dtype or torch.get_default_dtype()
    nodes = torch.randn((n, d), generator=generator, device=device, dtype=dtype)
    return nodes, torch.full((n,), -math.log(n), device=nodes.device, dtype=dtype)


def _check(alpha: float, sigma: float, x: torch.Tensor, nodes: torch.Tensor) -> None:
    if not alpha > 0:
        raise ValueError(f"alpha must be positive, got {alpha}")
    if not sigma > 0:
        raise ValueError(f"sigma must be positive, got {sigma}")
    if x.ndim < 1 or nodes.ndim != 2 or nodes.shape[-1] != x.shape[-1]:
        raise ValueError(
            f"x must have shape (..., d) and nodes (Q, d) with the same d, got {tuple(x.shape)} "
            f"and {tuple(nodes.shape)}"
        )


def _chunks(x: torch.Tensor, chunk_size: int):
    flat = x.reshape(-1, x.shape[-1])
    for start in range(0, flat.shape[0], chunk_size):
        yield flat[start : start + chunk_size]


def smoothed_objective(
    objective: Objective,
    x: torch.Tensor,
    alpha: float,
    sigma: float,
    nodes: torch.Tensor,
    log_weights: torch.Tensor,
    *,
    chunk_size: int = 64,
) -> torch.Tensor:
    r""":math:`E_{\alpha,\sigma}(x)` at every point of ``x`` (shape ``(..., d)``), computed with
    log-sum-exp on the given nodes and log-weights of :math:`N(0, I)`. Differentiable in ``x``."""
    _check(alpha, sigma, x, nodes)
    out = []
    for xs in _chunks(x, chunk_size):
        samples = xs.unsqueeze(-2) + sigma * nodes
        out.append(-torch.logsumexp(-alpha * objective(samples) + log_weights, dim=-1) / alpha)
    return torch.cat(out).reshape(x.shape[:-1])


def smoothed_gradient(
    objective: Objective,
    x: torch.Tensor,
    alpha: float,
    sigma: float,
    nodes: torch.Tensor,
    log_weights: torch.Tensor,
    *,
    chunk_size: int = 64,
) -> torch.Tensor:
    r""":math:`\nabla E_{\alpha,\sigma}(x) = (x - v_\alpha(N(x, \sigma^2 I)))/(\alpha\sigma^2)`,
    shape ``(..., d)``, with the consensus point of the quadrature (no autograd needed)."""
    _check(alpha, sigma, x, nodes)
    out = []
    for xs in _chunks(x, chunk_size):
        samples = xs.unsqueeze(-2) + sigma * nodes
        prior = log_weights.expand(samples.shape[:-1])
        v = consensus_point(samples, objective(samples), alpha, log_prior=prior)
        out.append((xs - v) / (alpha * sigma**2))
    return torch.cat(out).reshape(x.shape)


def proximal_point(
    objective: Objective,
    x: torch.Tensor,
    tau: float,
    candidates: torch.Tensor,
    *,
    chunk_size: int = 64,
) -> torch.Tensor:
    r"""Brute-force :math:`\mathrm{prox}_{\tau E}(x) = \arg\min_y E(y) + |y - x|^2/(2\tau)` over
    ``candidates`` (shape ``(Q, d)``, e.g. a fine :func:`uniform_grid`), shape ``(..., d)``."""
    if not tau > 0:
        raise ValueError(f"tau must be positive, got {tau}")
    values = objective(candidates)
    out = []
    for xs in _chunks(x, chunk_size):
        cost = values + ((candidates - xs.unsqueeze(-2)) ** 2).sum(-1) / (2 * tau)
        out.append(candidates[cost.argmin(dim=-1)])
    return torch.cat(out).reshape(x.shape)


def drift_alignment(
    hops: torch.Tensor, points: torch.Tensor, direction: torch.Tensor
) -> tuple[float, float]:
    r"""Mean cosine between the mean hop increment and ``direction``, with a jackknife error.

    The drift at point :math:`x_p` is the mean :math:`\bar h_p = \frac{1}{H}\sum_k (y_{kp} - x_p)`
    of ``H`` independent hops; the statistic is the average over points of
    :math:`\cos(\bar h_p, d_p)`. Its standard error over the hop sampling (the points and the
    directions are held fixed) is the delete-one jackknife over the hops. Near alignment the
    cosine is nearly quadratic in the noise perpendicular to the drift, where the jackknife is
    conservative: it over-states the error (by about 1.5 in the tests), it does not under-state it.

    Parameters
    ----------
    hops : Tensor, shape (H, P, d)
        ``H`` independent hops from each of the ``P`` points.
    points : Tensor, shape (P, d)
        The points the hops start from.
    direction : Tensor, shape (P, d)
        The direction the drift is compared with at each point (e.g. ``-grad E``).

    Returns
    -------
    (float, float)
        The mean cosine and its jackknife standard error (``nan`` for ``H < 2``).
    """
    if hops.ndim != 3 or hops.shape[1:] != points.shape or direction.shape != points.shape:
        raise ValueError(
            f"hops must have shape (H, P, d) and points, direction (P, d), got "
            f"{tuple(hops.shape)}, {tuple(points.shape)}, {tuple(direction.shape)}"
        )
    inc = hops - points
    n = inc.shape[0]
    unit = direction / direction.norm(dim=-1, keepdim=True)

    def mean_cos(drift: torch.Tensor) -> torch.Tensor:
        return ((drift * unit).sum(-1) / drift.norm(dim=-1)).mean(-1)

    total = inc.sum(0)
    value = float(mean_cos(total / n))
    if n < 2:
        return value, float("nan")
    leave_one_out = mean_cos((total - inc) / (n - 1))  # (H,)
    se = math.sqrt((n - 1) / n * float(((leave_one_out - leave_one_out.mean()) ** 2).sum()))
    return value, se
