"""Internal coordinates of batched molecular configurations: distances, bond angles, dihedrals.

Positions are tensors ``(B, n_atoms, 3)``; every function is differentiable (autograd) and works
on any device and dtype.
"""

from __future__ import annotations

import math

import torch

__all__ = ["as_atoms", "bond_angle", "dihedral", "dihedral_gradient", "distance"]

Tensor = torch.Tensor


def as_atoms(x: Tensor, n_atoms: int) -> Tensor:
    """View flat positions ``(B, 3 n)`` or ``(B, n, 3)`` as ``(B, n, 3)``."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"positions must be a torch tensor, got {type(x).__name__}")
    if x.ndim == 2 and x.shape[-1] == 3 * n_atoms:
        return x.view(x.shape[0], n_atoms, 3)
    if x.ndim == 3 and x.shape[1:] == (n_atoms, 3):
        return x
    raise ValueError(
        f"positions must have shape (B, {3 * n_atoms}) or (B, {n_atoms}, 3), got {tuple(x.shape)}"
    )


def distance(x: Tensor, i: int, j: int) -> Tensor:
    """``|x_j - x_i|`` per configuration, shape ``(B,)``."""
    return (x[:, j] - x[:, i]).norm(dim=-1)


def bond_angle(x: Tensor, i: int, j: int, k: int) -> Tensor:
    """The angle ``i-j-k`` (radians, in ``[0, pi]``) per configuration."""
    u, v = x[:, i] - x[:, j], x[:, k] - x[:, j]
    cos = (u * v).sum(-1) / (u.norm(dim=-1) * v.norm(dim=-1))
    return torch.acos(cos.clamp(-1.0, 1.0))


def dihedral(x: Tensor, i: int, j: int, k: int, m: int, *, periodic_range: str = "0,2pi") -> Tensor:
    """The dihedral angle ``i-j-k-m`` (IUPAC sign convention; trans = pi).

    Parameters
    ----------
    x : Tensor ``(B, n, 3)``
    i, j, k, m : int
        Atom indices.
    periodic_range : ``"0,2pi"`` or ``"-pi,pi"``
        The interval the angle is reported in. With ``"0,2pi"`` (the convention of the
        butane study) the anti conformer sits at ``pi`` and the two gauche ones at
        ``pi -+ 2 pi / 3``.
    """
    b1, b2, b3 = x[:, j] - x[:, i], x[:, k] - x[:, j], x[:, m] - x[:, k]
    n1, n2 = torch.cross(b1, b2, dim=-1), torch.cross(b2, b3, dim=-1)
    m1 = torch.cross(n1, b2 / b2.norm(dim=-1, keepdim=True), dim=-1)
    phi = torch.atan2((m1 * n2).sum(-1), (n1 * n2).sum(-1))
    if periodic_range == "0,2pi":
        return torch.remainder(phi, 2 * math.pi)
    if periodic_range == "-pi,pi":
        return phi
    raise ValueError(f"periodic_range must be '0,2pi' or '-pi,pi', got {periodic_range!r}")


def dihedral_gradient(x: Tensor, i: int, j: int, k: int, m: int) -> tuple[Tensor, Tensor]:
    """The dihedral ``(B,)`` and its gradient with respect to all positions ``(B, n, 3)``.

    Computed by autograd (each configuration's angle depends on its own positions only, so
    the gradient of the sum is the per-configuration gradient).
    """
    with torch.enable_grad():
        xg = x.detach().requires_grad_(True)
        phi = dihedral(xg, i, j, k, m)
        (grad,) = torch.autograd.grad(phi.sum(), xg)
    return phi.detach(), grad
