"""What follows from a learned collective variable: effective coefficients, committors, paths.

- :func:`pointwise_coefficients`: the drift and diffusion of ``z = xi(X)`` by Ito's formula at
  given points (Sikorski et al. 2026, eq. 8; Legoll and Lelièvre 2010, eqs. 15-16); their
  conditional averages given ``xi = z`` are the effective coefficients.
- :func:`effective_dynamics`: the effective SDE on ``z = chi(x)`` from short equilibrium bursts
  (Kramers-Moyal conditional averages of :class:`effdyn.effective.ConditionalCoefficients`),
  restricted to the range where the estimated diffusion is positive.
- :func:`effective_committor`: the committor of a one-dimensional effective SDE (quadrature of
  its scale function), to be pulled back through ``chi``.
- :func:`reactive_path`: the maximum-likelihood chain through samples with ``chi`` as the clock
  (the ``reactive_path`` of ISOKANN.jl: Brownian path probabilities, shortest path on a DAG).
- :func:`reactive_current_across`: the grid reference, the reactive current of transition path
  theory through a cut of a SqRA grid (Metzner, Schütte, Vanden-Eijnden 2006).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from effdyn.koopman._bib import ISOKANN_EFFECTIVE, LEGOLL_LELIEVRE

__all__ = [
    "QuantileCoordinate",
    "effective_committor",
    "effective_dynamics",
    "pointwise_coefficients",
    "reactive_current_across",
    "reactive_path",
]

Tensor = torch.Tensor


def pointwise_coefficients(
    xi: Callable[[Tensor], Tensor],
    x: Tensor,
    force: Any,
    beta: float,
    diffusion: float = 1.0,
) -> tuple[Tensor, Tensor]:
    """Drift and diffusion of ``z = xi(X)`` for ``dX = D F dt + sqrt(2D/beta) dW`` at points ``x``.

    ``b(x) = D (grad xi . F + beta^{-1} Laplace xi)`` and ``a(x) = (2 D / beta) |grad xi|^2``.

    Parameters
    ----------
    xi : callable ``(N, d) -> (N,)`` or ``(N, 1)``
        A differentiable scalar collective variable (e.g. one column of a chi network).
    x : Tensor ``(N, d)``
    force : callable or potential
        ``F = -grad V`` (an object with ``force`` or a callable).
    beta, diffusion : float
        Inverse temperature and mobility ``D``.

    Returns
    -------
    (b, a) : Tensors ``(N,)``
    """
    if not beta > 0 or not diffusion > 0:
        raise ValueError(f"beta and diffusion must be positive, got {beta!r}, {diffusion!r}")
    if not isinstance(x, torch.Tensor) or x.ndim != 2:
        raise ValueError("x must be a tensor of shape (N, d)")
    F = getattr(force, "force", force)
    with torch.enable_grad():
        xr = x.detach().clone().requires_grad_(True)
        z = xi(xr).reshape(-1)
        if z.shape[0] != x.shape[0]:
            raise ValueError(f"xi must return one value per point, got shape {tuple(z.shape)}")
        (grad,) = torch.autograd.grad(z.sum(), xr, create_graph=True)
        lap = torch.zeros_like(z)
        for i in range(x.shape[1]):
            (g2,) = torch.autograd.grad(grad[:, i].sum(), xr, retain_graph=True)
            lap = lap + g2[:, i]
    with torch.no_grad():
        f = F(x.detach())
        b = diffusion * ((grad * f).sum(1) + lap / beta)
        a = (2.0 * diffusion / beta) * (grad * grad).sum(1)
    return b.detach(), a.detach()


pointwise_coefficients.bibtex = ISOKANN_EFFECTIVE + "\n" + LEGOLL_LELIEVRE  # type: ignore


class QuantileCoordinate:
    """The monotone map ``z -> P_mu(chi <= z)`` (the equilibrium CDF of a collective variable).

    ``chi`` saturates in the metastable wells, so its equilibrium samples crowd at the ends of
    its range, where a kernel of one bandwidth cannot resolve the coefficients. The effective
    dynamics of a strictly increasing function of ``chi`` is the Ito transform of that of
    ``chi`` (the conditioning events are the same), and first-passage times and committors
    between level sets do not change; in this coordinate the samples are uniform on ``[0, 1]``.
    The CDF is the piecewise-linear interpolation of ``n_knots`` empirical quantiles.

    Parameters
    ----------
    n_knots : int
        Quantiles of the samples used as knots.
    """

    def __init__(self, n_knots: int = 401) -> None:
        if isinstance(n_knots, bool) or int(n_knots) != n_knots or n_knots < 3:
            raise ValueError(f"n_knots must be an integer >= 3, got {n_knots!r}")
        self.n_knots = int(n_knots)
        self.knots_: np.ndarray | None = None

    def fit(self, z: Any) -> QuantileCoordinate:
        """Learn the CDF from equilibrium samples ``z`` ``(n,)``."""
        v = np.asarray(z.detach().cpu() if isinstance(z, torch.Tensor) else z, dtype=float)
        v = v.reshape(-1)
        if v.size < self.n_knots or not np.all(np.isfinite(v)):
            raise ValueError(f"need at least n_knots = {self.n_knots} finite samples")
        knots = np.quantile(v, np.linspace(0, 1, self.n_knots))
        # strictly increasing knots (ties from saturation are spread by a tiny amount)
        span = max(knots[-1] - knots[0], 1e-12)
        self.knots_ = knots + np.linspace(0, 1e-9 * span, self.n_knots)
        return self

    def __call__(self, z: Any) -> np.ndarray:
        if self.knots_ is None:
            raise RuntimeError("call fit(z) first")
        v = np.asarray(z.detach().cpu() if isinstance(z, torch.Tensor) else z, dtype=float)
        return np.interp(v, self.knots_, np.linspace(0, 1, self.n_knots))


def effective_dynamics(
    z0: Any,
    z_lag: Any,
    lag: float,
    grid: Any,
    bandwidth: float,
    *,
    include: tuple[float, ...] = (),
    degree: int = 0,
    drift: str = "reversible",
):
    """The effective SDE on a collective variable from increments over a short lag.

    Fits :class:`effdyn.effective.ConditionalCoefficients` (kernel-smoothed conditional means
    of the increment and of its square: ``b(z) = E[dz | z] / lag``, ``a(z) = Var[dz | z] /
    lag``) and keeps the largest run of grid points with a positive diffusion that contains the
    levels ``include`` (where ``chi`` saturates, at the ends of its range, the diffusion goes
    to zero and the smoothed estimate may dip below it).

    Parameters
    ----------
    z0 : array-like ``(n,)``
        ``chi`` at equilibrium starting points.
    z_lag : array-like ``(n,)`` or ``(n, r)``
        ``chi`` a time ``lag`` later (``r`` bursts per start).
    lag : float
        The lag (short against the relaxation times, long against the step size).
    grid : array-like
        Increasing points in ``z`` where the coefficients are tabulated.
    bandwidth : float
        Kernel bandwidth (units of ``z``).
    include : tuple of float
        Levels that must lie inside the returned model's range.
    degree : {0, 1}
        Local-constant (its diffusion is a weighted variance, never negative) or local-linear
        kernel regression.
    drift : {"reversible", "kramers-moyal"}
        ``"kramers-moyal"``: the conditional mean increment. ``"reversible"``: for reversible
        full dynamics the effective dynamics is reversible with respect to the equilibrium
        density ``p`` of ``z`` (Legoll and Lelièvre 2010), so ``b = (a' + a (log p)') / 2``;
        ``p`` is a Gaussian kernel density of ``z0`` (reflected at the ends of the data), which
        must then be equilibrium samples. The drift then only enters through the robust
        diffusion estimate and ``p``; the Kramers-Moyal drift divides a small mean increment
        by ``a``, which the MFPT integrates exponentially.

    Returns
    -------
    effdyn.effective.EffectiveSDE1D
    """
    from effdyn.effective import ConditionalCoefficients, EffectiveSDE1D

    if drift not in ("reversible", "kramers-moyal"):
        raise ValueError(f"drift must be 'reversible' or 'kramers-moyal', got {drift!r}")
    est = ConditionalCoefficients(grid, bandwidth, degree=degree).fit(z0, z_lag, lag)
    g, b, a = est.grid, est.drift_, est.diffusion_
    if drift == "reversible":
        v = np.asarray(z0.detach().cpu() if isinstance(z0, torch.Tensor) else z0, dtype=float)
        log_p = _reflected_log_density(v.reshape(-1), g, bandwidth)
        b = 0.5 * (np.gradient(a, g) + a * np.gradient(log_p, g))
    good = (a > 0) & est.visited_
    runs, start = [], None
    for i, ok in enumerate(np.append(good, False)):
        if ok and start is None:
            start = i
        elif not ok and start is not None:
            runs.append((start, i))
            start = None
    inside = [r for r in runs if all(g[r[0]] <= v <= g[r[1] - 1] for v in include)]
    if not inside:
        raise ValueError(
            f"no range of positive estimated diffusion contains the levels {include}; "
            "use more data, a larger bandwidth or a grid inside the data"
        )
    lo, hi = max(inside, key=lambda r: r[1] - r[0])
    return EffectiveSDE1D(g[lo:hi].copy(), b[lo:hi].copy(), a[lo:hi].copy())


def _reflected_log_density(samples: np.ndarray, grid: np.ndarray, bandwidth: float) -> np.ndarray:
    """Log of a Gaussian kernel density of ``samples`` at ``grid``, reflected at the data ends."""
    lo, hi = samples.min(), samples.max()
    data = np.concatenate([samples, 2 * lo - samples, 2 * hi - samples])
    dens = np.zeros_like(grid)
    for chunk in np.array_split(data, max(1, data.size // 20000)):
        u = (grid[:, None] - chunk[None, :]) / bandwidth
        dens += np.exp(-0.5 * u * u).sum(1)
    return np.log(np.maximum(dens, np.finfo(float).tiny))


def effective_committor(
    model: Any, a: float, b: float, z: Any, n_points: int = 20001
) -> np.ndarray:
    """The committor ``q(z) = P(hit b before a | z_0 = z)`` of a 1D SDE ``dz = b dt + sqrt(A) dW``.

    ``q(z) = int_a^z psi^{-1} / int_a^b psi^{-1}`` with ``psi = exp(int 2 b / A)`` (the scale
    function); ``q = 0`` beyond ``a`` and ``1`` beyond ``b`` (either order of ``a`` and ``b``).

    Parameters
    ----------
    model : object with ``drift(z)`` and ``diffusion(z)`` on torch tensors
        E.g. an :class:`effdyn.effective.EffectiveSDE1D`.
    a, b : float
        The levels of the two sets (``a != b``).
    z : array-like
        Where to evaluate ``q``.
    """
    a, b = float(a), float(b)
    if a == b or not (np.isfinite(a) and np.isfinite(b)):
        raise ValueError(f"a and b must be distinct finite levels, got a={a}, b={b}")
    lo, hi = min(a, b), max(a, b)
    s = np.linspace(lo, hi, int(n_points))
    st = torch.as_tensor(s, dtype=torch.float64)
    with torch.no_grad():
        drift = model.drift(st).double().cpu().numpy()
        diff = model.diffusion(st).double().cpu().numpy()
    if np.any(diff <= 0):
        raise ValueError("the model's diffusion must be positive between a and b")
    ratio = 2.0 * drift / diff
    log_psi = np.concatenate([[0.0], np.cumsum(0.5 * (ratio[1:] + ratio[:-1]) * np.diff(s))])
    inv = np.exp(-(log_psi - log_psi.min()))
    cum = np.concatenate([[0.0], np.cumsum(0.5 * (inv[1:] + inv[:-1]) * np.diff(s))])
    q_up = cum / cum[-1]  # committor to hi, 0 at lo
    zq = np.clip(np.asarray(z, dtype=np.float64), lo, hi)
    q = np.interp(zq, s, q_up)
    return q if b > a else 1.0 - q


effective_committor.bibtex = ISOKANN_EFFECTIVE  # type: ignore[attr-defined]


def reactive_path(
    chi: Any,
    points: Any,
    sigma: float = 1.0,
    *,
    quantile: float = 0.05,
    max_jump: float = 0.1,
    min_jump: float = 0.0,
) -> np.ndarray:
    """The maximum-likelihood chain through ``points`` with ``chi`` as its clock.

    An edge ``i -> j`` (``min_jump < chi_j - chi_i <= max_jump``) costs the negative log density
    of a Brownian increment of variance ``sigma^2 dt`` per coordinate with ``dt = chi_j -
    chi_i``: ``(d/2) log(2 pi sigma^2 dt) + |x_j - x_i|^2 / (2 sigma^2 dt)``. The chain is the
    cheapest one from the lowest ``quantile`` of ``chi`` to the highest (dynamic programming in
    the order of ``chi``: the graph has no cycles).

    Returns
    -------
    numpy.ndarray of int
        Indices of the chain, in increasing ``chi``.
    """
    c = np.asarray(chi.detach().cpu() if isinstance(chi, torch.Tensor) else chi, dtype=float)
    X = np.asarray(
        points.detach().cpu() if isinstance(points, torch.Tensor) else points, dtype=float
    )
    c = c.reshape(-1)
    if X.ndim != 2 or X.shape[0] != c.size:
        raise ValueError(f"points must have shape (N, d) with N = {c.size}, got {X.shape}")
    if not 0 < quantile < 0.5:
        raise ValueError(f"quantile must lie in (0, 0.5), got {quantile!r}")
    if not (sigma > 0 and max_jump > min_jump >= 0):
        raise ValueError("need sigma > 0 and max_jump > min_jump >= 0")
    order = np.argsort(c)
    c, X = c[order], X[order]
    n, d = X.shape
    lo, hi = np.quantile(c, quantile), np.quantile(c, 1 - quantile)
    cost = np.where(c <= lo, 0.0, np.inf)
    parent = np.full(n, -1)
    for j in range(n):
        if c[j] <= lo:
            continue
        dt = c[j] - c[:j]
        ok = (dt > min_jump) & (dt <= max_jump) & np.isfinite(cost[:j])
        if not ok.any():
            continue
        i = np.nonzero(ok)[0]
        step = dt[i]
        w = 0.5 * d * np.log(2 * np.pi * sigma**2 * step)
        w = w + ((X[i] - X[j]) ** 2).sum(1) / (2 * sigma**2 * step)
        total = cost[i] + w
        k = int(np.argmin(total))
        cost[j], parent[j] = total[k], i[k]
    ends = np.nonzero((c >= hi) & np.isfinite(cost))[0]
    if ends.size == 0:
        raise ValueError("no chain reaches the top quantile; increase max_jump")
    j = int(ends[np.argmin(cost[ends])])
    chain = [j]
    while parent[chain[-1]] >= 0:
        chain.append(int(parent[chain[-1]]))
    return order[np.array(chain[::-1])]


reactive_path.bibtex = ISOKANN_EFFECTIVE  # type: ignore[attr-defined]


def reactive_current_across(sqra: Any, q: np.ndarray, axis: int, position: float) -> tuple:
    """The TPT reactive current through the grid faces at ``position`` along ``axis``.

    For the reversible SqRA generator ``Q`` with stationary weights ``pi`` and forward committor
    ``q`` (backward committor ``1 - q``), the net reactive current over the face between
    neighbours ``i`` (below the cut) and ``j`` (above) is ``pi_i Q_ij (1 - q_i) q_j - pi_j Q_ji
    (1 - q_j) q_i``; the currents over all faces of a cut that separates the two sets sum to the
    reaction rate ``k_AB``.

    Returns
    -------
    (coords, current) : numpy.ndarrays
        The centres of the faces (the other coordinates, ``(m, d - 1)``) and the current over
        each face (``(m,)``, positive in the direction of increasing ``axis``).
    """
    grid = sqra.grid
    q = np.asarray(q, dtype=float)
    if q.shape != (grid.size,):
        raise ValueError(f"q must have one value per grid cell, shape ({grid.size},)")
    ax = grid.axes[axis]
    k = int(np.searchsorted(ax, position)) - 1
    if not 0 <= k < grid.n[axis] - 1:
        raise ValueError(f"position {position} is not between two cell centres of axis {axis}")
    index = np.arange(grid.size).reshape(grid.shape)
    i = np.take(index, k, axis=axis).ravel()
    j = np.take(index, k + 1, axis=axis).ravel()
    Q, pi = sqra.Q, sqra.pi
    qij = np.asarray(Q[i, j]).ravel()
    qji = np.asarray(Q[j, i]).ravel()
    current = pi[i] * qij * (1 - q[i]) * q[j] - pi[j] * qji * (1 - q[j]) * q[i]
    others = [a for a in range(grid.dim) if a != axis]
    mesh = np.meshgrid(*[grid.axes[a] for a in others], indexing="ij")
    coords = np.stack([m.ravel() for m in mesh], axis=1)
    return coords, current
