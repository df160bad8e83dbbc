"""Group-invariant features of molecular configurations (Sule, Mehta and Cameron 2025).

Positions ``(B, n, 3)``; features are invariant under rigid translations and rotations, so that
a collective variable built on them is too. All maps are differentiable (autograd).
"""

from __future__ import annotations

import torch

__all__ = ["pairwise_distances", "plane_align"]

Tensor = torch.Tensor


def plane_align(x: Tensor, atoms: tuple[int, ...], origin: int, axis: int, plane: int) -> Tensor:
    """Coordinates of ``atoms`` in the body frame fixed by three atoms ("PlaneAlign").

    The frame puts ``origin`` at 0, ``axis`` on the positive x axis and ``plane`` in the xy
    plane (positive y). Unlike distances, it keeps chirality (it tells gauche+ from gauche-).

    Returns
    -------
    Tensor ``(B, 3 len(atoms))``
    """
    if x.ndim != 3 or x.shape[-1] != 3:
        raise ValueError(f"x must have shape (B, n_atoms, 3), got {tuple(x.shape)}")
    o = x[:, origin]
    e1 = x[:, axis] - o
    e1 = e1 / e1.norm(dim=-1, keepdim=True)
    w = x[:, plane] - o
    e2 = w - (w * e1).sum(-1, keepdim=True) * e1
    e2 = e2 / e2.norm(dim=-1, keepdim=True)
    e3 = torch.cross(e1, e2, dim=-1)
    frame = torch.stack([e1, e2, e3], dim=-1)  # (B, 3, 3), columns = axes
    rel = x[:, list(atoms)] - o[:, None]
    return (rel @ frame).reshape(x.shape[0], -1)


def pairwise_distances(x: Tensor, atoms: tuple[int, ...]) -> Tensor:
    """All distances between ``atoms`` (upper triangle), ``(B, k (k - 1) / 2)``."""
    if x.ndim != 3 or x.shape[-1] != 3:
        raise ValueError(f"x must have shape (B, n_atoms, 3), got {tuple(x.shape)}")
    sel = x[:, list(atoms)]
    i, j = torch.triu_indices(len(atoms), len(atoms), offset=1)
    return (sel[:, j] - sel[:, i]).norm(dim=-1)
