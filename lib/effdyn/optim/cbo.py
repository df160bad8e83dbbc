r"""Consensus-based optimization (CBO), batched over particles and independent runs.

Euler--Maruyama discretisation of the CBO dynamics (Pinnau et al. 2017; anisotropic noise of
Carrillo et al. 2021), as used by Riedl, Klock, Geldhauser and Fornasier (2023):

.. math::

    V^i_{k+1} = V^i_k - \lambda\,\Delta t\,(V^i_k - v_\alpha(V_k))
              + \sigma \sqrt{\Delta t}\; D(V^i_k - v_\alpha(V_k))\, \xi^i_k,

with :math:`\xi^i_k \sim N(0, I_d)` and :math:`D(u) = |u|_2 I_d` (isotropic) or
:math:`D(u) = \mathrm{diag}(u)` (anisotropic, componentwise :math:`|u_j|`). Particles have shape
``(..., N, d)``: every leading dimension is an independent run, all advanced by one tensor
operation per step, on whatever device the particles live.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from effdyn.optim._bib import CARRILLO2021_ANISOTROPIC, PINNAU2017_CBO, RIEDL2023_GRADIENT
from effdyn.optim.consensus import consensus_point

__all__ = ["CBO", "CBOResult", "NOISE_TYPES", "gaussian_cloud"]

Objective = Callable[[torch.Tensor], torch.Tensor]

#: The noise models :class:`CBO` supports.
NOISE_TYPES = ("isotropic", "anisotropic")


def gaussian_cloud(
    center: torch.Tensor | list[float] | tuple[float, ...],
    std: float,
    n_particles: int,
    n_runs: int | None = None,
    *,
    generator: torch.Generator | None = None,
    device: torch.device | str | None = None,
    dtype: torch.dtype | None = None,
) -> torch.Tensor:
    """Initial particles ``center + std * N(0, I)``, shape ``(n_runs, n_particles, d)``.

    ``n_runs=None`` drops the run axis (shape ``(n_particles, d)``). The paper starts CBO from
    ``N((8, 8), 0.5^2 I)`` on :class:`~effdyn.optim.objectives.GrandCanyon3Noisy`.
    """
    if not std >= 0:
        raise ValueError(f"std must be non-negative, got {std}")
    if n_particles < 1:
        raise ValueError(f"n_particles must be a positive integer, got {n_particles}")
    if n_runs is not None and n_runs < 1:
        raise ValueError(f"n_runs must be a positive integer or None, got {n_runs}")
    if device is None and isinstance(center, torch.Tensor):
        device = center.device
    dtype = dtype or (center.dtype if isinstance(center, torch.Tensor) else None)
    dtype = dtype or torch.get_default_dtype()
    center = torch.as_tensor(center, device=device, dtype=dtype)
    if center.ndim != 1:
        raise ValueError(f"center must be a vector of shape (d,), got {tuple(center.shape)}")
    shape = ((n_runs,) if n_runs is not None else ()) + (n_particles, center.shape[0])
    noise = torch.randn(shape, generator=generator, device=device, dtype=dtype)
    return center + std * noise


@dataclass
class CBOResult:
    """Output of :meth:`CBO.run`.

    Attributes
    ----------
    consensus : Tensor, shape (n_steps + 1, ..., d)
        Consensus point before every step and after the last one.
    particles : Tensor, shape (..., N, d)
        Final particles.
    history : Tensor or None, shape (n_steps + 1, ..., N, d)
        All particle positions, if requested.
    """

    consensus: torch.Tensor
    particles: torch.Tensor
    history: torch.Tensor | None = None

    @property
    def final(self) -> torch.Tensor:
        """The final consensus point, shape ``(..., d)``: CBO's answer."""
        return self.consensus[-1]


