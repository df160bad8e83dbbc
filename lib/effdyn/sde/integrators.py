"""Fixed-step integrators for batched Ito SDEs and Langevin dynamics.

Every integrator declares its strong and weak order, the noise structures it supports and the
Brownian quantities it consumes per step (:attr:`Integrator.noise_channels`); subclasses
implement only :meth:`Integrator.step`. A ``step`` is pure: it returns a new state and never
modifies its input, which lets the engine replay a block of steps to locate a blow-up.
"""

from __future__ import annotations

import abc
import math
from collections.abc import Callable
from typing import Any, ClassVar

import torch

from effdyn.sde._checks import (
    check_state,
    force_function,
    inverse_temperature,
    parameter_tensor,
    positive_parameter,
)
from effdyn.sde.problem import NOISE_TYPES, SDE

__all__ = [
    "BAOAB",
    "OBABO",
    "EulerMaruyama",
    "Heun",
    "Integrator",
    "LeimkuhlerMatthews",
    "Milstein",
    "OverdampedLangevin",
    "SDEIntegrator",
    "SRA1",
    "UnderdampedLangevin",
]

Tensor = torch.Tensor

#: What a noise channel holds, and its standard deviation for a step ``dt``:
#: ``dW`` the Brownian increment over the step (``sqrt(dt)``), ``H`` the space-time Levy area
#: ``(1/dt) int (W_s - W_t) ds - dW/2`` (``sqrt(dt/12)``, independent of ``dW``), ``dW_half``
#: the increment over one half of the step (``sqrt(dt/2)``), ``K`` the space-time-time Levy
#: area ``(1/dt^2) int (W_s - W_t - (s-t)/dt dW)(dt/2 - (s-t)) ds`` (``sqrt(dt/720)``,
#: independent of ``dW`` and ``H``; from a ``VirtualBrownianTree``).
CHANNEL_SCALES: dict[str, Callable[[float], float]] = {
    "dW": lambda dt: math.sqrt(dt),
    "H": lambda dt: math.sqrt(dt / 12.0),
    "K": lambda dt: math.sqrt(dt / 720.0),
    "dW_half": lambda dt: math.sqrt(dt / 2.0),
}

_KLOEDEN_PLATEN = r"""@book{kloeden1992numerical,
  author    = {Kloeden, Peter E. and Platen, Eckhard},
  title     = {Numerical Solution of Stochastic Differential Equations},
  publisher = {Springer},
  address   = {Berlin},
  year      = {1992},
  doi       = {10.1007/978-3-662-12616-5}
}"""


