"""Learning a slow manifold from data: an autoencoder and the time-evolving Auto-SDE variant.

Feng et al. (2023, step 2) learn the invariant slow manifold ``y = h(x)`` of a slow-fast SDE
with "Auto-SDE": a sequence of time-dependent autoencoders trained on overlapping time windows of
an ensemble that the identified SDE pushes forward (Euler-Maruyama), until the ensemble has
collapsed onto the manifold and its distribution stops changing.

* :class:`SlowManifoldAutoencoder` fits one autoencoder with a ``k``-dimensional bottleneck to
  points; its model decodes the latent range into the manifold and reads off the graph
  ``h(x)`` of the fast coordinates over the slow ones (one slow coordinate).
* :class:`AutoSDE` is our simplified time-evolving variant: the ensemble is pushed forward window
  by window with a core integrator of :mod:`effdyn.sde`; one autoencoder with the time as an
  extra input is trained on each window, warm-started from the previous one (the sequence of
  time-dependent autoencoders), until the sliced Wasserstein distance between the first and last
  frames of a window falls below ``tol``. The paper's LSTM time stepper is not used.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
import torch

from effdyn._seeding import preserving_global_rng
from effdyn.effective._bib import FENG_2023
from effdyn.neural.networks import tanh_mlp as _mlp

__all__ = ["AutoSDE", "AutoencoderModel", "SlowManifoldAutoencoder", "sliced_wasserstein"]

Tensor = torch.Tensor


def sliced_wasserstein(a: Tensor, b: Tensor, n_directions: int = 64, seed: int = 0) -> float:
    """Sliced 1-Wasserstein distance of two equally sized point clouds ``(n, d)``."""
    if a.shape != b.shape or a.ndim != 2:
        raise ValueError(f"a and b must have the same shape (n, d), got {a.shape}, {b.shape}")
    gen = torch.Generator().manual_seed(seed)
    u = torch.randn(a.shape[1], n_directions, generator=gen, dtype=torch.float64)
    u = (u / u.norm(dim=0, keepdim=True)).to(a.device, a.dtype)
    pa, _ = torch.sort(a @ u, dim=0)
    pb, _ = torch.sort(b @ u, dim=0)
    return float((pa - pb).abs().mean())


class AutoencoderModel:
    """Encoder ``R^d (+ time) -> R^k`` and decoder ``R^k (+ time) -> R^d`` with a data scaling.

    ``time`` is ``None`` for a plain autoencoder; a time-dependent one takes ``t`` (a float) as
    an extra input of both networks.
    """

    bibtex = FENG_2023

    def __init__(
        self,
        encoder: torch.nn.Module,
        decoder: torch.nn.Module,
        center: Tensor,
        scale: Tensor,
        latent_range: tuple[float, float],
        time_dependent: bool = False,
        time: float | None = None,
    ) -> None:
        self.encoder, self.decoder = encoder.eval(), decoder.eval()
        self.center, self.scale = center, scale
        self.latent_range = latent_range
        self.time_dependent = time_dependent
        self.time = time
        p = next(encoder.parameters())
        self.device, self.dtype = p.device, p.dtype

    def _with_time(self, u: Tensor, t: float | None) -> Tensor:
        if not self.time_dependent:
            return u
        t = self.time if t is None else t
        return torch.cat([u, torch.full_like(u[:, :1], float(t))], 1)

    def encode(self, z: Tensor, t: float | None = None) -> Tensor:
        """Latent coordinates ``(B, k)`` of points ``(B, d)``."""
        zs = (z.to(self.device, self.dtype) - self.center) / self.scale
        with torch.no_grad():
            return self.encoder(self._with_time(zs, t)).to(device=z.device, dtype=z.dtype)

    def decode(self, u: Tensor, t: float | None = None) -> Tensor:
        """Points ``(B, d)`` on the learned manifold for latent values ``(B, k)``."""
        with torch.no_grad():
            out = self.decoder(self._with_time(u.to(self.device, self.dtype), t))
        return (out * self.scale + self.center).to(device=u.device, dtype=u.dtype)

    def reconstruct(self, z: Tensor, t: float | None = None) -> Tensor:
        """``decode(encode(z))``."""
        return self.decode(self.encode(z, t), t)

    def graph(
        self, x: Any, slow: int = 0, t: float | None = None, n_latent: int = 2001
    ) -> np.ndarray:
        """The fast coordinates over the slow one: ``h(x)``, shape ``(len(x), d - 1)``.

        Decodes ``n_latent`` values spanning the latent range seen in training (one latent
        dimension), orders the decoded curve by its slow coordinate and interpolates.
        """
        lo, hi = self.latent_range
        u = torch.linspace(lo, hi, int(n_latent), dtype=self.dtype, device=self.device)[:, None]
        curve = self.decode(u, t).detach().cpu().double().numpy()
        order = np.argsort(curve[:, slow])
        xs = curve[order, slow]
        x = np.asarray(x, dtype=np.float64)
        fast = [i for i in range(curve.shape[1]) if i != slow]
        return np.stack([np.interp(x, xs, curve[order, i]) for i in fast], axis=1)


def _train(
    encoder: torch.nn.Module,
    decoder: torch.nn.Module,
    data: Tensor,
    epochs: int,
    batch_size: int,
    lr: float,
    gen: torch.Generator,
    time_column: Tensor | None = None,
) -> list[float]:
    params = list(encoder.parameters()) + list(decoder.parameters())
    opt = torch.optim.Adam(params, lr=lr)
    n = data.shape[0]
    steps = max(1, math.ceil(n / batch_size)) * epochs
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    history = []
    for _ in range(epochs):
        order = torch.randperm(n, generator=gen).to(data.device)
        total = 0.0
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            xb = data[idx]
            if time_column is not None:
                tb = time_column[idx]
                latent = encoder(torch.cat([xb, tb], 1))
                out = decoder(torch.cat([latent, tb], 1))
            else:
                out = decoder(encoder(xb))
            loss = ((out - xb) ** 2).sum(1).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * idx.numel()
        history.append(total / n)
    return history


class SlowManifoldAutoencoder:
    """An autoencoder with a ``latent_dim`` bottleneck fitted to points near a slow manifold.

    Parameters
    ----------
    latent_dim : int
        Dimension of the manifold (the number of slow variables).
    width, depth : int
        Hidden width and hidden layers (tanh) of encoder and decoder.
    epochs, batch_size, lr : training schedule (Adam, cosine decay).
    seed : int
        Seed of initialisation and minibatch order.
    dtype : torch.dtype
        Training precision (float32 by default).
    n_init : int
        Independent initialisations (seeds ``seed, seed + 1, ...``); the one with the lowest
        final training loss is kept. A one-dimensional bottleneck can "tear" a curve (map one
        arc into the latent gap of another), a local minimum with a clearly higher loss that a
        few restarts avoid.

    Attributes (after :meth:`fit`)
    ------------------------------
    loss_history_ : list of float
        Mean training loss per epoch of the kept initialisation.
    init_losses_ : list of float
        Final training loss of every initialisation.
    """

    bibtex = FENG_2023

    def __init__(
        self,
        latent_dim: int = 1,
        width: int = 32,
        depth: int = 2,
        *,
        epochs: int = 50,
        batch_size: int = 512,
        lr: float = 3e-3,
        seed: int = 0,
        dtype: torch.dtype = torch.float32,
        n_init: int = 1,
    ) -> None:
        for name, v in (
            ("latent_dim", latent_dim),
            ("width", width),
            ("depth", depth),
            ("n_init", n_init),
        ):
            if int(v) != v or v < 1:
                raise ValueError(f"{name} must be a positive integer, got {v!r}")
        if int(epochs) != epochs or epochs < 1:
            raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
        self.latent_dim, self.width, self.depth = int(latent_dim), int(width), int(depth)
        self.epochs, self.batch_size, self.lr = int(epochs), int(batch_size), float(lr)
        self.seed, self.dtype, self.n_init = int(seed), dtype, int(n_init)

    @preserving_global_rng
    def _networks(
        self, d: int, extra: int, device: torch.device, offset: int = 0
    ) -> tuple[Any, Any]:
        torch.manual_seed(self.seed + offset)
        enc = _mlp(d + extra, self.latent_dim, self.width, self.depth)
        dec = _mlp(self.latent_dim + extra, d, self.width, self.depth)
        return enc.to(device, self.dtype), dec.to(device, self.dtype)

    def _prepare(self, points: Any) -> Tensor:
        z = torch.as_tensor(points)
        if z.ndim != 2 or z.shape[1] <= self.latent_dim:
            raise ValueError(
                f"points must have shape (n, d) with d > latent_dim = {self.latent_dim}, "
                f"got {tuple(z.shape)}"
            )
        if not bool(torch.isfinite(z).all()):
            raise ValueError("points must be finite")
        return z.to(dtype=self.dtype)

    def fit(self, points: Any) -> SlowManifoldAutoencoder:
        """Fit to points ``(n, d)``."""
        z = self._prepare(points)
        self.center_, self.scale_ = z.mean(0), z.std(0).clamp_min(1e-12)
        zs = (z - self.center_) / self.scale_
        runs = []
        for k in range(self.n_init):
            enc, dec = self._networks(z.shape[1], 0, z.device, offset=k)
            gen = torch.Generator().manual_seed(self.seed + k)
            history = _train(enc, dec, zs, self.epochs, self.batch_size, self.lr, gen)
            runs.append((history[-1], history, enc, dec))
        self.init_losses_ = [r[0] for r in runs]
        _, self.loss_history_, enc, dec = min(runs, key=lambda r: r[0])
        with torch.no_grad():
            lat = enc(zs)
        self.latent_range_ = (float(lat.min()), float(lat.max()))
        self._nets = (enc, dec)
        return self

    def fetch_model(self) -> AutoencoderModel:
        """An independent :class:`AutoencoderModel`."""
        if not hasattr(self, "_nets"):
            raise RuntimeError("call fit(points) before fetch_model()")
        return AutoencoderModel(
            copy.deepcopy(self._nets[0]),
            copy.deepcopy(self._nets[1]),
            self.center_.clone(),
            self.scale_.clone(),
            self.latent_range_,
        )


class AutoSDE(SlowManifoldAutoencoder):
    """Time-evolving autoencoders on an ensemble pushed forward by an (identified) SDE.

    Parameters
    ----------
    integrator : effdyn.sde.Integrator
        The scheme and problem that push the ensemble, e.g. ``EulerMaruyama(model.to_sde())``
        for a model identified by :class:`~effdyn.effective.PolynomialCoefficients`.
    dt : float
        Step of the push-forward.
    window_steps : int
        Steps per window; frames are saved every ``save_every`` steps.
    max_windows : int
        Most windows pushed.
    tol : float
        Stop once the sliced Wasserstein distance between the first and last frames of a
        window (the change of the ensemble's distribution) is below ``tol``.
    save_every : int
        Steps between saved frames.
    **kwargs
        The autoencoder's options (:class:`SlowManifoldAutoencoder`); ``epochs`` is per window.

    Attributes (after :meth:`fit`)
    ------------------------------
    changes_ : list of float
        Distribution change of each window.
    init_losses_ : list of float
        Loss of every initialisation on the last window (``n_init`` of them; the lowest is
        kept).
    ensemble_ : Tensor
        The final ensemble.
    times_ : list of float
        End time of each window.
    """

    def __init__(
        self,
        integrator: Any,
        dt: float,
        window_steps: int = 50,
        *,
        max_windows: int = 20,
        tol: float = 1e-2,
        save_every: int = 5,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not dt > 0:
            raise ValueError(f"dt must be positive, got {dt!r}")
        for name, v in (
            ("window_steps", window_steps),
            ("max_windows", max_windows),
            ("save_every", save_every),
        ):
            if int(v) != v or v < 1:
                raise ValueError(f"{name} must be a positive integer, got {v!r}")
        self.integrator, self.dt = integrator, float(dt)
        self.window_steps, self.max_windows = int(window_steps), int(max_windows)
        self.tol, self.save_every = float(tol), int(save_every)

    def fit(self, points: Any) -> AutoSDE:
        """Push the ensemble ``points (n, d)`` forward window by window and train as it goes."""
        from effdyn.sde import simulate

        z = self._prepare(points).to(torch.float64)
        nets: list[tuple[Any, Any]] = []
        gens = [torch.Generator().manual_seed(self.seed + i) for i in range(self.n_init)]
        histories: list[list[float]] = [[] for _ in range(self.n_init)]
        self.changes_, self.times_ = [], []
        t = 0.0
        window_time = self.window_steps * self.dt
        for k in range(self.max_windows):
            res = simulate(
                self.integrator,
                z,
                self.dt,
                self.window_steps,
                t0=t,
                seed=self.seed + 1 + k,
                save_every=self.save_every,
            )
            frames = res.traj.to(self.dtype)  # (F, n, d)
            t_start, t = t, t + window_time
            z = res.x
            if k == 0:
                self.center_ = frames.reshape(-1, frames.shape[2]).mean(0)
                self.scale_ = frames.reshape(-1, frames.shape[2]).std(0).clamp_min(1e-12)
                nets = [
                    self._networks(frames.shape[2], 1, frames.device, offset=i)
                    for i in range(self.n_init)
                ]
            n_frames, n = frames.shape[:2]
            # time inside the window, in [0, 1]: the k-th time-dependent autoencoder
            rel_time = ((res.times - t_start) / window_time).to(frames.device, self.dtype)
            data = ((frames - self.center_) / self.scale_).reshape(n_frames * n, -1)
            time_col = rel_time[:, None].expand(n_frames, n).reshape(-1, 1)
            for i, (enc, dec) in enumerate(nets):
                histories[i] += _train(
                    enc, dec, data, self.epochs, self.batch_size, self.lr, gens[i], time_col
                )
            change = sliced_wasserstein(frames[0].double(), frames[-1].double(), seed=k)
            self.changes_.append(change)
            self.times_.append(t)
            if change < self.tol:
                break
        # keep the initialisation with the lowest loss on the last window
        self.init_losses_ = [h[-1] for h in histories]
        best = int(np.argmin(self.init_losses_))
        enc, dec = nets[best]
        self.loss_history_ = histories[best]
        self.final_time_ = 1.0  # time input of the last frame of the last window
        zs = (z.to(self.dtype) - self.center_) / self.scale_
        with torch.no_grad():
            lat = enc(torch.cat([zs, torch.ones_like(zs[:, :1])], 1))
        self.latent_range_ = (float(lat.min()), float(lat.max()))
        self.ensemble_ = z
        self._nets = (enc, dec)
        return self

    def fetch_model(self) -> AutoencoderModel:
        """The autoencoder at the final time, as an independent :class:`AutoencoderModel`."""
        if not hasattr(self, "_nets"):
            raise RuntimeError("call fit(points) before fetch_model()")
        return AutoencoderModel(
            copy.deepcopy(self._nets[0]),
            copy.deepcopy(self._nets[1]),
            self.center_.clone(),
            self.scale_.clone(),
            self.latent_range_,
            time_dependent=True,
            time=self.final_time_,
        )
