"""The ISOKANN target transformations ``S``: shift-scale (one chi) and inner simplex (several).

One ISOKANN step maps the Koopman images ``K chi`` at the start points to a new target
``S(K chi)``; ``S`` removes what the power iteration would otherwise do to the subspace (decay to
the constant function, loss of scale) without leaving the invariant subspace:

- :func:`shift_scale` for one chi: the affine map onto ``[0, 1]`` (Rabben, Ray, Weber 2020).
- :func:`inner_simplex` for ``k`` chi: the linear map that sends the ``k`` most extreme points of
  ``K chi`` (the inner simplex algorithm of PCCA+, Deuflhard and Weber 2005) to the unit
  vectors, so the new chi are memberships that sum to one (Sikorski et al. 2026).
- :func:`match_permutation` orders the columns of a new target like the previous chi, since
  the simplex vertices come in arbitrary order.
"""

from __future__ import annotations

import itertools

import torch

from effdyn.koopman._bib import ISOKANN, ISOKANN_EFFECTIVE, PCCA_PLUS

__all__ = ["inner_simplex", "inner_simplex_vertices", "match_permutation", "shift_scale"]

Tensor = torch.Tensor


def _check_matrix(values: Tensor, name: str) -> Tensor:
    if not isinstance(values, torch.Tensor) or values.ndim != 2:
        shape = tuple(values.shape) if isinstance(values, torch.Tensor) else type(values).__name__
        raise ValueError(f"{name} must be a tensor of shape (N, k), got {shape}")
    if not bool(torch.isfinite(values).all()):
        raise ValueError(f"{name} must be finite")
    return values


def shift_scale(kchi: Tensor) -> Tensor:
    """``(K chi - min) / (max - min)``, the one-dimensional ISOKANN transformation.

    Parameters
    ----------
    kchi : Tensor ``(N, 1)``
        Koopman images of the current chi at the start points.

    Raises
    ------
    ValueError
        If ``kchi`` is constant (the subspace collapsed).
    """
    kchi = _check_matrix(kchi, "kchi")
    if kchi.shape[1] != 1:
        raise ValueError(f"shift_scale takes one chi function, shape (N, 1); got {kchi.shape}")
    low, high = kchi.min(), kchi.max()
    if not bool(high > low):
        raise ValueError("K chi is constant at the start points: the chi function collapsed")
    return (kchi - low) / (high - low)


shift_scale.bibtex = ISOKANN  # type: ignore[attr-defined]


def inner_simplex_vertices(points: Tensor) -> list[int]:
    """Indices of ``k`` rows of ``points`` ``(N, k)`` spanning a large simplex (PCCA+ ISA).

    The first vertex is the row farthest from the mean; each further one is the row farthest
    from the affine span of the vertices chosen so far (Gram-Schmidt on the differences).
    """
    X = _check_matrix(points, "points").to(torch.float64)
    n, k = X.shape
    if n < k:
        raise ValueError(f"need at least k = {k} points, got {n}")
    Y = X - X.mean(dim=0, keepdim=True)
    first = int(torch.argmax(Y.norm(dim=1)))
    vertices = [first]
    Y = X - X[first]
    for _ in range(1, k):
        norms = Y.norm(dim=1)
        j = int(torch.argmax(norms))
        if not bool(norms[j] > 0):
            raise ValueError("the points span fewer than k dimensions: the chi functions collapsed")
        vertices.append(j)
        v = Y[j] / norms[j]
        Y = Y - torch.outer(Y @ v, v)
    return vertices


inner_simplex_vertices.bibtex = PCCA_PLUS  # type: ignore[attr-defined]


def inner_simplex(kchi: Tensor) -> Tensor:
    """Map ``K chi`` ``(N, k)`` linearly so that its inner-simplex vertices become unit vectors.

    ``target = kchi @ inv(kchi[vertices])``: a basis of the same subspace in which the extreme
    points are pure memberships. When the subspace holds the constant function the rows of the
    target sum to one.
    """
    kchi = _check_matrix(kchi, "kchi")
    if kchi.shape[1] < 2:
        raise ValueError("inner_simplex needs k >= 2 chi functions; use shift_scale for one")
    vertices = inner_simplex_vertices(kchi)
    corners = kchi[vertices].to(torch.float64)
    if torch.linalg.matrix_rank(corners) < kchi.shape[1]:
        raise ValueError("the simplex vertices are degenerate: the chi functions collapsed")
    A = torch.linalg.inv(corners)
    return (kchi.to(torch.float64) @ A).to(kchi.dtype)


inner_simplex.bibtex = ISOKANN_EFFECTIVE + "\n" + PCCA_PLUS  # type: ignore[attr-defined]


def match_permutation(new: Tensor, old: Tensor) -> Tensor:
    """The columns of ``new`` permuted to minimise the L1 distance to ``old`` (both ``(N, k)``).

    Exhaustive over the ``k!`` permutations (``k <= 8``).
    """
    new, old = _check_matrix(new, "new"), _check_matrix(old, "old")
    if new.shape != old.shape:
        raise ValueError(f"new and old must have the same shape, got {new.shape} and {old.shape}")
    k = new.shape[1]
    if k > 8:
        raise ValueError(f"match_permutation is exhaustive and takes k <= 8 columns, got {k}")
    cost = (new.unsqueeze(2) - old.unsqueeze(1)).abs().sum(dim=0)  # cost[i, j]: new i -> old j
    best, best_cost = None, float("inf")
    for perm in itertools.permutations(range(k)):
        c = float(sum(cost[perm[j], j] for j in range(k)))
        if c < best_cost:
            best, best_cost = perm, c
    return new[:, list(best)]
