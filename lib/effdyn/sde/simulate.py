"""The fixed-step engine: :func:`simulate` (trajectories, observers) and :func:`integrate`.

The loop draws the noise of a whole block of steps with one call of the random number
generator, calls the integrator's ``step`` once per step with no other per-step Python work
than saving and observers (when asked for), and checks once per block that the state is
finite; on a blow-up it replays the block step by step to name the first bad step.
"""

from __future__ import annotations

import math
import time as _time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import torch

from effdyn.sde._checks import check_state, check_steps
from effdyn.sde.brownian import BrownianPath
from effdyn.sde.errors import BlowUpError
from effdyn.sde.increments import check_increments, fill_increments
from effdyn.sde.integrators import CHANNEL_SCALES, Integrator
from effdyn.sde.observers import Observer

__all__ = ["SimulationResult", "integrate", "simulate"]

Tensor = torch.Tensor

#: Default cap on the size of one block of noise (elements).
BLOCK_ELEMENTS = 1 << 18


@dataclass
class SimulationResult:
    """What :func:`simulate` returns.

    Attributes
    ----------
    x : Tensor
        Final positions ``(B, d)``.
    p : Tensor or None
        Final momenta (underdamped schemes).
    t : float
        Final time.
    n_steps : int
        Steps taken (fewer than asked when an observer stopped the run).
    times : Tensor or None
        Times of the saved frames, ``(n_frames,)`` (float64, on the CPU).
    traj : Tensor or None
        Saved positions ``(n_frames, B, d)``; the first frame is the initial state.
    traj_p : Tensor or None
        Saved momenta, when ``save_momenta=True``.
    observers : list of Observer
        The observers passed in, holding their statistics.
    state : Tensor
        The integrator's final state (pass ``x``/``p`` to continue a run).
    wall_time : float
        Seconds spent in the loop.
    stopped_early : bool
        Whether observers with ``stop=True`` ended the run before ``n_steps``.
    """

    x: Tensor
    p: Tensor | None
    t: float
    n_steps: int
    times: Tensor | None = None
    traj: Tensor | None = None
    traj_p: Tensor | None = None
    observers: list[Observer] = field(default_factory=list)
    state: Tensor | None = None
    wall_time: float = 0.0
    stopped_early: bool = False


def _make_generator(seed, generator, device) -> torch.Generator | None:
    if seed is not None and generator is not None:
        raise ValueError("give seed or generator, not both")
    if generator is not None:
        if torch.device(generator.device).type != device.type:
            raise ValueError(
                f"generator lives on {generator.device}, the state on {device}; "
                "make the generator on the state's device"
            )
        return generator
    if seed is not None:
        return torch.Generator(device=device).manual_seed(int(seed))
    return None


def _batch_last(t: Tensor) -> Tensor:
    """The same values with the batch dimension (-2) stored last in memory (a strided view).

    Fused (compiled) steps vectorise over the batch only when each coordinate's values are
    contiguous; eager steps accept either layout.
    """
    return t.transpose(-1, -2).contiguous().transpose(-1, -2)


class _BlockNoise:
    """Pre-allocated block of Brownian quantities, refilled with one RNG call per block.

    The buffer stores the batch dimension last (see :func:`_batch_last`), so that the stream
    of numbers, hence the result for a given seed, is the same with and without compilation.
    ``kind`` is one of :data:`~effdyn.sde.increments.INCREMENTS`.
    """

    def __init__(self, integrator, shape, dt, block, generator, device, dtype, kind="gaussian"):
        channels = integrator.noise_channels
        scales = [CHANNEL_SCALES[c](dt) for c in channels]
        stored = (block, *shape[:-2], shape[-1], shape[-2])
        self.buffer = torch.empty(stored, device=device, dtype=dtype)
        self.generator = generator
        self.kind = kind
        self.scale = None
        self.uniform = len(set(scales)) == 1
        if self.uniform:
            self.std = scales[0]
        else:
            view = (len(scales),) + (1,) * (len(shape) - 1)
            self.scale = torch.tensor(scales, device=device, dtype=dtype).view(view)

    def draw(self, k: int) -> Tensor:
        buf = self.buffer[:k]
        if self.uniform:
            fill_increments(buf, self.kind, self.std, self.generator)
        else:
            buf.normal_(generator=self.generator).mul_(self.scale)
        return buf.transpose(-1, -2)


