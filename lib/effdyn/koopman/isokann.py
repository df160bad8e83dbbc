"""ISOKANN: invariant subspaces of the Koopman operator learned by a neural network.

The estimator :class:`ISOKANN` runs the power iteration ``chi <- S(K^tau chi)`` of Rabben, Ray
and Weber (2020) in the form of Sikorski, Donati, Weber and Schütte (2026): at every outer
iteration the Koopman images ``K^tau chi(x_i)`` are estimated from the bursts of a
:class:`~effdyn.koopman.BurstData`, transformed by ``S`` (:func:`shift_scale` for one chi,
:func:`inner_simplex` for several) and a neural network is regressed onto them (mean squared
error, a few optimiser steps). The iteration converges to the dominant invariant subspace of
``K^tau`` (spanned by the constant and the slowest eigenfunctions); :meth:`ISOKANN.fetch_model`
returns an :class:`ISOKANNModel` holding a copy of the network and the Koopman matrix, rates
and timescales computed from it.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from effdyn._seeding import preserving_global_rng
from effdyn.koopman._bib import ISOKANN, ISOKANN_EFFECTIVE
from effdyn.koopman.bursts import BurstData
from effdyn.koopman.spectral import koopman_matrix, rate_matrix, relaxation_rates
from effdyn.koopman.transforms import inner_simplex, match_permutation, shift_scale

__all__ = ["ChiNetwork", "ISOKANN", "ISOKANNModel"]

Tensor = torch.Tensor

_ACTIVATIONS = {"tanh": nn.Tanh, "silu": nn.SiLU, "softplus": nn.Softplus, "sigmoid": nn.Sigmoid}


class ChiNetwork(nn.Module):
    """A multilayer perceptron ``R^d -> R^k`` with its inputs rescaled from a box to ``[-1, 1]``.

    Parameters
    ----------
    dim, n_chi : int
        Input and output dimensions.
    hidden : sequence of int
        Widths of the hidden layers.
    activation : {"tanh", "silu", "softplus", "sigmoid"}
    domain : sequence of (low, high), optional
        The box the inputs live in (for the rescaling); default ``[-1, 1]^d``.
    """

    def __init__(
        self,
        dim: int,
        n_chi: int,
        hidden: Sequence[int] = (64, 64),
        activation: str = "tanh",
        domain: Sequence[tuple[float, float]] | None = None,
    ) -> None:
        super().__init__()
        if activation not in _ACTIVATIONS:
            raise ValueError(
                f"activation must be one of {sorted(_ACTIVATIONS)}, got {activation!r}"
            )
        if domain is None:
            domain = [(-1.0, 1.0)] * dim
        bounds = torch.as_tensor(domain, dtype=torch.float64)
        if bounds.shape != (dim, 2) or not bool((bounds[:, 0] < bounds[:, 1]).all()):
            raise ValueError(f"domain must be {dim} pairs (low, high) with low < high: {domain}")
        self.register_buffer("center", (0.5 * (bounds[:, 0] + bounds[:, 1])).float())
        self.register_buffer("half_width", (0.5 * (bounds[:, 1] - bounds[:, 0])).float())
        layers: list[nn.Module] = []
        width = dim
        for h in hidden:
            layers += [nn.Linear(width, int(h)), _ACTIVATIONS[activation]()]
            width = int(h)
        layers.append(nn.Linear(width, n_chi))
        self.net = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.net((x - self.center) / self.half_width)


class ISOKANNModel:
    """A learned set of chi functions with its Koopman matrix (returned by :class:`ISOKANN`).

    Attributes
    ----------
    network : ChiNetwork
        An independent copy of the trained network (in evaluation mode).
    tau : float
        Lag time of the training data.
    koopman_matrix : numpy.ndarray
        ``T`` with ``chi T ~ K^tau chi`` on the training points (``2 x 2`` for one chi, with
        ``1 - chi`` appended).
    """

    bibtex = ISOKANN_EFFECTIVE

    def __init__(self, network: ChiNetwork, tau: float, koopman: np.ndarray) -> None:
        self.network = network
        self.tau = float(tau)
        self.koopman_matrix = koopman

    @property
    def n_chi(self) -> int:
        return self.network.net[-1].out_features

    def __call__(self, x: Tensor) -> Tensor:
        return self.chi(x)

    def chi(self, x: Tensor) -> Tensor:
        """The chi functions ``(N, k)`` at positions ``(N, d)`` (no gradient tracking)."""
        p = next(self.network.parameters())
        with torch.no_grad():
            return self.network(torch.as_tensor(x).to(device=p.device, dtype=p.dtype))

    def transform(self, x: Tensor) -> Tensor:
        """Alias of :meth:`chi` (deeptime's name for projecting data)."""
        return self.chi(x)

    @property
    def relaxation_rates(self) -> np.ndarray:
        """``lambda_0 ~ 0 <= lambda_1 <= ...`` from the eigenvalues of :attr:`koopman_matrix`."""
        return relaxation_rates(self.koopman_matrix, self.tau)

    @property
    def implied_timescales(self) -> np.ndarray:
        """``1 / lambda_i`` for ``i >= 1``."""
        return 1.0 / self.relaxation_rates[1:]

    @property
    def rate_matrix(self) -> np.ndarray:
        """``Q = log(T) / tau``: transition rates between the membership functions."""
        return rate_matrix(self.koopman_matrix, self.tau)

    @property
    def exit_rates(self) -> np.ndarray:
        """``-diag(Q)``: rate of leaving each membership function."""
        return -np.diag(self.rate_matrix)


class ISOKANN:
    """Learn chi functions spanning the dominant invariant subspace of the Koopman operator.

    Parameters
    ----------
    n_chi : int
        Number ``k`` of chi functions: 1 (shift-scale; the subspace of the constant and the
        slowest eigenfunction) or ``k >= 2`` (inner simplex; ``k`` membership functions).
    hidden : sequence of int
        Hidden layer widths of the :class:`ChiNetwork`.
    activation : str
        Activation of the hidden layers.
    domain : sequence of (low, high), optional
        Box of the inputs (rescaled to ``[-1, 1]``); default: the bounding box of the data.
    n_iterations : int
        Outer (power) iterations.
    n_steps : int
        Optimiser steps per iteration (full batch unless ``batch_size`` is given).
    learning_rate, weight_decay : float
        Adam parameters.
    batch_size : int, optional
        Minibatch of start points per optimiser step.
    seed : int
        Seed of the initial weights and minibatches.
    device, dtype
        Where the network lives; default: the data's device, ``float32``.

    Attributes (after :meth:`fit`)
    ------------------------------
    losses : list of float
        Mean squared error at the last optimiser step of each iteration.
    rate_history : list of float
        ``lambda_1`` estimated after each iteration (watch it converge).

    Examples
    --------
    >>> from effdyn.sde import OverdampedLangevin
    >>> from effdyn.systems import DoubleWell
    >>> x = uniform_points(DoubleWell.domain, 200, seed=0)
    >>> data = simulate_bursts(OverdampedLangevin(DoubleWell(), beta=2.0), x, 16, 1.0, 1e-3)
    >>> model = ISOKANN(n_chi=1).fit(data).fetch_model()
    >>> model.relaxation_rates[1]  # ~ 0.227, the spectral gap
    """

    bibtex = ISOKANN + "\n" + ISOKANN_EFFECTIVE

    def __init__(
        self,
        n_chi: int = 1,
        *,
        hidden: Sequence[int] = (64, 64),
        activation: str = "tanh",
        domain: Sequence[tuple[float, float]] | None = None,
        n_iterations: int = 50,
        n_steps: int = 50,
        learning_rate: float = 1e-3,
        weight_decay: float = 0.0,
        batch_size: int | None = None,
        seed: int = 0,
        device: torch.device | str | None = None,
        dtype: torch.dtype = torch.float32,
    ) -> None:
        for name, value in (("n_chi", n_chi), ("n_iterations", n_iterations), ("n_steps", n_steps)):
            if isinstance(value, bool) or int(value) != value or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if batch_size is not None and (int(batch_size) != batch_size or batch_size < 1):
            raise ValueError(f"batch_size must be a positive integer or None, got {batch_size!r}")
        if not learning_rate > 0:
            raise ValueError(f"learning_rate must be positive, got {learning_rate!r}")
        if not weight_decay >= 0:
            raise ValueError(f"weight_decay must be >= 0, got {weight_decay!r}")
        self.n_chi = int(n_chi)
        self.hidden = tuple(int(h) for h in hidden)
        self.activation = activation
        self.domain = domain
        self.n_iterations = int(n_iterations)
        self.n_steps = int(n_steps)
        self.learning_rate = float(learning_rate)
        self.weight_decay = float(weight_decay)
        self.batch_size = batch_size
        self.seed = int(seed)
        self.device = device
        self.dtype = dtype
        self.network: ChiNetwork | None = None
        self.losses: list[float] = []
        self.rate_history: list[float] = []
        self._data: BurstData | None = None

    def _transform(self, kchi: Tensor, chi: Tensor) -> Tensor:
        if self.n_chi == 1:
            return shift_scale(kchi)
        return match_permutation(inner_simplex(kchi), chi)

    @preserving_global_rng
    def fit(self, data: BurstData) -> ISOKANN:
        """Run the power iteration on ``data`` from freshly initialised weights.

        Parameters
        ----------
        data : BurstData
            Start points and bursts (see :func:`~effdyn.koopman.simulate_bursts`).

        Returns
        -------
        self
        """
        if not isinstance(data, BurstData):
            raise TypeError(f"data must be an effdyn.koopman.BurstData, got {type(data).__name__}")
        device = torch.device(self.device) if self.device is not None else data.x.device
        data = data.to(device=device, dtype=self.dtype)
        domain = self.domain
        if domain is None:
            lo = torch.minimum(data.x.min(0).values, data.y.amin((0, 1))).tolist()
            hi = torch.maximum(data.x.max(0).values, data.y.amax((0, 1))).tolist()
            domain = [(a, b if b > a else a + 1.0) for a, b in zip(lo, hi, strict=True)]
        torch.manual_seed(self.seed)
        net = ChiNetwork(data.dim, self.n_chi, self.hidden, self.activation, domain)
        net = net.to(device=device, dtype=self.dtype)
        opt = torch.optim.Adam(
            net.parameters(), lr=self.learning_rate, weight_decay=self.weight_decay
        )
        gen = torch.Generator(device=device).manual_seed(self.seed)
        x = data.x
        self.losses, self.rate_history = [], []
        for _ in range(self.n_iterations):
            with torch.no_grad():
                chi = net(x)
                kchi = data.koopman_average(net)
                target = self._transform(kchi, chi)
            loss = torch.zeros((), device=device)
            for _ in range(self.n_steps):
                if self.batch_size is None or self.batch_size >= data.n_points:
                    xb, tb = x, target
                else:
                    idx = torch.randperm(data.n_points, generator=gen, device=device)
                    idx = idx[: self.batch_size]
                    xb, tb = x[idx], target[idx]
                opt.zero_grad(set_to_none=True)
                loss = torch.mean((net(xb) - tb) ** 2)
                loss.backward()
                opt.step()
            self.losses.append(float(loss.detach()))
            with torch.no_grad():
                T = koopman_matrix(net(x), data.koopman_average(net))
            self.rate_history.append(float(relaxation_rates(T, data.tau)[1]))
        self.network = net
        self._data = data
        return self

    def fetch_model(self) -> ISOKANNModel:
        """An independent :class:`ISOKANNModel` of the current network."""
        if self.network is None or self._data is None:
            raise RuntimeError("call fit(data) before fetch_model()")
        net = copy.deepcopy(self.network).eval()
        for p in net.parameters():
            p.requires_grad_(False)
        with torch.no_grad():
            T = koopman_matrix(net(self._data.x), self._data.koopman_average(net))
        return ISOKANNModel(net, self._data.tau, T)