class Integrator(abc.ABC):
    """Base class of the fixed-step integrators.

    Class attributes declare what a scheme is and needs:

    ``strong_order``, ``weak_order``
        Orders of convergence for the problems the scheme supports.
    ``noise_types``
        The noise structures (:data:`~effdyn.sde.NOISE_TYPES`) it supports.
    ``requires_additive``
        Whether the diffusion must be independent of the state.
    ``noise_channels``
        The Brownian quantities one step consumes, in order (see ``CHANNEL_SCALES``): the
        ``noise`` argument of :meth:`step` has shape ``(B, m)`` for one channel and
        ``(C, B, m)`` for ``C`` channels.
    ``time_homogeneous``
        Whether the problem's coefficients ignore ``t`` (needed by ``simulate(compile=True)``).
    ``weak_increments``
        The bounded increments (:data:`~effdyn.sde.WEAK_INCREMENTS`) that keep the scheme's
        weak order, accepted by ``simulate(noise=...)``; empty when only Gaussian increments
        may drive it.
    ``bibtex``
        The reference of the method.

    The state of first-order schemes is the position tensor ``(B, d)``; Langevin schemes keep
    more (see :class:`UnderdampedLangevin`) and expose positions through :meth:`positions`.
    """

    strong_order: ClassVar[float]
    weak_order: ClassVar[float]
    noise_types: ClassVar[tuple[str, ...]] = NOISE_TYPES
    requires_additive: ClassVar[bool] = False
    noise_channels: ClassVar[tuple[str, ...]] = ("dW",)
    weak_increments: ClassVar[tuple[str, ...]] = ()
    time_homogeneous: bool = False
    bibtex: ClassVar[str] = ""

    @property
    def name(self) -> str:
        return type(self).__name__

    # -- the state protocol (first-order schemes: the state is the positions) -----------------
    def initial_state(
        self, x0: Tensor, p0: Tensor | None = None, generator: torch.Generator | None = None
    ) -> Tensor:
        """The integrator's state for initial positions ``x0`` of shape ``(B, d)``."""
        if p0 is not None:
            raise ValueError(f"{self.name} is a first-order scheme: it takes no momenta p0")
        return check_state(x0, "x0")

    def positions(self, state: Tensor) -> Tensor:
        """The positions ``(B, d)`` held in a state."""
        return state

    def momenta(self, state: Tensor) -> Tensor | None:
        """The momenta ``(B, d)`` held in a state (``None`` for first-order schemes)."""
        return None

    @abc.abstractmethod
    def brownian_dim(self, state: Tensor, t: float) -> int:
        """The number ``m`` of driving Brownian motions."""

    def noise_shape(self, state: Tensor, t: float) -> tuple[int, ...]:
        """Shape of the ``noise`` argument of :meth:`step`."""
        shape = (self.positions(state).shape[0], self.brownian_dim(state, t))
        n = len(self.noise_channels)
        return shape if n == 1 else (n, *shape)

    def check(self, state: Tensor, t: float) -> None:  # noqa: B027 - optional hook
        """Evaluate the problem once and raise a precise error on a wrong shape."""

    @abc.abstractmethod
    def step(self, state: Tensor, t: float, dt: float, noise: Tensor) -> Tensor:
        """Advance ``state`` from ``t`` to ``t + dt`` with the Brownian quantities ``noise``."""

    def __repr__(self) -> str:
        return (
            f"{self.name}(strong_order={self.strong_order}, weak_order={self.weak_order}, "
            f"noise_types={self.noise_types})"
        )


class SDEIntegrator(Integrator):
    """An integrator of a general :class:`~effdyn.sde.SDE`; refuses unsupported noise."""

    def __init__(self, sde: SDE) -> None:
        if not isinstance(sde, SDE):
            raise TypeError(f"{self.name} integrates an effdyn.sde.SDE, got {type(sde).__name__}")
        if sde.noise not in self.noise_types:
            raise ValueError(
                f"{self.name} supports noise types {self.noise_types}, but {sde.name} has "
                f"noise={sde.noise!r}; use EulerMaruyama for general noise"
            )
        if self.requires_additive and not sde.additive:
            raise ValueError(
                f"{self.name} requires additive noise (a diffusion independent of x), but "
                f"{sde.name} has additive=False; use EulerMaruyama or Milstein instead"
            )
        self.sde = sde
        self.time_homogeneous = sde.time_homogeneous

    def brownian_dim(self, state: Tensor, t: float) -> int:
        return self.sde.brownian_dim(state, t)

    def check(self, state: Tensor, t: float) -> None:
        self.sde.check(t, state)


class EulerMaruyama(SDEIntegrator):
    """Euler-Maruyama: ``X + b dt + sigma dW``; any noise.

    Strong order 1/2 (1 for additive noise), weak order 1, also with two-point or
    three-point increments (``simulate(noise="two-point")``; Kloeden and Platen, section 14.1).
    """

    strong_order = 0.5
    weak_order = 1.0
    weak_increments = ("two-point", "three-point")
    bibtex = _KLOEDEN_PLATEN

    def __init__(self, sde: SDE) -> None:
        super().__init__(sde)
        if sde.additive:
            self.strong_order = 1.0

    def step(self, state: Tensor, t: float, dt: float, noise: Tensor) -> Tensor:
        sde = self.sde
        out = torch.add(state, sde.drift(t, state), alpha=dt)
        return out.add_(sde.noise_term(sde.diffusion(t, state), noise))


