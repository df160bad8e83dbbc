"""Benchmark: batched torch Gillespie SSA against a per-run Python loop (and gillespy2 if present).

Prints wall times and ratios measured in one run; nothing is asserted. Usage:

    python benchmarks/bench_kinetics.py [--runs 2000] [--device cpu]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from effdyn.kinetics import systems
from effdyn.kinetics.ssa import gillespie


def naive_ssa(network, x0, t_grid, n_runs, seed=0):
    """Direct method, one run at a time, in plain Python/NumPy (the baseline)."""
    rng = np.random.default_rng(seed)
    change = network.stoichiometry
    out = np.zeros((n_runs, len(t_grid), network.n_species))
    for run in range(n_runs):
        x = np.array(x0, dtype=float)
        t, j = 0.0, 0
        while j < len(t_grid):
            a = network.propensities(x)
            total = a.sum()
            tau = rng.exponential(1.0 / total) if total > 0 else np.inf
            while j < len(t_grid) and t_grid[j] < t + tau:
                out[run, j] = x
                j += 1
            if j == len(t_grid):
                break
            r = min(int(np.searchsorted(np.cumsum(a), rng.random() * total)), len(a) - 1)
            x = x + change[r]
            t += tau
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--naive-runs", type=int, default=20)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()
    net = systems.dimerisation(20.0)
    t = np.linspace(0.0, 10.0, 51)

    start = time.perf_counter()
    res = gillespie(net, [0], t, args.runs, seed=0, device=args.device)
    if args.device.startswith("cuda"):
        torch.cuda.synchronize()
    batched = (time.perf_counter() - start) / args.runs
    start = time.perf_counter()
    naive_ssa(net, [0], t, args.naive_runs)
    naive = (time.perf_counter() - start) / args.naive_runs
    print(f"network: dimerisation omega=20, t in [0, 10], device {args.device}")
    print(
        f"batched torch SSA : {batched * 1e3:8.3f} ms per run ({args.runs} runs, "
        f"{res.n_iterations} iterations)"
    )
    print(f"naive Python loop : {naive * 1e3:8.3f} ms per run ({args.naive_runs} runs)")
    print(f"speed-up batched / naive: {naive / batched:.1f}x")
    try:
        import gillespy2  # noqa: F401
    except ImportError:
        print("gillespy2 not installed: peer comparison skipped")
        return
    model = gillespy2.Model(name="dimerisation")
    k_in = gillespy2.Parameter(name="k_in", expression=str(net.rates[0]))
    k_dim = gillespy2.Parameter(name="k_dim", expression=str(net.rates[1]))
    model.add_parameter([k_in, k_dim])
    x = gillespy2.Species(name="X", initial_value=0)
    model.add_species([x])
    model.add_reaction(
        [
            gillespy2.Reaction(
                name="in", reactants={}, products={x: 1}, propensity_function="k_in"
            ),
            gillespy2.Reaction(
                name="dim", reactants={x: 2}, products={}, propensity_function="k_dim*X*(X-1)"
            ),
        ]
    )
    model.timespan(t)
    n_peer = min(args.runs, 200)
    start = time.perf_counter()
    model.run(solver=gillespy2.NumPySSASolver, number_of_trajectories=n_peer, seed=0)
    peer = (time.perf_counter() - start) / n_peer
    print(f"gillespy2 NumPySSA: {peer * 1e3:8.3f} ms per run ({n_peer} runs)")
    print(f"speed-up batched / gillespy2: {peer / batched:.1f}x")


if __name__ == "__main__":
    main()
