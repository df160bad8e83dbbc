"""Tests of the fixed-step engine: saving, observers, early stopping, compilation."""

from __future__ import annotations

import math
import shutil

import numpy as np
import pytest
import torch

from effdyn.sde import (
    SDE,
    Ball,
    Box,
    EulerMaruyama,
    FirstPassage,
    Histogram,
    Interval,
    Observer,
    OverdampedLangevin,
    TransitionCounter,
    as_region,
    count_transitions,
    simulate,
)
from effdyn.sde.errors import BlowUpError
from effdyn.systems import DoubleWell, TripleWell

F64 = torch.float64
DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def drift_sde(v: float = 1.0) -> SDE:
    """Deterministic motion at constant speed: x(t) = x0 + v t (zero diffusion)."""
    return SDE(lambda t, x: torch.full_like(x, v), 0.0, time_homogeneous=True)


@pytest.mark.parametrize("device", DEVICES)
def test_saving_with_a_stride(device):
    x0 = torch.zeros(3, 1, dtype=F64, device=device)
    r = simulate(EulerMaruyama(drift_sde()), x0, 0.1, 25, save_every=10, save_device="cpu")
    assert r.traj.shape == (3, 3, 1) and r.traj.device.type == "cpu"
    np.testing.assert_allclose(r.times.numpy(), [0.0, 1.0, 2.0])
    np.testing.assert_allclose(r.traj[:, 0, 0].numpy(), [0.0, 1.0, 2.0], atol=1e-12)
    assert r.t == pytest.approx(2.5) and r.n_steps == 25 and not r.stopped_early
    assert float(r.x[0, 0]) == pytest.approx(2.5)


def test_saving_momenta_needs_an_underdamped_scheme():
    from effdyn.sde import BAOAB

    x0 = torch.zeros(4, 2, dtype=F64)
    r = simulate(BAOAB(TripleWell(), beta=1.0), x0, 0.01, 10, save_every=5, save_momenta=True)
    assert r.traj_p.shape == (3, 4, 2)
    torch.testing.assert_close(r.traj_p[-1], r.p)
    with pytest.raises(ValueError, match="has no momenta"):
        simulate(
            OverdampedLangevin(TripleWell(), beta=1.0),
            x0,
            0.01,
            10,
            save_every=5,
            save_momenta=True,
        )
    with pytest.raises(ValueError, match="save_momenta needs save_every"):
        simulate(BAOAB(TripleWell(), beta=1.0), x0, 0.01, 10, save_momenta=True)


@pytest.mark.parametrize("every", [1, 4])
def test_first_passage_times_are_exact_on_a_deterministic_path(every):
    x0 = torch.tensor([[0.0], [0.55], [-1.0], [0.9]], dtype=F64)
    fp = FirstPassage(Interval(0.5, 0.8), every=every)
    simulate(EulerMaruyama(drift_sde()), x0, 0.01, 100, observers=[fp])
    # arrival at x >= 0.5: t = 0.5, 0 (starts inside), 1.5 (> horizon 1.0: never), never
    expected_0 = np.ceil(50 / every) * every * 0.01
    np.testing.assert_allclose(fp.times.numpy()[:2], [expected_0, 0.0], atol=1e-9)
    assert np.isinf(fp.times.numpy()[2:]).all()
    assert fp.horizon == pytest.approx(1.0) and fp.fraction_hit == 0.5


def test_first_passage_can_stop_the_run():
    x0 = torch.zeros(5, 1, dtype=F64)
    fp = FirstPassage(lambda x: x[:, 0] >= 0.3, stop=True)
    r = simulate(EulerMaruyama(drift_sde()), x0, 0.01, 10_000, observers=[fp], block_size=8)
    assert r.stopped_early and r.n_steps == 32  # arrival at step 30, checked per block of 8
    np.testing.assert_allclose(fp.times.numpy(), 0.3, atol=1e-9)
    assert fp.done


