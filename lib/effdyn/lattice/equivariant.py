"""A p4m group-convolutional force field with particle-hole (Z2) symmetry, and a plain CNN.

:class:`EquivariantForceField` maps a periodic lattice field ``Q (B, L, L)`` to one force per
site and is equivariant by construction under translations (circular convolutions), the 8
elements of the point group D4 (group convolutions in the sense of Cohen and Welling 2016: a
lifting layer, group layers on the regular representation of D4, a projection that averages over
the group) and the internal Z2 ``Q -> -Q, F -> -F`` (an odd network: no biases, odd activation
``tanh``). This is the construction asked for by Fan and Chern (2026), arXiv:2601.04104, for
force fields of lattice models (our implementation; their code is not public). Its receptive
radius is the number of 3 x 3 layers; it runs on any lattice size ``L >= 2 radius``.

:class:`PlainCNN` is the baseline: circular 3 x 3 convolutions with biases, no symmetry.
"""

from __future__ import annotations

import torch
from torch import nn

from effdyn.lattice._checks import check_dtype, check_positive
from effdyn.lattice.symmetry import D4_ORDER, d4_inverse, d4_multiply, d4_transform

__all__ = ["EquivariantForceField", "PlainCNN", "count_parameters"]

Tensor = torch.Tensor


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters of ``model``."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def _check_architecture(radius: int, channels: int) -> tuple[int, int]:
    if not (isinstance(radius, int) and radius >= 1):
        raise ValueError(f"radius must be an integer >= 1, got {radius!r}")
    if not (isinstance(channels, int) and channels >= 1):
        raise ValueError(f"channels must be an integer >= 1, got {channels!r}")
    return radius, channels


def _check_input(Q: Tensor, radius: int) -> Tensor:
    if Q.dim() != 3 or Q.shape[-1] != Q.shape[-2]:
        raise ValueError(f"Q must have shape (B, L, L), got {tuple(Q.shape)}")
    L = Q.shape[-1]
    if 2 * radius > L:
        raise ValueError(f"radius must be at most L/2 = {L // 2} for L = {L}, got {radius}")
    return Q


def _circular_conv(x: Tensor, weight: Tensor) -> Tensor:
    pad = weight.shape[-1] // 2
    if pad:
        x = nn.functional.pad(x, (pad, pad, pad, pad), mode="circular")
    return nn.functional.conv2d(x, weight)