def _bad_trajectories(state: Tensor) -> Tensor:
    """Mask ``(B,)`` of trajectories with a non-finite entry (batch is dimension -2)."""
    finite = torch.isfinite(state)
    if state.ndim == 3:
        finite = finite.all(dim=0)
    return ~finite.all(dim=-1)


def _locate_blow_up(
    integrator, state, t0, dt, noise, first_step, index_offset: int = 0
) -> Exception:
    """Replay a block step by step from ``state`` and describe the first non-finite step.

    ``index_offset`` is the batch index of ``state``'s first trajectory (tiled runs).
    """
    for j in range(noise.shape[0]):
        new = integrator.step(state, t0 + (first_step + j) * dt, dt, noise[j])
        bad = _bad_trajectories(new)
        if bool(bad.any()):
            index = int(bad.nonzero()[0])
            before = state[..., index, :]
            step = first_step + j + 1
            n_bad = int(bad.sum())
            return BlowUpError(step, t0 + step * dt, dt, n_bad, index + index_offset, before)
        state = new
    last = first_step + noise.shape[0]
    return FloatingPointError(
        f"non-finite values appeared between steps {first_step + 1} and {last} (t in "
        f"[{t0 + first_step * dt:.6g}, {t0 + last * dt:.6g}]), but replaying those steps did "
        "not reproduce them (is the force non-deterministic?)"
    )


class _Tiles:
    """The batch cut into tiles ``[lo, hi)``, each size with its own block-noise buffer."""

    def __init__(
        self, tile, batch, noise_shape, integrator, dt, block, gen, device, dtype, draw, kind
    ):
        self.bounds = [(lo, min(lo + tile, batch)) for lo in range(0, batch, tile)]
        self.sources: dict[int, _BlockNoise] = {}
        for lo, hi in self.bounds if draw else ():
            if hi - lo not in self.sources:
                shape = (*noise_shape[:-2], hi - lo, noise_shape[-1])
                src = _BlockNoise(integrator, shape, dt, block, gen, device, dtype, kind)
                self.sources[hi - lo] = src

    def __iter__(self):
        for lo, hi in self.bounds:
            yield lo, hi, self.sources.get(hi - lo)


