"""Manifold learning on features: diffusion maps and local-PCA tangent spaces.

Diffusion maps (Coifman and Lafon 2006) with ``alpha = 1`` normalisation recover the geometry
of the residence manifold independently of the sampling density; the bandwidth is picked where
the kernel sum ``S(eps) = sum_ij exp(-|x_i - x_j|^2 / eps)`` grows fastest in log-log scale
(as in the official code of Sule, Mehta and Cameron 2025). Local PCA gives the tangent space of
the point cloud at each sample; its orthogonal complement holds the stiff (normal) directions
that the orthogonality condition asks a collective variable to ignore.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import torch

__all__ = ["DiffusionMap", "DiffusionMapModel", "kernel_sum_bandwidth", "local_tangents"]

Tensor = torch.Tensor

bibtex = r"""@article{coifman2006diffusion,
  author  = {Coifman, Ronald R. and Lafon, St{\'e}phane},
  title   = {Diffusion maps},
  journal = {Applied and Computational Harmonic Analysis},
  volume  = {21},
  number  = {1},
  pages   = {5--30},
  year    = {2006},
  doi     = {10.1016/j.acha.2006.04.006}
}"""


def _sq_dists(x: Tensor) -> Tensor:
    return torch.cdist(x, x).pow(2)


def kernel_sum_bandwidth(
    x: Tensor | None = None, candidates: Tensor | None = None, *, sq_dists: Tensor | None = None
) -> float:
    """The bandwidth ``eps`` maximising ``d log S / d log eps`` over ``candidates``, with
    ``S(eps) = sum_ij exp(-d_ij^2 / eps)``.

    Give the points ``x`` ``(N, k)`` (Euclidean distances) or the squared distances
    ``sq_dists`` ``(N, N)`` of any other metric. The default candidates span ``1e-3`` to ``10``
    times the median squared distance.
    """
    if (x is None) == (sq_dists is None):
        raise ValueError("give exactly one of x and sq_dists")
    d2 = _sq_dists(x) if sq_dists is None else torch.as_tensor(sq_dists)
    if candidates is None:
        med = float(d2[d2 > 0].median())
        candidates = torch.logspace(-3, 1, 41, dtype=d2.dtype) * med
    candidates = torch.as_tensor(candidates, dtype=d2.dtype)
    logs = torch.stack([torch.logsumexp((-d2 / e).flatten(), 0) for e in candidates])
    slope = torch.diff(logs) / torch.diff(torch.log(candidates))
    k = int(torch.argmax(slope))
    if k in (0, len(slope) - 1):
        warnings.warn(
            "the kernel sum grows fastest at the edge of the candidate bandwidths: widen them",
            stacklevel=2,
        )
    return float(torch.sqrt(candidates[k] * candidates[k + 1]))


@dataclass
class DiffusionMapModel:
    """A fitted diffusion map: ``coordinates[:, k] = eigenvalues[k] * eigenvectors[:, k]``."""

    bandwidth: float
    eigenvalues: np.ndarray
    eigenvectors: np.ndarray

    @property
    def coordinates(self) -> np.ndarray:
        return self.eigenvectors * self.eigenvalues


class DiffusionMap:
    """Diffusion-map estimator (``fit(features) -> self``, ``fetch_model()``).

    Parameters
    ----------
    n_components : int
        Number of nontrivial eigenvectors kept.
    bandwidth : float, optional
        Kernel bandwidth ``eps`` in ``exp(-d^2 / eps)``; by default chosen by
        :func:`kernel_sum_bandwidth`.
    alpha : float
        Density normalisation (1: Laplace-Beltrami, independent of the sampling density).
    """

    bibtex = bibtex

    def __init__(self, n_components: int = 2, bandwidth: float | None = None, alpha: float = 1.0):
        if int(n_components) != n_components or n_components < 1:
            raise ValueError(f"n_components must be a positive integer, got {n_components!r}")
        if bandwidth is not None and not bandwidth > 0:
            raise ValueError(f"bandwidth must be positive, got {bandwidth!r}")
        self.n_components, self.bandwidth, self.alpha = int(n_components), bandwidth, float(alpha)
        self._model: DiffusionMapModel | None = None

    def fit(self, features: Tensor) -> DiffusionMap:
        x = torch.as_tensor(features, dtype=torch.float64).cpu()
        if x.ndim != 2 or x.shape[0] <= self.n_components + 1:
            raise ValueError(
                f"features must be (N, k) with N > n_components + 1, got {tuple(x.shape)}"
            )
        eps = self.bandwidth if self.bandwidth is not None else kernel_sum_bandwidth(x)
        K = torch.exp(-_sq_dists(x) / eps)
        q = K.sum(1)
        K = K / torch.outer(q, q) ** self.alpha
        d = K.sum(1)
        S = K / torch.sqrt(torch.outer(d, d))  # symmetric conjugate of the Markov matrix
        lam, U = torch.linalg.eigh(S)
        lam, U = lam.flip(0), U.flip(1)
        psi = U / torch.sqrt(d)[:, None]
        psi = psi / psi[:, :1]  # psi_0 = 1
        k = self.n_components + 1
        self._model = DiffusionMapModel(eps, lam[1:k].numpy(), psi[:, 1:k].numpy())
        return self

    def fetch_model(self) -> DiffusionMapModel:
        if self._model is None:
            raise ValueError("call fit(features) before fetch_model()")
        m = self._model
        return DiffusionMapModel(m.bandwidth, m.eigenvalues.copy(), m.eigenvectors.copy())


def local_tangents(points: Tensor, n_neighbors: int, dim: int) -> Tensor:
    """Orthonormal bases ``(N, k, dim)`` of the local tangent spaces of a point cloud ``(N, k)``.

    For each point, the ``dim`` leading principal directions of its ``n_neighbors`` nearest
    neighbours (local PCA).
    """
    x = torch.as_tensor(points)
    if x.ndim != 2:
        raise ValueError(f"points must be (N, k), got {tuple(x.shape)}")
    if not 0 < dim < x.shape[1]:
        raise ValueError(f"dim must be in [1, {x.shape[1] - 1}], got {dim!r}")
    if not dim < n_neighbors <= x.shape[0]:
        raise ValueError(f"n_neighbors must be in ({dim}, {x.shape[0]}], got {n_neighbors!r}")
    idx = torch.cdist(x, x).topk(n_neighbors, largest=False).indices
    nb = x[idx]  # (N, n_neighbors, k)
    nb = nb - nb.mean(1, keepdim=True)
    cov = nb.transpose(1, 2) @ nb
    _, vecs = torch.linalg.eigh(cov)
    return vecs[..., -dim:].flip(-1)
