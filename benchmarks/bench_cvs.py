"""Benchmark of effdyn.cvs: cost per epoch of the three learners, and the gradient kernel.

On the paper's setting (2-20-20-20-1 tanh networks, batch 1000, samples of the triple well on a
circle) it times, in this one process: an epoch of the generator-eigenfunction learner (which
differentiates through ``grad f``), of the transfer-operator learner and of the autoencoder, as
ratios to the autoencoder; and the batched-autograd ``grad f`` of :func:`effdyn.cvs.cv_jacobian`
against ``torch.func.vmap(jacrev)`` (the per-sample Jacobian of torch.func).

    python benchmarks/bench_cvs.py [--samples 5000] [--epochs 20] [--device cpu|cuda]
                                   [--threads 1]
"""

from __future__ import annotations

import argparse
import time

import torch

from effdyn.cvs import (
    AutoEncoder,
    GeneratorEigenfunctions,
    StackedMLP,
    TransferEigenfunctions,
    cv_jacobian,
)
from effdyn.sde import OverdampedLangevin, simulate
from effdyn.systems import TripleWellCircle


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def _timed(fn, device) -> float:
    _sync(device)
    t0 = time.perf_counter()
    fn()
    _sync(device)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=5000)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: default)")
    args = parser.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    n_chains = max(args.samples // 10, 1)
    x0 = torch.tensor([[-0.5, 0.85]], device=device).repeat(n_chains, 1)
    traj = simulate(
        OverdampedLangevin(TripleWellCircle(0.5), beta=1.0), x0, 1e-3, 1000, seed=0, save_every=100
    ).traj
    x = traj[1:].reshape(-1, 2)
    pairs = (traj[1:-2].reshape(-1, 2), traj[3:].reshape(-1, 2))
    common = dict(n_epochs=args.epochs, batch_size=1000, device=device)
    layers = [2, 20, 20, 20, 1]
    warm = dict(common, n_epochs=1)
    AutoEncoder(layers, [1, 20, 20, 2], **warm).fit(x)  # warm-up: first-call costs
    TransferEigenfunctions(layers, lag=0.2, **warm).fit(*pairs)
    GeneratorEigenfunctions(layers, beta=1.0, **warm).fit(x)
    times = {
        "autoencoder": _timed(lambda: AutoEncoder(layers, [1, 20, 20, 2], **common).fit(x), device),
        "transfer": _timed(
            lambda: TransferEigenfunctions(layers, lag=0.2, **common).fit(*pairs), device
        ),
        "generator": _timed(
            lambda: GeneratorEigenfunctions(layers, beta=1.0, **common).fit(x), device
        ),
    }
    print(
        f"device {device}, threads {torch.get_num_threads()}, {x.shape[0]} samples, "
        f"{args.epochs} epochs, batch 1000"
    )
    for name, t in times.items():
        print(
            f"  {name:12s} {1e3 * t / args.epochs:8.2f} ms/epoch   "
            f"x{t / times['autoencoder']:.2f} of the autoencoder"
        )

    net = StackedMLP(layers, 1).to(device)
    batch = x[:1000]
    from torch.func import jacrev, vmap

    def per_sample(xi):
        return net(xi[None])[0]

    cv_jacobian(net, batch)
    vmap(jacrev(per_sample))(batch)
    reps = 50
    t_ours = _timed(lambda: [cv_jacobian(net, batch) for _ in range(reps)], device)
    t_func = _timed(lambda: [vmap(jacrev(per_sample))(batch) for _ in range(reps)], device)
    same = torch.allclose(cv_jacobian(net, batch)[1][:, 0], vmap(jacrev(per_sample))(batch)[:, 0])
    print(
        f"grad f of 1000 samples: cv_jacobian {1e3 * t_ours / reps:.2f} ms, "
        f"vmap(jacrev) {1e3 * t_func / reps:.2f} ms (ratio {t_func / t_ours:.2f}; equal: {same})"
    )


if __name__ == "__main__":
    main()
