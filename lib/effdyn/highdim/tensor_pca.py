"""Tensor PCA instances drawn through their sufficient statistic, batched over runs.

Observing ``n`` i.i.d. tensors ``T_i = theta*^{(x)k} + Z_i`` (``Z_i`` with i.i.d. N(0, 1) entries,
not symmetrised, the convention of :class:`effdyn.highdim.SpikedTensorSGD`) is equivalent to
observing their mean ``Tbar = theta*^{(x)k} + Z / sqrt(n)``, which is drawn here directly: ``n``
is a noise level and costs nothing. The empirical loss on the unit sphere is
``L_n(theta) = -<Tbar, theta^{(x)k}>`` (population loss ``-(theta . theta*)^k``), as in
:cite:`langevin-averaging` and :cite:`richard2014tensorpca`.

Only the symmetrisation ``S`` of ``Tbar`` is kept (``<Tbar, theta^{(x)k}> = <S, theta^{(x)k}>``
for every ``theta``), so that the gradient ``-k S(., theta, ..., theta)`` is one contraction;
the symmetrisation is done run by run, so at most one d^k tensor beyond the batch is ever formed.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import torch

from effdyn.highdim.references import LANGEVIN_AVERAGING_2026, RICHARD_MONTANARI_2014

__all__ = [
    "DEFAULT_MEMORY_LIMIT",
    "TensorPCA",
    "check_order_and_dimension",
    "power_step",
    "random_unit_vectors",
    "tensor_unfolding_estimate",
]

#: Default limit (bytes) on the d^k tensors of one batch of tensor PCA instances.
DEFAULT_MEMORY_LIMIT = 4 * 2**30


def check_order_and_dimension(order: int, n_dim: int) -> None:
    """Refuse a tensor order below 2 or not an integer, and a dimension below 2."""
    if isinstance(order, bool) or int(order) != order or order < 2:
        raise ValueError(f"order must be an integer >= 2, got {order!r}")
    if isinstance(n_dim, bool) or int(n_dim) != n_dim or n_dim < 2:
        raise ValueError(f"n_dim must be an integer >= 2, got {n_dim!r}")


def random_unit_vectors(
    n_runs: int,
    n_dim: int,
    generator: torch.Generator,
    *,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float32,
) -> torch.Tensor:
    """``n_runs`` independent uniform points of the unit sphere S^{n_dim - 1}, shape (runs, d)."""
    x = torch.randn(n_runs, n_dim, generator=generator, device=device, dtype=dtype)
    return x / x.norm(dim=-1, keepdim=True)


def _contract_all_but_one(tensor: torch.Tensor, theta: torch.Tensor, order: int) -> torch.Tensor:
    """``S(., theta, ..., theta)``: tensor (R, d^k) flat, theta (R, M, d) -> (R, M, d)."""
    r, m, d = theta.shape
    # first contraction on the last index: (R, d^{k-1}, d) @ (R, d, M) -> (R, d^{k-1}, M)
    x = torch.bmm(tensor.view(r, d ** (order - 1), d), theta.transpose(1, 2))
    for j in range(order - 2):
        # x: (R, d^{k-1-j}, M) -> (R, d^{k-2-j}, d, M) contracted with theta over the d index
        x = torch.einsum("rpim,rmi->rpm", x.view(r, d ** (order - 2 - j), d, m), theta)
    return x.transpose(1, 2)


@dataclass
class TensorPCA:
    """A batch of tensor PCA instances ``Tbar = theta*^{(x)k} + Z / sqrt(n)``.

    Attributes
    ----------
    tensor : torch.Tensor
        The symmetrised statistic, flattened, shape ``(n_runs, d**k)``.
    theta_star : torch.Tensor
        Planted unit directions, shape ``(n_runs, d)`` (uniform on the sphere).
    n_samples : torch.Tensor
        Sample size ``n`` of each run (its noise level), shape ``(n_runs,)``.
    order : int
        Tensor order ``k``.

    Notes
    -----
    Reference: :cite:`langevin-averaging` (setting), :cite:`richard2014tensorpca` (model).
    """

    tensor: torch.Tensor
    theta_star: torch.Tensor
    n_samples: torch.Tensor
    order: int

    bibtex = LANGEVIN_AVERAGING_2026 + "\n\n" + RICHARD_MONTANARI_2014

    @property
    def n_dim(self) -> int:
        """Dimension ``d``."""
        return int(self.theta_star.shape[1])

    @property
    def n_runs(self) -> int:
        """Number of instances in the batch."""
        return int(self.theta_star.shape[0])

    @classmethod
    def sample(
        cls,
        n_dim: int,
        order: int,
        n_samples,
        *,
        seed: int | torch.Generator = 0,
        device: torch.device | str | None = None,
        dtype: torch.dtype = torch.float32,
        memory_limit: float = DEFAULT_MEMORY_LIMIT,
    ) -> TensorPCA:
        """Draw one instance per entry of ``n_samples`` (each with its own ``theta*`` and ``Z``).

        Parameters
        ----------
        n_dim : int
            Dimension ``d >= 2``.
        order : int
            Tensor order ``k >= 2``.
        n_samples : sequence of float or torch.Tensor
            Sample sizes ``n > 0`` (one run each; repeat a value for several seeds).
        seed : int or torch.Generator
            Seed (or a generator on ``device``).
        device, dtype : torch device and dtype of the instances.
        memory_limit : float
            Refuse batches whose d^k tensors would take more bytes than this.
        """
        check_order_and_dimension(order, n_dim)
        d, k = int(n_dim), int(order)
        device = torch.device(device) if device is not None else torch.device("cpu")
        n = torch.as_tensor(n_samples, dtype=torch.float64).flatten()
        if n.numel() == 0 or not bool((n > 0).all()):
            raise ValueError(f"n_samples must be positive, got {n_samples!r}")
        element = torch.empty((), dtype=dtype).element_size()
        needed = n.numel() * d**k * element
        if needed > memory_limit:
            raise ValueError(
                f"memory_limit: {n.numel()} tensors with d={d}, k={k} need {needed} bytes, "
                f"more than {int(memory_limit)}"
            )
        gen = seed if isinstance(seed, torch.Generator) else torch.Generator(device=device)
        if not isinstance(seed, torch.Generator):
            gen.manual_seed(int(seed))
        r = n.numel()
        theta_star = random_unit_vectors(r, d, gen, device=device, dtype=dtype)
        tensor = torch.empty(r, d**k, device=device, dtype=dtype)
        perms = list(itertools.permutations(range(k)))
        for i in range(r):
            z = torch.randn((d,) * k, generator=gen, device=device, dtype=dtype)
            z.mul_(1.0 / math.sqrt(float(n[i])))
            spike = theta_star[i]
            for _ in range(k - 1):
                spike = torch.tensordot(spike, theta_star[i], dims=0)
            z.add_(spike)
            out = tensor[i].view((d,) * k)
            out.zero_()
            for p in perms:
                out.add_(z.permute(p))
            out.mul_(1.0 / len(perms))
        return cls(tensor, theta_star, n.to(device=device, dtype=dtype), k)

    # ------------------------------------------------------------------ landscape
    def _batched(self, theta: torch.Tensor) -> tuple[torch.Tensor, bool]:
        if theta.ndim == 2:
            return theta[:, None, :], True
        return theta, False

    def loss(self, theta: torch.Tensor) -> torch.Tensor:
        """``L_n(theta) = -<Tbar, theta^{(x)k}>``; theta (R, d) -> (R,) or (R, M, d) -> (R, M)."""
        th, single = self._batched(theta)
        value = -(_contract_all_but_one(self.tensor, th, self.order) * th).sum(-1)
        return value[:, 0] if single else value

    def gradient(self, theta: torch.Tensor) -> torch.Tensor:
        """Euclidean gradient ``-k S(., theta, ..., theta)`` of :meth:`loss` (shape of theta)."""
        th, single = self._batched(theta)
        g = -self.order * _contract_all_but_one(self.tensor, th, self.order)
        return g[:, 0] if single else g

    def overlap(self, theta: torch.Tensor) -> torch.Tensor:
        """``|<theta, theta*>| / |theta|`` per run (theta (R, d) or (T, R, d))."""
        num = (theta * self.theta_star).sum(-1).abs()
        return num / theta.norm(dim=-1)


def power_step(problem: TensorPCA, theta: torch.Tensor) -> torch.Tensor:
    """One tensor power step ``theta <- S(., theta, ..., theta) / |...|`` (batched, (R, d))."""
    g = -problem.gradient(theta)
    return g / g.norm(dim=-1, keepdim=True)


def tensor_unfolding_estimate(problem: TensorPCA, power_steps: int = 1) -> torch.Tensor:
    """Tensor unfolding: top left singular vector of the d x d^{k-1} unfolding, then power steps.

    The top left singular vector of ``M = unfold(S)`` is the top eigenvector of the d x d matrix
    ``M M^T`` (formed in O(d^{k+1}), never the d^{k-1} x d^{k-1} one). It succeeds for
    ``n >> d^{k/2}`` :cite:`richard2014tensorpca` (the computational threshold).

    Returns
    -------
    torch.Tensor
        Unit estimates, shape ``(n_runs, d)``.
    """
    if int(power_steps) != power_steps or power_steps < 0:
        raise ValueError(f"power_steps must be a non-negative integer, got {power_steps!r}")
    d, r = problem.n_dim, problem.n_runs
    m = problem.tensor.view(r, d, -1)
    gram = torch.bmm(m, m.transpose(1, 2))
    _, vectors = torch.linalg.eigh(gram.double())
    theta = vectors[:, :, -1].to(problem.tensor.dtype)
    for _ in range(int(power_steps)):
        theta = power_step(problem, theta)
    return theta


tensor_unfolding_estimate.bibtex = RICHARD_MONTANARI_2014  # type: ignore[attr-defined]
power_step.bibtex = RICHARD_MONTANARI_2014  # type: ignore[attr-defined]