@dataclass(frozen=True)
class CBO:
    r"""Consensus-based optimization with isotropic or anisotropic noise.

    Parameters
    ----------
    lam : float
        Drift rate :math:`\lambda \ge 0` towards the consensus point.
    sigma : float
        Noise strength :math:`\sigma \ge 0`.
    alpha : float
        Inverse temperature :math:`\alpha \ge 0` of the consensus point.
    dt : float
        Time step :math:`\Delta t > 0`.
    noise : {"isotropic", "anisotropic"}
        Noise model (see the module docstring).

    Notes
    -----
    Fig. 1(b) of Riedl et al. (2023) uses ``lam=1, sigma=1.6, alpha=100, dt=0.01`` with 200
    particles and 250 steps (official script ``CBOstochasticGD/analyses/CBOSchemeIntuition.m``).
    """

    lam: float = 1.0
    sigma: float = 1.0
    alpha: float = 100.0
    dt: float = 0.01
    noise: str = "isotropic"

    bibtex = PINNAU2017_CBO + "\n\n" + CARRILLO2021_ANISOTROPIC + "\n\n" + RIEDL2023_GRADIENT

    def __post_init__(self) -> None:
        if not self.lam >= 0:
            raise ValueError(f"lam must be non-negative, got {self.lam}")
        if not self.sigma >= 0:
            raise ValueError(f"sigma must be non-negative, got {self.sigma}")
        if not self.alpha >= 0:
            raise ValueError(f"alpha must be non-negative, got {self.alpha}")
        if not self.dt > 0:
            raise ValueError(f"dt must be positive, got {self.dt}")
        if self.noise not in NOISE_TYPES:
            raise ValueError(f"noise must be one of {NOISE_TYPES}, got {self.noise!r}")

    def consensus(self, objective: Objective, particles: torch.Tensor) -> torch.Tensor:
        """Consensus point of each run, shape ``(..., d)``."""
        return consensus_point(particles, objective(particles), self.alpha)

    def step(
        self,
        objective: Objective,
        particles: torch.Tensor,
        generator: torch.Generator | None = None,
        *,
        consensus: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Advance every run by one step.

        Returns
        -------
        (Tensor, Tensor)
            The new particles ``(..., N, d)`` and the consensus point ``(..., d)`` that drove the
            step (pass ``consensus`` to reuse one already computed for these particles).
        """
        _check_particles(particles)
        v = self.consensus(objective, particles) if consensus is None else consensus
        offset = particles - v.unsqueeze(-2)
        xi = torch.randn(
            particles.shape, generator=generator, device=particles.device, dtype=particles.dtype
        )
        if self.noise == "isotropic":
            scale = torch.linalg.vector_norm(offset, dim=-1, keepdim=True)
        else:
            scale = offset.abs()
        new = particles - (self.lam * self.dt) * offset + (self.sigma * self.dt**0.5) * scale * xi
        return new, v

    def run(
        self,
        objective: Objective,
        particles: torch.Tensor,
        n_steps: int,
        generator: torch.Generator | None = None,
        *,
        keep_history: bool = False,
    ) -> CBOResult:
        """Run ``n_steps`` steps from ``particles`` (shape ``(..., N, d)``).

        The result holds ``n_steps + 1`` consensus points: the one of the initial cloud, which
        drives the first step, through the one of the final cloud.
        """
        _check_particles(particles)
        if n_steps < 0:
            raise ValueError(f"n_steps must be a non-negative integer, got {n_steps}")
        consensus = [self.consensus(objective, particles)]
        history = [particles] if keep_history else None
        for _ in range(n_steps):
            particles, _ = self.step(objective, particles, generator, consensus=consensus[-1])
            consensus.append(self.consensus(objective, particles))
            if history is not None:
                history.append(particles)
        return CBOResult(
            consensus=torch.stack(consensus),
            particles=particles,
            history=torch.stack(history) if history is not None else None,
        )


def _check_particles(particles: torch.Tensor) -> None:
    if not isinstance(particles, torch.Tensor):
        raise TypeError(f"particles must be a torch.Tensor, got {type(particles).__name__}")
    if particles.ndim < 2:
        raise ValueError(
            f"particles must have shape (..., N, d) with N particles in d dimensions, got "
            f"{tuple(particles.shape)}"
        )
