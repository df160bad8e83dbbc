"""Autoencoder CVs: the bottleneck of a network trained to reconstruct its input."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn

from effdyn.cvs import _bib
from effdyn.cvs._training import (
    TrainingConfig,
    as_samples,
    as_weights,
    resolve_device,
    seeded_module,
    split,
    train,
)
from effdyn.cvs.losses import reconstruction_loss, weighted_moments
from effdyn.cvs.model import CVModel
from effdyn.neural.networks import MLP, check_layers

__all__ = ["AutoEncoder"]

Tensor = torch.Tensor


class _EncoderDecoder(nn.Module):
    def __init__(self, encoder_layers, decoder_layers, activation) -> None:
        super().__init__()
        self.encoder = MLP(encoder_layers, activation)
        self.decoder = MLP(decoder_layers, activation)

    def forward(self, x: Tensor) -> Tensor:
        return self.decoder(self.encoder(x))


class AutoEncoder:
    r"""An autoencoder CV: ``xi = f_enc``, trained on the reconstruction error.

    The encoder ``f_enc: R^d -> R^k`` and decoder ``f_dec: R^k -> R^d`` minimise
    ``E_mu |f_dec(f_enc(x)) - x|^2`` over samples of ``mu`` (Zhang and Schütte 2023, Sec. 2.1;
    Hinton and Salakhutdinov 2006). Nothing in the loss refers to the dynamics: the bottleneck
    keeps the directions of largest spread of ``mu``, which need not be the slow ones (the
    point the paper makes against eigenfunction CVs). With linear layers it is PCA.

    Parameters
    ----------
    encoder_layers : sequence of int
        ``[d, hidden..., k]``, e.g. ``[2, 20, 20, 20, 1]``.
    decoder_layers : sequence of int
        ``[k, hidden..., d]``, e.g. ``[1, 20, 20, 2]``.
    activation, lr, batch_size, n_epochs, test_ratio, seed, device, dtype
        As :class:`effdyn.cvs.GeneratorEigenfunctions`.

    Attributes (after :meth:`fit`)
    ------------------------------
    reconstruction_error_ : float
        The loss on all samples at the end of training (per epoch on the held-out ones in
        ``history_["test_loss"]``).
    history_ : dict
        ``train_loss``, ``test_loss`` per epoch.
    """

    bibtex = _bib.ZHANG_SCHUTTE_2023 + "\n" + _bib.HINTON_SALAKHUTDINOV_2006

    def __init__(
        self,
        encoder_layers: Sequence[int],
        decoder_layers: Sequence[int],
        *,
        activation: str | Callable[[], nn.Module] = "tanh",
        lr: float = 5e-3,
        batch_size: int = 1000,
        n_epochs: int = 200,
        test_ratio: float = 0.2,
        seed: int = 0,
        device: torch.device | str | None = None,
        dtype: torch.dtype = torch.float32,
    ) -> None:
        enc = check_layers(encoder_layers, "encoder_layers")
        dec = check_layers(decoder_layers, "decoder_layers")
        if dec[0] != enc[-1] or dec[-1] != enc[0]:
            raise ValueError(
                f"decoder_layers must map the {enc[-1]} latent dimensions back to the {enc[0]} "
                f"inputs ([{enc[-1]}, ..., {enc[0]}]), got {decoder_layers!r}"
            )
        self.encoder_layers, self.decoder_layers = enc, dec
        self.activation = activation
        self.config = TrainingConfig(lr, batch_size, n_epochs, test_ratio, seed, device, dtype)
        self.net_: _EncoderDecoder | None = None

    def fit(self, x: Any, weights: Any = None) -> AutoEncoder:
        """Train on samples ``x`` ``(N, d)`` of ``mu`` (optionally weighted); returns ``self``."""
        cfg = self.config
        device = resolve_device(cfg, x)
        x = as_samples(x, "x", device, cfg.dtype, dim=self.encoder_layers[0])
        w = as_weights(weights, x.shape[0], device, cfg.dtype)
        net = seeded_module(
            lambda: _EncoderDecoder(self.encoder_layers, self.decoder_layers, self.activation),
            cfg.seed,
            device,
            cfg.dtype,
        )
        train_idx, test_idx = split(x.shape[0], cfg.test_ratio, cfg.seed)

        def batch_loss(idx: Tensor) -> Tensor:
            return reconstruction_loss(x[idx], net(x[idx]), w[idx])

        self.history_ = train(list(net.parameters()), batch_loss, train_idx, test_idx, cfg, device)
        self.net_ = net
        with torch.no_grad():
            self.reconstruction_error_ = float(reconstruction_loss(x, net(x), w))
            mean, cov = weighted_moments(net.encoder(x), w)
        self._shift, self._scale = mean, torch.sqrt(torch.diagonal(cov))
        return self

    def fetch_model(self) -> CVModel:
        """The encoder as an independent :class:`CVModel` (standardised latent coordinates)."""
        if self.net_ is None:
            raise RuntimeError("call fit(...) before fetch_model()")
        return CVModel(
            copy.deepcopy(self.net_.encoder),
            self.encoder_layers[0],
            self._shift.clone(),
            self._scale.clone(),
            method="autoencoder",
        )

    def fetch_decoder(self) -> nn.Module:
        """An independent copy of the decoder (acting on the raw, unstandardised latent values)."""
        if self.net_ is None:
            raise RuntimeError("call fit(...) before fetch_decoder()")
        return copy.deepcopy(self.net_.decoder)
