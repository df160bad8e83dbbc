"""Drift and diffusion of a d-dimensional SDE from short bursts: Hermite regression and a network.

Feng et al. (2023, step 1) identify the slow-fast SDE from short-time data without splitting it
into slow and fast parts: the Kramers-Moyal conditional moments of the increment ``dz`` over a
short lag ``tau``,

``b_i(z) ~ E[dz_i | z] / tau``,  ``a_ii(z) ~ E[(dz_i - b_i tau)^2 | z] / tau``,

are regressed on a dictionary of Hermite polynomials by least squares
(:class:`PolynomialCoefficients`). :class:`NeuralCoefficients` is the neural-network
alternative: networks for ``b`` and ``log a`` trained by the Gaussian likelihood of the
Euler-Maruyama transition ``dz ~ N(b tau, a tau)``. Both fit diagonal diffusion
``a = diag(sigma_i^2)`` and return, by ``fetch_model()``, an independent model with
``drift(z)``, ``diffusion(z)`` (shapes ``(B, d)``) and ``to_sde()``.
"""

from __future__ import annotations

import copy
import itertools
import math
from typing import Any

import numpy as np
import torch

from effdyn._seeding import preserving_global_rng
from effdyn.effective._bib import FENG_2023, KRAMERS_MOYAL
from effdyn.neural.networks import tanh_mlp as _mlp

__all__ = [
    "NeuralCoefficients",
    "NeuralSDEModel",
    "PolynomialCoefficients",
    "PolynomialSDEModel",
    "burst_increments",
    "hermite_features",
    "multi_indices",
    "pairs_from_paths",
]

Tensor = torch.Tensor

NEURAL_BIB = r"""@article{dietrich2023learning,
  author  = {Dietrich, Felix and Makeev, Alexei and Kevrekidis, George and Evangelou, Nikolaos
             and Bertalan, Tom and Reich, Sebastian and Kevrekidis, Ioannis G.},
  title   = {Learning effective stochastic differential equations from microscopic simulations:
             Linking stochastic numerics to deep learning},
  journal = {Chaos},
  volume  = {33},
  number  = {2},
  pages   = {023121},
  year    = {2023},
  doi     = {10.1063/5.0113632}
}"""


#: Starting points per chunk of the accumulated normal equations.
CHUNK_ROWS = 1 << 18


def multi_indices(dim: int, degree: int) -> list[tuple[int, ...]]:
    """All multi-indices ``alpha`` of ``dim`` entries with total degree ``|alpha| <= degree``."""
    if dim < 1:
        raise ValueError(f"dim must be >= 1, got {dim}")
    if degree < 0:
        raise ValueError(f"degree must be >= 0, got {degree}")
    out = [a for a in itertools.product(range(degree + 1), repeat=dim) if sum(a) <= degree]
    return sorted(out, key=lambda a: (sum(a), tuple(-v for v in a)))


def hermite_features(z: Tensor, indices: list[tuple[int, ...]]) -> Tensor:
    """Products of probabilists' Hermite polynomials ``prod_i He_{alpha_i}(z_i)``, ``(B, P)``.

    ``He_0 = 1``, ``He_1 = z``, ``He_{n+1} = z He_n - n He_{n-1}``.
    """
    if z.ndim != 2:
        raise ValueError(f"z must have shape (B, d), got {tuple(z.shape)}")
    top = max(max(a) for a in indices)
    he = [torch.ones_like(z), z]
    for n in range(1, top):
        he.append(z * he[n] - n * he[n - 1])
    cols = []
    for a in indices:
        f = torch.ones_like(z[:, 0])
        for i, k in enumerate(a):
            if k:
                f = f * he[k][:, i]
        cols.append(f)
    return torch.stack(cols, dim=1)


