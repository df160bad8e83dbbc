"""Leading eigenfunctions of the generator learned by a variational (Rayleigh-quotient) loss."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from effdyn.cvs import _bib
from effdyn.cvs._training import (
    TrainingConfig,
    as_samples,
    as_weights,
    positive,
    positive_int,
    resolve_device,
    seeded_module,
    split,
    train,
)
from effdyn.cvs._training import eig_weights as _eig_weights
from effdyn.cvs.losses import generator_loss, weighted_moments
from effdyn.cvs.model import CVModel, cv_jacobian
from effdyn.neural.networks import StackedMLP, check_layers

__all__ = ["GeneratorEigenfunctions"]

Tensor = torch.Tensor


class GeneratorEigenfunctions:
    r"""The ``k`` leading eigenfunctions of the generator of overdamped Langevin dynamics.

    For ``dX = -D grad V dt + sqrt(2 D / beta) dW`` the generator ``L = D(-grad V . grad +
    beta^{-1} Laplace)`` is self-adjoint in ``L^2(mu)``, ``mu ~ exp(-beta V)``, with eigenvalues
    ``0 = lambda_0 < lambda_1 <= lambda_2 <= ...`` of ``-L``. Each eigenfunction is a network
    ``f_i`` (``layers``, one network per function) trained on samples of ``mu`` by minimising
    (Zhang and Schütte 2023, Sec. 2.2; Zhang, Li and Schütte 2022)

    .. math:: \sum_{m=1}^k \omega_m \frac{\beta^{-1} E_\mu[(D\nabla f_{(m)}) \cdot
              \nabla f_{(m)}]}{\mathrm{Var}_\mu f_{(m)}}
              + \alpha \sum_{i \le j} (\mathrm{Cov}_\mu(f_i, f_j) - \delta_{ij})^2,

    ``f_(m)`` ranked by their Rayleigh quotients, ``omega_1 > ... > omega_k > 0``. At the
    minimum the quotients are ``lambda_1, ..., lambda_k``; with ``k = 1`` and ``omega = (1,)``
    the loss itself converges to ``lambda_1``. Gradients ``grad f`` are taken by autograd.

    Parameters
    ----------
    layers : sequence of int
        Widths of each eigenfunction's network ``[d, hidden..., 1]``, e.g. ``[2, 20, 20, 20, 1]``.
    n_eigenfunctions : int
        ``k``.
    beta : float
        Inverse temperature of the dynamics that sampled the data.
    diffusion : float or sequence of float
        The diagonal of ``D`` (``a`` in the paper); default 1.
    penalty : float
        ``alpha`` (20 in the paper's examples).
    eig_weights : sequence of float, optional
        ``omega`` (default ``1, 1/2, ..., 1/k``).
    activation : str or module factory
        Default ``"tanh"`` as in the paper.
    lr, batch_size, n_epochs, test_ratio
        Adam learning rate, mini-batch size, epochs, fraction of data held out for evaluation
        (the paper: 5e-3, 1000, 200, 0.2).
    seed : int
        Seeds the initialisation, the split and the shuffling.
    device, dtype
        Where and in what precision to train (default: the data's device, float32).

    Attributes (after :meth:`fit`)
    ------------------------------
    eigenvalues_ : numpy.ndarray ``(k,)``
        Rayleigh quotients of the trained functions on all samples, increasing.
    loss_ : float
        The loss on all samples at the end of training (``-> lambda_1`` for ``k = 1``). (The
        held-out samples alone give a noisier number; their loss per epoch is in
        ``history_["test_loss"]``.)
    penalty_ : float
        The penalty term at the end of training.
    history_ : dict
        ``train_loss``, ``test_loss`` per epoch.

    Examples
    --------
    >>> est = GeneratorEigenfunctions([2, 20, 20, 20, 1], beta=1.0).fit(samples)  # doctest: +SKIP
    >>> xi = est.fetch_model()     # CVModel, z = xi(x) standardised; est.eigenvalues_[0] ~ lambda_1
    """

    bibtex = _bib.ZHANG_SCHUTTE_2023 + "\n" + _bib.ZHANG_SCHUTTE_2022

    def __init__(
        self,
        layers: Sequence[int],
        n_eigenfunctions: int = 1,
        *,
        beta: float,
        diffusion: float | Sequence[float] = 1.0,
        penalty: float = 20.0,
        eig_weights: Sequence[float] | None = None,
        activation: str | Callable[[], nn.Module] = "tanh",
        lr: float = 5e-3,
        batch_size: int = 1000,
        n_epochs: int = 200,
        test_ratio: float = 0.2,
        seed: int = 0,
        device: torch.device | str | None = None,
        dtype: torch.dtype = torch.float32,
    ) -> None:
        self.layers = check_layers(layers)
        if self.layers[-1] != 1:
            raise ValueError(f"layers must end with 1 (one network per eigenfunction): {layers}")
        self.k = positive_int(n_eigenfunctions, "n_eigenfunctions")
        self.beta = positive(beta, "beta")
        d = np.atleast_1d(np.asarray(diffusion, dtype=np.float64))
        if d.ndim != 1 or len(d) not in (1, self.layers[0]) or not np.all(d > 0):
            raise ValueError(
                f"diffusion must be positive, one value or {self.layers[0]}, got {diffusion!r}"
            )
        self.diffusion = d
        self.penalty = positive(penalty, "penalty", allow_zero=True)
        self.omega = _eig_weights(eig_weights, self.k)
        self.activation = activation
        self.config = TrainingConfig(lr, batch_size, n_epochs, test_ratio, seed, device, dtype)
        self.net_: StackedMLP | None = None

    def _loss(self, net, x: Tensor, w: Tensor, sort: bool = True, create_graph: bool = True):
        y, grad = cv_jacobian(net, x, create_graph=create_graph)
        return generator_loss(
            y, grad, w, self.beta, self._omega, self.penalty, self._diffusion, sort=sort
        )

    def fit(self, x: Any, weights: Any = None) -> GeneratorEigenfunctions:
        """Train on samples ``x`` ``(N, d)`` of ``mu`` (optionally weighted); returns ``self``."""
        cfg = self.config
        device = resolve_device(cfg, x)
        x = as_samples(x, "x", device, cfg.dtype, dim=self.layers[0])
        w = as_weights(weights, x.shape[0], device, cfg.dtype)
        self._omega = torch.tensor(self.omega, device=device, dtype=cfg.dtype)
        self._diffusion = torch.as_tensor(self.diffusion, device=device, dtype=cfg.dtype)
        net = seeded_module(
            lambda: StackedMLP(self.layers, self.k, self.activation), cfg.seed, device, cfg.dtype
        )
        train_idx, test_idx = split(x.shape[0], cfg.test_ratio, cfg.seed)

        def batch_loss(idx: Tensor) -> Tensor:
            return self._loss(net, x[idx], w[idx])[0]

        self.history_ = train(list(net.parameters()), batch_loss, train_idx, test_idx, cfg, device)
        # Final numbers on all samples: the held-out part alone is a noisy estimate.
        loss, quotients, penalty, order = self._loss(net, x, w, create_graph=False)
        # Store the networks in ranked order: component m is the m-th eigenfunction.
        net.members = nn.ModuleList(net.members[int(i)] for i in order.cpu())
        self.net_ = net
        self.loss_ = float(loss.detach())
        self.penalty_ = float(penalty)
        self.eigenvalues_ = quotients.cpu().double().numpy()
        with torch.no_grad():
            mean, cov = weighted_moments(net(x), w)
        self._shift, self._scale = mean, torch.sqrt(torch.diagonal(cov))
        return self

    def fetch_model(self) -> CVModel:
        """The learned eigenfunctions as an independent :class:`CVModel` (``k`` outputs)."""
        if self.net_ is None:
            raise RuntimeError("call fit(...) before fetch_model()")
        return CVModel(
            copy.deepcopy(self.net_),
            self.layers[0],
            self._shift.clone(),
            self._scale.clone(),
            eigenvalues=torch.as_tensor(self.eigenvalues_),
            method="generator eigenfunctions",
        )
