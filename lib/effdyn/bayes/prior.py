r"""The prior weight a parameter prior induces on the functions a network computes.

Feder, Urbanke and Fogel (2025), "The Universality Lens", arXiv:2506.07661, measure the
simplicity of a hypothesis by its *weight*: the prior mass of all parameters that realise it.
For Boolean functions on a few bits the weight of every one of the ``2^(2^n)`` functions can be
estimated by drawing parameters of an over-parameterised network, evaluating it on all ``2^n``
inputs and histogramming the truth tables. An optional floor mixes in the uniform prior,

.. math::

    \pi_\delta(f) = (1 - \delta)\, \hat w(f) + \delta\, 2^{-2^n},

so that functions never sampled keep a positive weight.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Protocol

import numpy as np
import torch
from scipy.special import erfc

from effdyn.bayes._bib import FEDER2025_UNIVERSALITY
from effdyn.bayes.boolean import BooleanClass

__all__ = [
    "InducedPrior",
    "NetworkPrior",
    "ReLUNetwork",
    "ThresholdUnit",
    "induced_prior",
    "threshold_constant_probability",
]

bibtex = FEDER2025_UNIVERSALITY


def _positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return value


def _positive_float(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return float(value)


def _check_floor(floor: Any) -> float:
    if isinstance(floor, bool) or not isinstance(floor, (int, float)) or not 0.0 <= floor < 1.0:
        raise ValueError(f"floor must lie in [0, 1), got {floor!r}")
    return float(floor)


class NetworkPrior(Protocol):
    """A random network on ``n_bits`` inputs: draws parameters, returns the labels it computes."""

    n_bits: int

    def sample_labels(
        self, n: int, inputs: torch.Tensor, generator: torch.Generator | None
    ) -> torch.Tensor:
        """Labels ``(n, 2^n_bits)`` in {0, 1} of ``n`` parameter draws at the spin ``inputs``."""
        ...


class ThresholdUnit:
    """One threshold unit ``f(x) = 1[w . x + b > 0]`` with ``w ~ N(0, weight_std^2 I)``,
    ``b ~ N(0, bias_std^2)``, on spins ``x in {-1, 1}^n``.

    It computes exactly the linearly separable functions; it is constant on the cube iff
    ``|b| > sum_i |w_i|`` (see :func:`threshold_constant_probability`).
    """

    def __init__(self, n_bits: int, weight_std: float = 1.0, bias_std: float = 1.0) -> None:
        self.n_bits = _positive_int(n_bits, "n_bits")
        self.weight_std = _positive_float(weight_std, "weight_std")
        self.bias_std = _positive_float(bias_std, "bias_std")

    @property
    def n_parameters(self) -> int:
        return self.n_bits + 1

    def sample_labels(
        self, n: int, inputs: torch.Tensor, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        kw = {"generator": generator, "device": inputs.device, "dtype": inputs.dtype}
        w = self.weight_std * torch.randn(n, self.n_bits, **kw)
        b = self.bias_std * torch.randn(n, 1, **kw)
        return (w @ inputs.T + b > 0).to(torch.int64)


class ReLUNetwork:
    r"""A random ``n_bits``-``width``-1 ReLU network, thresholded at 0:

    .. math::

        f(x) = 1\Big[\tfrac{1}{\sqrt{W}} \sum_{k=1}^W a_k\, \mathrm{relu}(u_k \cdot x + c_k)
        + b > 0\Big],

    with ``u_k ~ N(0, weight_std^2 I / n_bits)``, ``c_k, b ~ N(0, bias_std^2)`` and
    ``a_k ~ N(0, weight_std^2)`` (the standard ``1/sqrt(fan_in)`` scaling, so the output stays of
    order one as the width grows). ``width = 1024`` gives ``7 * 1024 + 1`` parameters for 16
    inputs: heavily over-parameterised.
    """

    def __init__(
        self, n_bits: int, width: int, weight_std: float = 1.0, bias_std: float = 1.0
    ) -> None:
        self.n_bits = _positive_int(n_bits, "n_bits")
        self.width = _positive_int(width, "width")
        self.weight_std = _positive_float(weight_std, "weight_std")
        self.bias_std = _positive_float(bias_std, "bias_std")

    @property
    def n_parameters(self) -> int:
        return self.width * (self.n_bits + 2) + 1

    def sample_labels(
        self, n: int, inputs: torch.Tensor, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        kw = {"generator": generator, "device": inputs.device, "dtype": inputs.dtype}
        u = (self.weight_std / math.sqrt(self.n_bits)) * torch.randn(
            n, self.width, self.n_bits, **kw
        )
        c = self.bias_std * torch.randn(n, self.width, 1, **kw)
        a = (self.weight_std / math.sqrt(self.width)) * torch.randn(n, 1, self.width, **kw)
        b = self.bias_std * torch.randn(n, 1, **kw)
        hidden = torch.relu(torch.matmul(u, inputs.T) + c)  # (n, W, 2^n)
        out = torch.matmul(a, hidden).squeeze(1) + b  # (n, 2^n)
        return (out > 0).to(torch.int64)


@dataclass(frozen=True)
class InducedPrior:
    """Sampled weights of every function of a :class:`BooleanClass`.

    Attributes
    ----------
    counts : Tensor, shape (2^(2^n),), int64
        How many parameter draws realised each truth table.
    n_draws : int
        Number of draws.
    floor : float
        Mixing weight ``delta`` of the uniform prior.
    """

    counts: torch.Tensor
    n_draws: int
    floor: float = 0.0

    @property
    def sampled(self) -> torch.Tensor:
        """The empirical frequencies ``counts / n_draws`` (float64), without the floor."""
        return self.counts.to(torch.float64) / self.n_draws

    @property
    def weights(self) -> torch.Tensor:
        """The prior ``(1 - floor) * sampled + floor / n_functions`` (float64, sums to 1)."""
        uniform = 1.0 / self.counts.numel()
        return (1.0 - self.floor) * self.sampled + self.floor * uniform

    @property
    def stderr(self) -> torch.Tensor:
        """Binomial standard error of each weight, ``(1 - floor) sqrt(p (1 - p) / n_draws)``."""
        p = self.sampled
        return (1.0 - self.floor) * torch.sqrt(p * (1.0 - p) / self.n_draws)

    def with_floor(self, floor: float) -> InducedPrior:
        """The same draws with another floor ``delta`` in ``[0, 1)``."""
        return replace(self, floor=_check_floor(floor))

    def weight(self, table: int) -> float:
        """The weight of one truth table."""
        return float(self.weights[int(table)].item())


def induced_prior(
    network: NetworkPrior,
    n_draws: int,
    chunk: int = 4096,
    *,
    floor: float = 0.0,
    generator: torch.Generator | None = None,
    device: Any = None,
    dtype: torch.dtype = torch.float32,
) -> InducedPrior:
    """Estimate the weight of every Boolean function under a network's parameter prior.

    Parameters
    ----------
    network : ThresholdUnit, ReLUNetwork or any :class:`NetworkPrior`
        The random network; ``network.n_bits`` fixes the class.
    n_draws : int
        Number of parameter draws (at least 1).
    chunk : int
        Draws evaluated at once on the device (memory ``chunk * width * 2^n`` numbers).
    floor : float
        Uniform floor ``delta`` in ``[0, 1)``.
    generator : torch.Generator, optional
        Random source (on ``device``).
    device : torch.device or str, optional
        Where the networks are evaluated and the histogram is kept.
    dtype : torch.dtype
        Precision of the network evaluation.

    Returns
    -------
    InducedPrior
        Counts of every truth table, from which weights and standard errors follow.

    Notes
    -----
    The over-parameterised prior of Feder, Urbanke and Fogel (2025), arXiv:2506.07661, made
    explicit: the weight of a function is the probability that a random network computes it.
    """
    n_draws = _positive_int(n_draws, "n_draws")
    chunk = _positive_int(chunk, "chunk")
    floor = _check_floor(floor)
    cls = BooleanClass(network.n_bits, device=device)
    inputs = cls.inputs(dtype=dtype)
    counts = torch.zeros(cls.n_functions, dtype=torch.int64, device=cls.device)
    done = 0
    while done < n_draws:
        n = min(chunk, n_draws - done)
        tables = cls.table_from_labels(network.sample_labels(n, inputs, generator))
        counts += torch.bincount(tables, minlength=cls.n_functions)
        done += n
    return InducedPrior(counts=counts, n_draws=n_draws, floor=floor)


def threshold_constant_probability(
    n_bits: int,
    weight_std: float = 1.0,
    bias_std: float = 1.0,
    n_nodes: int = 200,
    grid_step: float = 0.005,
) -> float:
    r"""``P(|b| > sum_i |w_i|)``: the probability that a Gaussian threshold unit is constant.

    A threshold unit ``1[w . x + b > 0]`` on ``{-1, 1}^n`` is constant iff ``|b| > sum |w_i|``
    (the extreme values of ``w . x`` are ``+-sum |w_i|``). With ``w_i ~ N(0, s_w^2)`` and
    ``b ~ N(0, s_b^2)`` this is computed by the recursion
    ``G_0(s) = erfc(s / (s_b sqrt 2))``,
    ``G_k(s) = int_0^inf 2 phi_{s_w}(w) G_{k-1}(s + w) dw`` and ``P = G_n(0)``: Gauss-Legendre
    nodes in ``w`` on ``[0, 10 s_w]``, linear interpolation of ``G_{k-1}`` on a grid in ``s``
    (error below ``1e-6`` at the defaults). For ``n = 1`` it equals ``(2/pi) arctan(s_b/s_w)``.
    """
    n_bits = _positive_int(n_bits, "n_bits")
    weight_std = _positive_float(weight_std, "weight_std")
    bias_std = _positive_float(bias_std, "bias_std")
    upper = 10.0 * weight_std
    s_max = upper * (n_bits + 1) + 10.0 * bias_std
    s = np.arange(0.0, s_max + grid_step, grid_step)
    nodes, wts = np.polynomial.legendre.leggauss(n_nodes)
    w = 0.5 * upper * (nodes + 1.0)
    wts = 0.5 * upper * wts * 2.0 * np.exp(-0.5 * (w / weight_std) ** 2)
    wts /= weight_std * math.sqrt(2.0 * math.pi)
    g = erfc(s / (bias_std * math.sqrt(2.0)))
    for _ in range(n_bits):
        shifted = np.interp(s[:, None] + w[None, :], s, g, right=0.0)
        g = shifted @ wts
    return float(g[0])