def burst_increments(z0: Any, z_tau: Any) -> tuple[Tensor, Tensor]:
    """Check and broadcast bursts: ``z0 (n, d)`` and ``z_tau (n, d)`` or ``(n, r, d)``.

    Returns ``z0 (n, d)`` and the increments ``dz (n, r, d)`` in float64 (on ``z0``'s device).
    """
    z0 = torch.as_tensor(z0)
    zt = torch.as_tensor(z_tau, device=z0.device)
    z0 = z0.to(torch.float64)
    zt = zt.to(torch.float64)
    if z0.ndim != 2:
        raise ValueError(f"z0 must have shape (n, d), got {tuple(z0.shape)}")
    if zt.ndim == 2:
        zt = zt[:, None, :]
    if zt.ndim != 3 or zt.shape[0] != z0.shape[0] or zt.shape[2] != z0.shape[1]:
        raise ValueError(
            f"z_tau must have shape (n, d) or (n, r, d) with (n, d) = {tuple(z0.shape)}, "
            f"got {tuple(torch.as_tensor(z_tau).shape)}"
        )
    if not (bool(torch.isfinite(z0).all()) and bool(torch.isfinite(zt).all())):
        raise ValueError("z0 and z_tau must be finite")
    return z0, zt - z0[:, None, :]


def pairs_from_paths(paths: Tensor, lag: int = 1) -> tuple[Tensor, Tensor]:
    """All pairs ``(z_k, z_{k+lag})`` of saved paths ``(T, B, d)``, as ``z0, z_tau`` ``(N, d)``.

    Turns short bursts saved every ``tau / lag`` (e.g. ``simulate(..., save_every=...).traj``)
    into the increments the estimators take, with lag ``tau``.
    """
    if paths.ndim != 3:
        raise ValueError(f"paths must have shape (T, B, d), got {tuple(paths.shape)}")
    if int(lag) != lag or not 1 <= lag < paths.shape[0]:
        raise ValueError(f"lag must be an integer in [1, {paths.shape[0] - 1}], got {lag!r}")
    d = paths.shape[2]
    return paths[:-lag].reshape(-1, d), paths[lag:].reshape(-1, d)


def _check_tau(tau: float) -> float:
    tau = float(tau)
    if not np.isfinite(tau) or tau <= 0:
        raise ValueError(f"tau must be a positive number, got {tau!r}")
    return tau


def _sde_from(drift, diffusion, name: str) -> Any:
    from effdyn.sde import SDE

    def b(t: float, x: Tensor) -> Tensor:
        return drift(x)

    def sigma(t: float, x: Tensor) -> Tensor:
        return diffusion(x).clamp_min(0.0).sqrt()

    return SDE(b, sigma, time_homogeneous=True, name=name)


class PolynomialSDEModel:
    """An SDE with drift and diagonal diffusion that are Hermite polynomial expansions.

    ``drift(z)[:, i] = sum_p C_b[p, i] H_p(z)`` and ``diffusion(z)[:, i] = sum_p C_a[p, i]
    H_p(z)`` (the variance ``sigma_i^2``), with ``H_p`` the products of :func:`hermite_features`.
    """

    bibtex = FENG_2023

    def __init__(
        self, indices: list[tuple[int, ...]], drift_coef: np.ndarray, diffusion_coef: np.ndarray
    ) -> None:
        self.indices = list(indices)
        self.drift_coef = np.asarray(drift_coef, dtype=np.float64)
        self.diffusion_coef = np.asarray(diffusion_coef, dtype=np.float64)
        self.dim = self.drift_coef.shape[1]

    def _eval(self, coef: np.ndarray, z: Tensor) -> Tensor:
        if z.ndim != 2 or z.shape[1] != self.dim:
            raise ValueError(f"z must have shape (B, {self.dim}), got {tuple(z.shape)}")
        c = torch.as_tensor(coef, device=z.device, dtype=z.dtype)
        return hermite_features(z, self.indices) @ c

    def drift(self, z: Tensor) -> Tensor:
        """The drift ``b(z)``, ``(B, d)``."""
        return self._eval(self.drift_coef, z)

    def diffusion(self, z: Tensor) -> Tensor:
        """The diagonal diffusion ``a(z) = sigma(z)^2``, ``(B, d)``."""
        return self._eval(self.diffusion_coef, z)

    def to_sde(self) -> Any:
        """An :class:`effdyn.sde.SDE` (diagonal noise, ``sigma = sqrt(max(a, 0))``)."""
        return _sde_from(self.drift, self.diffusion, "PolynomialSDE")


