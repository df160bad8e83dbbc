"""Committor and rate of a reduced model on the sample points: target-measure diffusion maps
with a Mahalanobis kernel.

This is the solver the official code of Sule, Mehta and Cameron (2025) uses for its 2D
reduced model. The generator ``L f = e^{beta F} div(e^{-beta F} M grad f)`` of a collective
variable is approximated on samples ``z_i`` of the CV, with ``M_i`` the diffusion tensor at
each sample, by a Markov matrix (target-measure diffusion maps, Banisch et al. 2020, with the
Mahalanobis kernel of Evans, Cameron and Tiwary 2023):

- kernel ``K_ij = exp(-d_ij^2 / (2 eps))`` with the symmetrised Mahalanobis distance
  ``d_ij^2 = (dz^T M_i^{-1} dz + dz^T M_j^{-1} dz) / 2``, ``dz = z_j - z_i`` (wrapped on
  periodic axes);
- the sampling density ``rho_i`` from the kernel sum ``sum_j K_ij / sqrt(det M_i)``, and the
  weights ``w_j = pi_j^{1/2} / rho_j`` for the target density ``pi`` (by default the sampling
  density itself: equilibrium samples);
- ``w`` carries a further ``det(M_j)^{-1/4}``, so that the chain is reversible for ``pi``
  when ``M`` varies;
- ``P = D^{-1} K diag(w)`` row-normalised. ``(P f - f) / eps`` tends to
  ``(1/2) e^{beta F} div(e^{-beta F} M grad f)``, and
  ``sum_j P_ij (q_j - q_i)^2 / eps`` to ``grad q^T M grad q``.

The committor solves ``(P q - q)_i = 0`` off the cores, and the reactive frequency of the
dynamics with diffusion ``kT M / gamma`` is ``nu = (kT / gamma) sum_i mu_i sum_j P_ij (q_j -
q_i)^2 / eps`` with ``mu_i ~ pi_i / rho_i`` (summing to one), the paper's estimator. Its value
depends on ``eps``: too small and the graph falls apart, too large and the barrier is smoothed
over; the paper picks ``eps`` by the kernel-sum rule (:func:`kernel_sum_bandwidth`).

The kernel matrix is dense: use a few thousand points.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import scipy.linalg

__all__ = ["DisconnectedGraphError", "MahalanobisDiffusionMap", "mahalanobis_sq_distances"]

bibtex = r"""@article{banisch2020diffusion,
  author  = {Banisch, Ralf and Trstanova, Zofia and Bittracher, Andreas and Klus, Stefan and
             Koltai, P{\'e}ter},
  title   = {Diffusion maps tailored to arbitrary non-degenerate {I}t{\^o} processes},
  journal = {arXiv preprint arXiv:1710.03484},
  note    = {Applied and Computational Harmonic Analysis, 2020},
  year    = {2020}
}
@article{evans2023computing,
  author  = {Evans, Luke and Cameron, Maria K. and Tiwary, Pratyush},
  title   = {Computing committors in collective variables via {M}ahalanobis diffusion maps},
  journal = {arXiv preprint arXiv:2108.08979},
  note    = {Applied and Computational Harmonic Analysis, 2023},
  year    = {2023}
}"""


class DisconnectedGraphError(ValueError):
    """The kernel graph at this bandwidth leaves points cut off from both sets."""


def _differences(z: np.ndarray, period: Any) -> np.ndarray:
    """``z_j - z_i`` ``(N, N, k)``, wrapped into ``[-L/2, L/2)`` on axes with a period ``L``."""
    dz = z[None, :, :] - z[:, None, :]
    if period is not None:
        L = np.broadcast_to(np.asarray(period, dtype=np.float64), (z.shape[1],))
        for a, length in enumerate(L):
            if np.isfinite(length) and length > 0:
                dz[..., a] = (dz[..., a] + length / 2) % length - length / 2
    return dz


def mahalanobis_sq_distances(z: Any, M: Any, period: Any = None) -> np.ndarray:
    """Symmetrised squared Mahalanobis distances ``(N, N)`` between points ``z`` ``(N, k)``
    with tensors ``M`` ``(N, k, k)``: ``(dz^T M_i^{-1} dz + dz^T M_j^{-1} dz) / 2``.

    ``period``: ``None``, one period for all axes, or one per axis (``inf`` or ``0``: not
    periodic).
    """
    z = np.asarray(z, dtype=np.float64)
    z = z[:, None] if z.ndim == 1 else z
    n, k = z.shape
    M = np.asarray(M, dtype=np.float64).reshape(n, k, k)
    if not np.all(np.linalg.eigvalsh(0.5 * (M + np.swapaxes(M, 1, 2))).min(axis=1) > 0):
        raise ValueError("the tensors M must be positive definite")
    Minv = np.linalg.inv(M)
    dz = _differences(z, period)
    q_i = np.einsum("ija,iab,ijb->ij", dz, Minv, dz)
    return 0.5 * (q_i + q_i.T)


class MahalanobisDiffusionMap:
    """Target-measure diffusion map with a Mahalanobis kernel (see the module docstring).

    Parameters
    ----------
    epsilon : float
        The kernel bandwidth ``eps`` in ``exp(-d^2 / (2 eps))``.
    period : float or sequence, optional
        Periods of the CV axes (``None``: none periodic).

    ``fit(z, M, log_target=None)``: points ``(N,)`` or ``(N, k)``, tensors ``(N, k, k)`` (or
    ``(N,)`` in 1D), and optionally ``log pi`` at the points (``-beta F``; default: the
    samples are from the target). Then :meth:`committor` and :meth:`reactive_frequency` take
    boolean masks over the points.
    """

    bibtex = bibtex

    def __init__(self, epsilon: float, period: Any = None) -> None:
        if not epsilon > 0:
            raise ValueError(f"epsilon must be positive, got {epsilon!r}")
        self.epsilon, self.period = float(epsilon), period
        self._P: np.ndarray | None = None
        self.mu: np.ndarray | None = None

    def fit(
        self, z: Any, M: Any, log_target: Any = None, sq_dists: Any = None
    ) -> MahalanobisDiffusionMap:
        """Build the Markov matrix on the points ``z`` with tensors ``M``; ``log_target`` is
        ``log pi`` at the points (default: the sampling density), ``sq_dists`` the output of
        :func:`mahalanobis_sq_distances` when already computed (e.g. for a bandwidth scan)."""
        z = np.asarray(z, dtype=np.float64)
        z = z[:, None] if z.ndim == 1 else z
        n, k = z.shape
        M = np.asarray(M, dtype=np.float64).reshape(n, k, k)
        if not (np.all(np.isfinite(z)) and np.all(np.isfinite(M))):
            raise ValueError("z and M must be finite")
        if not np.all(np.linalg.eigvalsh(0.5 * (M + np.swapaxes(M, 1, 2))).min(axis=1) > 0):
            raise ValueError("the tensors M must be positive definite (regularise rank-1 ones)")
        det = np.linalg.det(M)
        if sq_dists is None:
            sq_dists = mahalanobis_sq_distances(z, M, self.period)
        elif np.shape(sq_dists) != (n, n):
            raise ValueError(f"sq_dists must be ({n}, {n}), got {np.shape(sq_dists)}")
        K = np.exp(-np.asarray(sq_dists, dtype=np.float64) / (2 * self.epsilon))
        rho = K.sum(axis=1) / np.sqrt(det)  # sampling density, up to a constant factor
        if log_target is None:
            log_pi = np.log(rho)
        else:
            log_pi = np.asarray(log_target, dtype=np.float64).ravel()
            if log_pi.shape != (n,) or not np.all(np.isfinite(log_pi)):
                raise ValueError(f"log_target needs {n} finite values, got shape {log_pi.shape}")
        # det(M)^{-1/4}: the kernel mass around z_i grows like det(M_i)^{1/2}; without it the
        # chain would be reversible for pi sqrt(det M), not pi (the paper's code divides its
        # target by det(M)^{1/2} for the same reason)
        log_w = 0.5 * log_pi - 0.25 * np.log(det) - np.log(rho)
        w = np.exp(log_w - log_w.max())
        Kw = K * w[None, :]
        self._P = Kw / Kw.sum(axis=1, keepdims=True)
        log_mu = log_pi - np.log(rho)  # pi / rho: the samples' weights under the target
        mu = np.exp(log_mu - log_mu.max())
        self.mu = mu / mu.sum()
        # P is reversible for w_i (K w)_i: its symmetric form gives a symmetric solve
        self._sym = (w[:, None] * K * w[None, :]) - np.diag(w * (K @ w))
        return self

    @property
    def P(self) -> np.ndarray:
        if self._P is None:
            raise ValueError("call fit(z, M) first")
        return self._P

    def _masks(self, a: Any, b: Any) -> tuple[np.ndarray, np.ndarray]:
        a, b = np.asarray(a, bool).ravel(), np.asarray(b, bool).ravel()
        n = self.P.shape[0]
        if a.shape != (n,) or b.shape != (n,):
            raise ValueError(f"the masks must have one entry per point ({n})")
        if not a.any() or not b.any():
            raise ValueError("both sets must contain points")
        if np.any(a & b):
            raise ValueError("the sets A and B overlap")
        return a, b

    def committor(self, a: Any, b: Any) -> np.ndarray:
        """``q = 0`` on the points ``a``, 1 on ``b``, ``P q = q`` elsewhere."""
        a, b = self._masks(a, b)
        inner = ~(a | b)
        q = b.astype(np.float64)
        S = self._sym
        rhs = -S[np.ix_(inner, b)].sum(axis=1)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", scipy.linalg.LinAlgWarning)
                q[inner] = scipy.linalg.solve(S[np.ix_(inner, inner)], rhs, assume_a="sym")
        except (np.linalg.LinAlgError, scipy.linalg.LinAlgWarning) as err:
            raise DisconnectedGraphError(
                f"at epsilon = {self.epsilon:.3g} the kernel graph leaves points (nearly) cut off "
                "from both sets, so the committor is undefined there: use a larger epsilon"
            ) from err
        return q

    def reactive_frequency(self, a: Any, b: Any, scale: float = 1.0) -> float:
        """``scale * sum_i mu_i sum_j P_ij (q_j - q_i)^2 / eps``; ``scale = kT / gamma`` gives
        the rate of the dynamics with diffusion ``kT M / gamma``."""
        q = self.committor(a, b)
        P = self.P
        energy = (P * (q[None, :] - q[:, None]) ** 2).sum(axis=1) / self.epsilon
        return float(scale * self.mu @ energy)
