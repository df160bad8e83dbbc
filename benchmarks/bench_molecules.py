"""Benchmark: butane OPLS-AA forces, analytic against autograd, and BAOAB steps per second.

Prints wall times and ratios measured in one run; nothing is asserted. Usage:

    python benchmarks/bench_molecules.py [--batch 512] [--device cpu] [--threads 1]
"""

from __future__ import annotations

import argparse
import time

import torch

from effdyn.molecules import Butane
from effdyn.sde import BAOAB, simulate


def timed(fn, repeat):
    fn()
    t = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - t) / repeat


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=50)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    mol = Butane(device=args.device, dtype=torch.float32)
    x = mol.anti_conformer(args.batch)
    sync = torch.cuda.synchronize if args.device.startswith("cuda") else (lambda: None)
    t_an = timed(lambda: (mol.force(x), sync()), args.repeat)
    t_ag = timed(lambda: (mol.force_autograd(x), sync()), args.repeat)
    integ = BAOAB(mol.force, beta=mol.beta(300.0), gamma=10.0, mass=mol.mass_per_coordinate())
    t0 = time.perf_counter()
    simulate(integ, x, 0.002, 200, seed=0)
    sync()
    t_step = (time.perf_counter() - t0) / 200
    print(f"batch {args.batch} on {args.device} ({args.threads} thread(s))")
    print(f"force analytic {1e3 * t_an:.2f} ms, autograd {1e3 * t_ag:.2f} ms, "
          f"ratio {t_ag / t_an:.2f}")  # fmt: skip
    print(f"BAOAB step {1e3 * t_step:.2f} ms = {args.batch * 0.002 / t_step:.1f} replica-ps/s")


if __name__ == "__main__":
    main()