class PolynomialCoefficients:
    """Least-squares Hermite regression of Kramers-Moyal drift and diagonal diffusion.

    Parameters
    ----------
    degree : int
        Total degree of the Hermite dictionary (the paper uses low degrees, e.g. 3).
    diffusion_degree : int, optional
        Degree for the diffusion (default ``degree``; 0 fits a constant).
    ridge : float
        Tikhonov regularisation of the normal equations (relative to their diagonal).

    Attributes (after :meth:`fit`)
    ------------------------------
    indices_ : list of tuple
        The multi-indices of the dictionary.
    drift_coef_, diffusion_coef_ : numpy.ndarray ``(P, d)``
        The coefficients.
    drift_cov_, diffusion_cov_ : numpy.ndarray ``(d, P, P)``
        Their sandwich (heteroscedasticity-robust) covariances, per component, valid for
        increments whose errors are martingale differences (consecutive lags of a burst
        included); zero rows and columns for the diffusion terms above ``diffusion_degree``.
    n_increments_ : int
        Number of increments fitted.
    """

    bibtex = FENG_2023 + "\n" + KRAMERS_MOYAL

    def __init__(
        self, degree: int = 3, *, diffusion_degree: int | None = None, ridge: float = 0.0
    ) -> None:
        if int(degree) != degree or degree < 0:
            raise ValueError(f"degree must be a non-negative integer, got {degree!r}")
        dd = degree if diffusion_degree is None else diffusion_degree
        if int(dd) != dd or dd < 0 or dd > degree:
            raise ValueError(f"diffusion_degree must be an integer in [0, degree], got {dd!r}")
        if ridge < 0:
            raise ValueError(f"ridge must be >= 0, got {ridge!r}")
        self.degree, self.diffusion_degree, self.ridge = int(degree), int(dd), float(ridge)

    def _solve(self, gram: Tensor, rhs: Tensor) -> Tensor:
        if self.ridge > 0:
            gram = gram + self.ridge * torch.diag(torch.diagonal(gram))
        return torch.linalg.solve(gram, rhs)

    def fit(self, z0: Any, z_tau: Any, tau: float) -> PolynomialCoefficients:
        """Fit from starting points ``z0 (n, d)`` and burst ends ``z_tau (n, [r,] d)``.

        The normal equations are accumulated over chunks of ``CHUNK_ROWS`` starting points, so
        that millions of increments (long bursts cut into short lags) fit in little memory.
        """
        tau = _check_tau(tau)
        z0, dz = burst_increments(z0, z_tau)
        n, d = z0.shape
        self.indices_ = multi_indices(d, self.degree)
        n_features = len(self.indices_)
        if n <= n_features:
            raise ValueError(f"need more starting points than the {n_features} basis functions")
        keep = [k for k, a in enumerate(self.indices_) if sum(a) <= self.diffusion_degree]
        opts = {"dtype": torch.float64, "device": z0.device}
        gram = torch.zeros(n_features, n_features, **opts)
        rhs = torch.zeros(n_features, d, **opts)
        for start in range(0, n, CHUNK_ROWS):
            f = hermite_features(z0[start : start + CHUNK_ROWS], self.indices_)
            gram += f.T @ f
            rhs += f.T @ (dz[start : start + CHUNK_ROWS].mean(1) / tau)
        drift_coef = self._solve(gram, rhs)
        # diffusion: regression of the squared residuals of the drift fit
        rhs_a = torch.zeros(len(keep), d, **opts)
        for start in range(0, n, CHUNK_ROWS):
            f = hermite_features(z0[start : start + CHUNK_ROWS], self.indices_)
            resid = dz[start : start + CHUNK_ROWS] - (f @ drift_coef)[:, None, :] * tau
            rhs_a += f[:, keep].T @ ((resid * resid).mean(1) / tau)
        diff_coef = torch.zeros_like(drift_coef)
        diff_coef[keep] = self._solve(gram[keep][:, keep], rhs_a)
        # sandwich (heteroscedasticity-robust) covariances of both regressions
        meat_b = torch.zeros(d, n_features, n_features, **opts)
        meat_a = torch.zeros(d, len(keep), len(keep), **opts)
        for start in range(0, n, CHUNK_ROWS):
            f = hermite_features(z0[start : start + CHUNK_ROWS], self.indices_)
            chunk = dz[start : start + CHUNK_ROWS]
            mean = (f @ drift_coef)[:, None, :] * tau
            e_b = chunk.mean(1) / tau - f @ drift_coef
            resid = chunk - mean
            e_a = (resid * resid).mean(1) / tau - f @ diff_coef
            fk = f[:, keep]
            for c in range(d):
                meat_b[c] += (f * (e_b[:, c : c + 1] ** 2)).T @ f
                meat_a[c] += (fk * (e_a[:, c : c + 1] ** 2)).T @ fk
        bread_b = torch.linalg.inv(gram)
        bread_a = torch.linalg.inv(gram[keep][:, keep])
        drift_cov = bread_b @ meat_b @ bread_b
        diff_cov = torch.zeros(d, n_features, n_features, **opts)
        kk = torch.as_tensor(keep, device=z0.device)
        diff_cov[:, kk[:, None], kk[None, :]] = bread_a @ meat_a @ bread_a
        self.n_increments_ = n * dz.shape[1]
        self.drift_coef_ = drift_coef.cpu().numpy()
        self.diffusion_coef_ = diff_coef.cpu().numpy()
        self.drift_cov_ = drift_cov.cpu().numpy()
        self.diffusion_cov_ = diff_cov.cpu().numpy()
        return self

    @property
    def drift_coef_stderr_(self) -> np.ndarray:
        """Standard errors of :attr:`drift_coef_`, ``(P, d)`` (from :attr:`drift_cov_`)."""
        return np.sqrt(np.diagonal(self.drift_cov_, axis1=1, axis2=2)).T

    @property
    def diffusion_coef_stderr_(self) -> np.ndarray:
        """Standard errors of :attr:`diffusion_coef_`, ``(P, d)`` (zero for unfitted terms)."""
        return np.sqrt(np.diagonal(self.diffusion_cov_, axis1=1, axis2=2)).T

    def sample_models(self, n: int, seed: int = 0) -> list[PolynomialSDEModel]:
        """``n`` models with coefficients drawn from their asymptotic normal law.

        Drift and diffusion coefficients of each component are drawn independently from
        ``N(coef_, cov_)`` (the sandwich covariances of :meth:`fit`): a parametric bootstrap
        that propagates the sampling error of the fit into anything computed from the model
        (an MFPT, a stationary density). It covers the sampling error only, not the bias of
        the Kramers-Moyal moments at a finite lag.
        """
        if not hasattr(self, "drift_cov_"):
            raise RuntimeError("call fit(z0, z_tau, tau) before sample_models()")
        if int(n) != n or n < 1:
            raise ValueError(f"n must be a positive integer, got {n!r}")
        rng = np.random.default_rng(seed)
        models = []
        for _ in range(int(n)):
            coefs = []
            for coef, cov in (
                (self.drift_coef_, self.drift_cov_),
                (self.diffusion_coef_, self.diffusion_cov_),
            ):
                draw = np.empty_like(coef)
                for c in range(coef.shape[1]):
                    draw[:, c] = rng.multivariate_normal(coef[:, c], cov[c], method="eigh")
                coefs.append(draw)
            models.append(PolynomialSDEModel(self.indices_, *coefs))
        return models

    def fetch_model(self) -> PolynomialSDEModel:
        """The fitted SDE as an independent :class:`PolynomialSDEModel`."""
        if not hasattr(self, "drift_coef_"):
            raise RuntimeError("call fit(z0, z_tau, tau) before fetch_model()")
        return PolynomialSDEModel(
            self.indices_, self.drift_coef_.copy(), self.diffusion_coef_.copy()
        )