class Milstein(SDEIntegrator):
    """Milstein's scheme for diagonal noise (Ito): strong order 1, weak order 1.

    ``X + b dt + sigma dW + 1/2 sigma sigma' (dW^2 - dt)`` with ``sigma'_i = d sigma_i/d x_i``
    (from ``SDE.diffusion_dx``, or autograd).
    """

    strong_order = 1.0
    weak_order = 1.0
    noise_types = ("diagonal",)
    bibtex = r"""@article{milstein1975approximate,
  author  = {Mil'shtein, G. N.},
  title   = {Approximate integration of stochastic differential equations},
  journal = {Theory of Probability \& Its Applications},
  volume  = {19},
  number  = {3},
  pages   = {557--562},
  year    = {1975},
  doi     = {10.1137/1119062}
}"""

    def step(self, state: Tensor, t: float, dt: float, noise: Tensor) -> Tensor:
        sde = self.sde
        g = sde.diffusion(t, state)
        out = torch.add(state, sde.drift(t, state), alpha=dt)
        out.add_(g * noise)
        if not sde.additive:
            out.add_(0.5 * g * sde.diffusion_dx(t, state) * (noise * noise - dt))
        return out


class Heun(SDEIntegrator):
    """Stochastic Heun (improved Euler) for additive noise: strong order 1, weak order 2.

    ``X* = X + b(t, X) dt + sigma dW``, ``X' = X + (b(t, X) + b(t + dt, X*)) dt/2 + sigma dW``
    (``sigma`` averaged over the step when it depends on time). With additive noise the
    Gaussian moments up to the fifth enter the weak order 2 expansion, so three-point
    increments (which match them) keep weak order 2 (Kloeden and Platen, section 15.1);
    two-point ones (wrong fourth moment) do not and are refused.
    """

    strong_order = 1.0
    weak_order = 2.0
    requires_additive = True
    weak_increments = ("three-point",)
    bibtex = _KLOEDEN_PLATEN

    def step(self, state: Tensor, t: float, dt: float, noise: Tensor) -> Tensor:
        sde = self.sde
        b0 = sde.drift(t, state)
        kick = sde.noise_term(sde.diffusion(t, state), noise)
        pred = torch.add(state, b0, alpha=dt).add_(kick)
        if not sde.constant_diffusion:  # time-dependent: trapezoidal sigma
            kick = 0.5 * (kick + sde.noise_term(sde.diffusion(t + dt, pred), noise))
        out = torch.add(state, b0, alpha=0.5 * dt).add_(sde.drift(t + dt, pred), alpha=0.5 * dt)
        return out.add_(kick)


class SRA1(SDEIntegrator):
    """Rößler's SRA1 stochastic Runge-Kutta scheme for additive noise.

    Strong order 1.5, weak order 2 (deterministic order 2). Consumes the Brownian increment and
    the space-time Levy area ``H`` of each step (noise channels ``("dW", "H")``).
    """

    strong_order = 1.5
    weak_order = 2.0
    requires_additive = True
    noise_channels = ("dW", "H")
    bibtex = r"""@article{rossler2010runge,
  author  = {R{\"o}{\ss}ler, Andreas},
  title   = {Runge--{K}utta methods for the strong approximation of solutions of stochastic
             differential equations},
  journal = {SIAM Journal on Numerical Analysis},
  volume  = {48},
  number  = {3},
  pages   = {922--952},
  year    = {2010},
  doi     = {10.1137/09076636X}
}"""

    def step(self, state: Tensor, t: float, dt: float, noise: Tensor) -> Tensor:
        sde = self.sde
        dW, H = noise[0], noise[1]
        u = H + 0.5 * dW  # (1/dt) int_t^{t+dt} (W_s - W_t) ds
        f1 = sde.drift(t, state)
        g_end = sde.diffusion(t + dt, state)
        stage = torch.add(state, f1, alpha=0.75 * dt).add_(sde.noise_term(g_end, u), alpha=1.5)
        f2 = sde.drift(t + 0.75 * dt, stage)
        if sde.constant_diffusion:
            kick = sde.noise_term(g_end, dW)
        else:
            kick = sde.noise_term(g_end, dW - u) + sde.noise_term(sde.diffusion(t, state), u)
        out = torch.add(state, f1, alpha=dt / 3.0).add_(f2, alpha=2.0 * dt / 3.0)
        return out.add_(kick)


