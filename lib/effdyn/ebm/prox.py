"""The proximal softmax: the prox of alpha times the negative entropy, on the simplex.

Softmax is the proximal operator (step 1) of ``f(z) = sum z log z - ||z||^2 / 2`` restricted to
the simplex, which is convex there because ``z <= 1``. The damped forward-backward splitting of
Feng, Winston and Kolter (2023, arXiv 2307.04990) needs its prox with step ``alpha`` in (0, 1):

    prox(v, alpha) = argmin_{z in simplex} (1 - alpha)/2 ||z||^2 - v.z + alpha sum z log z.

Its stationarity condition is ``(1 - alpha) z_k + alpha log z_k = v_k - nu`` with the normaliser
``nu`` chosen so that ``sum z = 1``. We solve it per block by Newton's method on ``nu`` (the sum
is convex and decreasing in ``nu``; starting where it is at least one, the iterates rise
monotonically to the root), each ``z_k`` by Newton's method on ``s = log z_k`` (convex and
increasing; started to the right of its root, again monotone). Both are therefore safeguarded
without a bracket. The gradient is implicit: with ``r = z / ((1 - alpha) z + alpha)``, the
Jacobian is ``diag(r) - r r^T / sum r`` per block (symmetric). ``alpha = 1`` (plain softmax) is
refused as in the authors' code.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from effdyn.ebm.blocks import Blocks, as_blocks
from effdyn.implicit.solvers import check_alpha

__all__ = ["prox_softmax", "prox_softmax_block"]

_MAX_NEWTON = 200


def prox_softmax_block(v: torch.Tensor, alpha: float, tol: float = 1e-14) -> torch.Tensor:
    """The proximal softmax over the last dimension of ``v`` (one block per row); no gradient.

    ``tol`` is raised to ten machine epsilons of ``v``'s dtype.
    """
    a = check_alpha(alpha)
    tol = max(float(tol), 10 * torch.finfo(v.dtype).eps)
    c = 1.0 - a
    v = v.detach()
    nu = v.amax(-1, keepdim=True) - c  # there the largest z is 1, so the sum is >= 1
    u = v - nu
    s = torch.where(u <= 0, u / a, torch.minimum(u / a, torch.log1p(u.clamp_min(0) / c)))
    z = torch.exp(s)
    for _ in range(_MAX_NEWTON):
        for _ in range(_MAX_NEWTON):  # inner: c e^s + a s = u, from the right of the root
            es = torch.exp(s)
            step = (c * es + a * s - u) / (c * es + a)
            s = s - step
            if bool((step.abs() <= tol * (1.0 + s.abs())).all()):
                break
        z = torch.exp(s)
        excess = z.sum(-1, keepdim=True) - 1.0
        if float(excess.abs().max()) <= 4 * tol * z.shape[-1]:
            break
        slope = (z / (c * z + a)).sum(-1, keepdim=True)
        nu = nu + excess / slope  # Newton on a convex decreasing function, from its left
        u = v - nu
    return z / z.sum(-1, keepdim=True)


class _ProxSoftmax(torch.autograd.Function):
    @staticmethod
    def forward(ctx, v: torch.Tensor, alpha: float, blocks: Blocks) -> torch.Tensor:
        out = torch.empty_like(v)
        for _, idx in blocks.groups:
            idx = idx.to(v.device)
            out[..., idx] = prox_softmax_block(v[..., idx], alpha)
        ctx.save_for_backward(out)
        ctx.alpha = alpha
        ctx.blocks = blocks
        return out

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        (z,) = ctx.saved_tensors
        a = ctx.alpha
        r = z / ((1.0 - a) * z + a)
        out = torch.empty_like(grad)
        for _, idx in ctx.blocks.groups:
            idx = idx.to(grad.device)
            rb, gb = r[..., idx], grad[..., idx]
            out[..., idx] = rb * gb - rb * (rb * gb).sum(-1, keepdim=True) / rb.sum(
                -1, keepdim=True
            )
        return out, None, None


def prox_softmax(
    v: torch.Tensor, alpha: float, blocks: Blocks | Sequence[int] | int | None = None
) -> torch.Tensor:
    """Proximal softmax of ``v``, block by block.

    Parameters
    ----------
    v : Tensor, shape (..., d)
        Inputs.
    alpha : float
        The prox step in (0, 1); ``alpha -> 1`` tends to softmax, ``alpha -> 0`` to the
        Euclidean projection onto the simplex.
    blocks : Blocks or sizes, optional
        The one-hot layout of the last dimension; default one block of size ``d``.

    Returns
    -------
    Tensor, shape (..., d)
        ``argmin_{z in simplex per block} (1 - alpha)/2 ||z||^2 - v.z + alpha sum z log z``,
        differentiable in ``v`` (implicit gradient).

    References
    ----------
    Feng, Z., Winston, E., Kolter, J. Z. (2023). Monotone deep Boltzmann machines.
    arXiv 2307.04990 (``proxsoftmax.py`` of the authors' code; alpha = 1 is not allowed).
    """
    check_alpha(alpha)
    layout = Blocks([v.shape[-1]]) if blocks is None else as_blocks(blocks)
    if v.shape[-1] != layout.dim:
        raise ValueError(f"v has last dimension {v.shape[-1]}, the blocks need {layout.dim}")
    return _ProxSoftmax.apply(v, float(alpha), layout)