class EquivariantForceField(nn.Module):
    """p4m x Z2 equivariant force field ``(B, L, L) -> (B, L, L)``.

    Parameters
    ----------
    radius : int
        Receptive radius (Chebyshev distance, in lattice sites): one lifting layer and
        ``radius - 1`` group layers, all 3 x 3.
    channels : int
        Feature channels per group element.
    scale : float
        Typical size of ``Q`` (> 0): the input is divided by it before the first layer, so
        that the ``tanh`` layers work in their nonlinear range.
    device, dtype
        Where the parameters live (float32 or float64).

    Notes
    -----
    The lifted features ``f[c, h]`` transform as ``(g f)[h] = T_g f[g^-1 h]``; the group layer
    kernel for output ``(c', h)`` and input ``(c, u)`` is ``T_h W[c', c, h^-1 u]``, so every
    layer commutes with the action. A learnable on-site linear term ``a Q_i`` (odd and
    invariant) is added to the output, which carries the elastic force ``-K Q_i``.
    """

    def __init__(
        self,
        radius: int = 4,
        channels: int = 4,
        *,
        scale: float = 1.0,
        device: torch.device | str | None = None,
        dtype: torch.dtype = torch.float32,
    ) -> None:
        super().__init__()
        self.radius, self.channels = _check_architecture(radius, channels)
        self.scale = check_positive(scale, "scale")
        check_dtype(dtype)
        kw = {"device": device, "dtype": dtype}
        C = channels
        self.lift = nn.Parameter(torch.randn(C, 1, 3, 3, **kw) / 3.0)
        self.group = nn.ParameterList(
            nn.Parameter(torch.randn(C, C, D4_ORDER, 3, 3, **kw) / (3.0 * (C * D4_ORDER) ** 0.5))
            for _ in range(radius - 1)
        )
        self.project = nn.Parameter(torch.randn(1, C, 1, 1, **kw) / C**0.5)
        self.linear = nn.Parameter(torch.zeros((), **kw))
        # table[h][u] = h^-1 u, for assembling the group kernels
        self._table = [[d4_multiply(d4_inverse(h), u) for u in range(D4_ORDER)] for h in range(8)]

    def _lift_kernel(self) -> Tensor:
        # output channel (c, h): T_h W[c]
        W = torch.stack([d4_transform(self.lift, h) for h in range(D4_ORDER)], dim=1)
        return W.reshape(-1, 1, 3, 3)

    def _group_kernel(self, W: Tensor) -> Tensor:
        C_out, C_in = W.shape[:2]
        rows = []
        for h in range(D4_ORDER):
            Wh = W[:, :, self._table[h]]  # (C_out, C_in, 8 [u], 3, 3)
            rows.append(d4_transform(Wh, h))
        K = torch.stack(rows, dim=1)  # (C_out, 8 [h], C_in, 8 [u], 3, 3)
        return K.reshape(C_out * D4_ORDER, C_in * D4_ORDER, 3, 3)

    def forward(self, Q: Tensor) -> Tensor:
        """Forces ``(B, L, L)`` for fields ``Q (B, L, L)``."""
        Q = _check_input(Q, self.radius)
        x = torch.tanh(_circular_conv(Q[:, None] / self.scale, self._lift_kernel()))
        for W in self.group:
            x = torch.tanh(_circular_conv(x, self._group_kernel(W)))
        B, _, L, _ = x.shape
        pooled = x.reshape(B, self.channels, D4_ORDER, L, L).mean(2)
        return nn.functional.conv2d(pooled, self.project)[:, 0] + self.linear * Q


class PlainCNN(nn.Module):
    """Baseline: a plain CNN (circular 3 x 3 convolutions with biases, ``tanh``), no symmetry.

    Parameters
    ----------
    radius : int
        Receptive radius: ``radius`` 3 x 3 layers, then a 1 x 1 projection.
    channels : int
        Hidden channels (see :meth:`matching` for a count equal to an equivariant network's).
    scale : float
        Typical size of ``Q``; the input is divided by it.
    device, dtype
        Where the parameters live.
    """

    def __init__(
        self,
        radius: int = 4,
        channels: int = 16,
        *,
        scale: float = 1.0,
        device: torch.device | str | None = None,
        dtype: torch.dtype = torch.float32,
    ) -> None:
        super().__init__()
        self.radius, self.channels = _check_architecture(radius, channels)
        self.scale = check_positive(scale, "scale")
        check_dtype(dtype)
        kw = {"device": device, "dtype": dtype}
        widths = [1] + [channels] * radius
        self.layers = nn.ModuleList(
            nn.Conv2d(a, b, 3, padding=1, padding_mode="circular", **kw)
            for a, b in zip(widths[:-1], widths[1:], strict=True)
        )
        self.project = nn.Conv2d(channels, 1, 1, **kw)

    @staticmethod
    def matching(n_parameters: int, radius: int) -> int:
        """The number of channels whose parameter count is closest to ``n_parameters``."""

        def count(c: int) -> int:
            return 10 * c + (radius - 1) * (9 * c * c + c) + c + 1

        return min(range(1, 512), key=lambda c: abs(count(c) - n_parameters))

    def forward(self, Q: Tensor) -> Tensor:
        """Forces ``(B, L, L)`` for fields ``Q (B, L, L)``."""
        Q = _check_input(Q, self.radius)
        x = Q[:, None] / self.scale
        for layer in self.layers:
            x = torch.tanh(layer(x))
        return self.project(x)[:, 0]
