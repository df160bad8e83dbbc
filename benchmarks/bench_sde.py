"""Benchmark of the fixed-step SDE core: overdamped Langevin on the MSV triple well.

``dX = -grad V dt + sqrt(2/beta) dW`` at beta = 1.67, dt = 1e-3, batches of 1e2 ... 1e6
trajectories. Measured in one process, interleaved and best of ``--repeats`` (robust to other
load on the machine), as steps x trajectories per second:

- ``ours``: ``effdyn.sde.simulate(OverdampedLangevin(TripleWell(), beta), ...)``, eager, with
  ``tile=--tile`` trajectories per tile for batches larger than that (``--tile 0``: untiled);
- ``ours+compile``: the same with ``compile=True`` (compilation time reported apart);
- ``ours+2pt``: the same as ``ours`` with two-point weak increments (``noise="two-point"``,
  one uniform number per increment instead of a Gaussian; valid for expectations only), and
  ``compile+2pt`` the same compiled;
- ``torchsde``: ``torchsde.sdeint(..., method="euler", dt=dt)`` with the same force (skipped
  when torchsde is not installed);
- ``numpy``: a plain NumPy loop with the same force and ``Generator.standard_normal``.

Ratios ``ours / torchsde`` and ``ours / numpy`` are printed per batch. On a GPU the script also
measures the device-to-device copy bandwidth and reports the fraction of it that a run achieves
under the minimal traffic model (read and write the state once per step: ``2 d`` numbers per
trajectory and step).

    python benchmarks/bench_sde.py [--device cpu|cuda] [--dtype float32|float64]
        [--batches 1e2,1e3,1e4,1e5,1e6] [--seconds 1.0] [--repeats 3] [--no-compile]
        [--threads N] [--tile 10000] [--no-weak]
"""

from __future__ import annotations

import argparse
import math
import platform
import time

import numpy as np
import torch

from effdyn.sde import OverdampedLangevin, simulate
from effdyn.systems import TripleWell

BETA, DT = 1.67, 1e-3


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def _numpy_force(x: np.ndarray) -> np.ndarray:
    """The MSV triple-well force, written for NumPy (same formula as effdyn.systems)."""
    X, Y = x[:, 0], x[:, 1]
    X2 = X * X
    Ya, Yb = Y - 1.0 / 3.0, Y - 5.0 / 3.0
    e1 = np.exp(-X2 - Ya * Ya)
    e2 = np.exp(-X2 - Yb * Yb)
    e3 = np.exp(-((X - 1.0) ** 2) - Y * Y)
    e4 = np.exp(-((X + 1.0) ** 2) - Y * Y)
    e34 = e3 + e4
    gx = 6 * X * (e2 - e1) + 10 * (X * e34 + e4 - e3) + 0.8 * X * X2
    gy = 6 * (Yb * e2 - Ya * e1) + 10 * Y * e34 + 0.8 * Ya * Ya * Ya
    return -np.stack([gx, gy], axis=1)


def run_numpy(x0: torch.Tensor, n: int) -> float:
    x = x0.cpu().numpy().copy()
    rng = np.random.default_rng(0)
    scale = math.sqrt(2 * DT / BETA)
    t0 = time.perf_counter()
    for _ in range(n):
        x += DT * _numpy_force(x) + scale * rng.standard_normal(x.shape, dtype=x.dtype)
    return time.perf_counter() - t0


def run_ours(
    x0: torch.Tensor, n: int, compile: bool = False, tile: int = 0, noise: str = "gaussian"
) -> float:
    integ = _INTEGRATOR
    tile = tile if 0 < tile < x0.shape[0] else None
    _sync(x0.device)
    t0 = time.perf_counter()
    simulate(integ, x0, DT, n, seed=0, compile=compile, tile=tile, noise=noise)
    _sync(x0.device)
    return time.perf_counter() - t0


def run_torchsde(x0: torch.Tensor, n: int) -> float:
    import torchsde

    V = TripleWell()
    sigma = math.sqrt(2 / BETA)

    class Langevin(torch.nn.Module):
        noise_type, sde_type = "diagonal", "ito"

        def f(self, t, y):
            return V.force(y)

        def g(self, t, y):
            return torch.full_like(y, sigma)

    ts = torch.tensor([0.0, n * DT], device=x0.device, dtype=x0.dtype)
    sde = Langevin()
    _sync(x0.device)
    t0 = time.perf_counter()
    with torch.no_grad():
        torchsde.sdeint(sde, x0, ts, method="euler", dt=DT)
    _sync(x0.device)
    return time.perf_counter() - t0


_INTEGRATOR = OverdampedLangevin(TripleWell(), beta=BETA)


