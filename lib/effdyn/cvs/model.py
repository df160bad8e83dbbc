"""The collective-variable model every learner of :mod:`effdyn.cvs` returns."""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["CVModel"]

Tensor = torch.Tensor


class CVModel(nn.Module):
    """A learned collective variable ``z = xi(x) = (g(x) - shift) / scale``, ``R^d -> R^k``.

    A plain torch module: call it on positions ``(..., d)`` of any floating dtype to get
    ``(..., k)`` in the same dtype (the network computes in its own dtype, float32 by default;
    autograd flows through the casts, so ``grad xi`` is available for effective dynamics,
    biasing or Rayleigh quotients). ``shift`` and ``scale`` standardise each component on the
    training data (mean 0, variance 1 under the sampled measure), so CVs from different
    learners are on the same footing.

    Parameters
    ----------
    net : torch.nn.Module
        The map ``g: R^d -> R^k``.
    input_dim : int
        ``d``.
    shift, scale : Tensor ``(k,)``
        Standardisation of the outputs.
    eigenvalues : Tensor ``(k,)``, optional
        The learner's estimates attached to the components (rates for eigenfunction learners).
    method : str
        Which learner produced it (for plots and repr).
    """

    def __init__(
        self,
        net: nn.Module,
        input_dim: int,
        shift: Tensor,
        scale: Tensor,
        eigenvalues: Tensor | None = None,
        method: str = "",
    ) -> None:
        super().__init__()
        self.net = net
        self.input_dim = int(input_dim)
        ref = next(net.parameters())
        self.register_buffer("shift", torch.as_tensor(shift, dtype=ref.dtype, device=ref.device))
        self.register_buffer("scale", torch.as_tensor(scale, dtype=ref.dtype, device=ref.device))
        if eigenvalues is not None:
            eigenvalues = torch.as_tensor(eigenvalues, dtype=torch.float64).detach().cpu()
        self.eigenvalues = eigenvalues
        self.method = method

    @property
    def n_cvs(self) -> int:
        """``k``, the number of components."""
        return int(self.shift.numel())

    @property
    def dtype(self) -> torch.dtype:
        return self.shift.dtype

    @property
    def device(self) -> torch.device:
        return self.shift.device

    def forward(self, x: Tensor) -> Tensor:
        if not isinstance(x, torch.Tensor):
            x = torch.as_tensor(x, dtype=self.dtype, device=self.device)
        if x.ndim == 0 or x.shape[-1] != self.input_dim:
            raise ValueError(
                f"the CV takes positions of shape (..., {self.input_dim}), got {tuple(x.shape)}"
            )
        z = (self.net(x.to(device=self.device, dtype=self.dtype)) - self.shift) / self.scale
        if x.dtype.is_floating_point:
            return z.to(device=x.device, dtype=x.dtype)
        return z.to(device=x.device)

    def gradient(self, x: Tensor) -> Tensor:
        """``grad xi`` at ``x`` ``(N, d)``: shape ``(N, k, d)`` (detached)."""
        return cv_jacobian(self, x, create_graph=False)[1].detach()

    def extra_repr(self) -> str:
        return f"method={self.method!r}, input_dim={self.input_dim}, n_cvs={self.n_cvs}"


def cv_jacobian(f: nn.Module, x: Tensor, create_graph: bool = True) -> tuple[Tensor, Tensor]:
    """Values ``(N, k)`` and gradients ``(N, k, d)`` of ``f`` at ``x`` ``(N, d)`` by autograd.

    With ``create_graph`` the gradients stay differentiable with respect to the parameters of
    ``f`` (as the generator loss needs).
    """
    x = x.detach().requires_grad_(True)
    with torch.enable_grad():
        y = f(x)
        if y.ndim != 2:
            raise ValueError(f"expected outputs (N, k), got {tuple(y.shape)}")
        grads = [
            torch.autograd.grad(y[:, i].sum(), x, create_graph=create_graph, retain_graph=True)[0]
            for i in range(y.shape[1])
        ]
    return y, torch.stack(grads, dim=1)


__all__ += ["cv_jacobian"]
