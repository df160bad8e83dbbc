"""Batched Gillespie stochastic simulation algorithm (direct method) in torch.

Many independent runs advance in lock step as one ``(n_runs, S)`` tensor, on CPU or GPU. Each
loop iteration either records the current state at the next point of the output time grid (for
runs whose next event lies beyond it) or fires the pending reaction and samples the next one,
so the loop is free of host synchronisation except for a termination check every few
iterations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from effdyn.kinetics.network import ReactionNetwork

__all__ = ["SSAResult", "gillespie", "propensities_torch"]

bibtex = """@article{gillespie1977exact,
  author  = {Gillespie, Daniel T.},
  title   = {Exact stochastic simulation of coupled chemical reactions},
  journal = {The Journal of Physical Chemistry},
  volume  = {81},
  number  = {25},
  pages   = {2340--2361},
  year    = {1977},
  doi     = {10.1021/j100540a008}
}"""


@dataclass
class SSAResult:
    """Sampled trajectories of a batched SSA.

    Attributes
    ----------
    t : torch.Tensor
        Output time grid, shape ``(T,)``.
    states : torch.Tensor
        Molecule numbers at the grid times, shape ``(n_runs, T, S)``.
    n_iterations : int
        Number of loop iterations (events plus recordings of the slowest run).
    """

    t: torch.Tensor
    states: torch.Tensor
    n_iterations: int

    def mean(self) -> torch.Tensor:
        """Ensemble mean, shape ``(T, S)``."""
        return self.states.mean(dim=0)

    def var(self) -> torch.Tensor:
        """Unbiased ensemble variance, shape ``(T, S)``."""
        return self.states.var(dim=0)

    def stderr_mean(self) -> torch.Tensor:
        """Standard error of the ensemble mean, shape ``(T, S)``."""
        return self.states.std(dim=0) / self.states.shape[0] ** 0.5


def propensities_torch(
    network: ReactionNetwork, x: torch.Tensor, rates: torch.Tensor
) -> torch.Tensor:
    """Mass-action propensities of a batch of states ``x`` (``(B, S)``) -> ``(B, R)``."""
    order = int(network.nu_in.max())
    falling = [torch.ones_like(x)]
    for j in range(order):
        falling.append(falling[-1] * (x - j))
    table = torch.stack(falling, dim=-1)  # (B, S, order+1)
    index = torch.as_tensor(network.nu_in.T, device=x.device)  # (S, R)
    index = index.unsqueeze(0).expand(x.shape[0], -1, -1)
    return rates * torch.gather(table, 2, index).prod(dim=1).clamp_min(0.0)


def gillespie(
    network: ReactionNetwork,
    x0: np.ndarray | torch.Tensor,
    t_grid: np.ndarray | torch.Tensor,
    n_runs: int,
    *,
    seed: int | None = None,
    generator: torch.Generator | None = None,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float64,
    check_every: int = 64,
    max_iterations: int = 100_000_000,
) -> SSAResult:
    """Simulate ``n_runs`` independent trajectories with Gillespie's direct method.

    Parameters
    ----------
    network : ReactionNetwork
        The reaction network (its rate constants are used).
    x0 : array_like
        Initial molecule numbers: shape ``(S,)`` (the same deterministic initial condition for
        every run) or ``(n_runs, S)``.
    t_grid : array_like
        Non-decreasing output times ``t_0 >= 0``; the state at ``t_j`` is the state after every
        event at times ``<= t_j``.
    n_runs : int
        Number of independent runs.
    seed : int, optional
        Seed of a fresh generator on ``device`` (ignored if ``generator`` is given).
    generator : torch.Generator, optional
        Random number generator on ``device``.
    device, dtype
        Where and in which floating type the state is held (``float64`` keeps molecule numbers
        exact up to ``2**53``).
    check_every : int
        Iterations between termination checks (the only host synchronisations).
    max_iterations : int
        Safety limit on loop iterations.

    Returns
    -------
    SSAResult

    References
    ----------
    Gillespie (1977), see the module attribute ``bibtex``.
    """
    if n_runs < 1:
        raise ValueError(f"n_runs must be a positive integer, got {n_runs}")
    if check_every < 1:
        raise ValueError(f"check_every must be a positive integer, got {check_every}")
    device = torch.device(device) if device is not None else torch.device("cpu")
    t_grid = torch.as_tensor(np.asarray(t_grid, dtype=float), dtype=dtype, device=device)
    if t_grid.ndim != 1 or t_grid.numel() == 0:
        raise ValueError("t_grid must be a non-empty one-dimensional array of times")
    if bool((t_grid[1:] < t_grid[:-1]).any()) or float(t_grid[0]) < 0:
        raise ValueError("t_grid must be non-decreasing and start at a time >= 0")
    x = torch.as_tensor(np.asarray(x0, dtype=float), dtype=dtype, device=device)
    if x.shape == (network.n_species,):
        x = x.expand(n_runs, -1).clone()
    elif x.shape != (n_runs, network.n_species):
        raise ValueError(
            f"x0 must have shape ({network.n_species},) or ({n_runs}, {network.n_species}), "
            f"got {tuple(x.shape)}"
        )
    if bool((x < 0).any()) or bool((x != torch.round(x)).any()):
        raise ValueError("x0 must hold non-negative integer molecule numbers")
    if generator is None:
        generator = torch.Generator(device=device)
        generator.manual_seed(0 if seed is None else int(seed))

    rates = torch.as_tensor(network.rates, dtype=dtype, device=device)
    change = torch.as_tensor(network.stoichiometry, dtype=dtype, device=device)  # (R, S)
    n_t, n_r = t_grid.numel(), network.n_reactions
    runs = torch.arange(n_runs, device=device)
    states = torch.zeros(n_runs, n_t, network.n_species, dtype=dtype, device=device)
    next_idx = torch.zeros(n_runs, dtype=torch.long, device=device)

    def sample(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        a = propensities_torch(network, x, rates)
        cum = a.cumsum(dim=1)
        total = cum[:, -1]
        u = torch.rand(n_runs, 2, dtype=dtype, device=device, generator=generator)
        tau = -torch.log1p(-u[:, 0]) / total  # inf where no reaction can fire
        choice = (cum < (u[:, 1] * total).unsqueeze(1)).sum(dim=1).clamp_max(n_r - 1)
        return tau, choice

    tau, r_next = sample(x)
    t_next = tau  # time of the pending event (runs start at t = 0)
    iteration = 0
    while True:
        pending = next_idx < n_t
        grid_t = t_grid[next_idx.clamp_max(n_t - 1)]
        record = pending & (grid_t < t_next)
        slot = next_idx.clamp_max(n_t - 1)
        states[runs, slot] = torch.where(record.unsqueeze(1), x, states[runs, slot])
        next_idx = next_idx + record.long()
        fire = pending & ~record
        x = x + fire.unsqueeze(1).to(dtype) * change[r_next]
        tau, choice = sample(x)
        t_next = torch.where(fire, t_next + tau, t_next)
        r_next = torch.where(fire, choice, r_next)
        iteration += 1
        if iteration % check_every == 0 and not bool((next_idx < n_t).any()):
            break
        if iteration >= max_iterations:
            raise RuntimeError(
                f"gillespie: max_iterations={max_iterations} reached before t={float(t_grid[-1])}"
            )
    return SSAResult(t=t_grid, states=states, n_iterations=iteration)
