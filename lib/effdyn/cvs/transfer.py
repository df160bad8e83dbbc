"""Leading eigenfunctions of the transfer operator at a lag time, learned from trajectory pairs."""

from __future__ import annotations

import copy
import math
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
from effdyn.cvs.losses import transfer_loss, weighted_moments
from effdyn.cvs.model import CVModel
from effdyn.neural.networks import StackedMLP, check_layers

__all__ = ["TransferEigenfunctions", "lagged_pairs"]

Tensor = torch.Tensor


def lagged_pairs(traj: Any, lag_steps: int, stride: int = 1) -> tuple[Tensor, Tensor]:
    """Pairs ``(x_t, x_{t + lag})`` of saved trajectories, starting every ``stride`` frames.

    Parameters
    ----------
    traj : Tensor ``(n_frames, B, d)`` or ``(n_frames, d)``
        Frames of ``B`` trajectories (as :func:`effdyn.sde.simulate` saves them), equally spaced.
    lag_steps : int
        The lag in frames (``tau = lag_steps * frame spacing``).
    stride : int
        Spacing of the starting frames (every trajectory contributes a pair at each of them).

    Returns
    -------
    x0, x_lag : Tensor ``(n_starts * B, d)``, ``n_starts = ceil((n_frames - lag_steps) /
    stride)``
    """
    t = torch.as_tensor(traj)
    if t.ndim == 2:
        t = t[:, None, :]
    if t.ndim != 3:
        raise ValueError(f"traj must have shape (n_frames, B, d) or (n_frames, d), got {t.shape}")
    lag = positive_int(lag_steps, "lag_steps")
    if lag >= t.shape[0]:
        raise ValueError(f"lag_steps={lag} must be smaller than the {t.shape[0]} frames")
    step = positive_int(stride, "stride")
    d = t.shape[-1]
    return t[:-lag:step].reshape(-1, d), t[lag::step].reshape(-1, d)


class TransferEigenfunctions:
    r"""The ``k`` leading eigenfunctions of the transfer operator ``P_tau = exp(tau L)``.

    For a reversible process the eigenfunctions of ``P_tau`` are those of ``L``, with
    eigenvalues ``exp(-lambda_i tau)``. Each is a network ``f_i`` trained on pairs ``(X_0,
    X_tau)`` of a stationary trajectory by minimising (Zhang and Schütte 2023, Sec. 2.2)

    .. math:: \sum_{m=1}^k \omega_m \frac{E[|f_{(m)}(X_\tau) - f_{(m)}(X_0)|^2]}
              {2\tau\, \mathrm{Var}_\mu f_{(m)}}
              + \alpha \sum_{i \le j} (\mathrm{Cov}_\mu(f_i, f_j) - \delta_{ij})^2 ,

    a Rayleigh quotient of ``(I - P_tau) / tau`` (each term is ``(1 - rho_i(tau)) / tau`` with
    ``rho_i`` the autocorrelation of ``f_i``; maximising autocorrelations is the VAMP/TICA
    principle). At the minimum the quotients are ``(1 - exp(-lambda_i tau)) / tau``, which tends
    to ``lambda_i`` as ``tau -> 0``; no gradients of the data are needed.

    Parameters
    ----------
    layers : sequence of int
        ``[d, hidden..., 1]`` per eigenfunction.
    n_eigenfunctions : int
    lag : float
        ``tau`` (time between the two ends of each pair; used to scale the quotients).
    penalty, eig_weights, activation, lr, batch_size, n_epochs, test_ratio, seed, device, dtype
        As :class:`effdyn.cvs.GeneratorEigenfunctions`.

    Attributes (after :meth:`fit`)
    ------------------------------
    eigenvalues_ : numpy.ndarray ``(k,)``
        The quotients ``(1 - rho_i) / tau`` on all pairs, increasing.
    autocorrelations_ : numpy.ndarray ``(k,)``
        ``rho_i = 1 - tau * eigenvalues_``.
    rates_ : numpy.ndarray ``(k,)``
        ``-log(rho_i) / tau``: estimates of ``lambda_i`` (``nan`` where ``rho_i <= 0``).
    loss_, penalty_, history_
        As :class:`effdyn.cvs.GeneratorEigenfunctions`.
    """

    bibtex = _bib.ZHANG_SCHUTTE_2023

    def __init__(
        self,
        layers: Sequence[int],
        n_eigenfunctions: int = 1,
        *,
        lag: float,
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
        self.lag = positive(lag, "lag")
        self.penalty = positive(penalty, "penalty", allow_zero=True)
        self.omega = _eig_weights(eig_weights, self.k)
        self.activation = activation
        self.config = TrainingConfig(lr, batch_size, n_epochs, test_ratio, seed, device, dtype)
        self.net_: StackedMLP | None = None

    def fit(self, x0: Any, x_lag: Any, weights: Any = None) -> TransferEigenfunctions:
        """Train on pairs: ``x0[n]`` and ``x_lag[n]`` ``(N, d)`` are ``tau`` apart."""
        cfg = self.config
        device = resolve_device(cfg, x0)
        x0 = as_samples(x0, "x0", device, cfg.dtype, dim=self.layers[0])
        xt = as_samples(x_lag, "x_lag", device, cfg.dtype, dim=self.layers[0])
        if xt.shape != x0.shape:
            raise ValueError(f"x0 {tuple(x0.shape)} and x_lag {tuple(xt.shape)} must match")
        w = as_weights(weights, x0.shape[0], device, cfg.dtype)
        omega = torch.tensor(self.omega, device=device, dtype=cfg.dtype)
        net = seeded_module(
            lambda: StackedMLP(self.layers, self.k, self.activation), cfg.seed, device, cfg.dtype
        )
        train_idx, test_idx = split(x0.shape[0], cfg.test_ratio, cfg.seed)

        def losses(idx: Tensor):
            return transfer_loss(net(x0[idx]), net(xt[idx]), w[idx], self.lag, omega, self.penalty)

        self.history_ = train(
            list(net.parameters()), lambda i: losses(i)[0], train_idx, test_idx, cfg, device
        )
        with torch.no_grad():
            # Final numbers on all pairs: the held-out part alone is a noisy estimate.
            loss, quotients, penalty, order = losses(torch.arange(x0.shape[0], device=device))
        net.members = nn.ModuleList(net.members[int(i)] for i in order.cpu())
        self.net_ = net
        self.loss_ = float(loss)
        self.penalty_ = float(penalty)
        self.eigenvalues_ = quotients.cpu().double().numpy()
        self.autocorrelations_ = 1.0 - self.lag * self.eigenvalues_
        with np.errstate(invalid="ignore", divide="ignore"):
            rho = self.autocorrelations_
            safe = np.where(rho > 0, rho, 1.0)
            self.rates_ = np.where(rho > 0, -np.log(safe) / self.lag, math.nan)
        with torch.no_grad():
            mean, cov = weighted_moments(net(torch.cat([x0, xt])), torch.cat([w, w]))
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
            eigenvalues=torch.as_tensor(self.rates_),
            method=f"transfer-operator eigenfunctions (lag {self.lag:g})",
        )
