"""Online SGD for spiked matrix (k = 2) and spiked tensor (k >= 3) estimation.

Model and conventions (stated in the chapter ``sgd-limits``; they follow the authors' setting of
:cite:`benarous2021online` reused in :cite:`benarous2022sgdlimits`):

* each sample is a k-tensor ``Y = W + lam * v^{(x)k}`` with ``W`` of i.i.d. N(0, 1) entries (not
  symmetrised) and a unit spike ``v``;
* the loss is ``L(x; Y) = -<Y, x^{(x)k}>`` for ``x`` on the unit sphere ``S^{N-1}``;
* projected online SGD: ``x <- (x - delta grad L(x; Y)) / |x - delta grad L(x; Y)|`` with a fresh
  ``Y`` at every step, and step size ``delta = c_delta / N`` (the critical scaling);
* the summary statistic is the overlap ``m = <x, v>``; time is ``t = (number of steps) * delta``.

Nothing of size ``N^k`` is ever formed (except by the ``dense`` reference sampler): for a unit
``x`` the noise part of the gradient, ``g = sum_s W(x, ..., . (slot s), ..., x)``, is Gaussian
with covariance ``k I + k (k - 1) x x^T``, so it is sampled exactly in ``O(N)`` as
``sqrt(k) zeta + sqrt(k (k - 1)) eta x`` with ``zeta ~ N(0, I_N)`` and ``eta ~ N(0, 1)``.
By rotation invariance the law of the overlap process does not depend on ``v``; we take
``v = e_1``. The ``reduced`` sampler goes further: the overlap is itself a Markov chain whose
one-step law needs only two Gaussians, one chi-square variable and ``eta``, so it simulates the
overlap process exactly in law in ``O(1)`` per step and run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from effdyn.highdim.references import BEN_AROUS_GHEISSARI_JAGANNATH_2022

SAMPLERS = ("vector", "dense", "reduced")


@dataclass(frozen=True)
class OverlapRecord:
    """Recorded overlaps of a batch of SGD runs.

    Attributes
    ----------
    t : torch.Tensor
        Times ``steps * delta``, shape ``(n_record,)``.
    m : torch.Tensor
        Overlaps ``<x, v>``, shape ``(n_record, n_runs)``.
    """

    t: torch.Tensor
    m: torch.Tensor


def _generator(seed: int | torch.Generator | None, device: torch.device) -> torch.Generator:
    if isinstance(seed, torch.Generator):
        return seed
    gen = torch.Generator(device=device)
    gen.manual_seed(0 if seed is None else int(seed))
    return gen


class SpikedTensorSGD:
    """Batched online projected SGD for the spiked matrix / tensor model.

    Parameters
    ----------
    n_dim : int
        Dimension ``N`` (at least 3).
    snr : float
        Signal strength ``lam >= 0``.
    order : int
        Tensor order ``k >= 2`` (``k = 2``: spiked matrix).
    c_delta : float, optional
        Step size constant: ``delta = c_delta / N``. Exactly one of ``c_delta`` and ``step``.
    step : float, optional
        Step size ``delta`` itself (e.g. ``N**-1.5`` for a sub-critical scaling).
    sampler : {"vector", "dense", "reduced"}
        ``vector``: the full iterate ``x`` in R^N with the exact O(N) gradient-noise sampler;
        ``dense``: materialises ``W`` (k = 2 or 3, small N: a reference for tests and benchmarks);
        ``reduced``: the exact O(1) Markov chain of the overlap.
    device, dtype : torch device and dtype of the simulation.

    Notes
    -----
    Reference: :cite:`benarous2022sgdlimits`, spiked matrix and tensor examples.
    """

    bibtex = BEN_AROUS_GHEISSARI_JAGANNATH_2022

    def __init__(
        self,
        n_dim: int,
        snr: float,
        order: int = 2,
        *,
        c_delta: float | None = None,
        step: float | None = None,
        sampler: str = "vector",
        device: torch.device | str | None = None,
        dtype: torch.dtype = torch.float32,
    ) -> None:
        if int(n_dim) != n_dim or n_dim < 3:
            raise ValueError(f"n_dim must be an integer >= 3, got {n_dim!r}")
        if int(order) != order or order < 2:
            raise ValueError(f"order must be an integer >= 2, got {order!r}")
        if not (snr >= 0):
            raise ValueError(f"snr must be non-negative, got {snr!r}")
        if (c_delta is None) == (step is None):
            raise ValueError("give exactly one of c_delta (delta = c_delta / N) and step")
        if sampler not in SAMPLERS:
            raise ValueError(f"sampler must be one of {SAMPLERS}, got {sampler!r}")
        if sampler == "dense" and order not in (2, 3):
            raise ValueError(f"the dense sampler supports order 2 or 3 only, got {order}")
        self.n_dim = int(n_dim)
        self.order = int(order)
        self.snr = float(snr)
        self.step = float(step) if step is not None else float(c_delta) / self.n_dim
        if not (self.step > 0):
            raise ValueError(f"the step size must be positive, got {self.step!r}")
        self.sampler = sampler
        self.device = torch.device(device) if device is not None else torch.device("cpu")
        self.dtype = dtype

    @property
    def c_delta(self) -> float:
        """The step-size constant ``delta * N`` of the effective dynamics."""
        return self.step * self.n_dim

    # ------------------------------------------------------------------ initial conditions
    def _initial_vectors(self, n_runs: int, m0: float | None, gen: torch.Generator) -> torch.Tensor:
        n = self.n_dim
        x = torch.randn(n_runs, n, generator=gen, device=self.device, dtype=self.dtype)
        if m0 is None:
            return x / x.norm(dim=1, keepdim=True)
        x[:, 0] = 0.0
        x = x / x.norm(dim=1, keepdim=True) * math.sqrt(1.0 - m0 * m0)
        x[:, 0] = m0
        return x

    def _initial_overlaps(
        self, n_runs: int, m0: float | None, gen: torch.Generator, rng: np.random.Generator
    ) -> torch.Tensor:
        if m0 is not None:
            return torch.full((n_runs,), float(m0), device=self.device, dtype=self.dtype)
        xi = torch.randn(n_runs, generator=gen, device=self.device, dtype=self.dtype)
        rest = torch.as_tensor(rng.chisquare(self.n_dim - 1, size=n_runs), dtype=self.dtype)
        return xi / torch.sqrt(xi * xi + rest.to(self.device))

    # ------------------------------------------------------------------ one step per sampler
    def _signal(self, m: torch.Tensor) -> torch.Tensor:
        return self.snr * self.order * m ** (self.order - 1)

    def _step_vector(self, x: torch.Tensor, zeta: torch.Tensor, eta: torch.Tensor) -> torch.Tensor:
        k, d = self.order, self.step
        m = x[:, 0]
        y = x * (1.0 + d * math.sqrt(k * (k - 1)) * eta[:, None]) + (d * math.sqrt(k)) * zeta
        y[:, 0] += d * self._signal(m)
        return y / y.norm(dim=1, keepdim=True)

    def _step_dense(self, x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        r, n, d = x.shape[0], self.n_dim, self.step
        if self.order == 2:
            w = torch.randn(r, n, n, generator=gen, device=self.device, dtype=self.dtype)
            g = torch.einsum("rij,rj->ri", w, x) + torch.einsum("rji,rj->ri", w, x)
        else:
            w = torch.randn(r, n, n, n, generator=gen, device=self.device, dtype=self.dtype)
            g = (
                torch.einsum("rijl,rj,rl->ri", w, x, x)
                + torch.einsum("rjil,rj,rl->ri", w, x, x)
                + torch.einsum("rjli,rj,rl->ri", w, x, x)
            )
        y = x + d * g
        y[:, 0] += d * self._signal(x[:, 0])
        return y / y.norm(dim=1, keepdim=True)

    def _step_reduced(
        self,
        m: torch.Tensor,
        a: torch.Tensor,
        b: torch.Tensor,
        eta: torch.Tensor,
        chi2: torch.Tensor,
    ) -> torch.Tensor:
        # x = m v + s u with u a unit vector orthogonal to v; zeta = a v + b u + (rest).
        k, d = self.order, self.step
        s = torch.sqrt(torch.clamp(1.0 - m * m, min=0.0))
        scale = 1.0 + d * math.sqrt(k * (k - 1)) * eta
        yv = m * scale + d * (math.sqrt(k) * a + self._signal(m))
        yu = s * scale + d * math.sqrt(k) * b
        norm2 = yv * yv + yu * yu + (d * d * k) * chi2
        return yv / torch.sqrt(norm2)

    # ------------------------------------------------------------------ public API
    def run(
        self,
        n_runs: int,
        t_final: float,
        *,
        m0: float | None = None,
        record_every: int | None = None,
        n_record: int = 101,
        seed: int | torch.Generator | None = 0,
        stop_at: float | None = None,
    ) -> OverlapRecord:
        """Run ``n_runs`` independent SGD chains up to time ``t_final`` (``t = steps * delta``).

        Parameters
        ----------
        n_runs : int
            Number of independent runs (the batch).
        t_final : float
            Final time; ``round(t_final / delta)`` steps are taken.
        m0 : float, optional
            Deterministic initial overlap in [-1, 1]; ``None`` draws ``x`` uniformly on the sphere.
        record_every : int, optional
            Record the overlap every this many steps (default: ``n_record`` roughly equispaced
            records).
        n_record : int
            Number of records when ``record_every`` is not given.
        seed : int or torch.Generator
            Seed of the run (a generator on the simulation device may be passed instead).
        stop_at : float, optional
            Stop early once every run has ``|m| >= stop_at`` (used for escape times).

        Returns
        -------
        OverlapRecord
            Times and overlaps.
        """
        if int(n_runs) != n_runs or n_runs < 1:
            raise ValueError(f"n_runs must be a positive integer, got {n_runs!r}")
        if not (t_final > 0):
            raise ValueError(f"t_final must be positive, got {t_final!r}")
        if m0 is not None and not (-1.0 <= m0 <= 1.0):
            raise ValueError(f"m0 must lie in [-1, 1] (or be None for a uniform start), got {m0!r}")
        n_steps = max(1, int(round(t_final / self.step)))
        if record_every is None:
            record_every = max(1, n_steps // max(1, n_record - 1))
        if int(record_every) < 1:
            raise ValueError(f"record_every must be a positive integer, got {record_every!r}")
        gen = _generator(seed, self.device)
        rng = np.random.default_rng(int(torch.randint(0, 2**31 - 1, (1,), generator=gen).item()))
        r, n = int(n_runs), self.n_dim
        reduced = self.sampler == "reduced"
        state = (
            self._initial_overlaps(r, m0, gen, rng)
            if reduced
            else self._initial_vectors(r, m0, gen)
        )

        def overlap(s: torch.Tensor) -> torch.Tensor:
            return s if reduced else s[:, 0]

        ts, ms = [0.0], [overlap(state).clone()]
        per_step = r * (3 if reduced else n)
        chunk = max(1, min(n_steps, (1 << 22) // per_step))
        step = 0
        while step < n_steps:
            c = min(chunk, n_steps - step)
            if self.sampler == "vector":
                zeta = torch.randn(c, r, n, generator=gen, device=self.device, dtype=self.dtype)
            if self.sampler != "dense":
                eta = torch.randn(c, r, generator=gen, device=self.device, dtype=self.dtype)
            if reduced:
                ab = torch.randn(c, 2, r, generator=gen, device=self.device, dtype=self.dtype)
                chi2 = torch.as_tensor(rng.chisquare(n - 2, size=(c, r)), dtype=self.dtype)
                chi2 = chi2.to(self.device)
            for j in range(c):
                if reduced:
                    state = self._step_reduced(state, ab[j, 0], ab[j, 1], eta[j], chi2[j])
                elif self.sampler == "vector":
                    state = self._step_vector(state, zeta[j], eta[j])
                else:
                    state = self._step_dense(state, gen)
                step += 1
                if step % record_every == 0 or step == n_steps:
                    ts.append(step * self.step)
                    ms.append(overlap(state).clone())
            if stop_at is not None and bool((overlap(state).abs() >= stop_at).all()):
                break
        t = torch.tensor(ts, dtype=self.dtype, device=self.device)
        return OverlapRecord(t, torch.stack(ms))

    def escape_times(
        self,
        n_runs: int,
        threshold: float,
        t_max: float,
        *,
        seed: int | torch.Generator | None = 0,
        m0: float | None = None,
    ) -> torch.Tensor:
        """First times ``t = steps * delta`` at which ``|m| >= threshold``, per run.

        Starts from a uniform point of the sphere by default (the "equator", ``m ~ N^{-1/2}``).
        Runs that have not escaped by ``t_max`` get ``inf``. Recorded at every step.
        """
        if not (0.0 < threshold < 1.0):
            raise ValueError(f"threshold must lie in (0, 1), got {threshold!r}")
        rec = self.run(n_runs, t_max, m0=m0, record_every=1, seed=seed, stop_at=threshold)
        return first_passage_times(rec.t, rec.m.abs(), threshold)


def first_passage_times(t: torch.Tensor, values: torch.Tensor, threshold: float) -> torch.Tensor:
    """First recorded time at which ``values >= threshold`` for each column (``inf`` if never).

    Parameters
    ----------
    t : torch.Tensor
        Times, shape ``(n_record,)``.
    values : torch.Tensor
        Shape ``(n_record, n_runs)``.
    threshold : float
        Level to reach.
    """
    if values.ndim != 2 or values.shape[0] != t.shape[0]:
        raise ValueError(
            f"values must have shape (len(t), n_runs); got {tuple(values.shape)} for "
            f"{t.shape[0]} times"
        )
    hit = values >= threshold
    first = torch.argmax(hit.to(torch.int8), dim=0)
    out = t[first].clone()
    out[~hit.any(dim=0)] = float("inf")
    return out


first_passage_times.bibtex = BEN_AROUS_GHEISSARI_JAGANNATH_2022  # type: ignore[attr-defined]
