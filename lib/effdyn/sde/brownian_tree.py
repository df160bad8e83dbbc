"""A virtual Brownian tree: Brownian increments and Levy areas on any interval, from one seed.

Jelincic, Foster and Kidger (2024), *Single-seed generation of Brownian paths and integrals for
adaptive and high order SDE solvers*. A :class:`VirtualBrownianTree` stores nothing but a seed.
The path on ``[t0, t1]`` is a dyadic tree of depth ``ceil(log2((t1 - t0) / tol))``: the root holds
the increment ``W``, the space-time Levy area ``H`` and (optionally) the space-time-time Levy area
``K`` of the whole interval; each node splits into its two halves by the exact Gaussian bridge
conditional given its own ``(W, H, K)``. Inside a finest cell the values at a point are drawn from
the exact conditional law given the cell, with one normal vector per cell through the Cholesky
factor of the conditional covariance (the W parts of two points of one cell are driven by the same
normal, as in diffrax). ``evaluate(s, u)`` combines the values at ``s`` and
``u`` by Chen's relation.

Conventions (as :data:`effdyn.sde.CHANNEL_SCALES`): over a step of length ``h``, ``W ~ N(0, h)``,
``H = (1/h) int_s^u (W_{s,r} - (r - s)/h W_{s,u}) dr ~ N(0, h/12)`` and
``K = (1/h^2) int_s^u (W_{s,r} - (r - s)/h W_{s,u}) (h/2 - (r - s)) dr ~ N(0, h/720)``, mutually
independent.

Randomness comes from a counter-based hash of ``(seed, row, level, node)`` (no
``torch.Generator`` stream): queries can come in any order, each row of a batch can ask for its
own times, and the same seed gives the same numbers on the CPU and on CUDA. Internally every
quantity is computed in float64 and cast to ``dtype`` at the end.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch

__all__ = ["LEVY_AREAS", "BrownianIncrement", "VirtualBrownianTree", "split_matrix"]

Tensor = torch.Tensor

#: The Levy areas a tree can carry, and the channels each gives (``None``: the increment only).
LEVY_AREAS: dict[str | None, tuple[str, ...]] = {
    None: ("W",),
    "space-time": ("W", "H"),
    "space-time-time": ("W", "H", "K"),
}

BIBTEX = r"""@article{brownian-tree,
  author  = {Jelin{\v{c}}i{\v{c}}, Andra{\v{z}} and Foster, James and Kidger, Patrick},
  title   = {Single-seed generation of {B}rownian paths and integrals for adaptive and high
             order {SDE} solvers},
  journal = {arXiv preprint arXiv:2405.06464},
  year    = {2024},
  doi     = {10.48550/arXiv.2405.06464}
}"""

_MASK32 = 0xFFFFFFFF
_C1 = 0x7FEB352D
_C2 = 0x846CA68B - (1 << 32)  # the same multiplier modulo 2**32, small enough for int64


def _mix32(x: Tensor) -> Tensor:
    """The ``lowbias32`` integer hash on 32-bit values held in int64 (no int64 overflow)."""
    x = x ^ (x >> 16)
    x = (x * _C1) & _MASK32
    x = x ^ (x >> 15)
    x = (x * _C2) & _MASK32
    return x ^ (x >> 16)


def _seed_words(seed: int) -> tuple[int, int]:
    seed = int(seed) & ((1 << 64) - 1)
    return seed & _MASK32, seed >> 32


def _normals(key: Tensor, n: int) -> Tensor:
    """``n`` (even) standard normals per entry of the int64 ``key`` tensor, shape ``(*key, n)``.

    Box-Muller on uniforms made from 32-bit hashes of ``(key, j)``.
    """
    j = torch.arange(n, device=key.device, dtype=torch.int64)
    words = _mix32(key.unsqueeze(-1) ^ ((j * 0x5BD1E995 + 0x68E31DA4) & _MASK32))
    u = (words.to(torch.float64) + 0.5) * (1.0 / 4294967296.0)
    u1, u2 = u[..., 0::2], u[..., 1::2]
    r = torch.sqrt(-2.0 * torch.log(u1))
    angle = (2.0 * math.pi) * u2
    return torch.stack([r * torch.cos(angle), r * torch.sin(angle)], dim=-1).reshape(*key.shape, n)


def split_matrix(theta: Tensor, channels: int) -> Tensor:
    """Map from the standardized ``(W, H, K)`` of the pieces ``[0, theta]``, ``[theta, 1]`` to the
    standardized ``(W, H, K)`` of ``[0, 1]``; shape ``(*theta, c, 2c)``.

    Standardized means divided by the standard deviation (``sqrt(h)``, ``sqrt(h/12)``,
    ``sqrt(h/720)``). The rows are orthonormal (the whole interval's ``W, H, K`` are independent
    standard normals), so the conditional law of the pieces given the whole is
    ``A^T y + (I - A^T A) xi`` with ``xi`` standard normal. Columns: ``w1, h1, k1, w2, h2, k2``
    (the first ``c`` of each piece). Derived from Chen's relations
    ``h H = h1 H1 + h2 H2 + (h2 W1 - h1 W2)/2`` and
    ``h^2 K = h1^2 K1 + h2^2 K2 + h1 h2 (H1 - H2)/2 + (h2 - h1)(h2 W1 - h1 W2)/12``.
    """
    th = theta.to(torch.float64)
    ph = 1.0 - th
    st, sp = th.sqrt(), ph.sqrt()
    zero = torch.zeros_like(th)
    rows = [[st, zero, zero, sp, zero, zero]]
    if channels >= 2:
        s3 = math.sqrt(3.0)
        rows.append([s3 * ph * st, th * st, zero, -s3 * th * sp, ph * sp, zero])
    if channels >= 3:
        s5, s15 = math.sqrt(5.0), math.sqrt(15.0)
        d = ph - th
        rows.append(
            [
                s5 * d * ph * st,
                s15 * th * st * ph,
                th * th * st,
                -s5 * d * th * sp,
                -s15 * ph * sp * th,
                ph * ph * sp,
            ]
        )
    cols = list(range(channels)) + [3 + i for i in range(channels)]
    mat = torch.stack([torch.stack([row[i] for i in cols], dim=-1) for row in rows], dim=-2)
    return mat


@dataclass(frozen=True)
class BrownianIncrement:
    """Brownian quantities over one interval per row: ``W`` and, if carried, ``H`` and ``K``.

    Each is a tensor of the tree's ``shape`` (``(B, m)``) or ``None``.
    """

    W: Tensor
    H: Tensor | None = None
    K: Tensor | None = None


def _chen(acc: list[Tensor], h1: Tensor, piece: list[Tensor], h2: Tensor) -> list[Tensor]:
    """Join ``[a, b]`` (``acc``) and ``[b, c]`` (``piece``): ``(W, h H, h^2 K)`` of ``[a, c]``."""
    W1, W2 = acc[0], piece[0]
    out = [W1 + W2]
    if len(acc) >= 2:
        cross = h2 * W1 - h1 * W2
        out.append(acc[1] + piece[1] + 0.5 * cross)
        if len(acc) >= 3:
            out.append(
                acc[2] + piece[2] + 0.5 * (h2 * acc[1] - h1 * piece[1]) + (h2 - h1) * cross / 12.0
            )
    return out


def _chen_difference(
    left: list[Tensor], h1: Tensor, whole: list[Tensor], h2: Tensor
) -> list[Tensor]:
    """Invert :func:`_chen`: ``[b, c]`` from ``[a, b]`` (``left``) and ``[a, c]`` (``whole``)."""
    W2 = whole[0] - left[0]
    out = [W2]
    if len(left) >= 2:
        cross = h2 * left[0] - h1 * W2
        hb2 = whole[1] - left[1] - 0.5 * cross
        out.append(hb2)
        if len(left) >= 3:
            out.append(
                whole[2] - left[2] - 0.5 * (h2 * left[1] - h1 * hb2) - (h2 - h1) * cross / 12.0
            )
    return out


def _cholesky(cov: Tensor) -> Tensor:
    """Lower-triangular factor of positive semi-definite ``(..., c, c)`` matrices, ``c <= 3``.

    Written out so that singular matrices (a point at the end of its cell) give zero columns
    instead of an error.
    """
    c = cov.shape[-1]
    out = torch.zeros_like(cov)
    tiny = 1e-300

    def div(x: Tensor, y: Tensor) -> Tensor:
        return torch.where(y > 1e-12, x / torch.clamp(y, min=tiny), torch.zeros_like(x))

    l00 = cov[..., 0, 0].clamp(min=0).sqrt()
    out[..., 0, 0] = l00
    if c >= 2:
        l10 = div(cov[..., 1, 0], l00)
        l11 = (cov[..., 1, 1] - l10**2).clamp(min=0).sqrt()
        out[..., 1, 0], out[..., 1, 1] = l10, l11
    if c >= 3:
        l20 = div(cov[..., 2, 0], l00)
        l21 = div(cov[..., 2, 1] - l20 * l10, l11)
        out[..., 2, 0], out[..., 2, 1] = l20, l21
        out[..., 2, 2] = (cov[..., 2, 2] - l20**2 - l21**2).clamp(min=0).sqrt()
    return out


class VirtualBrownianTree:
    """A batch of Brownian motions (with Levy areas) on ``[t0, t1]``, queried at any times.

    Parameters
    ----------
    t0, t1 : float
        The time interval (``t0 < t1``).
    tol : float
        Length below which intervals are not split further: the tree has depth
        ``ceil(log2((t1 - t0) / tol))`` and finest cells of length at most ``tol``.
    shape : tuple of int
        ``(B, m)``: rows (trajectories) and Brownian motions per row.
    seed : int
        The single seed; the same seed gives the same path everywhere.
    levy_area : None, "space-time" or "space-time-time"
        Which Levy areas to carry (``H``; ``H`` and ``K``).
    device, dtype
        Where and in which precision results are returned (computation is float64).

    References
    ----------
    Jelincic, A., Foster, J. and Kidger, P. (2024), arXiv:2405.06464.
    """

    bibtex = BIBTEX

    def __init__(
        self,
        t0: float,
        t1: float,
        tol: float,
        shape: Sequence[int],
        seed: int = 0,
        levy_area: str | None = None,
        *,
        device: torch.device | str | None = None,
        dtype: torch.dtype = torch.float64,
    ) -> None:
        t0, t1, tol = float(t0), float(t1), float(tol)
        if not (math.isfinite(t0) and math.isfinite(t1)) or t0 >= t1:
            raise ValueError(f"t0 must be finite and below t1, got t0={t0!r}, t1={t1!r}")
        if not math.isfinite(tol) or tol <= 0 or tol >= t1 - t0:
            raise ValueError(f"tol must lie in (0, t1 - t0) = (0, {t1 - t0!r}), got tol={tol!r}")
        if levy_area not in LEVY_AREAS:
            raise ValueError(
                f"levy_area must be None, 'space-time' or 'space-time-time', got {levy_area!r}"
            )
        shape = tuple(int(s) for s in shape)
        if len(shape) != 2 or min(shape) < 1:
            raise ValueError(f"shape must be (B, m) with B, m >= 1, got shape={shape!r}")
        self.t0, self.t1, self.tol = t0, t1, tol
        self.shape = shape
        self.seed = int(seed)
        self.levy_area = levy_area
        self.channels = LEVY_AREAS[levy_area]
        self.device = torch.device(device) if device is not None else torch.device("cpu")
        self.dtype = dtype
        self.depth = max(1, math.ceil(math.log2((t1 - t0) / tol) - 1e-12))
        self._c = len(self.channels)
        lo, hi = _seed_words(self.seed)
        self._seed_key = (_mix32(torch.tensor(lo)) ^ _mix32(torch.tensor(hi ^ 0x27D4EB2F))).item()
        half = torch.tensor(0.5, dtype=torch.float64)
        a = split_matrix(half, self._c).to(self.device)
        self._mean_half = a.T.contiguous()  # (2c, c)
        self._noise_half = (
            torch.eye(2 * self._c, dtype=torch.float64, device=self.device) - a.T @ a
        )  # (2c, 2c), symmetric

    # -- basic facts ------------------------------------------------------------------------------
    @property
    def duration(self) -> float:
        return self.t1 - self.t0

    @property
    def cell(self) -> float:
        """Length of a finest cell, ``(t1 - t0) / 2**depth``."""
        return self.duration / (1 << self.depth)

    def __repr__(self) -> str:
        return (
            f"VirtualBrownianTree(t0={self.t0}, t1={self.t1}, tol={self.tol}, shape={self.shape}, "
            f"levy_area={self.levy_area!r}, depth={self.depth})"
        )

    # -- randomness -------------------------------------------------------------------------------
    def _rows(self, rows: Tensor | None) -> Tensor:
        if rows is None:
            return torch.arange(self.shape[0], device=self.device, dtype=torch.int64)
        return rows

    def _key(self, level: int, node: Tensor, rows: Tensor | None = None) -> Tensor:
        """Hash of ``(seed, row, level, node)``; ``node`` has shape ``(..., B)``."""
        x = _mix32(self._rows(rows) ^ self._seed_key)
        x = _mix32(x ^ ((level * 0x9E3779B1) & _MASK32))
        x = _mix32(x ^ (node & _MASK32))
        if self.depth > 30:
            x = _mix32(x ^ (node >> 32))
        return x

    def _xi(self, level: int, node: Tensor, rows: Tensor | None = None) -> Tensor:
        """Standard normals ``(..., B, m, 2c)`` for splitting ``node`` at ``level``."""
        m, c2 = self.shape[1], 2 * self._c
        return _normals(self._key(level, node, rows), m * c2).reshape(*node.shape, m, c2)

    def _xi_levels(self, parents: Tensor, rows: Tensor | None = None) -> Tensor:
        """Normals ``(L, ..., B, m, 2c)`` for splitting ``parents[l]`` at level ``l + 1``."""
        L = parents.shape[0]
        m, c2 = self.shape[1], 2 * self._c
        x = _mix32(self._rows(rows) ^ self._seed_key)
        lev = torch.arange(1, L + 1, device=self.device, dtype=torch.int64)
        lev = ((lev * 0x9E3779B1) & _MASK32).reshape(L, *([1] * (parents.ndim - 1)))
        x = _mix32(x ^ lev)  # (L, 1, ..., B): small
        x = _mix32(x ^ (parents & _MASK32))
        if self.depth > 30:
            x = _mix32(x ^ (parents >> 32))
        return _normals(x, m * c2).reshape(*parents.shape, m, c2)

    def _root(self, batch: tuple[int, ...], rows: Tensor | None = None) -> Tensor:
        node = torch.zeros(batch, device=self.device, dtype=torch.int64)
        return self._xi(0, node, rows)[..., : self._c]

    # -- raw quantities ---------------------------------------------------------------------------
    def _raw(self, std: Tensor, h: Tensor) -> list[Tensor]:
        """Standardized ``(..., c)`` over length ``h`` (broadcast to ``(..., B, m)``) to raw
        ``[W, h H, h^2 K]``."""
        sq = h.sqrt()
        out = [std[..., 0] * sq]
        if self._c >= 2:
            out.append(std[..., 1] * (h * sq / math.sqrt(12.0)))
        if self._c >= 3:
            out.append(std[..., 2] * (h * h * sq / math.sqrt(720.0)))
        return out

    def _cells(self, times: Tensor) -> tuple[Tensor, Tensor]:
        """Finest cell index and position ``theta`` in ``[0, 1]`` inside it."""
        tau = (times - self.t0) / self.cell
        k = torch.floor(tau).to(torch.int64).clamp_(0, (1 << self.depth) - 1)
        theta = (tau - k.to(torch.float64)).clamp_(0.0, 1.0)
        return k, theta

    def _values_at(
        self, times: Tensor, anchor: Tensor | None = None, rows: Tensor | None = None
    ) -> tuple[list[Tensor], Tensor]:
        """``[W, h H, h^2 K]`` of ``[a, t]`` for ``times`` of shape ``(Q, B)`` (float64).

        ``a`` is ``t0``, or with ``anchor`` (a level per row, ``(B,)``) the start of the node of
        that level holding ``t``: accumulating from a nearby node keeps Chen's differences of
        close times accurate. Also returns ``t - a``.
        """
        L, c = self.depth, self._c
        k, theta = self._cells(times)
        batch = tuple(times.shape)
        node_std = self._root(batch, rows)  # standardized (W, H, K) of the current node
        acc = [
            torch.zeros((*batch, self.shape[1]), dtype=torch.float64, device=self.device)
            for _ in range(c)
        ]
        acc_len = torch.zeros(batch, dtype=torch.float64, device=self.device)
        # the randomness of every level at once: parents (L, *batch), normals (L, *batch, m, 2c)
        shifts = torch.arange(L, 0, -1, device=self.device, dtype=torch.int64)
        shifts = shifts.reshape(L, *([1] * len(batch)))
        parents = k.unsqueeze(0) >> shifts
        rights = ((k.unsqueeze(0) >> (shifts - 1)) & 1).to(torch.bool)
        if anchor is not None:
            levels = torch.arange(1, L + 1, device=self.device).reshape(L, *([1] * len(batch)))
            rights_acc = rights & (anchor < levels)
        else:
            rights_acc = rights
        noise = self._xi_levels(parents, rows) @ self._noise_half
        mean_t = self._mean_half.T
        for level in range(1, L + 1):
            right = rights[level - 1]
            right_acc = rights_acc[level - 1]
            z = node_std @ mean_t + noise[level - 1]
            z1, z2 = z[..., :c], z[..., c:]
            h_half = torch.tensor(
                self.duration / (1 << level), dtype=torch.float64, device=self.device
            )
            piece = self._raw(z1, h_half)
            joined = _chen(acc, acc_len[..., None], piece, h_half)
            ra = right_acc[..., None]
            acc = [torch.where(ra, j, a) for j, a in zip(joined, acc, strict=True)]
            acc_len = acc_len + right_acc * h_half
            node_std = torch.where(right[..., None, None], z2, z1)
        # inside the finest cell: one normal vector per cell, through the lower-triangular
        # (Cholesky) factor of the conditional covariance, so that the W parts of two points of
        # one cell are driven by the same normal (correlation 1, as in diffrax)
        a1 = split_matrix(theta, c)[..., :c].unsqueeze(-3)  # (Q, B, 1, c, c): piece-1 columns
        xi = self._xi(L + 1, k, rows)[..., :c]  # (Q, B, m, c)
        mean = (a1.transpose(-1, -2) @ node_std.unsqueeze(-1)).squeeze(-1)
        eye = torch.eye(c, dtype=torch.float64, device=self.device)
        chol = _cholesky(eye - a1.transpose(-1, -2) @ a1)
        z1 = mean + (chol @ xi.unsqueeze(-1)).squeeze(-1)
        h_in = (theta * self.cell)[..., None]
        piece = self._raw(z1, h_in)
        return _chen(acc, acc_len[..., None], piece, h_in), acc_len + h_in[..., 0]

    # -- queries ----------------------------------------------------------------------------------
    def _as_times(self, t: float | Tensor, name: str) -> Tensor:
        t = torch.as_tensor(t, dtype=torch.float64, device=self.device)
        if t.ndim == 0:
            t = t.expand(self.shape[0])
        if t.ndim != 1 or t.shape[0] != self.shape[0]:
            raise ValueError(
                f"{name} must be a number or a tensor of shape ({self.shape[0]},), "
                f"got shape {tuple(t.shape)}"
            )
        lo, hi = float(t.min()), float(t.max())
        eps = 1e-12 * max(1.0, abs(self.t0), abs(self.t1))
        if lo < self.t0 - eps or hi > self.t1 + eps:
            bad = lo if lo < self.t0 - eps else hi
            raise ValueError(
                f"{name} must lie in [t0, t1] = [{self.t0}, {self.t1}], got {name}={bad!r}"
            )
        return t.clamp(self.t0, self.t1)

    def _finish(self, raw: list[Tensor], h: Tensor) -> BrownianIncrement:
        """Raw ``[W, h H, h^2 K]`` to a :class:`BrownianIncrement` in ``dtype``."""
        W = raw[0]
        H = K = None
        hh = h[..., None]
        safe = torch.where(hh > 0, hh, torch.ones_like(hh))
        if self._c >= 2:
            H = torch.where(hh > 0, raw[1] / safe, torch.zeros_like(raw[1])).to(self.dtype)
        if self._c >= 3:
            K = torch.where(hh > 0, raw[2] / (safe * safe), torch.zeros_like(raw[2]))
            K = K.to(self.dtype)
        return BrownianIncrement(W.to(self.dtype), H, K)

    def value(self, t: float | Tensor) -> BrownianIncrement:
        """``W``, ``H``, ``K`` of ``[t0, t]`` per row; ``t`` a number or a ``(B,)`` tensor."""
        tt = self._as_times(t, "t")
        raw, _ = self._values_at(tt[None])
        return self._finish([r[0] for r in raw], tt - self.t0)

    def evaluate(self, s: float | Tensor, t: float | Tensor) -> BrownianIncrement:
        """``W``, ``H``, ``K`` of ``[s, t]`` per row (``s <= t``, numbers or ``(B,)`` tensors).

        The values at ``s`` and ``t`` are computed from the tree and joined by Chen's relation.
        """
        ss, tt = self._as_times(s, "s"), self._as_times(t, "t")
        diff = ss - tt
        if bool((diff > 0).any()):
            i = int(torch.argmax(diff))
            raise ValueError(
                f"s must not exceed t, got s={float(ss[i])!r} > t={float(tt[i])!r} (row {i})"
            )
        times = torch.stack([ss, tt])
        k, _ = self._cells(times)
        x = (k[0] ^ k[1]).to(torch.float64)
        bits = torch.where(x > 0, torch.floor(torch.log2(x.clamp(min=1.0))) + 1, 0.0)
        anchor = self.depth - bits.to(torch.int64)  # deepest node holding both s and t
        raw, rel = self._values_at(times, anchor)
        h1 = rel[0][..., None]
        h2 = (tt - ss)[..., None]
        inc = _chen_difference([r[0] for r in raw], h1, [r[1] for r in raw], h2)
        return self._finish(inc, tt - ss)

    # -- values from t0, for loops that reuse the value at the start of a step ----------------
    def point(self, t: float | Tensor, rows: Tensor | None = None) -> list[Tensor]:
        """Raw float64 values ``[W, h H, h^2 K]`` of ``[t0, t]`` per row (for :meth:`between`).

        ``rows`` (int64 indices) restricts the query to some rows, ``t`` then has one entry per
        given row. An adaptive loop keeps the value at the start of its step and queries only
        the end of the step of its active rows. Chen's difference of values anchored at ``t0``
        loses about ``eps (t1 - t0) / h`` in relative precision for ``H`` (squared for ``K``),
        negligible for ``W, H`` in float64 at steps above ``1e-10 (t1 - t0)``.
        """
        if rows is None:
            tt = self._as_times(t, "t")
        else:
            tt = torch.as_tensor(t, dtype=torch.float64, device=self.device)
            tt = tt.clamp(self.t0, self.t1)
        raw, _ = self._values_at(tt[None], rows=rows)
        return [r[0] for r in raw]

    def between(
        self, value_s: list[Tensor], s: Tensor, value_t: list[Tensor], t: Tensor
    ) -> BrownianIncrement:
        """``W, H, K`` of ``[s, t]`` from the values :meth:`point` gave at ``s`` and ``t``."""
        s = torch.as_tensor(s, dtype=torch.float64, device=self.device)
        t = torch.as_tensor(t, dtype=torch.float64, device=self.device)
        inc = _chen_difference(value_s, (s - self.t0)[..., None], value_t, (t - s)[..., None])
        return self._finish(inc, t - s)

    # -- grids for the fixed-step engine ----------------------------------------------------------
    def _grid_level(self, n: int) -> int | None:
        """``k`` if ``n == 2**k`` and ``k <= depth`` (the grid is made of tree nodes)."""
        if n >= 1 and n & (n - 1) == 0:
            k = n.bit_length() - 1
            if k <= self.depth:
                return k
        return None

    def _nodes(self, level: int) -> Tensor:
        """Standardized quantities of all ``2**level`` nodes: ``(2**level, B, m, c)``."""
        c = self._c
        std = self._root((1, self.shape[0]))
        for lev in range(1, level + 1):
            n = std.shape[0]
            node = torch.arange(n, device=self.device, dtype=torch.int64)[:, None].expand(
                n, self.shape[0]
            )
            xi = self._xi(lev, node)
            z = std @ self._mean_half.T + xi @ self._noise_half
            std = torch.stack([z[..., :c], z[..., c:]], dim=1).reshape(2 * n, *std.shape[1:])
        return std

    def increments(self, n: int) -> BrownianIncrement:
        """``W``, ``H``, ``K`` of the ``n`` uniform steps of ``[t0, t1]``, each ``(n, B, m)``.

        A grid of ``2**k`` steps with ``k <= depth`` is read off the tree's nodes (exactly
        the values :meth:`evaluate` gives); other grids are evaluated point by point.
        """
        n = int(n)
        if n < 1:
            raise ValueError(f"n must be >= 1, got n={n!r}")
        h = self.duration / n
        if h < self.tol * (1 - 1e-9):
            raise ValueError(
                f"a step of {h!r} is smaller than the tree's tolerance {self.tol!r}; "
                "make the tree with a smaller tol"
            )
        level = self._grid_level(n)
        if level is not None:
            std = self._nodes(level)
            raw = self._raw(std, torch.tensor(h, dtype=torch.float64, device=self.device))
            return self._finish(
                raw, torch.full((n, self.shape[0]), h, dtype=torch.float64, device=self.device)
            )
        times = self.t0 + h * torch.arange(n + 1, dtype=torch.float64, device=self.device)
        times[-1] = self.t1
        vals, _ = self._values_at(times[:, None].expand(n + 1, self.shape[0]).contiguous())
        start = (times[:-1] - self.t0)[:, None, None].expand(n, self.shape[0], 1)
        step = torch.diff(times)[:, None, None].expand(n, self.shape[0], 1)
        inc = _chen_difference([v[:-1] for v in vals], start, [v[1:] for v in vals], step)
        return self._finish(inc, step[..., 0])

    def noise(self, channels: Sequence[str], n: int) -> Tensor:
        """The per-step ``noise`` tensor an integrator with these ``noise_channels`` consumes.

        Same layout as :meth:`effdyn.sde.BrownianPath.noise`: ``(n, B, m)`` for one channel and
        ``(n, C, B, m)`` for ``C``; channels ``dW``, ``H``, ``K`` and ``dW_half``.
        """
        inc = self.increments(n)
        parts = []
        n_half = 0
        halves = None
        for ch in channels:
            if ch == "dW":
                parts.append(inc.W)
            elif ch in ("H", "K"):
                got = inc.H if ch == "H" else inc.K
                if got is None:
                    raise ValueError(
                        f"the integrator needs channel {ch!r}, but this tree has "
                        f"levy_area={self.levy_area!r}; use "
                        f"{'space-time' if ch == 'H' else 'space-time-time'!r}"
                    )
                parts.append(got)
            elif ch == "dW_half":
                if halves is None:
                    halves = self.increments(2 * n).W.reshape(n, 2, *self.shape)
                if n_half > 1:
                    raise ValueError("a step has only two halves")
                parts.append(halves[:, n_half])
                n_half += 1
            else:
                raise ValueError(f"unknown noise channel {ch!r}")
        return parts[0] if len(parts) == 1 else torch.stack(parts, dim=1)
