"""Weak-noise increments: bounded random variables with the low moments of a Gaussian.

For expectations of smooth functions (weak convergence) a scheme need not be driven by
Gaussian increments: any increments whose first moments match those of ``N(0, dt)`` keep the
weak order (Kloeden and Platen, *Numerical Solution of Stochastic Differential Equations*,
1992, sections 14.1 and 14.2):

``"two-point"``
    ``+-sqrt(dt)`` with probability 1/2 each. Moments 1-3 match the Gaussian's (odd ones zero,
    variance ``dt``): enough for weak order 1 (Euler-Maruyama, section 14.1).
``"three-point"``
    ``+-sqrt(3 dt)`` with probability 1/6 each and ``0`` with probability 2/3. Moments 1-5 match
    (fourth moment ``3 dt^2``): enough for the weak order 2 schemes of section 14.2.

Each costs one uniform number instead of a Gaussian one; on a CPU torch's uniform generator
is only slightly faster than its normal one, so the gain in throughput is small (see
``benchmarks/README.md``).
The trajectories are *not* Brownian paths, so nothing pathwise (strong errors, a
:class:`~effdyn.sde.BrownianPath`) may be computed from them; :func:`check_increments` refuses
such requests, and integrators declare the increments they accept in
:attr:`~effdyn.sde.Integrator.weak_increments`.
"""

from __future__ import annotations

import math

import torch

__all__ = ["INCREMENTS", "WEAK_INCREMENTS", "check_increments", "fill_increments"]

#: Every kind of increment :func:`~effdyn.sde.simulate` can drive a scheme with.
INCREMENTS: tuple[str, ...] = ("gaussian", "two-point", "three-point")
#: The bounded (weak-only) kinds.
WEAK_INCREMENTS: tuple[str, ...] = ("two-point", "three-point")

_SQRT3 = math.sqrt(3.0)


def check_increments(integrator, noise: str, *, brownian: object | None = None) -> str:
    """Validate ``noise=`` of :func:`~effdyn.sde.simulate` for ``integrator``; return it.

    Raises
    ------
    ValueError
        An unknown kind; weak increments for a scheme that does not declare them (with the
        kinds it accepts); weak increments with a :class:`~effdyn.sde.BrownianPath` (a
        pathwise, strong-order request) or for a scheme that consumes more than the increment
        ``dW`` per step (Levy areas, half-step increments).
    """
    if noise not in INCREMENTS:
        raise ValueError(f"noise must be one of {INCREMENTS}, got {noise!r}")
    if noise == "gaussian":
        return noise
    name = integrator.name
    if brownian is not None:
        raise ValueError(
            f"noise={noise!r} gives weak (in law) approximations only; a BrownianPath asks "
            "for pathwise (strong) ones: use noise='gaussian' with a BrownianPath"
        )
    if tuple(integrator.noise_channels) != ("dW",):
        raise ValueError(
            f"{name} consumes {integrator.noise_channels} per step; weak increments replace the "
            "increment dW only: use noise='gaussian'"
        )
    accepted = tuple(integrator.weak_increments)
    if noise not in accepted:
        if accepted:
            what = f"it accepts {', '.join(repr(k) for k in ('gaussian', *accepted))}"
        else:
            what = "it accepts Gaussian increments only"
        raise ValueError(f"{name} does not support noise={noise!r}: {what}")
    return noise


def fill_increments(buffer: torch.Tensor, noise: str, std: float, generator=None) -> torch.Tensor:
    """Fill ``buffer`` in place with independent increments of standard deviation ``std``.

    ``noise`` is one of :data:`INCREMENTS`. The weak kinds are made from one uniform number
    each: ``floor(U(0, 2))`` is 0 or 1 with probability exactly 1/2, and
    ``trunc(U(-1.5, 1.5))`` is -1, 0 or 1 with probabilities 1/6, 2/3 and 1/6 (to the
    resolution of the uniform generator, ``2**-24`` in float32).
    """
    if noise == "gaussian":
        return buffer.normal_(0.0, std, generator=generator)
    if noise == "two-point":
        buffer.uniform_(0.0, 2.0, generator=generator).floor_()
        return buffer.mul_(2.0 * std).sub_(std)
    if noise == "three-point":
        buffer.uniform_(-1.5, 1.5, generator=generator).trunc_()
        return buffer.mul_(_SQRT3 * std)
    raise ValueError(f"noise must be one of {INCREMENTS}, got {noise!r}")
