"""Training data of ISOKANN: start points and short bursts of trajectories from each of them.

The Koopman operator ``K^tau f(x) = E[f(X_tau) | X_0 = x]`` is estimated at the start points
``x_i`` by the average of ``f`` over ``M`` independent endpoints ``y_ij`` of simulations of length
``tau`` started at ``x_i`` (Sikorski et al. 2026, section 2; ``SimulationData`` of ISOKANN.jl).
The simulations are run with the batched integrators of :mod:`effdyn.sde`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from effdyn.koopman._bib import ISOKANN_EFFECTIVE, WU_VAMP_REWEIGHTING

__all__ = [
    "BurstData",
    "equilibrium_pairs",
    "grid_boltzmann_points",
    "simulate_bursts",
    "uniform_points",
]

Tensor = torch.Tensor


@dataclass(frozen=True)
class BurstData:
    """Start points and burst endpoints for a lag time ``tau``.

    Attributes
    ----------
    x : Tensor ``(N, d)``
        Start points.
    y : Tensor ``(N, M, d)``
        ``M`` endpoints of independent trajectories of length ``tau`` from each start point.
    tau : float
        The lag time.
    """

    x: Tensor
    y: Tensor
    tau: float

    def __post_init__(self) -> None:
        if not isinstance(self.x, torch.Tensor) or self.x.ndim != 2:
            raise ValueError(f"x must be a tensor of shape (N, d), got {_shape(self.x)}")
        if not isinstance(self.y, torch.Tensor) or self.y.ndim != 3:
            raise ValueError(f"y must be a tensor of shape (N, M, d), got {_shape(self.y)}")
        if self.y.shape[0] != self.x.shape[0] or self.y.shape[2] != self.x.shape[1]:
            raise ValueError(
                f"y must have shape (N, M, d) = ({self.x.shape[0]}, M, {self.x.shape[1]}) to "
                f"match x, got {tuple(self.y.shape)}"
            )
        if not (isinstance(self.tau, (int, float)) and math.isfinite(self.tau) and self.tau > 0):
            raise ValueError(f"tau must be a positive finite number, got {self.tau!r}")

    @property
    def n_points(self) -> int:
        return self.x.shape[0]

    @property
    def n_bursts(self) -> int:
        return self.y.shape[1]

    @property
    def dim(self) -> int:
        return self.x.shape[1]

    def to(self, device=None, dtype=None) -> BurstData:
        """A copy on another device or dtype."""
        return BurstData(self.x.to(device=device, dtype=dtype), self.y.to(device, dtype), self.tau)

    def koopman_average(self, f) -> Tensor:
        """``(K^tau f)(x_i)`` estimated by ``mean_j f(y_ij)``; ``f``: ``(n, d) -> (n, k)``."""
        n, m, d = self.y.shape
        values = f(self.y.reshape(n * m, d))
        return values.reshape(n, m, -1).mean(dim=1)


def _shape(a) -> str:
    return str(tuple(a.shape)) if isinstance(a, torch.Tensor) else type(a).__name__


def uniform_points(
    domain: Sequence[tuple[float, float]],
    n: int,
    *,
    seed: int | None = None,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float32,
) -> Tensor:
    """``n`` points drawn uniformly in the box ``domain = ((low, high), ...)``, shape ``(n, d)``."""
    if isinstance(n, bool) or int(n) != n or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    bounds = torch.as_tensor(domain, dtype=torch.float64)
    if bounds.ndim != 2 or bounds.shape[1] != 2 or not bool((bounds[:, 0] < bounds[:, 1]).all()):
        raise ValueError(f"domain must be a sequence of (low, high) with low < high, got {domain}")
    gen = torch.Generator().manual_seed(int(seed)) if seed is not None else None
    u = torch.rand((int(n), bounds.shape[0]), generator=gen, dtype=torch.float64)
    x = bounds[:, 0] + u * (bounds[:, 1] - bounds[:, 0])
    return x.to(device=device, dtype=dtype)


def simulate_bursts(
    integrator,
    x: Tensor,
    n_bursts: int,
    tau: float,
    dt: float,
    *,
    seed: int | None = None,
    max_batch: int = 1 << 16,
) -> BurstData:
    """Simulate ``n_bursts`` trajectories of length ``tau`` from every start point.

    Parameters
    ----------
    integrator : effdyn.sde.Integrator
        The scheme and its problem, e.g. ``OverdampedLangevin(DoubleWell(), beta=2.0)``.
    x : Tensor ``(N, d)``
        Start points (their device and dtype are those of the simulation).
    n_bursts : int
        Trajectories per start point (``M``).
    tau : float
        Lag time; ``tau / dt`` must be (close to) an integer.
    dt : float
        Step size.
    seed : int, optional
        Seed of the noise.
    max_batch : int
        At most this many trajectories are simulated at once (memory).

    Returns
    -------
    BurstData
    """
    from effdyn.sde import integrate

    if not isinstance(x, torch.Tensor) or x.ndim != 2:
        raise ValueError(f"x must be a tensor of shape (N, d), got {_shape(x)}")
    if isinstance(n_bursts, bool) or int(n_bursts) != n_bursts or n_bursts < 1:
        raise ValueError(f"n_bursts must be a positive integer, got {n_bursts!r}")
    if not (tau > 0 and dt > 0):
        raise ValueError(f"tau and dt must be positive, got tau={tau!r}, dt={dt!r}")
    n_steps = round(tau / dt)
    if n_steps < 1 or abs(n_steps * dt - tau) > 1e-9 * max(1.0, tau):
        raise ValueError(f"tau / dt must be a positive integer, got tau={tau}, dt={dt}")
    n, d = x.shape
    starts = x.repeat_interleave(int(n_bursts), dim=0)
    gen = None
    if seed is not None:
        gen = torch.Generator(device=x.device).manual_seed(int(seed))
    ends = []
    for chunk in starts.split(int(max_batch)):
        ends.append(integrate(integrator, chunk, dt, n_steps, generator=gen))
    y = torch.cat(ends).reshape(n, int(n_bursts), d)
    return BurstData(x, y, float(tau))


simulate_bursts.bibtex = ISOKANN_EFFECTIVE  # type: ignore[attr-defined]


def grid_boltzmann_points(
    sqra,
    n: int,
    *,
    seed: int | None = None,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float32,
) -> Tensor:
    """``n`` samples of the grid Boltzmann distribution of a SqRA operator, shape ``(n, d)``.

    A cell is drawn with its stationary probability ``sqra.pi`` and the point uniformly inside
    it: exact equilibrium samples up to the grid resolution (the starting points of effective
    dynamics estimates and brute-force runs).
    """
    if isinstance(n, bool) or int(n) != n or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    grid = sqra.grid
    gen = torch.Generator().manual_seed(int(seed)) if seed is not None else None
    pi = torch.as_tensor(sqra.pi, dtype=torch.float64)
    cells = torch.multinomial(pi, int(n), replacement=True, generator=gen)
    centres = torch.as_tensor(grid.points(), dtype=torch.float64)[cells]
    h = torch.as_tensor(grid.h, dtype=torch.float64)
    jitter = (torch.rand((int(n), grid.dim), generator=gen, dtype=torch.float64) - 0.5) * h
    return (centres + jitter).to(device=device, dtype=dtype)


def equilibrium_pairs(
    data: BurstData,
    potential,
    beta: float,
    start_density=None,
) -> tuple:
    """The bursts as lagged pairs ``(x_i, y_ij)`` with weights that make them equilibrium pairs.

    Estimators of covariance type (TICA, VAMP, EDMD in ``deeptime``) average over pairs
    ``(X_0, X_tau)``. Burst data start from an arbitrary density ``rho_0`` (uniform for
    :func:`uniform_points`); given ``x_i`` the endpoint ``y_ij`` has the law of the dynamics,
    so the importance weight ``w_i ~ exp(-beta V(x_i)) / rho_0(x_i)`` turns the pairs into a
    sample of the equilibrium pair law ``mu(dx) p^tau(x, dy)`` (Wu et al. 2017 reweight
    non-equilibrium data to equilibrium the same way, with estimated weights). Reversible
    (symmetrised) TICA of the weighted pairs is then a consistent estimator of the slowest
    eigenvalues of ``K^tau`` in the span of its features; unweighted it is biased by the
    non-equilibrium start density. This is the adapter through which the chapter hands our
    data to a peer package.

    Parameters
    ----------
    data : BurstData
    potential : potential or callable
        ``V`` (an object with ``energy`` or a callable on ``(n, d)`` tensors).
    beta : float
        Inverse temperature of the dynamics that produced the bursts.
    start_density : callable, optional
        ``rho_0`` up to a constant on ``(n, d)`` tensors; default uniform.

    Returns
    -------
    (X, Y, w) : numpy.ndarrays ``(N M, d)``, ``(N M, d)``, ``(N M,)``
        Start points repeated per burst, endpoints and weights with mean one.
    """
    if not isinstance(data, BurstData):
        raise TypeError(f"data must be an effdyn.koopman.BurstData, got {type(data).__name__}")
    if not beta > 0:
        raise ValueError(f"beta must be positive, got {beta!r}")
    energy = getattr(potential, "energy", potential)
    x = data.x.detach().to(torch.float64)
    log_w = -float(beta) * energy(x).reshape(-1).cpu()
    if start_density is not None:
        rho = torch.as_tensor(start_density(x), dtype=torch.float64).reshape(-1).cpu()
        if not bool((rho > 0).all()):
            raise ValueError("start_density must be positive at every start point")
        log_w = log_w - torch.log(rho)
    w = torch.exp(log_w - log_w.max())
    m = data.n_bursts
    X = x.cpu().repeat_interleave(m, dim=0).numpy()
    Y = data.y.detach().to(torch.float64).cpu().reshape(-1, data.dim).numpy()
    w = w.repeat_interleave(m).numpy()
    return X, Y, w / w.mean()


equilibrium_pairs.bibtex = WU_VAMP_REWEIGHTING  # type: ignore[attr-defined]
