"""Fully connected networks, first written for the collective-variable learners (effdyn.cvs)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn

__all__ = ["ACTIVATIONS", "MLP", "check_layers", "tanh_mlp"]

#: Activations by name (the paper's networks use ``tanh``; smooth ones keep ``grad xi`` smooth).
ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "tanh": nn.Tanh,
    "softplus": nn.Softplus,
    "silu": nn.SiLU,
    "elu": nn.ELU,
    "relu": nn.ReLU,
    "sigmoid": nn.Sigmoid,
}


def check_layers(layers: Sequence[int], name: str = "layers") -> list[int]:
    """Validate a list of layer widths ``[n_in, hidden..., n_out]`` and return it as ints."""
    try:
        widths = [int(w) for w in layers]
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a sequence of positive ints, got {layers!r}") from None
    if len(widths) < 2 or any(w < 1 for w in widths) or list(layers) != widths:
        raise ValueError(
            f"{name} must list at least two positive int widths [n_in, ..., n_out], got {layers!r}"
        )
    return widths


class MLP(nn.Module):
    """A fully connected network ``R^{n_in} -> R^{n_out}``, e.g. ``MLP([2, 20, 20, 20, 1])``.

    Linear layers with the activation between them and none after the last layer (unless
    ``last_activation``). Parameters are initialised by torch's defaults, so seed torch
    (or use :func:`torch.random.fork_rng`) before building one for reproducible weights.

    Parameters
    ----------
    layers : sequence of int
        Widths ``[n_in, hidden_1, ..., n_out]``.
    activation : str or callable returning a module
        A name of :data:`ACTIVATIONS` or a factory such as ``torch.nn.Tanh``.
    last_activation : bool
        Apply the activation after the output layer as well.
    """

    def __init__(
        self,
        layers: Sequence[int],
        activation: str | Callable[[], nn.Module] = "tanh",
        last_activation: bool = False,
    ) -> None:
        super().__init__()
        self.layers = check_layers(layers)
        if isinstance(activation, str):
            if activation not in ACTIVATIONS:
                raise ValueError(
                    f"activation must be one of {sorted(ACTIVATIONS)} or a module factory, "
                    f"got {activation!r}"
                )
            factory = ACTIVATIONS[activation]
        elif callable(activation):
            factory = activation
        else:
            raise ValueError(f"activation must be a name or a callable, got {activation!r}")
        modules: list[nn.Module] = []
        n = len(self.layers) - 1
        for i, (a, b) in enumerate(zip(self.layers[:-1], self.layers[1:], strict=True)):
            modules.append(nn.Linear(a, b))
            if i < n - 1 or last_activation:
                modules.append(factory())
        self.net = nn.Sequential(*modules)

    @property
    def n_in(self) -> int:
        return self.layers[0]

    @property
    def n_out(self) -> int:
        return self.layers[-1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class StackedMLP(nn.Module):
    """``k`` independent scalar networks side by side: ``x -> (f_1(x), ..., f_k(x))``.

    One network per eigenfunction, as in the paper's eigenfunction learners, so that the
    functions share no parameters.
    """

    def __init__(
        self,
        layers: Sequence[int],
        k: int,
        activation: str | Callable[[], nn.Module] = "tanh",
    ) -> None:
        super().__init__()
        widths = check_layers(layers)
        if widths[-1] != 1:
            raise ValueError(f"each eigenfunction is scalar: layers must end with 1, got {layers}")
        self.members = nn.ModuleList(MLP(widths, activation) for _ in range(int(k)))
        self.layers = widths

    @property
    def n_in(self) -> int:
        return self.layers[0]

    @property
    def n_out(self) -> int:
        return len(self.members)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([m(x) for m in self.members], dim=-1)


__all__ += ["StackedMLP"]


def tanh_mlp(d_in: int, d_out: int, width: int, depth: int) -> nn.Sequential:
    """A plain ``tanh`` network with ``depth`` hidden layers of ``width``, as a ``Sequential``.

    The layers of ``MLP([d_in, width, ..., width, d_out]).net`` (same modules, same
    initialisation order), for learners that index the layers directly.
    """
    return MLP([d_in, *([int(width)] * int(depth)), d_out], "tanh").net
