"""The Gaussian tail function H and its stable logarithm (Li, Huang, Zou and Huang 2023).

``H(x) = int_x^inf Dz`` with ``Dz`` the standard normal measure, the probability that a Gaussian
preactivation of mean ``-x`` and unit variance is positive; the field-space learner and the
replica saddle points of :mod:`effdyn.replica` are written in terms of ``log H``.
"""

from __future__ import annotations

import torch


def gaussian_tail(x: torch.Tensor) -> torch.Tensor:
    """The Gaussian tail function ``H(x) = erfc(x / sqrt 2) / 2``.

    Parameters
    ----------
    x : torch.Tensor
        Arguments, any shape, device and floating dtype.

    Returns
    -------
    torch.Tensor
        ``H(x)``, same shape, device and dtype.
    """
    return 0.5 * torch.special.erfc(x / 2.0**0.5)


def log_gaussian_tail(x: torch.Tensor) -> torch.Tensor:
    """The logarithm of the Gaussian tail function, ``log H(x)``, stable for large ``|x|``.

    For ``x > 0``: ``log H(x) = log(erfcx(x / sqrt 2) / 2) - x^2 / 2`` with the scaled
    complementary error function ``erfcx`` (no underflow however large ``x``); for ``x <= 0``:
    ``log H(x) = log1p(-H(-x))`` (no cancellation where ``H`` is close to one). Each branch sees
    clamped arguments, so the function and its gradient are finite everywhere.

    Parameters
    ----------
    x : torch.Tensor
        Arguments, any shape, device and floating dtype.

    Returns
    -------
    torch.Tensor
        ``log H(x)``, same shape, device and dtype.
    """
    positive = torch.clamp(x, min=0.0)
    negative = torch.clamp(x, max=0.0)
    upper = torch.log(0.5 * torch.special.erfcx(positive / 2.0**0.5)) - 0.5 * positive**2
    lower = torch.log1p(-0.5 * torch.special.erfc(-negative / 2.0**0.5))
    return torch.where(x > 0, upper, lower)
