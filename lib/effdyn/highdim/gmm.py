"""Online SGD for Gaussian-mixture classification: binary (logistic) and XOR (two-layer network).

Conventions (stated in the chapter ``sgd-limits``; :cite:`benarous2022sgdlimits` uses the same
models, its normalisation constants may differ):

* **binary mixture**: a label ``y = +-1`` with probability 1/2 and ``X = y mu + Z / sqrt(lam)``,
  ``|mu| = 1``, ``Z ~ N(0, I_N)``; logistic loss ``log(1 + exp(-y <x, X>)) + (alpha/2) |x|^2``;
  summary statistics ``m = <x, mu>`` and ``q = |x|^2`` (equivalently ``r_perp^2 = q - m^2``);
* **XOR mixture**: four clusters ``+-mu`` (label 1) and ``+-nu`` (label 0), ``mu`` orthogonal to
  ``nu``, ``X = (cluster mean) + Z / sqrt(lam)``; a two-layer network
  ``f(X) = sum_i a_i relu(<W_i, X>)`` of width ``K`` with the binary cross-entropy of
  ``sigmoid(f)`` and the ridge ``(alpha/2)(|W|^2 + |a|^2)``; summary statistics ``a_i``,
  ``m^mu_i = <W_i, mu>``, ``m^nu_i = <W_i, nu>`` and the Gram matrix ``R_ij = <W_i^perp, W_j^perp>``
  of the first-layer weights orthogonal to ``span(mu, nu)``.

Every step draws one fresh sample per run (online SGD), step size ``delta = c_delta / N``, time
``t = steps * delta``; runs are batched along the first tensor dimension. By rotation invariance
of the noise we take ``mu = e_1`` and ``nu = e_2``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from effdyn.highdim.references import BEN_AROUS_GHEISSARI_JAGANNATH_2022
from effdyn.highdim.spiked import _generator


def _check_common(n_dim: int, snr: float, ridge: float, c_delta: float | None, step: float | None):
    if int(n_dim) != n_dim or n_dim < 3:
        raise ValueError(f"n_dim must be an integer >= 3, got {n_dim!r}")
    if not (snr > 0):
        raise ValueError(f"snr (lam) must be positive, got {snr!r}")
    if not (ridge >= 0):
        raise ValueError(f"ridge (alpha) must be non-negative, got {ridge!r}")
    if (c_delta is None) == (step is None):
        raise ValueError("give exactly one of c_delta (delta = c_delta / N) and step")
    delta = float(step) if step is not None else float(c_delta) / n_dim
    if not (delta > 0):
        raise ValueError(f"the step size must be positive, got {delta!r}")
    return delta


def _n_steps(t_final: float, delta: float, record_every: int | None, n_record: int):
    if not (t_final > 0):
        raise ValueError(f"t_final must be positive, got {t_final!r}")
    n_steps = max(1, int(round(t_final / delta)))
    if record_every is None:
        record_every = max(1, n_steps // max(1, n_record - 1))
    if int(record_every) < 1:
        raise ValueError(f"record_every must be a positive integer, got {record_every!r}")
    return n_steps, int(record_every)


@dataclass(frozen=True)
class StatsRecord:
    """Recorded summary statistics: ``t`` of shape ``(n_record,)`` and a dict of tensors whose
    leading dimensions are ``(n_record, n_runs)``."""

    t: torch.Tensor
    stats: dict[str, torch.Tensor]


class BinaryGMMLogisticSGD:
    """Batched online SGD for logistic regression on a two-cluster Gaussian mixture.

    Parameters
    ----------
    n_dim : int
        Dimension ``N``.
    snr : float
        ``lam``: the noise is ``Z / sqrt(lam)``.
    ridge : float
        ``alpha``, the L2 penalty.
    c_delta, step : float
        ``delta = c_delta / N``, or the step size ``delta`` itself (exactly one).
    device, dtype : torch device and dtype.
    """

    bibtex = BEN_AROUS_GHEISSARI_JAGANNATH_2022

    def __init__(
        self,
        n_dim: int,
        snr: float,
        ridge: float = 0.0,
        *,
        c_delta: float | None = None,
        step: float | None = None,
        device: torch.device | str | None = None,
        dtype: torch.dtype = torch.float32,
    ) -> None:
        self.step = _check_common(n_dim, snr, ridge, c_delta, step)
        self.n_dim, self.snr, self.ridge = int(n_dim), float(snr), float(ridge)
        self.device = torch.device(device) if device is not None else torch.device("cpu")
        self.dtype = dtype

    @property
    def c_delta(self) -> float:
        """``delta * N``."""
        return self.step * self.n_dim

    def run(
        self,
        n_runs: int,
        t_final: float,
        *,
        m0: float = 0.0,
        q0: float = 1.0,
        record_every: int | None = None,
        n_record: int = 101,
        seed: int | torch.Generator | None = 0,
    ) -> StatsRecord:
        """Run the batch from ``x = m0 mu + sqrt(q0 - m0^2) u`` (``u`` uniform, orthogonal to mu).

        Returns a :class:`StatsRecord` with statistics ``m`` and ``q``, each ``(n_record, n_runs)``.
        """
        if not (q0 > 0 and m0 * m0 <= q0):
            raise ValueError(f"need q0 > 0 and m0^2 <= q0, got m0={m0!r}, q0={q0!r}")
        n_steps, record_every = _n_steps(t_final, self.step, record_every, n_record)
        gen = _generator(seed, self.device)
        r, n, d, lam_s = int(n_runs), self.n_dim, self.step, 1.0 / math.sqrt(self.snr)
        x = torch.randn(r, n, generator=gen, device=self.device, dtype=self.dtype)
        x[:, 0] = 0.0
        x = x / x.norm(dim=1, keepdim=True) * math.sqrt(q0 - m0 * m0)
        x[:, 0] = m0

        def stats(z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            return z[:, 0].clone(), (z * z).sum(dim=1)

        ts, ms, qs = [0.0], [stats(x)[0]], [stats(x)[1]]
        chunk = max(1, min(n_steps, (1 << 22) // (r * n)))
        step = 0
        while step < n_steps:
            c = min(chunk, n_steps - step)
            # y X = mu + (y Z) / sqrt(lam) and y Z ~ N(0, I): the label need not be drawn.
            noise = torch.randn(c, r, n, generator=gen, device=self.device, dtype=self.dtype)
            for j in range(c):
                yx = noise[j] * lam_s
                yx[:, 0] += 1.0
                s = (x * yx).sum(dim=1)
                x = x * (1.0 - d * self.ridge) + (d * torch.sigmoid(-s))[:, None] * yx
                step += 1
                if step % record_every == 0 or step == n_steps:
                    m, q = stats(x)
                    ts.append(step * d)
                    ms.append(m)
                    qs.append(q)
        t = torch.tensor(ts, dtype=self.dtype, device=self.device)
        return StatsRecord(t, {"m": torch.stack(ms), "q": torch.stack(qs)})


class XORTwoLayerSGD:
    """Batched online SGD for a width-``K`` two-layer ReLU network on the XOR Gaussian mixture.

    Parameters
    ----------
    n_dim : int
        Dimension ``N``.
    width : int
        Number of hidden units ``K``.
    snr : float
        ``lam``: cluster noise ``Z / sqrt(lam)``.
    ridge : float
        ``alpha``, the L2 penalty on both layers.
    c_delta, step : float
        ``delta = c_delta / N``, or ``delta`` itself.
    device, dtype : torch device and dtype.

    Notes
    -----
    Initialisation: ``W_i ~ N(0, I_N / N)`` and ``a_i ~ N(0, 1)``, independent (a Gaussian
    start, the setting in which :cite:`benarous2022sgdlimits` finds sub-optimal classifiers with
    probability bounded away from zero at fixed width, vanishing as the width grows).
    """

    bibtex = BEN_AROUS_GHEISSARI_JAGANNATH_2022

    def __init__(
        self,
        n_dim: int,
        width: int,
        snr: float,
        ridge: float = 0.0,
        *,
        c_delta: float | None = None,
        step: float | None = None,
        device: torch.device | str | None = None,
        dtype: torch.dtype = torch.float32,
    ) -> None:
        self.step = _check_common(n_dim, snr, ridge, c_delta, step)
        if int(width) != width or width < 1:
            raise ValueError(f"width must be a positive integer, got {width!r}")
        self.n_dim, self.width = int(n_dim), int(width)
        self.snr, self.ridge = float(snr), float(ridge)
        self.device = torch.device(device) if device is not None else torch.device("cpu")
        self.dtype = dtype

    def _stats(self, w: torch.Tensor, a: torch.Tensor) -> dict[str, torch.Tensor]:
        perp = w[:, :, 2:]
        return {
            "a": a.clone(),
            "m_mu": w[:, :, 0].clone(),
            "m_nu": w[:, :, 1].clone(),
            "r_perp": perp @ perp.transpose(1, 2),
        }

    def run(
        self,
        n_runs: int,
        t_final: float,
        *,
        record_every: int | None = None,
        n_record: int = 51,
        seed: int | torch.Generator | None = 0,
    ) -> StatsRecord:
        """Train ``n_runs`` independent networks for time ``t_final``; record the statistics
        ``a``, ``m_mu``, ``m_nu`` (each ``(n_record, n_runs, K)``) and ``r_perp``
        (``(n_record, n_runs, K, K)``)."""
        n_steps, record_every = _n_steps(t_final, self.step, record_every, n_record)
        gen = _generator(seed, self.device)
        r, n, k, d = int(n_runs), self.n_dim, self.width, self.step
        opts = dict(generator=gen, device=self.device, dtype=self.dtype)
        w = torch.randn(r, k, n, **opts) / math.sqrt(n)
        a = torch.randn(r, k, **opts)
        ts, recs = [0.0], [self._stats(w, a)]
        chunk = max(1, min(n_steps, (1 << 22) // (r * n)))
        lam_s = 1.0 / math.sqrt(self.snr)
        rows = torch.arange(r, device=self.device)
        step = 0
        while step < n_steps:
            c = min(chunk, n_steps - step)
            xs = torch.randn(c, r, n, **opts) * lam_s
            cluster = torch.randint(0, 4, (c, r), generator=gen, device=self.device)
            for j in range(c):
                x = xs[j]
                cl = cluster[j]
                # clusters 0, 1: +-mu (label 1) on coordinate 0; 2, 3: +-nu (label 0) on 1
                sign = 1.0 - 2.0 * (cl % 2).to(self.dtype)
                x[rows, cl // 2] += sign
                y = (cl < 2).to(self.dtype)
                h = torch.einsum("rkn,rn->rk", w, x)
                act = torch.relu(h)
                err = torch.sigmoid((a * act).sum(dim=1)) - y  # dL/df
                grad_a = err[:, None] * act
                coef = err[:, None] * a * (h > 0).to(self.dtype)
                w = w * (1.0 - d * self.ridge) - d * coef[:, :, None] * x[:, None, :]
                a = a * (1.0 - d * self.ridge) - d * grad_a
                step += 1
                if step % record_every == 0 or step == n_steps:
                    ts.append(step * d)
                    recs.append(self._stats(w, a))
        t = torch.tensor(ts, dtype=self.dtype, device=self.device)
        return StatsRecord(t, {key: torch.stack([rc[key] for rc in recs]) for key in recs[0]})


def xor_test_error(
    stats: dict[str, torch.Tensor],
    snr: float,
    n_mc: int = 4000,
    *,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Population classification error of XOR networks, computed from summary statistics only.

    For a test point ``X = c + Z / sqrt(lam)`` from cluster ``c``, the pre-activations are
    ``W X = W c + W Z / sqrt(lam)`` with ``W c`` one of ``+-m^mu``, ``+-m^nu`` and ``W Z`` Gaussian
    with covariance ``G = m^mu m^mu^T + m^nu m^nu^T + R``: the error is a function of the summary
    statistics, estimated here by Monte Carlo in ``K`` dimensions (``n_mc`` points per cluster).

    Parameters
    ----------
    stats : dict
        ``a``, ``m_mu``, ``m_nu`` of shape ``(..., K)`` and ``r_perp`` of shape ``(..., K, K)``
        (e.g. one record of :meth:`XORTwoLayerSGD.run`).
    snr : float
        ``lam`` of the mixture.

    Returns
    -------
    torch.Tensor
        Errors of shape ``stats["a"].shape[:-1]``.
    """
    a, mmu, mnu, rp = stats["a"], stats["m_mu"], stats["m_nu"], stats["r_perp"]
    k = a.shape[-1]
    gram = mmu[..., :, None] * mmu[..., None, :] + mnu[..., :, None] * mnu[..., None, :] + rp
    eye = torch.eye(k, dtype=gram.dtype, device=gram.device)
    chol = torch.linalg.cholesky(gram + 1e-10 * eye)
    errors = torch.zeros(a.shape[:-1], dtype=a.dtype, device=a.device)
    for mean, label in ((mmu, 1), (-mmu, 1), (mnu, 0), (-mnu, 0)):
        z = torch.randn(
            (*a.shape[:-1], n_mc, k), generator=generator, dtype=a.dtype, device=a.device
        )
        h = mean[..., None, :] + (z @ chol.transpose(-1, -2)) / math.sqrt(snr)
        f = (torch.relu(h) * a[..., None, :]).sum(dim=-1)
        wrong = (f <= 0) if label == 1 else (f > 0)
        errors += wrong.to(a.dtype).mean(dim=-1) / 4.0
    return errors


xor_test_error.bibtex = BEN_AROUS_GHEISSARI_JAGANNATH_2022  # type: ignore[attr-defined]
