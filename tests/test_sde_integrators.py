"""Tests of the integrator classes: declarations, refusals, precise errors, exact steps."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from effdyn.sde import (
    BAOAB,
    OBABO,
    SDE,
    SRA1,
    BlowUpError,
    BrownianPath,
    EulerMaruyama,
    FirstPassage,
    Heun,
    Integrator,
    Interval,
    LeimkuhlerMatthews,
    Milstein,
    OverdampedLangevin,
    integrate,
    overdamped_langevin_sde,
    simulate,
)
from effdyn.systems import DoubleWell, OrnsteinUhlenbeck

F64 = torch.float64
DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def ou_sde(noise="diagonal"):
    return SDE(lambda t, x: -x, 0.5, noise=noise)


def test_every_scheme_declares_orders_noise_and_reference():
    schemes = (EulerMaruyama, Milstein, Heun, SRA1, OverdampedLangevin, LeimkuhlerMatthews)
    for cls in (*schemes, BAOAB, OBABO):
        assert issubclass(cls, Integrator)
        assert cls.weak_order >= 1 and cls.strong_order >= 0.5
        assert cls.noise_types and cls.noise_channels
        assert cls.bibtex.startswith("@")
    assert EulerMaruyama(SDE(lambda t, x: x, lambda t, x: x)).strong_order == 0.5
    assert EulerMaruyama(ou_sde()).strong_order == 1.0  # additive noise
    assert (SRA1.strong_order, SRA1.weak_order) == (1.5, 2.0)
    assert "EulerMaruyama" in repr(EulerMaruyama(ou_sde()))


def test_unsupported_combinations_are_refused_precisely():
    general = SDE(lambda t, x: -x, lambda t, x: torch.ones(x.shape[0], 2, 3), noise="general")
    with pytest.raises(
        ValueError, match="Milstein supports noise types \\('diagonal',\\).*'general'"
    ):
        Milstein(general)
    multiplicative = SDE(lambda t, x: -x, lambda t, x: x)
    for scheme in (SRA1, Heun):
        with pytest.raises(ValueError, match=f"{scheme.__name__} requires additive noise"):
            scheme(multiplicative)
    with pytest.raises(TypeError, match="integrates an effdyn.sde.SDE"):
        EulerMaruyama(lambda t, x: x)
    with pytest.raises(ValueError, match="noise must be one of"):
        SDE(lambda t, x: x, 1.0, noise="colored")
    with pytest.raises(ValueError, match="constant diffusion is additive"):
        SDE(lambda t, x: x, 1.0, additive=False)
    with pytest.raises(TypeError, match="drift must be callable"):
        SDE(1.0, 1.0)
    with pytest.raises(ValueError, match="cannot use a BrownianPath"):
        simulate(
            OverdampedLangevin(DoubleWell(), beta=1.0),
            torch.zeros(3, 1, dtype=F64),
            n_steps=4,
            brownian=BrownianPath((3, 1)),
            compile=True,
        )
    with pytest.raises(ValueError, match="time-homogeneous"):
        simulate(EulerMaruyama(ou_sde()), torch.zeros(3, 1), 0.1, 4, compile=True)


def test_bad_inputs_give_precise_errors():
    integ = OverdampedLangevin(DoubleWell(), beta=1.0)
    x0 = torch.zeros(4, 1, dtype=F64)
    with pytest.raises(ValueError, match=r"shape \(batch, dim\), got \(4,\).*x0\[:, None\]"):
        simulate(integ, torch.zeros(4), 0.1, 3)
    with pytest.raises(TypeError, match="floating dtype"):
        simulate(integ, torch.zeros(4, 1, dtype=torch.long), 0.1, 3)
    with pytest.raises(ValueError, match="NaN or inf"):
        simulate(integ, torch.full((4, 1), float("nan")), 0.1, 3)
    for bad in (0.0, -0.1, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="dt must be finite and positive"):
            simulate(integ, x0, bad, 3)
    with pytest.raises(ValueError, match="n_steps must be >= 0"):
        simulate(integ, x0, 0.1, -1)
    with pytest.raises(TypeError, match="n_steps must be an integer"):
        simulate(integ, x0, 0.1, 2.5)
    with pytest.raises(ValueError, match="save_every must be a positive integer"):
        simulate(integ, x0, 0.1, 3, save_every=0)
    with pytest.raises(ValueError, match="give seed or generator"):
        simulate(integ, x0, 0.1, 3, seed=1, generator=torch.Generator())
    with pytest.raises(ValueError, match="first-order scheme: it takes no momenta"):
        simulate(integ, x0, 0.1, 3, p0=x0)
    with pytest.raises(ValueError, match="2-dimensional"):
        simulate(OverdampedLangevin(OrnsteinUhlenbeck([1.0, 1.0]), beta=1.0), x0, 0.1, 3)


@pytest.mark.parametrize("kwargs", [{"beta": 0.0}, {"beta": -1.0}, {"temperature": 0.0}])
def test_non_positive_temperature_is_refused(kwargs):
    with pytest.raises(ValueError, match="must be finite and positive"):
        OverdampedLangevin(DoubleWell(), **kwargs)
    with pytest.raises(ValueError, match="must be finite and positive"):
        BAOAB(DoubleWell(), **kwargs)


def test_temperature_arguments():
    with pytest.raises(ValueError, match="exactly one of beta"):
        OverdampedLangevin(DoubleWell())
    with pytest.raises(ValueError, match="exactly one of beta"):
        OverdampedLangevin(DoubleWell(), beta=1.0, temperature=1.0)
    assert OverdampedLangevin(DoubleWell(), temperature=0.5).beta == 2.0
    for name in ("gamma", "mass"):
        with pytest.raises(ValueError, match=f"{name} must be finite and positive"):
            BAOAB(DoubleWell(), beta=1.0, **{name: 0.0})
        with pytest.raises(ValueError, match=f"{name} must be finite and positive"):
            BAOAB(DoubleWell(), beta=1.0, **{name: torch.tensor([1.0, -1.0])})
    with pytest.raises(ValueError, match="does not broadcast"):
        simulate(BAOAB(DoubleWell(), beta=1.0, mass=torch.ones(3)), torch.zeros(2, 1), 0.1, 1)


def test_wrong_shapes_from_the_problem():
    x0 = torch.zeros(5, 2, dtype=F64)
    bad_drift = SDE(lambda t, x: x.sum(-1), 1.0)
    with pytest.raises(
        ValueError, match=r"drift returned shape \(5,\) for a state of shape \(5, 2\)"
    ):
        simulate(EulerMaruyama(bad_drift), x0, 0.1, 2)
    bad_diff = SDE(lambda t, x: -x, lambda t, x: torch.ones(5, 3))
    with pytest.raises(ValueError, match="diagonal noise needs a diffusion of shape"):
        simulate(EulerMaruyama(bad_diff), x0, 0.1, 2)
    bad_general = SDE(lambda t, x: -x, lambda t, x: torch.ones(5, 3, 2), noise="general")
    with pytest.raises(ValueError, match=r"general noise needs a diffusion of shape \(B, d, m\)"):
        simulate(EulerMaruyama(bad_general), x0, 0.1, 2)
    with pytest.raises(ValueError, match=r"force returned shape \(5,\)"):
        simulate(OverdampedLangevin(lambda x: x[:, 0], beta=1.0), x0, 0.1, 2)
    with pytest.raises(ValueError, match=r"force returned shape \(5,\)"):
        simulate(BAOAB(lambda x: x[:, 0], beta=1.0), x0, 0.1, 2)
    with pytest.raises(TypeError, match="force must be a callable"):
        OverdampedLangevin(3.0, beta=1.0)


def _first_nonfinite_step(x0: float, dt: float) -> int:
    x, k = np.float64(x0), 0
    with np.errstate(over="ignore", invalid="ignore"):
        while np.isfinite(x):
            k += 1
            x = x + dt * x**3
    return k


@pytest.mark.parametrize("block_size", [1, 7, 64])
def test_blow_up_names_the_step_and_time(block_size):
    """dx = x^3 dt from x = 2 explodes; the error names the first non-finite step."""
    sde = SDE(lambda t, x: x**3, 0.0, name="explosive")
    x0 = torch.tensor([[0.1], [2.0], [0.2]], dtype=F64)
    expected = _first_nonfinite_step(2.0, 0.01)
    with pytest.raises(BlowUpError) as info:
        simulate(
            EulerMaruyama(sde),
            x0,
            0.01,
            1000,
            seed=0,
            block_size=block_size,
            observers=[FirstPassage(Interval(5, 6))],
        )
    err = info.value
    assert err.step == expected
    assert err.time == pytest.approx(expected * 0.01)
    assert (err.n_bad, err.index) == (1, 1)
    assert f"blow-up at step {expected} " in str(err)
    assert "batch index 1" in str(err)
    assert math.isfinite(float(err.last_finite))


def test_blow_up_of_underdamped_state():
    force = lambda x: x**3  # noqa: E731 - pushes outwards
    x0 = torch.tensor([[0.0], [3.0]], dtype=F64)
    with pytest.raises(BlowUpError, match="batch index 1") as info:
        simulate(BAOAB(force, beta=1e6), x0, 0.05, 2000, seed=0)
    assert info.value.last_finite.shape == (3, 1)  # q, p, F before the bad step


@pytest.mark.parametrize("device", DEVICES)
def test_euler_maruyama_general_noise_matches_manual_step(device):
    """General noise: X + b dt + sigma dW with sigma (B, d, m); and constant (d, m)."""
    B, d, m = 6, 2, 3
    S = torch.arange(d * m, dtype=F64, device=device).reshape(d, m) / 5
    for diffusion in (S, lambda t, x: S.expand(x.shape[0], d, m) * (1 + x[:, :1, None])):
        sde = SDE(lambda t, x: -x, diffusion, noise="general")
        x0 = torch.linspace(0, 1, B * d, dtype=F64, device=device).reshape(B, d)
        path = BrownianPath((B, m), 0.0, 0.3, seed=2, device=device)
        dW = path.increments(1)[0]
        g = diffusion if isinstance(diffusion, torch.Tensor) else diffusion(0.0, x0)
        g = g.expand(B, d, m)
        expected = x0 - 0.3 * x0 + torch.einsum("bdm,bm->bd", g, dW)
        got = integrate(EulerMaruyama(sde), x0, n_steps=1, brownian=path)
        torch.testing.assert_close(got, expected)


def test_scalar_noise_shares_one_brownian_motion():
    sde = SDE(lambda t, x: torch.zeros_like(x), lambda t, x: torch.ones_like(x), noise="scalar")
    x = integrate(EulerMaruyama(sde), torch.zeros(100, 3, dtype=F64), 0.01, 10, seed=0)
    assert torch.allclose(x[:, 0], x[:, 1]) and torch.allclose(x[:, 0], x[:, 2])
    assert x[:, 0].std() > 0.1


def test_milstein_autograd_derivative_matches_the_given_one():
    given = SDE(lambda t, x: x, lambda t, x: torch.sin(x), diffusion_dx=lambda t, x: torch.cos(x))
    auto = SDE(lambda t, x: x, lambda t, x: torch.sin(x))
    x0 = torch.linspace(-1, 1, 20, dtype=F64).reshape(10, 2)
    a = integrate(Milstein(given), x0, 0.01, 50, seed=3)
    b = integrate(Milstein(auto), x0, 0.01, 50, seed=3)
    torch.testing.assert_close(a, b)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_runs_in_float32_and_float64_reproducibly(device, dtype):
    integ = OverdampedLangevin(DoubleWell(), beta=2.0)
    x0 = torch.zeros(64, 1, dtype=dtype, device=device)
    a = integrate(integ, x0, 1e-2, 100, seed=5)
    b = integrate(integ, x0, 1e-2, 100, seed=5)
    c = integrate(integ, x0, 1e-2, 100, seed=6)
    assert a.dtype == dtype and a.device.type == device
    assert torch.equal(a, b) and not torch.equal(a, c)
    # the same run in blocks of different size draws the same numbers
    d = simulate(integ, x0, 1e-2, 100, seed=5, block_size=3).x
    torch.testing.assert_close(a, d)


def test_overdamped_langevin_equals_its_sde_form():
    V = DoubleWell()
    x0 = torch.linspace(-1.5, 1.5, 50, dtype=F64)[:, None]
    a = integrate(OverdampedLangevin(V, beta=2.0, diffusion=0.7), x0, 1e-3, 200, seed=1)
    sde = overdamped_langevin_sde(V, beta=2.0, diffusion=0.7)
    b = integrate(EulerMaruyama(sde), x0, 1e-3, 200, seed=1)
    torch.testing.assert_close(a, b)
    assert OverdampedLangevin(V, beta=2.0).sde().additive


def test_per_coordinate_diffusion_and_mass():
    """Stationary statistics with per-coordinate D (overdamped) and masses (underdamped)."""
    ou = OrnsteinUhlenbeck([1.0, 4.0])
    x0 = torch.zeros(4000, 2, dtype=F64)
    D = torch.tensor([0.5, 2.0], dtype=F64)
    x = integrate(OverdampedLangevin(ou, beta=2.0, diffusion=D), x0, 1e-2, 1500, seed=0)
    np.testing.assert_allclose(x.var(0).numpy(), ou.stationary_variance(2.0), rtol=0.08)
    m = torch.tensor([1.0, 9.0], dtype=F64)
    r = simulate(BAOAB(ou, beta=2.0, gamma=2.0, mass=m), x0, 0.05, 600, seed=1)
    np.testing.assert_allclose(r.x.var(0).numpy(), ou.stationary_variance(2.0), rtol=0.08)
    np.testing.assert_allclose(r.p.var(0).numpy(), m.numpy() / 2.0, rtol=0.08)


def test_underdamped_initial_momenta():
    integ = OBABO(DoubleWell(), beta=4.0, mass=torch.tensor([2.0]))
    x0 = torch.zeros(20000, 1, dtype=F64)
    state = integ.initial_state(x0, generator=torch.Generator().manual_seed(0))
    assert state.shape == (3, 20000, 1)
    assert float(state[1].var()) == pytest.approx(0.5, rel=0.05)
    with pytest.raises(ValueError, match="p0 must match x0"):
        integ.initial_state(x0, torch.zeros(3, 1, dtype=F64))
    p0 = torch.full_like(x0, 0.25)
    r = simulate(integ, x0[:3], 0.01, 0, p0=p0[:3])
    assert torch.equal(r.p, p0[:3]) and r.n_steps == 0
