"""The problem an integrator solves: an Ito SDE ``dX = b(t, X) dt + sigma(t, X) dW``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from effdyn.sde._checks import force_function, inverse_temperature, positive_parameter

__all__ = ["NOISE_TYPES", "SDE", "overdamped_langevin_sde"]

#: Noise structures: ``diagonal`` (one Brownian motion per coordinate, ``sigma`` of shape
#: ``(B, d)``), ``scalar`` (one Brownian motion shared by all coordinates, ``sigma`` of shape
#: ``(B, d)``) and ``general`` (``m`` Brownian motions, ``sigma`` of shape ``(B, d, m)``).
NOISE_TYPES = ("diagonal", "scalar", "general")

Tensor = torch.Tensor


class SDE:
    """An Ito SDE ``dX = drift(t, X) dt + diffusion(t, X) dW`` for a batch of states ``(B, d)``.

    Parameters
    ----------
    drift : callable ``(t, x) -> (B, d)``
        The drift ``b``; ``t`` is a Python float, ``x`` a tensor of shape ``(B, d)``.
    diffusion : callable ``(t, x) -> tensor``, or a number or tensor
        The diffusion ``sigma``. A callable returns ``(B, d)`` (or anything broadcasting to it)
        for ``noise="diagonal"``/``"scalar"`` and ``(B, d, m)`` or ``(d, m)`` for
        ``noise="general"``. A number or tensor is a constant, hence additive, noise.
    noise : {"diagonal", "scalar", "general"}
        The noise structure (see :data:`NOISE_TYPES`).
    additive : bool, optional
        Whether ``sigma`` is independent of ``x`` (it may depend on ``t``). Constant diffusions
        are additive; for a callable the default is ``False``. Schemes of higher order for
        additive noise (:class:`~effdyn.sde.SRA1`, :class:`~effdyn.sde.Heun`) require it.
    diffusion_dx : callable ``(t, x) -> (B, d)``, optional
        For diagonal noise, ``d sigma_i / d x_i`` (used by :class:`~effdyn.sde.Milstein`);
        computed by autograd when not given.
    time_homogeneous : bool
        Declare that drift and diffusion ignore ``t`` (lets ``simulate(compile=True)`` run).
    name : str
        A label used in error messages.
    """

    def __init__(
        self,
        drift: Callable[[float, Tensor], Tensor],
        diffusion: Callable[[float, Tensor], Tensor] | float | Tensor,
        *,
        noise: str = "diagonal",
        additive: bool | None = None,
        diffusion_dx: Callable[[float, Tensor], Tensor] | None = None,
        time_homogeneous: bool = False,
        name: str = "SDE",
    ) -> None:
        if not callable(drift):
            raise TypeError(f"drift must be callable (t, x) -> (B, d), got {type(drift)}")
        if noise not in NOISE_TYPES:
            raise ValueError(f"noise must be one of {NOISE_TYPES}, got {noise!r}")
        self._drift = drift
        self.noise = noise
        self.name = name
        self.time_homogeneous = bool(time_homogeneous)
        self._cache: dict[tuple[Any, Any], Tensor] = {}
        if callable(diffusion):
            self._diffusion_fn = diffusion
            self._constant = None
            self.additive = bool(additive)
        else:
            if additive is False:
                raise ValueError(
                    "a constant diffusion is additive noise; do not pass additive=False"
                )
            self._diffusion_fn = None
            self._constant = torch.as_tensor(diffusion)
            if not self._constant.is_floating_point():
                self._constant = self._constant.to(torch.float64)
            self.additive = True
        self._diffusion_dx = diffusion_dx

    def __repr__(self) -> str:
        return f"{self.name}(noise={self.noise!r}, additive={self.additive})"

    @property
    def constant_diffusion(self) -> bool:
        """Whether the diffusion is a constant (given as a number or tensor)."""
        return self._diffusion_fn is None

    def drift(self, t: float, x: Tensor) -> Tensor:
        """The drift ``b(t, x)``, shape ``(B, d)``."""
        return self._drift(t, x)

    def diffusion(self, t: float, x: Tensor) -> Tensor:
        """The diffusion ``sigma(t, x)``."""
        if self._diffusion_fn is not None:
            return self._diffusion_fn(t, x)
        key = (x.device, x.dtype)
        g = self._cache.get(key)
        if g is None:
            g = self._cache[key] = self._constant.to(device=x.device, dtype=x.dtype)
        return g

    def diffusion_dx(self, t: float, x: Tensor) -> Tensor:
        """For diagonal noise, ``d sigma_i / d x_i`` (autograd unless given), shape ``(B, d)``.

        The autograd fallback differentiates ``sum_i sigma_i`` and so equals ``d sigma_i/d x_i``
        only when ``sigma_i`` depends on ``x_i`` alone, which is what Milstein's scheme for
        diagonal noise assumes (commutative noise).
        """
        if self._diffusion_dx is not None:
            return self._diffusion_dx(t, x)
        if self.additive:
            return torch.zeros_like(x)
        with torch.enable_grad():
            xr = x.detach().requires_grad_(True)
            g = self.diffusion(t, xr)
            (dg,) = torch.autograd.grad(g.sum(), xr, allow_unused=True)
        return torch.zeros_like(x) if dg is None else dg

    def brownian_dim(self, x: Tensor, t: float = 0.0) -> int:
        """The number ``m`` of driving Brownian motions for states like ``x``."""
        if self.noise == "diagonal":
            return x.shape[-1]
        if self.noise == "scalar":
            return 1
        return self.diffusion(t, x).shape[-1]

    def noise_term(self, g: Tensor, dW: Tensor) -> Tensor:
        """``sigma dW`` for a diffusion value ``g`` and increments ``dW`` of shape ``(B, m)``."""
        if self.noise == "general":
            if g.ndim == 2:  # constant (d, m)
                return dW @ g.transpose(0, 1)
            return torch.bmm(g, dW.unsqueeze(-1)).squeeze(-1)
        return g * dW  # diagonal: (B, d) * (B, d); scalar: (B, d) * (B, 1)

    def check(self, t: float, x: Tensor) -> None:
        """Evaluate drift and diffusion once and raise a ``ValueError`` on a wrong shape."""
        b = self.drift(t, x)
        if not isinstance(b, torch.Tensor):
            raise TypeError(f"{self.name}: drift must return a tensor, got {type(b).__name__}")
        if b.shape != x.shape:
            raise ValueError(
                f"{self.name}: drift returned shape {tuple(b.shape)} for a state of shape "
                f"{tuple(x.shape)}; it must return one value per coordinate, shape (B, d)"
            )
        g = self.diffusion(t, x)
        if not isinstance(g, torch.Tensor):
            raise TypeError(f"{self.name}: diffusion must return a tensor, got {type(g)}")
        B, d = x.shape
        if self.noise == "general":
            ok = g.ndim in (2, 3) and g.shape[-2] == d and (g.ndim == 2 or g.shape[0] == B)
            if not ok:
                raise ValueError(
                    f"{self.name}: general noise needs a diffusion of shape (B, d, m) or (d, m) "
                    f"with B={B}, d={d}; got {tuple(g.shape)}"
                )
        else:
            try:
                shape = torch.broadcast_shapes(g.shape, x.shape)
            except RuntimeError:
                shape = None
            if shape != x.shape:
                raise ValueError(
                    f"{self.name}: {self.noise} noise needs a diffusion of shape (B, d) = "
                    f"{(B, d)} or broadcasting to it; got {tuple(g.shape)}"
                )


def overdamped_langevin_sde(
    force: Callable[[Tensor], Tensor] | Any,
    beta: float | None = None,
    *,
    temperature: float | None = None,
    diffusion: float | Tensor = 1.0,
) -> SDE:
    """Overdamped Langevin ``dX = D F(X) dt + sqrt(2 D / beta) dW`` as an :class:`SDE`.

    ``force`` is a callable ``x -> F(x)`` (shape ``(B, d)``) or an object with a ``force``
    method (any potential of :mod:`effdyn.systems`, where ``F = -grad V``). ``D`` is a scalar or
    per-coordinate diffusion (mobility) constant. Use it to run any generic scheme (e.g.
    :class:`~effdyn.sde.SRA1`) on a Langevin problem; :class:`~effdyn.sde.OverdampedLangevin` is
    the specialised Euler-Maruyama step.
    """
    fn = force_function(force)
    b = inverse_temperature(beta, temperature)
    D = positive_parameter(diffusion, "diffusion")
    if isinstance(D, torch.Tensor):
        D = D.to(torch.float64)

        def drift(t: float, x: Tensor) -> Tensor:
            return fn(x) * D.to(device=x.device, dtype=x.dtype)

    else:

        def drift(t: float, x: Tensor) -> Tensor:
            f = fn(x)
            return f if D == 1.0 else f * D

    return SDE(
        drift,
        (2.0 * D / b) ** 0.5,
        noise="diagonal",
        time_homogeneous=True,
        name="OverdampedLangevin",
    )