def simulate(
    integrator: Integrator,
    x0: Tensor,
    dt: float | None = None,
    n_steps: int | None = None,
    *,
    t0: float = 0.0,
    p0: Tensor | None = None,
    seed: int | None = None,
    generator: torch.Generator | None = None,
    brownian: BrownianPath | None = None,
    save_every: int | None = None,
    save_momenta: bool = False,
    save_device: torch.device | str | None = None,
    observers: Sequence[Observer] = (),
    block_size: int | None = None,
    compile: bool = False,
    tile: int | None = None,
    noise: str = "gaussian",
) -> SimulationResult:
    """Run ``n_steps`` fixed steps of ``integrator`` from ``x0`` for the whole batch.

    Parameters
    ----------
    integrator : Integrator
        The scheme with its problem, e.g. ``OverdampedLangevin(potential, beta=1.67)``.
    x0 : Tensor ``(B, d)``
        Initial positions; their device and dtype are those of the run.
    dt : float
        Step size (> 0). With ``brownian`` it may be left out (``duration / n_steps``).
    n_steps : int
        Number of steps.
    t0 : float
        Initial time.
    p0 : Tensor ``(B, d)``, optional
        Initial momenta (underdamped schemes; drawn from Maxwell-Boltzmann when left out).
    seed, generator
        Randomness: a seed for a fresh generator on ``x0``'s device, or a generator. With
        neither, torch's default generator is used.
    brownian : BrownianPath, optional
        Take the noise from this path instead (for convergence studies): it must cover
        ``[t0, t0 + n_steps * dt]`` with shape ``(B, m)``.
    save_every : int, optional
        Save positions every ``save_every`` steps (and at the start) into ``result.traj``.
    save_momenta : bool
        Also save momenta (underdamped schemes) into ``result.traj_p``.
    save_device : device, optional
        Where saved frames go (default: the run's device); e.g. ``"cpu"`` for long GPU runs.
    observers : sequence of Observer
        On-the-fly statistics (:mod:`effdyn.sde.observers`).
    block_size : int, optional
        Steps per block of noise (default: up to 256, at most ``BLOCK_ELEMENTS`` numbers).
    compile : bool
        Fuse up to 16 steps (a divisor of the observation stride) into one kernel with
        ``torch.compile``: a one-off compilation of 5-40 s per batch shape, then 2-10 times
        the eager throughput on a CPU. Needs a time-homogeneous problem (all Langevin schemes
        are) and noise from the generator. The noise stream is the same as without it, so
        results agree to round-off when the block size is the same (pin it with
        ``block_size``). Falls back to eager steps, with a warning, if compilation fails.
    tile : int, optional
        Run each stretch of steps between two observation points tile by tile, ``tile``
        trajectories at a time, so that a tile's state and noise stay in the CPU cache (for
        batches of 1e5 and more: about 1.5x eager and 1.6x compiled throughput at 1e6, see
        ``benchmarks/bench_sde.py``). The force must act on each trajectory (row) alone, as
        every force of :mod:`effdyn.systems` does. The noise is drawn tile by tile, so results
        for a seed depend on ``tile`` (but not on ``compile``).
    noise : {"gaussian", "two-point", "three-point"}
        The increments that drive the scheme. ``"gaussian"`` (the default) gives Brownian
        paths. The bounded kinds (Kloeden and Platen, sections 14.1-14.2; see
        :mod:`effdyn.sde.increments`) keep the *weak* order of the schemes that declare them in
        ``integrator.weak_increments`` (two-point: weak order 1 for Euler-Maruyama; three-point:
        also weak order 2 for :class:`~effdyn.sde.Heun`), from one uniform number per
        increment. Use them for expectations, densities and mean first-passage times, never for
        pathwise comparisons: with a ``brownian`` path, or a scheme that does not declare them,
        they are refused.

    Returns
    -------
    SimulationResult

    Raises
    ------
    ValueError
        Bad shapes, non-positive ``dt``, a drift/force/diffusion returning the wrong shape.
    BlowUpError
        A trajectory became NaN or inf; the message names the first bad step and its time.
    """
    wall0 = _time.perf_counter()
    if not isinstance(integrator, Integrator):
        raise TypeError(f"integrator must be an effdyn.sde.Integrator, got {type(integrator)}")
    if brownian is not None:
        if n_steps is None:
            raise ValueError("with a BrownianPath give n_steps (dt defaults to its duration/n)")
        if dt is None:
            dt = brownian.duration / n_steps
    if dt is None or n_steps is None:
        raise ValueError("give dt and n_steps")
    dt, n_steps = check_steps(dt, n_steps)
    noise_kind = check_increments(integrator, noise, brownian=brownian)
    t0 = float(t0)
    if not math.isfinite(t0):
        raise ValueError(f"t0 must be finite, got {t0!r}")
    check_state(x0, "x0")
    device, dtype = x0.device, x0.dtype
    gen = _make_generator(seed, generator, device)
    state = integrator.initial_state(x0, p0, gen)
    integrator.check(state, t0)
    pos = integrator.positions(state)
    noise_shape = integrator.noise_shape(state, t0)

    if brownian is not None:
        if compile:
            raise ValueError("compile=True draws its own noise; it cannot use a BrownianPath")
        want = (noise_shape[-2], noise_shape[-1])
        if brownian.shape != want:
            raise ValueError(f"BrownianPath has shape {brownian.shape}, the problem needs {want}")
        if abs(brownian.t0 - t0) > 1e-12 * max(1.0, abs(t0)) or not math.isclose(
            brownian.t1, t0 + n_steps * dt, rel_tol=1e-9, abs_tol=1e-12
        ):
            raise ValueError(
                f"BrownianPath covers [{brownian.t0}, {brownian.t1}], the run "
                f"[{t0}, {t0 + n_steps * dt}]"
            )
        all_noise = brownian.noise(integrator.noise_channels, n_steps).to(device, dtype)

    observers = list(observers)
    for obs in observers:
        if not isinstance(obs, Observer):
            raise TypeError(f"observers must be effdyn.sde.Observer objects, got {type(obs)}")
        obs.start(pos, t0, dt)
    stoppers = [o for o in observers if o.stop]

    if save_every is not None:
        if isinstance(save_every, bool) or int(save_every) != save_every or save_every < 1:
            raise ValueError(f"save_every must be a positive integer, got {save_every!r}")
        save_every = int(save_every)
        n_frames = n_steps // save_every + 1
        sdev = torch.device(save_device) if save_device is not None else device
        traj = torch.empty((n_frames, *pos.shape), device=sdev, dtype=dtype)
        traj[0] = pos
        traj_p = None
        if save_momenta:
            mom = integrator.momenta(state)
            if mom is None:
                raise ValueError(f"{integrator.name} has no momenta to save")
            traj_p = torch.empty_like(traj)
            traj_p[0] = mom
    elif save_momenta:
        raise ValueError("save_momenta needs save_every")

    # Steps between two points where something outside the step happens (saving, observers).
    stride = 0
    for every in [save_every] + [o.every for o in observers]:
        if every:
            stride = math.gcd(stride, every)
    # Tiled runs size their blocks and fused chunks for one tile, untiled ones for the batch.
    batch = noise_shape[-2]
    if tile is not None:
        if isinstance(tile, bool) or int(tile) != tile or tile < 1:
            raise ValueError(f"tile must be a positive integer, got {tile!r}")
        tile = int(tile) if int(tile) < batch else None
    per_step = math.prod(noise_shape)
    if tile is not None:
        per_step = per_step // batch * tile
    if block_size is None:
        block = max(1, min(256, BLOCK_ELEMENTS // max(per_step, 1)))
    else:
        if int(block_size) != block_size or block_size < 1:
            raise ValueError(f"block_size must be a positive integer, got {block_size!r}")
        block = int(block_size)
    block = max(1, min(block, n_steps))

    multi, chunk = None, 1
    if compile:
        if not integrator.time_homogeneous:
            raise ValueError(
                f"compile=True needs a time-homogeneous problem; {integrator.name} is not "
                "(make the SDE with time_homogeneous=True if its coefficients ignore t)"
            )
        multi = _compiled(integrator)
        # Steps fused into one compiled call: a divisor of the observation stride, <= 16, with
        # its noise small enough to stay in cache.
        cap = max(1, min(16, BLOCK_ELEMENTS * 4 // max(per_step, 1)))
        chunk = max(c for c in range(1, cap + 1) if not stride or stride % c == 0)
        if block % chunk:
            block = max(chunk, block // chunk * chunk)

    noise_src = tiles = None
    if tile is not None:
        draw = brownian is None
        tiles = _Tiles(
            tile, batch, noise_shape, integrator, dt, block, gen, device, dtype, draw, noise_kind
        )
    elif brownian is None:
        noise_src = _BlockNoise(integrator, noise_shape, dt, block, gen, device, dtype, noise_kind)

    step_fn = integrator.step
    compiled_ok = False  # compilation happens at the first compiled call
    done_steps = 0
    frame = 1
    stopped = False

    def events(state: Tensor) -> None:
        """Observers and saving after ``done_steps`` steps (at multiples of the stride)."""
        nonlocal frame
        if not (stride and done_steps % stride == 0):
            return
        t = t0 + done_steps * dt
        if observers:
            pos = integrator.positions(state)
            for obs in observers:
                if done_steps % obs.every == 0:
                    obs.update(pos, t)
        if save_every is not None and done_steps % save_every == 0:
            traj[frame] = integrator.positions(state)
            if traj_p is not None:
                traj_p[frame] = integrator.momenta(state)
            frame += 1

    def run_steps(state: Tensor, noise: Tensor, first: int) -> Tensor:
        """``len(noise)`` steps from step ``first`` (compiled in chunks where possible)."""
        nonlocal multi, compiled_ok
        j, k = 0, noise.shape[0]
        while j < k:
            if multi is not None and k - j >= chunk:
                try:
                    state = multi(_batch_last(state), noise[j : j + chunk], dt)
                except Exception as err:  # no compiler, unsupported op, ...: run eagerly
                    if compiled_ok:
                        raise
                    warnings.warn(
                        f"torch.compile failed ({type(err).__name__}: {err}); running eagerly",
                        RuntimeWarning,
                        stacklevel=3,
                    )
                    multi = None
                    continue
                compiled_ok = True
                j += chunk
            else:
                state = step_fn(state, t0 + (first + j) * dt, dt, noise[j])
                j += 1
        return state

    if tiles is not None:
        while done_steps < n_steps:
            k = min(block, n_steps - done_steps)
            if stride:
                k = min(k, stride - done_steps % stride)
            out = torch.empty_like(_batch_last(state) if multi is not None else state)
            for lo, hi, src in tiles:
                sub = state[..., lo:hi, :]
                if src is not None:
                    noise = src.draw(k)
                else:
                    noise = all_noise[done_steps : done_steps + k][..., lo:hi, :]
                new = run_steps(sub, noise, done_steps)
                if not bool(torch.isfinite(new).all()):
                    raise _locate_blow_up(integrator, sub, t0, dt, noise, done_steps, lo)
                out[..., lo:hi, :] = new
            state = out
            done_steps += k
            events(state)
            if stoppers and all(o.done for o in stoppers):
                stopped = done_steps < n_steps
                break

    while not stopped and done_steps < n_steps:
        k = min(block, n_steps - done_steps)
        if noise_src is not None:
            noise = noise_src.draw(k)
        else:
            noise = all_noise[done_steps : done_steps + k]
        start_state, start_step = state, done_steps
        # run up to each observation point, then observe
        j = 0
        while j < k:
            seg = k - j
            if stride:
                seg = min(seg, stride - done_steps % stride)
            state = run_steps(state, noise[j : j + seg], done_steps)
            j += seg
            done_steps += seg
            events(state)
        if not bool(torch.isfinite(state).all()):
            raise _locate_blow_up(integrator, start_state, t0, dt, noise, start_step)
        if stoppers and all(o.done for o in stoppers):
            stopped = done_steps < n_steps
            break

    state = state.contiguous()
    result = SimulationResult(
        x=integrator.positions(state),
        p=integrator.momenta(state),
        t=t0 + done_steps * dt,
        n_steps=done_steps,
        observers=observers,
        state=state,
        stopped_early=stopped,
    )
    if save_every is not None:
        result.traj = traj[:frame]
        result.traj_p = traj_p[:frame] if traj_p is not None else None
        result.times = t0 + torch.arange(frame, dtype=torch.float64) * (save_every * dt)
    result.wall_time = _time.perf_counter() - wall0
    return result


def integrate(
    integrator: Integrator,
    x0: Tensor,
    dt: float | None = None,
    n_steps: int | None = None,
    **kwargs,
) -> Tensor:
    """The final positions ``(B, d)`` after ``n_steps`` steps; see :func:`simulate`."""
    return simulate(integrator, x0, dt, n_steps, **kwargs).x


def _compiled(integrator: Integrator):
    """A ``torch.compile``-d function running several steps of a time-homogeneous scheme."""
    fn = integrator.__dict__.get("_compiled_steps")
    if fn is None:
        step = integrator.step

        def steps(state: Tensor, noise: Tensor, dt: float) -> Tensor:
            for j in range(noise.shape[0]):
                state = step(state, 0.0, dt, noise[j])
            return _batch_last(state)

        fn = torch.compile(steps, dynamic=False)
        integrator.__dict__["_compiled_steps"] = fn
    return fn
