"""Benchmark: effdyn.fields Stormer-Verlet against a NumPy leapfrog and the amangkurat package.

Prints, for each grid size, the wall time per step of (a) a plain NumPy two-step leapfrog
(the package's algorithm without its bookkeeping), (b) the ``amangkurat`` package itself at a
fixed step (if installed), (c) our torch solver for one field, and (d) our solver for a batch of
64 fields (per field), with the ratios measured in this run. Run:
``python benchmarks/bench_fields.py [--device cuda]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from effdyn.fields import PeriodicGrid, Phi4, solve
from effdyn.fields.collisions import kink_antikink_state


def numpy_leapfrog(phi0, pi0, length, dt, n_steps):
    n = phi0.size
    k = 2 * np.pi * np.fft.rfftfreq(n, d=length / n)

    def acc(f):
        return np.fft.irfft(-(k**2) * np.fft.rfft(f), n=n) - f * (f**2 - 1.0)

    old = phi0 - dt * pi0 + 0.5 * dt**2 * acc(phi0)
    phi = phi0.copy()
    for _ in range(n_steps):
        phi, old = 2 * phi - old + dt**2 * acc(phi), phi
    return phi


def timed(fn, repeats=3):
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    try:
        from amangkurat.core import KGSolver
    except ImportError:
        KGSolver = None  # noqa: N806
    dt, n_steps, length = 0.01, args.steps, 100.0
    print(f"device {device}, torch threads {torch.get_num_threads()}, {n_steps} steps")
    header = "nx     numpy ms/step  package ms/step  ours ms/step  ours/field (B={})"
    print(header.format(args.batch) + "  numpy/ours  numpy/ours-batched  package/ours")
    for nx in (512, 1024, 2048):
        bench_one(nx, device, dt, n_steps, length, args.batch, KGSolver)


def bench_one(nx, device, dt, n_steps, length, batch, KGSolver) -> None:  # noqa: N803
    grid = PeriodicGrid(nx, length, device=device)
    phi, pi = kink_antikink_state(grid, 0.3)
    p0, q0 = phi.cpu().numpy(), pi.cpu().numpy()
    t_np = timed(lambda: numpy_leapfrog(p0, q0, length, dt, n_steps))
    t_ours = timed(lambda: solve(phi, pi, grid, Phi4(), dt=dt, t_final=n_steps * dt))
    vs = torch.full((batch,), 0.3, dtype=torch.float64)
    pb, qb = kink_antikink_state(grid, vs)
    t_batch = timed(lambda: solve(pb, qb, grid, Phi4(), dt=dt, t_final=n_steps * dt), 1)
    t_pkg = np.nan
    if KGSolver is not None:
        x_max = -length / 2 + (nx - 1) * length / nx
        solver = KGSolver(nx, -length / 2, x_max, verbose=False, adaptive_dt=False)
        t_final = n_steps * dt
        t_pkg = timed(lambda: solver.solve(p0, q0, dt=dt, t_final=t_final, potential="phi4"), 1)
    per = 1e3 / n_steps
    print(
        f"{nx:<6d} {t_np * per:13.4f}  {t_pkg * per:15.4f}  {t_ours * per:12.4f}  "
        f"{t_batch * per / batch:20.5f}  {t_np / t_ours:10.2f}  "
        f"{t_np * batch / t_batch:18.1f}  {t_pkg / t_ours:12.2f}"
    )


if __name__ == "__main__":
    main()
