"""Benchmark of effdyn.koopman: one ISOKANN outer iteration and the burst simulation.

Ratios measured in one run: the burst simulation through effdyn.sde against a naive
per-step Euler-Maruyama loop, and the cost of one outer iteration (Koopman average + training
steps) on the 1D double well at ci size. Run: ``python benchmarks/bench_koopman.py``.
"""

import time

import torch

from effdyn.koopman import ISOKANN, simulate_bursts, uniform_points
from effdyn.sde import OverdampedLangevin
from effdyn.systems import DoubleWell


def naive_bursts(pot, x, n_bursts, tau, dt, beta, seed):
    gen = torch.Generator().manual_seed(seed)
    y = x.repeat_interleave(n_bursts, 0)
    scale = (2.0 / beta) ** 0.5
    for _ in range(round(tau / dt)):
        y = y + pot.force(y) * dt + scale * dt**0.5 * torch.randn(y.shape, generator=gen)
    return y


def main() -> None:
    pot, beta = DoubleWell(), 2.0
    x = uniform_points(pot.domain, 512, seed=0)
    t = time.perf_counter()
    data = simulate_bursts(OverdampedLangevin(pot, beta=beta), x, 32, 1.0, 1e-3, seed=1)
    t_lib = time.perf_counter() - t
    t = time.perf_counter()
    naive_bursts(pot, x, 32, 1.0, 1e-3, beta, 1)
    t_naive = time.perf_counter() - t
    print(
        f"bursts 512x32, 1000 steps: effdyn.sde {t_lib:.3f} s, naive loop {t_naive:.3f} s, "
        f"ratio {t_naive / t_lib:.2f}"
    )
    t = time.perf_counter()
    ISOKANN(1, hidden=(32, 32), n_iterations=10, n_steps=50, learning_rate=1e-2).fit(data)
    print(f"ISOKANN: {(time.perf_counter() - t) / 10 * 1e3:.1f} ms per outer iteration")


if __name__ == "__main__":
    main()
