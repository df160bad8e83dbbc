"""Benchmark of effdyn.effective: kernel Kramers-Moyal estimates and the Hermite regression.

Ratios measured in one run: :class:`ConditionalCoefficients` (chunked kernel sums, one matrix
product per chunk) against a naive loop over the grid points that forms the local-linear fit at
each one; and :class:`PolynomialCoefficients` (normal equations accumulated in chunks) against
``torch.linalg.lstsq`` on the full feature matrix. Run: ``python benchmarks/bench_effective.py``.
"""

import argparse
import time

import numpy as np
import torch

from effdyn.effective import ConditionalCoefficients, PolynomialCoefficients
from effdyn.effective.regression import hermite_features, multi_indices


def naive_local_linear(z0, dz, grid, bandwidth, tau):
    """Per grid point: Gaussian weights, weighted least squares of (dz, dz^2) on (1, z0 - g)."""
    drift = np.empty(grid.size)
    targets = np.stack([dz, dz * dz], 1)
    for j, g in enumerate(grid):
        u = z0 - g
        w = np.exp(-0.5 * (u / bandwidth) ** 2)
        design = np.stack([np.ones_like(u), u], 1) * np.sqrt(w)[:, None]
        coef, *_ = np.linalg.lstsq(design, targets * np.sqrt(w)[:, None], rcond=None)
        drift[j] = coef[0, 0] / tau
    return drift


def best_of(fn, repeats=3):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cpu")  # the estimators reduce on the CPU
    parser.parse_args()
    rng = np.random.default_rng(0)
    n, tau = 200_000, 0.01
    z0 = rng.uniform(-2, 2, n)
    zt = z0 * np.exp(-tau) + np.sqrt((1 - np.exp(-2 * tau)) / 2) * rng.standard_normal(n)
    grid = np.linspace(-1.5, 1.5, 101)
    t_lib, est = best_of(lambda: ConditionalCoefficients(grid, 0.1).fit(z0, zt, tau))
    t_naive, drift = best_of(lambda: naive_local_linear(z0, zt - z0, grid, 0.1, tau), 1)
    assert np.allclose(est.drift_, drift, atol=1e-8)
    print(
        f"kernel drift+diffusion, {n} increments x {grid.size} grid points: "
        f"library {t_lib:.3f} s, naive per-point loop {t_naive:.3f} s, "
        f"ratio {t_naive / t_lib:.1f}"
    )
    t_knn, _ = best_of(
        lambda: ConditionalCoefficients(grid, "knn", n_neighbors=500).fit(z0, zt, tau)
    )
    print(f"k-NN bandwidth (k = 500): {t_knn:.3f} s, {t_knn / t_lib:.2f} x the fixed bandwidth")

    m = 1_000_000
    z = torch.as_tensor(rng.uniform(-1.5, 1.5, (m, 2)))
    dz = 0.01 * torch.stack([z[:, 0] - z[:, 0] * z[:, 1], z[:, 0] ** 2 - z[:, 1]], 1)
    dz = dz + 0.05 * torch.randn(m, 2, dtype=torch.float64)
    t_poly, _ = best_of(lambda: PolynomialCoefficients(3).fit(z, z + dz, 0.01))

    def lstsq():
        f = hermite_features(z, multi_indices(2, 3))
        return torch.linalg.lstsq(f, dz / 0.01).solution

    t_lstsq, _ = best_of(lstsq)
    print(
        f"Hermite regression, {m} increments, degree 3 (drift + diffusion): library "
        f"{t_poly:.3f} s, full-matrix lstsq (drift only) {t_lstsq:.3f} s, "
        f"ratio {t_lstsq / t_poly:.2f}"
    )


if __name__ == "__main__":
    main()