def copy_bandwidth(device: torch.device) -> float:
    """Device-to-device copy bandwidth in bytes/s (read + write) of a 1 GiB buffer."""
    a = torch.empty(1 << 28, dtype=torch.float32, device=device)
    b = torch.empty_like(a)
    for _ in range(3):
        b.copy_(a)
    _sync(device)
    t0 = time.perf_counter()
    reps = 20
    for _ in range(reps):
        b.copy_(a)
    _sync(device)
    return 2 * a.numel() * a.element_size() * reps / (time.perf_counter() - t0)


def measure(fn, x0: torch.Tensor, seconds: float, repeats: int) -> tuple[float, int]:
    """Best throughput (steps x trajectories / s) of ``fn(x0, n)`` over ``repeats`` runs."""
    n = 8
    elapsed = fn(x0, n)
    while elapsed < 0.05 * seconds and n < 10**7:  # calibrate
        n *= 4
        elapsed = fn(x0, n)
    n = max(16, int(n * seconds / max(elapsed, 1e-9)) // 16 * 16)  # whole fused chunks
    best = 0.0
    for _ in range(repeats):
        best = max(best, n * x0.shape[0] / fn(x0, n))
    return best, n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--batches", default="1e2,1e3,1e4,1e5,1e6")
    parser.add_argument("--seconds", type=float, default=1.0, help="target time per measurement")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-compile", action="store_true")
    parser.add_argument("--no-numpy", action="store_true")
    parser.add_argument("--no-weak", action="store_true", help="skip the two-point column")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: default)")
    parser.add_argument("--tile", type=int, default=10_000, help="trajectories per tile (0: off)")
    args = parser.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    device, dtype = torch.device(args.device), getattr(torch, args.dtype)
    batches = [int(float(b)) for b in args.batches.split(",")]
    try:
        import torchsde  # noqa: F401

        have_torchsde = True
    except ImportError:
        have_torchsde = False

    print(f"# bench_sde: overdamped Langevin, MSV triple well, beta={BETA}, dt={DT}")
    print(
        f"# device={device} dtype={args.dtype} torch={torch.__version__} "
        f"threads={torch.get_num_threads()} cpu={platform.processor() or platform.machine()} "
        f"tile={args.tile or 'off'}"
    )
    if device.type == "cuda":
        print(f"# gpu={torch.cuda.get_device_name(device)}")
        bw = copy_bandwidth(device)
        print(f"# measured copy bandwidth {bw / 1e9:.0f} GB/s")
    methods = {"ours": lambda x, n: run_ours(x, n, tile=args.tile)}
    if not args.no_compile:
        methods["ours+compile"] = lambda x, n: run_ours(x, n, compile=True, tile=args.tile)
    if not args.no_weak:
        methods["ours+2pt"] = lambda x, n: run_ours(x, n, tile=args.tile, noise="two-point")
        if not args.no_compile:
            methods["compile+2pt"] = lambda x, n: run_ours(
                x, n, compile=True, tile=args.tile, noise="two-point"
            )
    if have_torchsde:
        methods["torchsde"] = run_torchsde
    if not args.no_numpy and device.type == "cpu":
        methods["numpy"] = run_numpy

    header = f"{'batch':>8} " + " ".join(f"{m:>13}" for m in methods)
    header += "   ours/torchsde  best/torchsde  ours/numpy"
    if device.type == "cuda":
        header += "  bw-fraction(ours, best)"
    print("# throughput in steps x trajectories per second")
    print(header)
    for B in batches:
        gen = torch.Generator().manual_seed(B)
        x0 = (torch.randn(B, 2, generator=gen, dtype=dtype) * 0.5).to(device)
        if "ours+compile" in methods:
            t0 = time.perf_counter()
            run_ours(
                x0, 64, compile=True, tile=args.tile
            )  # compile for this shape (excluded from timings)
            print(f"# compiled for batch {B} in {time.perf_counter() - t0:.1f} s")
        rates = {}
        for name, fn in methods.items():
            rates[name] = measure(fn, x0, args.seconds, args.repeats)[0]
        ours = rates["ours"]
        best = max(rates.get("ours+compile", 0.0), ours)  # Gaussian noise only
        line = f"{B:>8d} " + " ".join(f"{rates[m]:>13.3e}" for m in methods)
        ts = rates.get("torchsde")
        line += f"   {ours / ts:>13.2f}  {best / ts:>13.2f}" if ts else f"   {'-':>13}  {'-':>13}"
        npy = rates.get("numpy")
        line += f"  {ours / npy:>10.2f}" if npy else f"  {'-':>10}"
        if device.type == "cuda":
            bytes_per = 2 * 2 * torch.finfo(dtype).bits // 8
            line += f"  {ours * bytes_per / bw:>8.3f} {best * bytes_per / bw:>8.3f}"
        print(line, flush=True)


if __name__ == "__main__":
    main()
