"""Batched SDE and Langevin integrators: the simulation core of effdyn.

Everything runs on a batch of ``B`` trajectories at once, as torch tensors of shape ``(B, d)``,
on the CPU or CUDA, in float32 or float64 (the device and dtype of ``x0``).

Quick start
-----------
>>> import torch
>>> from effdyn.sde import OverdampedLangevin, FirstPassage, Ball, simulate
>>> from effdyn.systems import TripleWell
>>> V = TripleWell()
>>> x0 = torch.tensor([[-1.05, -0.04]]).repeat(1000, 1)          # (B, d)
>>> hit = FirstPassage(Ball([1.05, -0.04], 0.2), stop=True)
>>> res = simulate(OverdampedLangevin(V, beta=1.67), x0, dt=1e-3, n_steps=200_000,
...                seed=0, save_every=100, observers=[hit])
>>> res.traj.shape, hit.mfpt()                # (n_frames, B, d); Estimate with a 95% CI

Problems and integrators
------------------------
``SDE(drift, diffusion, noise=..., additive=...)``
    An Ito SDE ``dX = b(t, X) dt + sigma(t, X) dW``; ``drift(t, x)`` and ``diffusion(t, x)``
    take a float ``t`` and ``x`` of shape ``(B, d)``. ``noise`` is ``"diagonal"`` (sigma
    ``(B, d)``), ``"scalar"`` (one Brownian motion, sigma ``(B, d)``) or ``"general"`` (sigma
    ``(B, d, m)``); a constant diffusion (number or tensor) is additive noise.
    ``overdamped_langevin_sde(force, beta)`` builds the Langevin SDE.

Every integrator declares ``strong_order``, ``weak_order``, ``noise_types`` and the Brownian
quantities a step consumes (``noise_channels``), and refuses unsupported problems with a
``ValueError`` that says what to use instead:

=========================  =============  ======  ====  ===================================
integrator                 noise          strong  weak  notes
=========================  =============  ======  ====  ===================================
``EulerMaruyama(sde)``     any            0.5/1   1     1 for additive noise
``Milstein(sde)``          diagonal       1       1     ``diffusion_dx`` or autograd
``Heun(sde)``              additive       1       2     stochastic improved Euler
``SRA1(sde)``              additive       1.5     2     Rößler; uses space-time Levy area
``OverdampedLangevin``     thermal        1       1     ``dX = D F dt + sqrt(2D/beta) dW``
``LeimkuhlerMatthews``     thermal        1       1     same; 2nd order invariant measure
``BAOAB``, ``OBABO``       thermal        1       2     underdamped, per-coordinate masses
=========================  =============  ======  ====  ===================================

Langevin schemes take a force (``x -> F(x)``) or any potential of :mod:`effdyn.systems`, and
``beta=`` or ``temperature=`` (kT). Underdamped dynamics is ``dq = M^{-1} p dt``,
``dp = F dt - gamma p dt + sqrt(2 gamma M / beta) dW``; ``mass`` and ``gamma`` are scalars or
per-coordinate tensors ``(d,)``; initial momenta default to Maxwell-Boltzmann, and
``result.p`` / ``simulate(..., p0=...)`` continue a run. A scheme of your own subclasses
:class:`SDEIntegrator` (or :class:`Integrator`) and implements only
``step(state, t, dt, noise) -> new_state`` (pure: never modify ``state``).

Running
-------
``simulate(integrator, x0, dt, n_steps, *, seed | generator | brownian, save_every,
save_momenta, save_device, observers, block_size, compile, tile, noise, t0, p0)``
    Fixed steps (a ``SimulationResult``) with the noise of a block of steps drawn in one
    call; ``result.x``, ``.p``, ``.t``, ``.traj`` ``(n_frames, B, d)`` (frame 0 is ``x0``),
    ``.times``, ``.observers``, ``.wall_time``, ``.stopped_early``. ``compile=True`` fuses the
    steps with ``torch.compile`` (one-off compilation of ~10 s, several times faster afterwards; for
    time-homogeneous problems; falls back to eager with a warning if compilation fails).
    ``tile=N`` runs the steps between observation points N trajectories at a time, keeping
    large batches (1e5 and more) in the CPU cache; the force must act row by row.
    ``noise="two-point"`` or ``"three-point"`` drives the scheme with bounded increments
    (Kloeden and Platen, sections 14.1-14.2) for expectations only (the weak order is kept);
    schemes list what they accept in ``weak_increments``
    (``EulerMaruyama``, ``OverdampedLangevin``: both; ``Heun``: three-point), and pathwise uses
    (a ``BrownianPath``) are refused.
``integrate(...)``
    The same, returning only the final positions.

Observers (statistics on the fly, so long runs need not store trajectories; ``every=k``):

- ``FirstPassage(target, stop=False)``: first entry times into a set (``inf`` if never);
  ``BridgedFirstPassage(target, noise_variance)`` adds a Brownian-bridge test between checks;
  ``.mfpt()`` gives the MFPT with a confidence interval (censored runs included).
- ``TransitionCounter([core_A, core_B, ...])``: core-to-core transitions, time spent last in
  each core, transition durations; ``.rates()`` gives rates and MFPTs with intervals;
  ``count_transitions(traj, cores, dt)`` runs the same counter over saved frames.
- ``Histogram(low, high, bins, fn=None)``: running histogram; ``.density()``,
  ``.free_energy(beta)``.

Sets are ``Ball(center, r)``, ``Box(low, high)``, ``Interval(a, b, coordinate=0)`` or any
callable ``x -> bool (B,)``; the grid references of :mod:`effdyn.operators` take the same sets.

Brownian paths for convergence studies
--------------------------------------
``BrownianPath((B, m), t0, t1, seed=..., levy_area=False, n_base=1)`` is one sample path that
hands out increments (and space-time Levy areas) on grids of ``n_base * 2**k`` steps, refined
by exact Brownian bridges and aggregated exactly, so ``simulate(..., brownian=path,
n_steps=n)`` solves on the *same* path at every step size.

Single-seed Brownian trees and adaptive stepping
------------------------------------------------
``VirtualBrownianTree(t0, t1, tol, (B, m), seed, levy_area=None | "space-time" |
"space-time-time")`` (Jelincic, Foster and Kidger, 2024) gives ``W``, ``H`` and ``K`` on any
interval from one seed (``evaluate(s, t)``, per-row times ``(B,)``), and the per-step noise of
any fixed grid (``simulate(..., brownian=tree)``). ``ShARK`` (additive noise) and ``ALIGN``
(underdamped Langevin) use ``(dW, H)``. ``HOStS`` and ``DriftImplicitEulerCIR`` solve the CIR
process; ``solve_adaptive(stepper, x0, tree, CIRController(ctol) | PIDController(...))`` steps
each row with its own times and re-queries the tree on rejection.

Errors
------
Wrong shapes (of ``x0``, of what drift/diffusion/force return), non-positive ``dt``, ``beta``,
``temperature``, ``gamma`` or ``mass`` raise ``ValueError``/``TypeError`` naming the argument;
a trajectory that becomes NaN or inf raises :class:`BlowUpError` naming the first bad step,
its time, the trajectory and its last finite state (the engine checks once per block and
replays the block to find the step).

Each integrator carries a ``bibtex`` attribute to cite what a chapter used.
"""