def test_transition_counter_on_a_handmade_trajectory():
    """Cores A = x < -1, B = x > 1; frames at t = 0..5."""
    traj = torch.tensor([-2.0, -0.5, 2.0, 0.0, -2.0, 2.0], dtype=F64)[:, None, None]
    tc = count_transitions(traj, [Interval(-9, -1), Interval(1, 9)], dt=1.0, record_events=True)
    np.testing.assert_array_equal(tc.counts, [[0, 2], [1, 0]])
    np.testing.assert_allclose(tc.time_in, [3.0, 2.0])  # A: [0, 2] and [4, 5]; B: [2, 4]
    np.testing.assert_allclose(tc.duration_sum, [[0.0, 3.0], [2.0, 0.0]])
    assert tc.events == [(0, 0, 1, 2.0, 2.0), (0, 1, 0, 4.0, 2.0), (0, 0, 1, 5.0, 1.0)]
    rates = tc.rates()
    assert rates.rate[0, 1] == pytest.approx(2 / 3) and rates.mfpt[1, 0] == pytest.approx(2.0)


def test_transition_counter_on_the_fly_matches_offline_counting():
    x0 = torch.full((64, 1), -1.0, dtype=F64)
    cores = [Interval(-9, -0.8), Interval(0.8, 9)]
    online = TransitionCounter(cores)
    r = simulate(
        OverdampedLangevin(DoubleWell(), beta=2.0),
        x0,
        0.01,
        3000,
        seed=1,
        save_every=1,
        observers=[online],
    )
    offline = count_transitions(r.traj, cores, dt=0.01)
    np.testing.assert_array_equal(online.counts, offline.counts)
    np.testing.assert_allclose(online.time_in, offline.time_in)
    np.testing.assert_allclose(online.duration_sum, offline.duration_sum)
    assert online.counts[0, 1] > 10


def test_histogram_matches_numpy_on_saved_frames():
    x0 = torch.zeros(50, 2, dtype=F64)
    hist = Histogram([-2, -1.5], [2, 2.5], [20, 25], every=2)
    r = simulate(
        OverdampedLangevin(TripleWell(), beta=1.0),
        x0,
        0.01,
        200,
        seed=0,
        save_every=2,
        observers=[hist],
    )
    frames = r.traj[1:].reshape(-1, 2).numpy()
    expected, _ = np.histogramdd(frames, bins=[20, 25], range=[(-2, 2), (-1.5, 2.5)])
    inside = (
        (frames[:, 0] >= -2) & (frames[:, 0] < 2) & (frames[:, 1] >= -1.5) & (frames[:, 1] < 2.5)
    )
    np.testing.assert_array_equal(hist.counts, expected)
    assert hist.n_outside == int((~inside).sum())
    dens = hist.density()
    assert dens.sum() * (4 / 20) * (4 / 25) == pytest.approx(1.0)
    assert np.nanmin(hist.free_energy(1.0)) == 0.0


def test_histogram_of_a_function_of_the_positions():
    hist = Histogram(0.0, 3.0, 30, fn=lambda x: x.norm(dim=-1))
    simulate(
        OverdampedLangevin(TripleWell(), beta=1.0),
        torch.zeros(10, 2),
        0.01,
        10,
        seed=0,
        observers=[hist],
    )
    assert hist.counts.shape == (30,) and hist.counts.sum() + hist.n_outside == 100
    with pytest.raises(ValueError, match="need finite low < high"):
        Histogram(1.0, 0.0, 10)


def test_regions():
    x = torch.tensor([[0.0, 0.0], [1.0, 1.0], [3.0, 0.0]])
    assert Ball([0.0, 0.0], 1.5)(x).tolist() == [True, True, False]
    assert Box([-1, -1], [1, 0.5])(x).tolist() == [True, False, False]
    assert Interval(0.5, 5.0, coordinate=0)(x).tolist() == [False, True, True]
    with pytest.raises(ValueError, match="Ball center has dimension 3"):
        Ball([0, 0, 0], 1.0)(x)
    with pytest.raises(TypeError, match="boolean tensor"):
        as_region(lambda x: x[:, 0])(x)
    with pytest.raises(ValueError, match="radius must be positive"):
        Ball([0.0], 0.0)


