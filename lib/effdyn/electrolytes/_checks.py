"""One-line ``ValueError`` checks shared by the modules of :mod:`effdyn.electrolytes`."""

from __future__ import annotations

import math


def positive(value: float, name: str) -> float:
    """``value`` as a float, or a ``ValueError`` naming ``name`` if it is not positive finite."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return float(value)


def finite(value: float, name: str) -> float:
    """``value`` as a float, or a ``ValueError`` naming ``name`` if it is not finite."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return float(value)


def dimension(d: int) -> int:
    """``d`` if it is 1, 2 or 3, else a ``ValueError``."""
    if isinstance(d, bool) or d not in (1, 2, 3):
        raise ValueError(f"d must be 1, 2 or 3, got {d!r}")
    return int(d)