class OverdampedLangevin(Integrator):
    """Euler-Maruyama for overdamped Langevin ``dX = D F(X) dt + sqrt(2 D / beta) dW``.

    Parameters
    ----------
    force : callable ``x -> (B, d)`` or a potential (an object with a ``force`` method)
        The force ``F = -grad V``.
    beta, temperature : float
        Inverse temperature ``1/kT``, or ``kT``: give exactly one. With the SDE written as
        ``dX = -V' dt + sigma dW`` (as in ISOKANN), ``beta = 2 / sigma**2``.
    diffusion : float or tensor ``(d,)``
        Diffusion (mobility) constant ``D``, scalar or per coordinate.

    Strong order 1 (the noise is additive), weak order 1, also with two-point or three-point
    increments (``simulate(noise="two-point")``). :meth:`sde` gives the same problem as an
    :class:`~effdyn.sde.SDE` for other schemes.
    """

    strong_order = 1.0
    weak_order = 1.0
    noise_types = ("diagonal",)
    weak_increments = ("two-point", "three-point")
    time_homogeneous = True
    bibtex = _KLOEDEN_PLATEN

    def __init__(
        self,
        force: Any,
        beta: float | None = None,
        *,
        temperature: float | None = None,
        diffusion: float | Tensor = 1.0,
    ) -> None:
        self.force = force_function(force)
        self.beta = inverse_temperature(beta, temperature)
        self.diffusion = positive_parameter(diffusion, "diffusion")
        self._cache: dict[Any, Any] = {}

    def sde(self) -> SDE:
        """The same dynamics as a generic :class:`~effdyn.sde.SDE` (additive noise)."""
        from effdyn.sde.problem import overdamped_langevin_sde

        return overdamped_langevin_sde(self.force, self.beta, diffusion=self.diffusion)

    def brownian_dim(self, state: Tensor, t: float) -> int:
        return state.shape[-1]

    def _coefficients(self, x: Tensor) -> tuple[Any, Any]:
        """``(D, sqrt(2 D / beta))`` as floats or tensors on ``x``'s device and dtype."""
        key = (x.device, x.dtype)
        coeff = self._cache.get(key)
        if coeff is None:
            D = parameter_tensor(self.diffusion, "diffusion", x)
            scale = (2.0 * D / self.beta) ** 0.5
            coeff = self._cache[key] = (D, scale)
        return coeff

    def check(self, state: Tensor, t: float) -> None:
        _check_force(self.force, state)
        self._coefficients(state)

    def _drift_step(self, x: Tensor, dt: float) -> Tensor:
        """``x + D F(x) dt`` as a new tensor."""
        D, _ = self._coefficients(x)
        f = self.force(x)
        if isinstance(D, float):
            return torch.add(x, f, alpha=D * dt)
        return _axpy(x.clone(), D * dt, f)

    def step(self, state: Tensor, t: float, dt: float, noise: Tensor) -> Tensor:
        _, scale = self._coefficients(state)
        return _axpy(self._drift_step(state, dt), scale, noise)