def test_custom_observer_sees_every_kth_step():
    class Count(Observer):
        def __init__(self):
            self._set_every(3)
            self.seen = []

        def update(self, x, t):
            self.seen.append(round(t, 6))

    obs = Count()
    simulate(EulerMaruyama(drift_sde()), torch.zeros(2, 1, dtype=F64), 0.1, 10, observers=[obs])
    assert obs.seen == [0.3, 0.6, 0.9]
    with pytest.raises(TypeError, match="Observer objects"):
        simulate(EulerMaruyama(drift_sde()), torch.zeros(2, 1), 0.1, 1, observers=[object()])


@pytest.mark.skipif(
    shutil.which("c++") is None and shutil.which("g++") is None, reason="no C++ compiler"
)
def test_compiled_run_matches_the_eager_one():
    integ = OverdampedLangevin(DoubleWell(), beta=2.0)
    x0 = torch.linspace(-1, 1, 32, dtype=F64)[:, None]
    fp_e, fp_c = FirstPassage(Interval(0.9, 9)), FirstPassage(Interval(0.9, 9))
    eager = simulate(integ, x0, 1e-2, 200, seed=4, save_every=8, observers=[fp_e])
    compiled = simulate(integ, x0, 1e-2, 200, seed=4, save_every=8, observers=[fp_c], compile=True)
    torch.testing.assert_close(compiled.traj, eager.traj, rtol=1e-9, atol=1e-9)
    torch.testing.assert_close(fp_c.times, fp_e.times)


@pytest.mark.parametrize("tile", [5, 16, 64])
def test_tiled_run_matches_the_untiled_one_on_the_same_brownian_path(tile):
    """Same Brownian path: tiling changes only the order of work (saving, observers too)."""
    from effdyn.sde import BrownianPath

    integ = OverdampedLangevin(DoubleWell(), beta=2.0)
    B, n, dt = 37, 128, 1e-2
    x0 = torch.linspace(-1.2, 1.2, B, dtype=F64)[:, None]
    path = BrownianPath((B, 1), 0.0, n * dt, seed=3, dtype=F64)
    runs = []
    for t in (None, tile):
        fp, tc = (
            FirstPassage(Interval(0.8, 9)),
            TransitionCounter([Interval(-9, -0.8), Interval(0.8, 9)]),
        )
        r = simulate(integ, x0, dt, n, brownian=path, save_every=8, observers=[fp, tc], tile=t)
        runs.append((r, fp, tc))
    (a, fa, ta), (b, fb, tb) = runs
    torch.testing.assert_close(b.traj, a.traj, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(fb.times, fa.times)
    assert np.array_equal(tb.counts, ta.counts)


def test_tiled_run_samples_the_ou_stationary_variance():
    """OU dX = -X dt + sqrt(2) dW from 0: Var X_T = 1 - exp(-2T) (Euler: 1/(1 - dt/2) at T=inf)."""
    integ = OverdampedLangevin(lambda x: -x, beta=1.0)
    B, dt, n = 20_000, 1e-2, 400
    x = simulate(integ, torch.zeros(B, 1, dtype=F64), dt, n, seed=1, tile=3000).x
    a = 1 - dt
    exact = 2 * dt * (1 - a ** (2 * n)) / (1 - a**2)  # the Euler chain's own variance
    var = float(x.var())
    assert abs(var - exact) < 4 * exact * math.sqrt(2 / B)


def test_tiled_compiled_run_matches_tiled_eager():
    integ = OverdampedLangevin(DoubleWell(), beta=2.0)
    x0 = torch.linspace(-1, 1, 40, dtype=F64)[:, None]
    eager = simulate(integ, x0, 1e-2, 96, seed=4, save_every=8, tile=16)
    compiled = simulate(integ, x0, 1e-2, 96, seed=4, save_every=8, tile=16, compile=True)
    torch.testing.assert_close(compiled.traj, eager.traj, rtol=1e-9, atol=1e-9)


def test_tiled_blow_up_names_the_global_batch_index():
    sde = SDE(lambda t, x: x**3, 0.0, name="explosive")
    x0 = torch.full((10, 1), 0.1, dtype=F64)
    x0[7] = 2.0
    with pytest.raises(BlowUpError, match="batch index 7"):
        simulate(EulerMaruyama(sde), x0, 0.01, 1000, seed=0, tile=3)
    with pytest.raises(ValueError, match="tile must be a positive integer"):
        simulate(EulerMaruyama(sde), x0, 0.01, 10, tile=0)