class _Columns(torch.nn.Module):
    """One network per output component, ``(B, d_in) -> (B, d)``.

    With a diagonal diffusion the Euler-Maruyama likelihood is a sum over components; separate
    parameters keep a component with large residuals (the fast one) from drowning the gradient
    of the others in a shared network and a shared adaptive step size.
    """

    def __init__(self, nets: list[torch.nn.Module]) -> None:
        super().__init__()
        self.nets = torch.nn.ModuleList(nets)

    def forward(self, z: Tensor) -> Tensor:
        return torch.cat([net(z) for net in self.nets], 1)


class _Standardized(torch.nn.Module):
    """``out = linear(u) + out_scale * net(u)`` with standardised inputs ``u = (z - c) / s``.

    The linear part starts at the least-squares fit and the network (last layer zero) learns the
    nonlinear rest, in units of ``out_scale``: components of very different size (a fast drift of
    order ``1 / eps`` next to an O(1) slow one) are then learned equally well.
    """

    def __init__(
        self,
        net: torch.nn.Module,
        center: Tensor,
        scale: Tensor,
        out_scale: Tensor,
        linear: torch.nn.Linear | None = None,
    ) -> None:
        super().__init__()
        self.net, self.linear = net, linear
        self.register_buffer("center", center)
        self.register_buffer("scale", scale)
        self.register_buffer("out_scale", out_scale)

    def forward(self, z: Tensor) -> Tensor:
        u = (z - self.center) / self.scale
        out = self.out_scale * self.net(u)
        return out if self.linear is None else out + self.linear(u)


