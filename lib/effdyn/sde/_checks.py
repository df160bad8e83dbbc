"""Argument checks shared by the SDE core: one precise error per kind of bad input."""

from __future__ import annotations

import math
import operator
from typing import Any

import torch

__all__ = [
    "as_positive",
    "force_function",
    "check_state",
    "check_steps",
    "inverse_temperature",
    "parameter_tensor",
    "positive_parameter",
]


def as_positive(value: Any, name: str, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a finite positive float, or raise a ``ValueError`` naming it."""
    try:
        v = float(value)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}") from err
    bad = not math.isfinite(v) or v < 0 or (v == 0 and not allow_zero)
    if bad:
        need = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{name} must be finite and {need}, got {value!r}")
    return v


def inverse_temperature(beta: Any = None, temperature: Any = None) -> float:
    """Resolve the inverse temperature from exactly one of ``beta`` and ``temperature`` (= kT)."""
    if (beta is None) == (temperature is None):
        raise ValueError(
            "give exactly one of beta (inverse temperature 1/kT) and temperature (kT); "
            f"got beta={beta!r}, temperature={temperature!r}"
        )
    if beta is not None:
        return as_positive(beta, "beta")
    return 1.0 / as_positive(temperature, "temperature")


def check_steps(dt: Any, n_steps: Any) -> tuple[float, int]:
    """Validate a step size and a number of steps."""
    dt = as_positive(dt, "dt")
    if isinstance(n_steps, bool):
        raise TypeError("n_steps must be an integer, got bool")
    try:
        n_steps = operator.index(n_steps)
    except TypeError as err:
        raise TypeError(f"n_steps must be an integer, got {type(n_steps).__name__}") from err
    if n_steps < 0:
        raise ValueError(f"n_steps must be >= 0, got {n_steps}")
    return dt, n_steps


def check_state(x: Any, name: str = "x0", dim: int | None = None) -> torch.Tensor:
    """Check that ``x`` is a floating tensor of shape ``(batch, dim)`` and return it."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor of shape (batch, dim), got {type(x)}")
    if not x.is_floating_point():
        raise TypeError(f"{name} must have a floating dtype (float32 or float64), got {x.dtype}")
    if x.ndim != 2:
        hint = " (for a 1-D system use x0[:, None])" if x.ndim == 1 else ""
        raise ValueError(f"{name} must have shape (batch, dim), got {tuple(x.shape)}{hint}")
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"{name} must hold at least one trajectory of dimension >= 1")
    if dim is not None and x.shape[1] != dim:
        raise ValueError(f"{name} has dimension {x.shape[1]}, but the system has dimension {dim}")
    if not bool(torch.isfinite(x).all()):
        raise ValueError(f"{name} contains NaN or inf entries")
    return x


def parameter_tensor(value: Any, name: str, x: torch.Tensor) -> torch.Tensor | float:
    """A positive scalar (returned as float) or per-coordinate tensor broadcastable to ``x``."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return as_positive(value, name)
    t = torch.as_tensor(value, dtype=x.dtype, device=x.device)
    if t.ndim == 0:
        return as_positive(t.item(), name)
    try:
        shape = torch.broadcast_shapes(t.shape, x.shape)
    except RuntimeError:
        shape = None
    if shape != x.shape:
        raise ValueError(
            f"{name} of shape {tuple(t.shape)} does not broadcast to the state's shape "
            f"{tuple(x.shape)}; give a scalar or one value per coordinate ({x.shape[-1]},)"
        )
    if not bool(torch.isfinite(t).all()) or bool((t <= 0).any()):
        raise ValueError(f"{name} must be finite and positive in every coordinate")
    return t


def force_function(force: Any):
    """The force ``x -> F(x)`` of a potential object (its ``force`` method) or a callable."""
    fn = getattr(force, "force", force)
    if not callable(fn):
        raise TypeError(
            "force must be a callable x -> F(x) of shape (B, d) or an object with a force "
            f"method (a potential of effdyn.systems); got {type(force).__name__}"
        )
    return fn


def positive_parameter(value: Any, name: str) -> float | torch.Tensor:
    """A positive scalar (as float) or a tensor of positive per-coordinate values."""
    if isinstance(value, torch.Tensor):
        if value.ndim == 0:
            return as_positive(value.item(), name)
        if not bool(torch.isfinite(value).all()) or bool((value <= 0).any()):
            raise ValueError(f"{name} must be finite and positive in every coordinate")
        return value.detach()
    return as_positive(value, name)