class LeimkuhlerMatthews(OverdampedLangevin):
    """The Leimkuhler-Matthews scheme for overdamped Langevin dynamics.

    ``X_{n+1} = X_n + D F(X_n) dt + sqrt(2 D / beta) (dW_n + dW_{n+1}) / 2``: Euler-Maruyama
    with the average of two consecutive Brownian increments. Same cost and stability as
    :class:`OverdampedLangevin`, weak order 1 for the dynamics, but second order for averages
    under the invariant measure, and exact stationary variances for linear forces at every
    stable step (Euler-Maruyama inflates the variance of a mode of stiffness ``k`` by
    ``1 / (1 - k D dt / 2)``). Suited to stiff molecular Brownian dynamics (bond vibrations of
    hydrogens), where it allows steps close to the stability limit ``2 / (k D)``.

    The state is ``(2, B, d)``: the positions and the previous standard normal draw (drawn
    from ``generator`` at the start).

    References
    ----------
    Leimkuhler, B., Matthews, C. and Stoltz, G. (2016), The computation of averages from
    equilibrium and nonequilibrium Langevin molecular dynamics, IMA J. Numer. Anal. 36, 13-79.
    """

    #: the second-order invariant measure rests on Gaussian increments (averaged over two steps)
    weak_increments = ()
    bibtex = r"""@article{leimkuhler2016computation,
  author  = {Leimkuhler, Benedict and Matthews, Charles and Stoltz, Gabriel},
  title   = {The computation of averages from equilibrium and nonequilibrium {Langevin}
             molecular dynamics},
  journal = {IMA Journal of Numerical Analysis},
  volume  = {36},
  number  = {1},
  pages   = {13--79},
  year    = {2016},
  doi     = {10.1093/imanum/dru056}
}"""

    def initial_state(
        self, x0: Tensor, p0: Tensor | None = None, generator: torch.Generator | None = None
    ) -> Tensor:
        x = super().initial_state(x0, p0)
        r = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
        return torch.stack([x, r])

    def positions(self, state: Tensor) -> Tensor:
        return state[0]

    def noise_shape(self, state: Tensor, t: float) -> tuple[int, ...]:
        return tuple(state.shape[1:])

    def check(self, state: Tensor, t: float) -> None:
        super().check(state[0], t)

    def step(self, state: Tensor, t: float, dt: float, noise: Tensor) -> Tensor:
        x, r_old = state[0], state[1]
        _, scale = self._coefficients(x)
        r_new = noise * (1.0 / math.sqrt(dt))
        out = _axpy(self._drift_step(x, dt), 0.5 * math.sqrt(dt) * scale, r_old + r_new)
        return torch.stack([out, r_new])


class UnderdampedLangevin(Integrator):
    """Base of the splitting schemes for underdamped (kinetic) Langevin dynamics.

    ``dq = M^{-1} p dt``, ``dp = F(q) dt - gamma p dt + sqrt(2 gamma M / beta) dW`` with
    per-coordinate masses ``M`` (a scalar or a tensor broadcasting to ``(B, d)``, e.g. atomic
    masses repeated over x, y, z) and friction ``gamma`` (1/time, scalar or per coordinate).
    The Ornstein-Uhlenbeck part is solved exactly.

    The state is one tensor of shape ``(3, B, d)``: positions, momenta and the force at the
    positions (kept so that each step evaluates the force once). Initial momenta default to
    a draw from the Maxwell-Boltzmann distribution ``N(0, M / beta)``.
    """

    strong_order = 1.0
    weak_order = 2.0
    noise_types = ("diagonal",)
    time_homogeneous = True

    def __init__(
        self,
        force: Any,
        beta: float | None = None,
        *,
        temperature: float | None = None,
        gamma: float | Tensor = 1.0,
        mass: float | Tensor = 1.0,
    ) -> None:
        self.force = force_function(force)
        self.beta = inverse_temperature(beta, temperature)
        self.gamma = positive_parameter(gamma, "gamma")
        self.mass = positive_parameter(mass, "mass")
        self._cache: dict[Any, Any] = {}

    def initial_state(
        self, x0: Tensor, p0: Tensor | None = None, generator: torch.Generator | None = None
    ) -> Tensor:
        q = check_state(x0, "x0")
        m = parameter_tensor(self.mass, "mass", q)
        if p0 is None:
            p0 = torch.randn(q.shape, generator=generator, device=q.device, dtype=q.dtype)
            p0 = p0 * (m / self.beta) ** 0.5
        else:
            p0 = check_state(p0, "p0")
            if p0.shape != q.shape or p0.dtype != q.dtype or p0.device != q.device:
                raise ValueError(
                    f"p0 must match x0 in shape, dtype and device; got {tuple(p0.shape)} "
                    f"{p0.dtype} {p0.device} for x0 {tuple(q.shape)} {q.dtype} {q.device}"
                )
        f = _check_force(self.force, q)
        return torch.stack([q, p0, f])

    def positions(self, state: Tensor) -> Tensor:
        return state[0]

    def momenta(self, state: Tensor) -> Tensor:
        return state[1]

    def brownian_dim(self, state: Tensor, t: float) -> int:
        return state.shape[-1]

    def noise_shape(self, state: Tensor, t: float) -> tuple[int, ...]:
        shape = tuple(state.shape[1:])
        n = len(self.noise_channels)
        return shape if n == 1 else (n, *shape)

    def _ou(self, h: float, x: Tensor) -> tuple[Any, Any, Any]:
        """``(1/M, c, kick)``: the OU flow over ``h`` is ``p -> c p + kick * dW_h``."""
        key = (h, x.device, x.dtype)
        coeff = self._cache.get(key)
        if coeff is None:
            m = parameter_tensor(self.mass, "mass", x)
            g = parameter_tensor(self.gamma, "gamma", x)
            if isinstance(g, float):
                c = math.exp(-g * h)
            else:
                c = torch.exp(-g * h)
            kick = ((1.0 - c * c) * m / (self.beta * h)) ** 0.5
            coeff = self._cache[key] = (1.0 / m, c, kick)
            if len(self._cache) > 64:  # many step sizes: keep the cache small
                self._cache.pop(next(iter(self._cache)))
        return coeff


