"""Benchmark of effdyn.optim.CBO: batched over runs vs a per-run loop vs the `cbx` package.

The paper's Fig. 1(b) setting (GrandCanyon3noisy, N = 200 particles, 250 steps, lambda = 1,
sigma = 1.6, alpha = 100, dt = 0.01) for M independent runs. Prints wall times measured in this
one process and the ratios; `cbx` is optional (skipped when not installed).

    python benchmarks/bench_optim.py [--runs 50] [--device cpu|cuda] [--dtype float32|float64]
                                     [--threads 1]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from effdyn.optim import CBO, GrandCanyon3Noisy, gaussian_cloud


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--particles", type=int, default=200)
    parser.add_argument("--steps", type=int, default=250)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--dtype", default="float64", choices=["float32", "float64"])
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: default)")
    args = parser.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    device, dtype = torch.device(args.device), getattr(torch, args.dtype)
    objective = GrandCanyon3Noisy()
    cbo = CBO(lam=1.0, sigma=1.6, alpha=100.0, dt=0.01)
    gen = torch.Generator(device=device).manual_seed(0)
    x0 = gaussian_cloud(
        [8.0, 8.0], 0.5, args.particles, args.runs, generator=gen, device=device, dtype=dtype
    )
    cbo.run(objective, x0[:2], 5, gen)  # warm-up

    _sync(device)
    t0 = time.perf_counter()
    batched = cbo.run(objective, x0, args.steps, gen).final
    _sync(device)
    t_batched = time.perf_counter() - t0

    t0 = time.perf_counter()
    looped = torch.stack(
        [cbo.run(objective, x0[r], args.steps, gen).final for r in range(args.runs)]
    )
    _sync(device)
    t_loop = time.perf_counter() - t0

    def success(points) -> float:
        return float((torch.as_tensor(points).norm(dim=-1) < 0.25).double().mean())

    print(
        f"M = {args.runs} runs, N = {args.particles}, {args.steps} steps, {device}, {args.dtype}, "
        f"{torch.get_num_threads()} torch threads"
    )
    print(f"effdyn batched : {t_batched:8.3f} s   (success {success(batched.cpu()):.2f})")
    print(f"effdyn per run : {t_loop:8.3f} s   (success {success(looped.cpu()):.2f})")
    print(f"ratio per-run / batched = {t_loop / t_batched:.1f}")
    try:
        from cbx.dynamics import CBO as CBXCBO
    except ImportError:
        print("cbx not installed: peer timing skipped")
        return

    def f(x: np.ndarray) -> np.ndarray:
        return objective(torch.from_numpy(np.ascontiguousarray(x))).numpy()

    def f_numpy(x: np.ndarray) -> np.ndarray:  # the same objective written in NumPy
        v1, v2 = x[..., 0], x[..., 1]
        valley = v2 - (0.125 * (v1 - 1) * (v1 - 4) ** 2 + 2)
        block = -v1 - 1.6 * v2
        out = 100 * (1 - np.exp(-1.4 * valley**2 * np.exp(-0.002 * v1**4)))
        out += 1.6 * v1**2 + 0.8 * v2**2 + 8 * (1 - np.cos(0.75 * np.pi * x)).sum(-1)
        ridge = np.maximum((1 - np.exp(-9 * block**2)) * np.sign(block), 0)
        return out + 16 * np.exp(1 - 2 * valley**4) * ridge

    for name, fun in (("cbx (torch objective)", f), ("cbx (numpy objective)", f_numpy)):
        dyn = CBXCBO(
            fun,
            f_dim="3D",
            x=x0.cpu().double().numpy().copy(),
            dt=0.01,
            lamda=1.0,
            sigma=1.6,
            alpha=100.0,
            max_it=args.steps,
            seed=1,
            verbosity=0,
        )
        t0 = time.perf_counter()
        for _ in range(args.steps):
            dyn.step()
        t_cbx = time.perf_counter() - t0
        dyn.compute_consensus()
        print(f"{name:22s}: {t_cbx:8.3f} s   (success {success(dyn.consensus[:, 0, :]):.2f})")
        print(f"ratio {name} / effdyn batched = {t_cbx / t_batched:.1f}")


if __name__ == "__main__":
    main()