from effdyn.sde.adaptive import (
    AdaptiveResult,
    CIRController,
    PIDController,
    solve_adaptive,
    solve_fixed,
)
from effdyn.sde.brownian import BrownianPath
from effdyn.sde.brownian_tree import BrownianIncrement, VirtualBrownianTree
from effdyn.sde.cir_solvers import DriftImplicitEulerCIR, HOStS
from effdyn.sde.errors import BlowUpError
from effdyn.sde.high_order import ALIGN, ShARK
from effdyn.sde.increments import INCREMENTS, WEAK_INCREMENTS
from effdyn.sde.integrators import (
    BAOAB,
    CHANNEL_SCALES,
    OBABO,
    SRA1,
    EulerMaruyama,
    Heun,
    Integrator,
    LeimkuhlerMatthews,
    Milstein,
    OverdampedLangevin,
    SDEIntegrator,
    UnderdampedLangevin,
)
from effdyn.sde.observers import (
    BridgedFirstPassage,
    FirstPassage,
    Histogram,
    Observer,
    TransitionCounter,
    count_transitions,
)
from effdyn.sde.problem import NOISE_TYPES, SDE, overdamped_langevin_sde
from effdyn.sde.sets import Ball, Box, Interval, Region, as_region
from effdyn.sde.simulate import SimulationResult, integrate, simulate

__all__ = [
    "ALIGN",
    "AdaptiveResult",
    "BAOAB",
    "BrownianIncrement",
    "CIRController",
    "DriftImplicitEulerCIR",
    "HOStS",
    "PIDController",
    "ShARK",
    "VirtualBrownianTree",
    "solve_adaptive",
    "solve_fixed",
    "CHANNEL_SCALES",
    "INCREMENTS",
    "WEAK_INCREMENTS",
    "NOISE_TYPES",
    "OBABO",
    "SDE",
    "SRA1",
    "Ball",
    "BlowUpError",
    "Box",
    "BrownianPath",
    "EulerMaruyama",
    "BridgedFirstPassage",
    "FirstPassage",
    "Heun",
    "Histogram",
    "Integrator",
    "Interval",
    "Milstein",
    "Observer",
    "LeimkuhlerMatthews",
    "OverdampedLangevin",
    "Region",
    "SDEIntegrator",
    "SimulationResult",
    "TransitionCounter",
    "count_transitions",
    "UnderdampedLangevin",
    "as_region",
    "integrate",
    "overdamped_langevin_sde",
    "simulate",
]
