"""Straight-line fits of Monte-Carlo estimates, with the standard error of the slope.

The chapters fit exponents and slopes (``log E sup|m - m_ODE|`` against ``log N``, the mean
escape time against ``ln N``) to points that are each a Monte-Carlo mean with a known standard
error. :func:`line_fit` returns the ordinary least-squares line and the standard error of its
slope propagated from those point errors, so that a claim on the slope can carry a computed,
statistical tolerance.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["LineFit", "line_fit"]


@dataclass(frozen=True)
class LineFit:
    """An ordinary least-squares line ``y = slope * x + intercept``.

    Attributes
    ----------
    slope, intercept : float
    slope_stderr : float
        Standard error of the slope propagated from the standard errors of the points (taken as
        independent); it does not include the misfit of a curved relation.
    """

    slope: float
    intercept: float
    slope_stderr: float


def line_fit(
    x: Sequence[float] | np.ndarray,
    y: Sequence[float] | np.ndarray,
    y_stderr: Sequence[float] | np.ndarray,
) -> LineFit:
    r"""Least-squares line through ``(x_i, y_i)`` and the standard error of its slope.

    The slope is :math:`\hat b = \sum_i c_i y_i` with :math:`c_i = (x_i - \bar x)/S_{xx}`, so
    for independent errors :math:`s_i` of the :math:`y_i` its standard error is
    :math:`\sqrt{\sum_i c_i^2 s_i^2}`. For a fit in ``log y`` pass ``s_i / y_i`` (delta method).

    Parameters
    ----------
    x, y, y_stderr : array_like, shape (n,)
        Abscissae, ordinates and the standard errors of the ordinates (``n >= 2``, the ``x``
        not all equal, errors non-negative).

    Returns
    -------
    LineFit
    """
    xa, ya, sa = (np.asarray(v, dtype=float) for v in (x, y, y_stderr))
    if xa.ndim != 1 or xa.shape != ya.shape or xa.shape != sa.shape:
        raise ValueError(
            f"x, y and y_stderr must be vectors of one length, got {xa.shape}, {ya.shape}, "
            f"{sa.shape}"
        )
    if xa.size < 2:
        raise ValueError("a line needs at least two points")
    if not np.all(sa >= 0):
        raise ValueError("standard errors must be non-negative")
    dx = xa - xa.mean()
    sxx = float((dx**2).sum())
    if sxx == 0:
        raise ValueError("the x values must not all be equal")
    c = dx / sxx
    slope = float((c * ya).sum())
    intercept = float(ya.mean() - slope * xa.mean())
    return LineFit(slope, intercept, math.sqrt(float((c**2 * sa**2).sum())))
