"""The symmetries of the square lattice with particle-hole symmetry, and an equivariance harness.

The point group D4 (8 elements) acts on a periodic ``L x L`` field by rotations and reflections
of the array, translations by cyclic shifts, and the internal Z2 of the half-filled Holstein
model on the bipartite lattice (particle-hole symmetry) by ``Q -> -Q``, under which the force
changes sign, ``F(-Q) = -F(Q)`` (Fan and Chern 2026, arXiv:2601.04104). An element of D4 is an
integer ``e = k + 4 f`` (``f`` in {0, 1}: reflect first; then ``k`` quarter turns); the
composition table :func:`d4_multiply` matches :func:`d4_transform`:
``d4_transform(d4_transform(x, b), a) == d4_transform(x, d4_multiply(a, b))``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import torch

__all__ = [
    "D4_ORDER",
    "d4_inverse",
    "d4_multiply",
    "d4_transform",
    "equivariance_error",
    "lattice_symmetries",
]

Tensor = torch.Tensor

#: Number of elements of the point group D4.
D4_ORDER = 8


def _check_element(e: int) -> int:
    if not (isinstance(e, int) and 0 <= e < D4_ORDER):
        raise ValueError(f"element must be an integer in 0..7 (an element of D4), got {e!r}")
    return e


def d4_transform(x: Tensor, element: int) -> Tensor:
    """Apply the D4 element ``k + 4 f`` to the last two axes: reflect if ``f``, then rotate."""
    e = _check_element(element)
    k, f = e % 4, e // 4
    if f:
        x = torch.flip(x, dims=(-1,))
    return torch.rot90(x, k, dims=(-2, -1)) if k else x


def d4_multiply(a: int, b: int) -> int:
    """The product ``a b`` (apply ``b`` first) in the encoding of :func:`d4_transform`."""
    _check_element(a), _check_element(b)
    ka, fa, kb, fb = a % 4, a // 4, b % 4, b // 4
    return (ka + (kb if fa == 0 else -kb)) % 4 + 4 * (fa ^ fb)


def d4_inverse(a: int) -> int:
    """The inverse of ``a`` in D4."""
    _check_element(a)
    return next(b for b in range(D4_ORDER) if d4_multiply(a, b) == 0)


def lattice_symmetries() -> Iterator[tuple[int, int]]:
    """The 16 elements ``(d4_element, sign)`` of D4 x Z2."""
    for sign in (1, -1):
        for e in range(D4_ORDER):
            yield e, sign


def equivariance_error(
    force: Callable[[Tensor], Tensor],
    Q: Tensor,
    *,
    n_translations: int = 4,
    odd: bool = True,
    generator: torch.Generator | None = None,
) -> float:
    """Largest relative violation of ``F(g Q) = g F(Q)`` over D4 x Z2 and random translations.

    Parameters
    ----------
    force : callable
        Maps fields ``(B, L, L)`` to forces ``(B, L, L)``.
    Q : Tensor ``(B, L, L)``
        Test configurations (generic, e.g. random).
    n_translations : int
        Number of random cyclic shifts tested, each combined with a random D4 element and sign.
    odd : bool
        Whether the internal Z2 acts (``F(-Q) = -F(Q)``); with ``False`` only ``sign = +1``.
    generator : torch.Generator, optional
        Randomness of the translations.

    Returns
    -------
    float
        ``max_g max |F(g Q) - g F(Q)| / max |F(Q)|``: zero for an exactly equivariant force,
        of the order of the float rounding for a correct implementation.
    """
    if Q.dim() != 3 or Q.shape[-1] != Q.shape[-2]:
        raise ValueError(f"Q must have shape (B, L, L), got {tuple(Q.shape)}")
    with torch.no_grad():
        F = force(Q)
        scale = F.abs().max().clamp_min(torch.finfo(F.dtype).tiny)
        worst = torch.zeros((), dtype=F.dtype, device=F.device)
        for e, sign in lattice_symmetries():
            if sign < 0 and not odd:
                continue
            diff = force(sign * d4_transform(Q, e)) - sign * d4_transform(F, e)
            worst = torch.maximum(worst, diff.abs().max())
        L = Q.shape[-1]
        cpu = torch.Generator().manual_seed(0) if generator is None else generator
        for _ in range(n_translations):
            sx, sy, e, s = (int(v) for v in torch.randint(0, 8 * L, (4,), generator=cpu))
            e, sign = e % D4_ORDER, (1 if s % 2 == 0 or not odd else -1)

            def act(x: Tensor, sx: int = sx, sy: int = sy, e: int = e, sign: int = sign) -> Tensor:
                return sign * d4_transform(torch.roll(x, (sx % L, sy % L), dims=(-2, -1)), e)

            diff = force(act(Q)) - act(F)
            worst = torch.maximum(worst, diff.abs().max())
    return float(worst / scale)