class NeuralSDEModel:
    """Drift and diagonal diffusion given by two networks (see :class:`NeuralCoefficients`)."""

    bibtex = NEURAL_BIB

    def __init__(self, drift_net: torch.nn.Module, log_diffusion_net: torch.nn.Module) -> None:
        self.drift_net = drift_net.eval()
        self.log_diffusion_net = log_diffusion_net.eval()
        p = next(drift_net.parameters())
        self.dtype, self.device = p.dtype, p.device

    def _run(self, net: torch.nn.Module, z: Tensor) -> Tensor:
        with torch.no_grad():
            return net(z.to(device=self.device, dtype=self.dtype)).to(
                device=z.device, dtype=z.dtype
            )

    def drift(self, z: Tensor) -> Tensor:
        """The drift ``b(z)``, ``(B, d)``."""
        return self._run(self.drift_net, z)

    def diffusion(self, z: Tensor) -> Tensor:
        """The diagonal diffusion ``a(z) = exp(net(z))``, ``(B, d)``."""
        return self._run(self.log_diffusion_net, z).exp()

    def to_sde(self) -> Any:
        """An :class:`effdyn.sde.SDE` (diagonal noise)."""
        return _sde_from(self.drift, self.diffusion, "NeuralSDE")


class NeuralCoefficients:
    """Networks for drift and log-diffusion, fitted by the Euler-Maruyama likelihood.

    Minimises the negative log-likelihood of the increments ``dz ~ N(b(z0) tau, diag(a(z0))
    tau)`` (Dietrich et al. 2023), the neural alternative to the Hermite regression of Feng et
    al. (2023). Inputs are standardised; the drift is a linear map, started at the
    least-squares fit of ``dz / tau``, plus a network (started at zero) whose output is scaled per
    component by the size of that fit, so that drift components of very different magnitude
    (slow and fast) are learned alike. The noise of a single increment is of order
    ``sqrt(a / tau)``, far above the drift: use large batches, so that each step averages many.

    Parameters
    ----------
    width, depth : int
        Hidden width and number of hidden layers (tanh) of each network (one network per
        component of the drift and of the log-diffusion).
    epochs : int
        Passes over the data.
    batch_size : int
        Minibatch size.
    lr : float
        Adam learning rate.
    seed : int
        Seed of the initialisation and the minibatch order.
    device, dtype
        Where and in which precision the networks train (default: the data's device, float32).
    """

    bibtex = NEURAL_BIB

    def __init__(
        self,
        width: int = 64,
        depth: int = 2,
        *,
        epochs: int = 20,
        batch_size: int = 1024,
        lr: float = 3e-3,
        seed: int = 0,
        device: torch.device | str | None = None,
        dtype: torch.dtype = torch.float32,
    ) -> None:
        for name, v in (("width", width), ("depth", depth), ("epochs", epochs)):
            if int(v) != v or v < 1:
                raise ValueError(f"{name} must be a positive integer, got {v!r}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size!r}")
        if not lr > 0:
            raise ValueError(f"lr must be positive, got {lr!r}")
        self.width, self.depth, self.epochs = int(width), int(depth), int(epochs)
        self.batch_size, self.lr, self.seed = int(batch_size), float(lr), int(seed)
        self.device, self.dtype = device, dtype

    @preserving_global_rng
    def fit(self, z0: Any, z_tau: Any, tau: float) -> NeuralCoefficients:
        """Fit from starting points ``z0 (n, d)`` and burst ends ``z_tau (n, [r,] d)``."""
        tau = _check_tau(tau)
        z0, dz = burst_increments(z0, z_tau)
        device = torch.device(self.device) if self.device is not None else z0.device
        n, r, d = dz.shape
        x = z0[:, None, :].expand(n, r, d).reshape(n * r, d).to(device, self.dtype)
        y = dz.reshape(n * r, d).to(device, self.dtype)
        gen = torch.Generator().manual_seed(self.seed)
        torch.manual_seed(self.seed)
        # standardised inputs; the drift starts at the least-squares linear fit of dz / tau
        center, scale = x.mean(0), x.std(0).clamp_min(1e-12)
        u = (x - center) / scale
        design = torch.cat([torch.ones_like(u[:, :1]), u], 1).double()
        coef = torch.linalg.lstsq(design, (y / tau).double()).solution  # (d + 1, d)
        linear = torch.nn.Linear(d, d).to(device, self.dtype)
        out_scale = (design @ coef).pow(2).mean(0).sqrt()
        out_scale = out_scale.clamp_min(1e-3 * float(out_scale.max()) + 1e-12).to(self.dtype)
        drift_mlp = _Columns([_mlp(d, 1, self.width, self.depth) for _ in range(d)])
        logdiff_mlp = _Columns([_mlp(d, 1, self.width, self.depth) for _ in range(d)])
        drift_mlp, logdiff_mlp = (
            drift_mlp.to(device, self.dtype),
            logdiff_mlp.to(device, self.dtype),
        )
        log_var = (y.var(0) / tau).clamp_min(1e-12).log()
        with torch.no_grad():
            linear.bias.copy_(coef[0])
            linear.weight.copy_(coef[1:].T)
            for i in range(d):
                drift_mlp.nets[i][-1].weight.zero_()
                drift_mlp.nets[i][-1].bias.zero_()
                logdiff_mlp.nets[i][-1].bias.fill_(float(log_var[i]))
        drift_net = _Standardized(drift_mlp, center, scale, out_scale, linear)
        logdiff_net = _Standardized(logdiff_mlp, center, scale, torch.ones_like(out_scale))
        params = list(drift_net.parameters()) + list(logdiff_net.parameters())
        opt = torch.optim.Adam(params, lr=self.lr)
        steps = math.ceil(n * r / self.batch_size) * self.epochs
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
        self.loss_history_: list[float] = []
        for _ in range(self.epochs):
            order = torch.randperm(n * r, generator=gen).to(device)
            total = 0.0
            for start in range(0, n * r, self.batch_size):
                idx = order[start : start + self.batch_size]
                xb, yb = x[idx], y[idx]
                b = drift_net(xb)
                log_a = logdiff_net(xb)
                resid = yb - b * tau
                nll = 0.5 * (log_a + resid * resid / (tau * log_a.exp())).sum(1).mean()
                opt.zero_grad()
                nll.backward()
                opt.step()
                sched.step()
                total += float(nll.detach()) * idx.numel()
            self.loss_history_.append(total / (n * r))
        self._nets = (drift_net, logdiff_net)
        return self

    def fetch_model(self) -> NeuralSDEModel:
        """The fitted SDE as an independent :class:`NeuralSDEModel` (deep copies of the nets)."""
        if not hasattr(self, "_nets"):
            raise RuntimeError("call fit(z0, z_tau, tau) before fetch_model()")
        return NeuralSDEModel(copy.deepcopy(self._nets[0]), copy.deepcopy(self._nets[1]))
