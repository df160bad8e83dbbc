"""Categorical Boltzmann machines with one-hot units: energy, mean field, exact enumeration.

A state ``x`` is the concatenation of one-hot vectors ``x_i`` (variable ``i`` has ``K_i``
categories); the energy is ``E(x) = -x^T W x / 2 - b^T x`` with ``W`` symmetric and
``p(x) = exp(-E(x)) / Z``. For a one-hot unit ``x_i^T W_ii x_i = diag(W_ii) . x_i``: the
within-variable block acts only through its diagonal, as a bias. Hence, under a product law
``q``, ``E_q[x_i^T W_ii x_i] = diag(W_ii) . q_i`` (not ``q_i^T W_ii q_i``), and the mean-field
free energy is

    F(q) = E_q[E] - H(q) = -q^T J q / 2 - c^T q + sum q log q,

with ``J`` the off-block part of ``W`` (within-variable blocks zero) and ``c = b + diag(W)/2``.
Its stationary points are the mean-field equations ``q_i = softmax(sum_{j != i} J_ij q_j + c_i)``.
If ``I - J >= m I`` (``J`` is m-monotone) then ``F`` is m-strongly convex on the product of
simplices (the Hessian of the entropy term is ``diag(1/q) >= I``), so the fixed point is unique,
and it is the unique solution of the monotone inclusion ``0 in (I - J) q - c + df(q)`` with
``f = sum q log q - ||q||^2/2`` on the simplices, whose prox is :func:`prox_softmax`. This is the
construction of Feng, Winston and Kolter (2023, arXiv 2307.04990) in our reading; see
:func:`monotone_couplings` for how we impose the constraint on ``J`` with zero blocks.

Everything is batched over rows; exact enumeration works in float64 for up to ``3**14`` states.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from effdyn.ebm.blocks import Blocks, as_blocks
from effdyn.ebm.prox import prox_softmax
from effdyn.implicit import (
    DenseOperator,
    FixedPointResult,
    anderson,
    check_m,
    check_monotone,
    forward_backward,
    forward_backward_map,
    peaceman_rachford,
    top_eigenvalue,
)

__all__ = [
    "MAX_ENUMERATION_STATES",
    "CategoricalBM",
    "antiferromagnetic_bm",
    "Enumeration",
    "monotone_couplings",
    "off_block",
    "random_monotone_bm",
    "random_symmetric_bm",
]

#: The largest number of joint states :meth:`CategoricalBM.enumerate` accepts.
MAX_ENUMERATION_STATES = 3**14


def off_block(w: torch.Tensor, blocks: Blocks) -> torch.Tensor:
    """``w`` with its within-variable blocks set to zero."""
    return w * (1.0 - blocks.block_mask(w.dtype, w.device))


def monotone_couplings(
    a: torch.Tensor, blocks: Blocks | Sequence[int], m: float, *, method: str = "spectral"
) -> torch.Tensor:
    """m-monotone pairwise couplings with zero within-variable blocks, from any matrix ``a``.

    ``J0`` is the off-block part of the Winston-Kolter ``(1 - m) I - A^T A`` (that is, of
    ``-A^T A``). Zeroing the blocks can push the top eigenvalue above ``1 - m``; two ways to
    restore the constraint:

    - ``"spectral"``: ``J = J0 * min(1, (1 - m) / lambda_max(J0))``, a radial retraction onto the
      monotone set (``lambda_max`` by ``eigvalsh``, differentiable almost everywhere).
    - ``"blocknorm"``: rescale each variable's column block ``A_i`` to Frobenius norm at most
      ``sqrt(1 - m)`` before forming ``J0``. Since ``-A^T A <= 0``,
      ``J0 <= blockdiag(A_i^T A_i) <= max_i ||A_i||^2 I``, so ``J0`` is m-monotone without an
      eigensolver (cheaper, more conservative).

    The within-variable blocks only ever act as a bias (one-hot units), so dropping them loses
    no model.

    Parameters
    ----------
    a : Tensor, shape (r, d)
    blocks : Blocks or sizes
    m : float
        Margin in (0, 1].
    method : {"spectral", "blocknorm"}

    Returns
    -------
    Tensor, shape (d, d)
        Symmetric ``J`` with zero blocks and ``I - J >= m I``.
    """
    m = check_m(m)
    layout = as_blocks(blocks)
    if a.ndim != 2 or a.shape[1] != layout.dim:
        raise ValueError(f"a must have shape (r, {layout.dim}), got {tuple(a.shape)}")
    if method == "blocknorm":
        var = layout.variable.to(a.device)
        sq = torch.zeros(layout.n, dtype=a.dtype, device=a.device).index_add(0, var, (a * a).sum(0))
        shrink = torch.clamp(math.sqrt(1.0 - m) / sq.clamp_min(1e-30).sqrt(), max=1.0)
        a = a * shrink[var]
        return off_block(-(a.T @ a), layout)
    if method != "spectral":
        raise ValueError(f"method must be 'spectral' or 'blocknorm', got {method!r}")
    j0 = off_block(-(a.T @ a), layout)
    top = torch.linalg.eigvalsh(j0)[-1]
    scale = torch.clamp((1.0 - m) / top.clamp_min(1e-30), max=1.0)
    return j0 * scale


@dataclass
class Enumeration:
    """Exact quantities of a small model (float64).

    Attributes
    ----------
    log_z : float
        ``log Z``.
    marginals : Tensor, shape (d,)
        ``P(x_ik = 1)``.
    n_states : int
    kl : Tensor or None
        ``KL(q || p)`` for each row of the ``q`` given to :meth:`CategoricalBM.enumerate`.
    """

    log_z: float
    marginals: torch.Tensor
    n_states: int
    kl: torch.Tensor | None = None


class CategoricalBM:
    """A Boltzmann machine over one-hot categorical variables.

    Parameters
    ----------
    weight : Tensor, shape (d, d)
        Symmetric pairwise weights; within-variable blocks are allowed and act as a bias (only
        their diagonal matters).
    bias : Tensor, shape (d,)
    blocks : Blocks or sizes
        ``K_i`` of each variable.
    m : float, optional
        When given, the couplings must be m-monotone (checked; ``ValueError`` naming the top
        eigenvalue against ``1 - m`` otherwise).
    """

    def __init__(
        self,
        weight: torch.Tensor,
        bias: torch.Tensor,
        blocks: Blocks | Sequence[int],
        m: float | None = None,
    ) -> None:
        self.blocks = as_blocks(blocks)
        d = self.blocks.dim
        if weight.shape != (d, d):
            raise ValueError(f"weight must have shape ({d}, {d}), got {tuple(weight.shape)}")
        if bias.shape != (d,):
            raise ValueError(f"bias must have shape ({d},), got {tuple(bias.shape)}")
        if not torch.allclose(
            weight, weight.T, rtol=0, atol=1e-12 * (1 + float(weight.abs().max()))
        ):
            raise ValueError("weight must be symmetric")
        self.weight = weight
        self.bias = bias
        self.couplings = off_block(weight, self.blocks)
        self.field = bias + 0.5 * torch.diagonal(weight)
        self.m = None if m is None else check_m(m)
        if self.m is not None:
            check_monotone(self.couplings, self.m)
        self.operator = DenseOperator(self.couplings)

    @property
    def dim(self) -> int:
        """The one-hot dimension ``d``."""
        return self.blocks.dim

    # energies -------------------------------------------------------------------------
    def energy(self, x: torch.Tensor) -> torch.Tensor:
        """``E(x) = -x^T W x / 2 - b^T x`` for one-hot states ``x`` (batch, d)."""
        return -0.5 * ((x @ self.weight) * x).sum(-1) - x @ self.bias

    def expected_energy(self, q: torch.Tensor) -> torch.Tensor:
        """``E_q[E]`` under the product law ``q`` (batch, d), within blocks by their diagonal."""
        return -0.5 * ((q @ self.couplings) * q).sum(-1) - q @ self.field

    def entropy(self, q: torch.Tensor) -> torch.Tensor:
        """``H(q) = -sum q log q`` (0 log 0 = 0)."""
        return -torch.special.xlogy(q, q).sum(-1)

    def free_energy(self, q: torch.Tensor) -> torch.Tensor:
        """The mean-field (Gibbs) free energy ``F(q) = E_q[E] - H(q)``; ``F >= -log Z``."""
        return self.expected_energy(q) - self.entropy(q)

    def mean_field_map(self, q: torch.Tensor) -> torch.Tensor:
        """``softmax(J q + c)`` per block (the right side of the mean-field equations)."""
        return self.blocks.softmax(self.operator.apply(q) + self.field)

    def mean_field_residual(self, q: torch.Tensor) -> torch.Tensor:
        """``max |q - softmax(J q + c)|`` for each row."""
        return (q - self.mean_field_map(q)).abs().amax(-1)

    # solvers ---------------------------------------------------------------------------
    def prox(self, v: torch.Tensor, alpha: float) -> torch.Tensor:
        """:func:`prox_softmax` with this model's blocks."""
        return prox_softmax(v, alpha, self.blocks)

    def mean_field(
        self,
        q0: torch.Tensor | None = None,
        *,
        solver: str = "anderson",
        alpha: float = 0.125,
        tol: float = 1e-2,
        max_iter: int = 50,
        memory: int = 5,
        warn: bool = True,
    ) -> FixedPointResult:
        """Solve the mean-field equations by monotone operator splitting.

        Parameters
        ----------
        q0 : Tensor, shape (batch, d), optional
            Starts (default: one uniform start).
        solver : {"anderson", "forward_backward", "peaceman_rachford"}
        alpha, tol, max_iter : float, float, int
            Defaults are the authors' ``MON_DEFAULTS`` (0.125, 1e-2, 50).
        memory : int
            Anderson memory.

        Returns
        -------
        FixedPointResult
        """
        if q0 is None:
            q0 = self.blocks.uniform(1, self.weight.dtype, self.weight.device)
        if q0.shape[-1] != self.dim:
            raise ValueError(f"q0 must have last dimension {self.dim}, got {q0.shape[-1]}")
        b = self.field
        if solver == "forward_backward":
            return forward_backward(
                self.operator, self.prox, b, q0, alpha=alpha, tol=tol, max_iter=max_iter, warn=warn
            )
        if solver == "peaceman_rachford":
            return peaceman_rachford(
                self.operator, self.prox, b, q0, alpha=alpha, tol=tol, max_iter=max_iter, warn=warn
            )
        if solver == "anderson":
            step = forward_backward_map(self.operator, self.prox, b, alpha)
            return anderson(step, q0, memory=memory, tol=tol, max_iter=max_iter, warn=warn)
        raise ValueError(
            f"solver must be 'anderson', 'forward_backward' or 'peaceman_rachford', got {solver!r}"
        )

    def naive_mean_field(
        self, q0: torch.Tensor | None = None, *, n_iter: int = 1000, damping: float = 1.0
    ) -> FixedPointResult:
        """Parallel mean field ``q <- (1 - t) q + t softmax(J q + c)`` for ``n_iter`` steps.

        ``damping`` ``t`` in (0, 1]; the default 1 is the naive undamped update. Returns the last
        iterate; ``residuals`` holds ``max |q - softmax(J q + c)|`` (the largest over the batch)
        at the end. No convergence is assumed (no warning).
        """
        t = float(damping)
        if not 0.0 < t <= 1.0:
            raise ValueError(f"damping must lie in (0, 1], got {damping}")
        if q0 is None:
            q0 = self.blocks.uniform(1, self.weight.dtype, self.weight.device)
        result = FixedPointResult(q0)
        q = q0
        for _ in range(int(n_iter)):
            q = self.mean_field_map(q) if t == 1.0 else (1 - t) * q + t * self.mean_field_map(q)
            result.n_iter += 1
        result.residuals.append(float(self.mean_field_residual(q).max()))
        result.z = q
        result.converged = False
        return result

    # exact -------------------------------------------------------------------------------
    def enumerate(self, q: torch.Tensor | None = None, *, chunk: int = 2**15) -> Enumeration:
        """Exact ``log Z``, marginals and, for each row of ``q``, ``KL(q || p)`` (float64).

        Raises
        ------
        ValueError
            When the model has more than ``3**14`` joint states.
        """
        n_states = self.blocks.n_states()
        if n_states > MAX_ENUMERATION_STATES:
            raise ValueError(
                f"enumeration needs {n_states} states, more than the limit 3**14 = "
                f"{MAX_ENUMERATION_STATES}"
            )
        w = self.weight.detach().double().cpu()
        bias = self.bias.detach().double().cpu()
        sizes = torch.tensor(self.blocks.sizes)
        radix = torch.ones(len(sizes), dtype=torch.long)
        for i in range(len(sizes) - 2, -1, -1):
            radix[i] = radix[i + 1] * sizes[i + 1]

        def states(start: int, stop: int) -> torch.Tensor:
            idx = torch.arange(start, stop)
            digits = (idx[:, None] // radix[None, :]) % sizes[None, :]
            return self.blocks.one_hot(digits)

        def neg_energy(x: torch.Tensor) -> torch.Tensor:
            return 0.5 * ((x @ w) * x).sum(-1) + x @ bias

        # pass 1: streamed log-sum-exp (running max, sum and weighted one-hot sum)
        run_max = -math.inf
        total = 0.0
        acc = torch.zeros(self.dim, dtype=torch.float64)
        for start in range(0, n_states, chunk):
            x = states(start, min(n_states, start + chunk))
            ne = neg_energy(x)
            new_max = max(run_max, float(ne.max()))
            shrink = math.exp(run_max - new_max) if math.isfinite(run_max) else 0.0
            weights = torch.exp(ne - new_max)
            total = total * shrink + float(weights.sum())
            acc = acc * shrink + weights @ x
            run_max = new_max
        log_z = run_max + math.log(total)
        marginals = acc / total
        kl = None
        if q is not None:
            qd = q.detach().double().cpu()
            logq = torch.log(qd.clamp_min(1e-300))
            kl = torch.zeros(qd.shape[0], dtype=torch.float64)
            for start in range(0, n_states, chunk):
                x = states(start, min(n_states, start + chunk))
                log_qx = x @ logq.T  # (chunk, batch)
                log_px = neg_energy(x)[:, None] - log_z
                kl += (torch.exp(log_qx) * (log_qx - log_px)).sum(0)
        return Enumeration(log_z, marginals, n_states, kl)


def _normalise(j: torch.Tensor, scale: float) -> torch.Tensor:
    return j * (scale / float(torch.linalg.matrix_norm(j, ord=2)))


def random_symmetric_bm(
    blocks: Blocks | Sequence[int],
    scale: float,
    *,
    generator: torch.Generator | None = None,
    bias_scale: float = 0.5,
    dtype: torch.dtype = torch.float64,
) -> CategoricalBM:
    """An unconstrained symmetric model: Gaussian couplings, zero blocks, norm ``scale``."""
    layout = as_blocks(blocks)
    g = torch.randn(layout.dim, layout.dim, generator=generator, dtype=dtype)
    j = off_block(0.5 * (g + g.T), layout)
    b = bias_scale * torch.randn(layout.dim, generator=generator, dtype=dtype)
    return CategoricalBM(_normalise(j, scale), b, layout)


def random_monotone_bm(
    blocks: Blocks | Sequence[int],
    scale: float,
    m: float = 0.1,
    *,
    generator: torch.Generator | None = None,
    bias_scale: float = 0.5,
    dtype: torch.dtype = torch.float64,
) -> CategoricalBM:
    """A random m-monotone model with couplings of spectral norm ``scale`` where possible.

    ``J`` is the off-block part of ``-A^T A`` (A Gaussian, square) scaled to spectral norm
    ``scale``; if then ``lambda_max(J) > 1 - m``, it is scaled down onto the constraint (as in
    :func:`monotone_couplings`), and the model's norm is below ``scale``.
    """
    m = check_m(m)
    layout = as_blocks(blocks)
    a = torch.randn(layout.dim, layout.dim, generator=generator, dtype=dtype)
    j = _normalise(off_block(-(a.T @ a), layout), scale)
    top = top_eigenvalue(j)
    if top > 1.0 - m:
        j = j * ((1.0 - m) / top)
    b = bias_scale * torch.randn(layout.dim, generator=generator, dtype=dtype)
    return CategoricalBM(j, b, layout, m=m)


def antiferromagnetic_bm(
    blocks: Blocks | Sequence[int],
    strength: float,
    *,
    disorder: float = 0.0,
    m: float | None = None,
    generator: torch.Generator | None = None,
    bias_scale: float = 0.1,
    dtype: torch.dtype = torch.float64,
) -> CategoricalBM:
    """A fully connected antiferromagnet (equal states of two variables cost energy).

    ``J_ij = -(strength / (n - 1)) I_K`` for every pair ``i != j`` (all variables need the same
    ``K``), whose most negative eigenvalue is ``-strength``, plus ``disorder`` times symmetric
    Gaussian couplings of spectral norm one (zero blocks). With ``m`` given, ``J`` is scaled down
    radially until ``lambda_max(J) <= 1 - m`` (it is then m-monotone).
    """
    layout = as_blocks(blocks)
    ks = set(layout.sizes)
    if len(ks) != 1:
        raise ValueError(f"antiferromagnetic_bm needs equal K for all variables, got {sorted(ks)}")
    (k,) = ks
    n = layout.n
    pair = torch.ones(n, n, dtype=dtype) - torch.eye(n, dtype=dtype)
    j = -(float(strength) / max(n - 1, 1)) * torch.kron(pair, torch.eye(k, dtype=dtype))
    if disorder:
        g = torch.randn(layout.dim, layout.dim, generator=generator, dtype=dtype)
        j = j + _normalise(off_block(0.5 * (g + g.T), layout), float(disorder))
    if m is not None:
        m = check_m(m)
        top = top_eigenvalue(j)
        if top > 1.0 - m:
            j = j * ((1.0 - m) / top)
    b = bias_scale * torch.randn(layout.dim, generator=generator, dtype=dtype)
    return CategoricalBM(j, b, layout, m=m)