class BAOAB(UnderdampedLangevin):
    """BAOAB splitting (Leimkuhler-Matthews): weak order 2, excellent configurational sampling.

    ``B``: ``p += dt/2 F(q)``; ``A``: ``q += dt/2 M^{-1} p``; ``O``: exact OU over ``dt``.
    One force evaluation per step.
    """

    bibtex = r"""@article{leimkuhler2013rational,
  author  = {Leimkuhler, Benedict and Matthews, Charles},
  title   = {Rational construction of stochastic numerical methods for molecular sampling},
  journal = {Applied Mathematics Research eXpress},
  volume  = {2013},
  number  = {1},
  pages   = {34--56},
  year    = {2013},
  doi     = {10.1093/amrx/abs010}
}"""

    def step(self, state: Tensor, t: float, dt: float, noise: Tensor) -> Tensor:
        minv, c, kick = self._ou(dt, state)
        out = state.clone()
        q, p, f = out[0], out[1], out[2]
        p.add_(f, alpha=0.5 * dt)  # B
        _axpy(q, 0.5 * dt * minv, p)  # A
        _axpy(p.mul_(c), kick, noise)  # O
        _axpy(q, 0.5 * dt * minv, p)  # A
        f.copy_(self.force(q))
        p.add_(f, alpha=0.5 * dt)  # B
        return out


class OBABO(UnderdampedLangevin):
    """OBABO splitting (Bussi-Parrinello): velocity Verlet between two half-step OU flows.

    Weak order 2; consumes the Brownian increments of the two half steps (channels
    ``("dW_half", "dW_half")``). One force evaluation per step.
    """

    noise_channels = ("dW_half", "dW_half")
    bibtex = r"""@article{bussi2007accurate,
  author  = {Bussi, Giovanni and Parrinello, Michele},
  title   = {Accurate sampling using {L}angevin dynamics},
  journal = {Physical Review E},
  volume  = {75},
  number  = {5},
  pages   = {056707},
  year    = {2007},
  doi     = {10.1103/PhysRevE.75.056707}
}"""

    def step(self, state: Tensor, t: float, dt: float, noise: Tensor) -> Tensor:
        minv, c, kick = self._ou(0.5 * dt, state)
        out = state.clone()
        q, p, f = out[0], out[1], out[2]
        _axpy(p.mul_(c), kick, noise[0])  # O
        p.add_(f, alpha=0.5 * dt)  # B
        _axpy(q, dt * minv, p)  # A
        f.copy_(self.force(q))
        p.add_(f, alpha=0.5 * dt)  # B
        _axpy(p.mul_(c), kick, noise[1])  # O
        return out


def _axpy(y: Tensor, a: float | Tensor, x: Tensor) -> Tensor:
    """``y += a * x`` in place, for a scalar or a tensor ``a``; returns ``y``."""
    if isinstance(a, torch.Tensor):
        return y.addcmul_(x, a)
    return y.add_(x, alpha=a)


def _check_force(force: Callable[[Tensor], Tensor], x: Tensor) -> Tensor:
    f = force(x)
    if not isinstance(f, torch.Tensor):
        raise TypeError(f"force must return a tensor, got {type(f).__name__}")
    if f.shape != x.shape:
        raise ValueError(
            f"force returned shape {tuple(f.shape)} for positions of shape {tuple(x.shape)}; "
            "it must return one value per coordinate, shape (B, d)"
        )
    return f
