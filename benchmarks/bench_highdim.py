"""Benchmark of effdyn.highdim: batched online SGD against a naive per-run loop.

Prints, for the spiked matrix model and the XOR two-layer network, the wall time of one batched
call over ``R`` independent runs and of ``R`` sequential single-run calls (the naive loop), and
their ratio; plus the exact O(1) overlap sampler against full-vector SGD. Measured in one run of
this script; nothing here is asserted.

Usage: ``python benchmarks/bench_highdim.py [--device cuda] [--runs 32]``
"""

from __future__ import annotations

import argparse
import time

import torch

from effdyn.highdim import SpikedTensorSGD, XORTwoLayerSGD


def _timed(fn) -> float:
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    fn()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--runs", type=int, default=32)
    parser.add_argument("--dim", type=int, default=1000)
    args = parser.parse_args()
    dev, runs, n = torch.device(args.device), args.runs, args.dim
    print(f"device {dev}, runs {runs}, N {n}, torch threads {torch.get_num_threads()}")

    sgd = SpikedTensorSGD(n, 2.0, c_delta=0.5, device=dev)
    t_final = 1.0
    batched = _timed(lambda: sgd.run(runs, t_final, m0=0.5, seed=0))
    naive = _timed(lambda: [sgd.run(1, t_final, m0=0.5, seed=s) for s in range(runs)])
    print(
        f"spiked matrix, {int(t_final * n / 0.5)} steps: batched {batched:.2f} s, "
        f"per-run loop {naive:.2f} s, ratio {naive / batched:.1f}x"
    )

    red = SpikedTensorSGD(n, 2.0, c_delta=0.5, device=dev, sampler="reduced")
    reduced = _timed(lambda: red.run(runs, t_final, m0=0.5, seed=0))
    print(
        f"spiked matrix, exact O(1) overlap sampler: {reduced:.2f} s, "
        f"speed-up over full-vector batched {batched / reduced:.1f}x"
    )

    dense = SpikedTensorSGD(200, 2.0, c_delta=0.5, device=dev, sampler="dense")
    vec = SpikedTensorSGD(200, 2.0, c_delta=0.5, device=dev)
    t_dense = _timed(lambda: dense.run(runs, 1.0, m0=0.5, seed=0))
    t_vec = _timed(lambda: vec.run(runs, 1.0, m0=0.5, seed=0))
    print(
        f"spiked matrix N=200: dense W (O(N^2)) {t_dense:.2f} s, O(N) sampler {t_vec:.2f} s, "
        f"ratio {t_dense / t_vec:.1f}x"
    )

    xor = XORTwoLayerSGD(200, 8, 10.0, 0.01, c_delta=4.0, device=dev)
    t_x = 20.0
    batched = _timed(lambda: xor.run(runs, t_x, n_record=2, seed=0))
    naive = _timed(lambda: [xor.run(1, t_x, n_record=2, seed=s) for s in range(runs)])
    print(
        f"XOR K=8 N=200, {int(t_x * 200 / 4)} steps: batched {batched:.2f} s, "
        f"per-run loop {naive:.2f} s, ratio {naive / batched:.1f}x"
    )


if __name__ == "__main__":
    main()
