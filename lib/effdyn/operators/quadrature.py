"""Exact 1-D references by quadrature: mean first-passage times and committors.

For ``dX = -V'(X) dt + sqrt(2 D) dW`` with ``D = 1/beta`` by default (generator
``L f = D (f'' - beta V' f')``), the MFPT from ``a`` to ``b > a`` with a reflecting boundary at
``lower`` (default: far enough left that ``exp(-beta V)`` is negligible) is

``tau(a -> b) = (1/D) int_a^b exp(beta V(y)) int_lower^y exp(-beta V(z)) dz dy``

(and the mirror image for ``b < a``); the committor of ``(a, b)`` is
``q(x) = int_a^x exp(beta V) / int_a^b exp(beta V)``. The integrals are computed with composite
Simpson rules on a fine uniform grid, in a shifted exponent to avoid overflow; the tests check
them against ``scipy.integrate.quad``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from scipy.integrate import cumulative_simpson, simpson

__all__ = ["committor_1d", "mfpt_1d"]


def _energy_fn(potential: Any):
    fn = getattr(potential, "energy", potential)
    if not callable(fn):
        raise TypeError(f"expected a 1-D potential or a callable, got {type(potential)}")

    def V(x: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            v = fn(torch.as_tensor(x, dtype=torch.float64).reshape(-1, 1))
        v = v.cpu().numpy() if isinstance(v, torch.Tensor) else np.asarray(v)
        return v.astype(np.float64).reshape(np.shape(x))

    return V


def _far_point(V, start: float, direction: float, beta: float, vmin: float) -> float:
    """Walk from ``start`` in ``direction`` until ``beta (V - vmin) > 40``."""
    x, step = start, 0.05
    for _ in range(200):
        x += direction * step
        if beta * (V(np.array([x]))[0] - vmin) > 40:
            return x
        step *= 1.2
    raise ValueError(
        "the potential does not confine in that direction (exp(-beta V) is not negligible); "
        "give the reflecting boundary explicitly"
    )


def mfpt_1d(
    potential: Any,
    beta: float,
    a: float,
    b: float,
    *,
    boundary: float | None = None,
    diffusion: float | None = None,
    n: int = 20001,
) -> float:
    """Exact mean first-passage time from ``a`` to ``b`` of 1-D overdamped Langevin dynamics.

    Parameters
    ----------
    potential : 1-D potential or callable on torch positions ``(N, 1)``
    beta : float
        Inverse temperature (``dX = -V' dt + sigma dW`` has ``beta = 2 / sigma**2``).
    a, b : float
        Start and target points.
    boundary : float, optional
        The reflecting boundary on the far side of ``a`` (left of ``a`` when ``b > a``).
        Default: where ``beta (V - V_min)`` first exceeds 40.
    diffusion : float, optional
        ``D`` (default ``1/beta``).
    n : int
        Quadrature points per integral (odd).
    """
    from effdyn.sde._checks import as_positive

    beta = as_positive(beta, "beta")
    D = 1.0 / beta if diffusion is None else as_positive(diffusion, "diffusion")
    if a == b:
        return 0.0
    V0 = _energy_fn(potential)
    if b < a:  # mirror: x -> -x
        V = lambda x: V0(-x)  # noqa: E731
        a, b = -a, -b
        boundary = None if boundary is None else -boundary
    else:
        V = V0
    vmin = float(np.min(V(np.linspace(a, b, 2001))))
    lower = _far_point(V, a, -1.0, beta, vmin) if boundary is None else float(boundary)
    if not lower <= a:
        raise ValueError(f"the reflecting boundary {lower} must lie beyond the start {a}")
    # Inner integral I(y) = int_lower^y exp(-beta (V - m)): on [lower, a], then cumulatively
    # on the grid of the outer integral over [a, b].
    y = np.linspace(a, b, n)
    vy = V(y)
    z = np.linspace(lower, a, n)
    vz = V(z)
    m = float(min(vz.min(), vy.min()))
    head = simpson(np.exp(-beta * (vz - m)), x=z) if lower < a else 0.0
    Iy = head + cumulative_simpson(np.exp(-beta * (vy - m)), x=y, initial=0.0)
    log_integrand = beta * (vy - m) + np.log(np.maximum(Iy, np.finfo(float).tiny))
    shift = float(log_integrand.max())
    value = simpson(np.exp(log_integrand - shift), x=y)
    return float(np.exp(shift) * value / D)


def committor_1d(
    potential: Any, beta: float, a: float, b: float, x: Any, *, n: int = 20001
) -> np.ndarray:
    """The committor ``q(x) = P(hit b before a)`` of 1-D overdamped Langevin (``a < b``)."""
    from effdyn.sde._checks import as_positive

    beta = as_positive(beta, "beta")
    if not a < b:
        raise ValueError(f"need a < b, got a={a}, b={b}")
    V = _energy_fn(potential)
    y = np.linspace(a, b, n)
    vy = V(y)
    w = np.exp(beta * (vy - vy.max()))
    F = cumulative_simpson(w, x=y, initial=0.0)
    xs = np.clip(np.asarray(x, dtype=np.float64), a, b)
    return np.interp(xs, y, F / F[-1])
