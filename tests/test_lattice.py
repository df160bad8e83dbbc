"""Tests of effdyn.lattice: Holstein ED forces, k-space references, D4 x Z2 equivariant networks."""

from __future__ import annotations

import math

import pytest
import torch

from effdyn.lattice import (
    D4_ORDER,
    EquivariantForceField,
    HolsteinModel,
    PlainCNN,
    RecordingForce,
    cdw_amplitude,
    cdw_transition_temperature,
    count_parameters,
    d4_inverse,
    d4_multiply,
    d4_transform,
    domain_size,
    equivariance_error,
    fit_force_field,
    fit_power_law,
    flat_force,
    force_parity,
    order_parameter,
    staggered_sign,
    structure_factor,
)
from effdyn.sde import BAOAB, simulate

F64 = torch.float64
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def random_field(B: int, L: int, seed: int = 0, std: float = 0.4, dtype=F64) -> torch.Tensor:
    return std * torch.randn(B, L, L, generator=gen(seed), dtype=F64).to(dtype)


# ---------------------------------------------------------------- ED forces


def test_forces_are_minus_gradient_of_energy_autograd():
    model = HolsteinModel(4, t=1.0, g=1.5, K=1.0, kT_el=0.1)
    Q = random_field(2, 4, seed=1).requires_grad_(True)
    (grad,) = torch.autograd.grad(model.energy(Q).sum(), Q)
    torch.testing.assert_close(model.forces(Q.detach()), -grad, rtol=0, atol=1e-8)


def test_forces_are_minus_gradient_of_energy_central_differences():
    model = HolsteinModel(6, t=1.0, g=2.0, K=1.3, kT_el=0.05)
    Q = random_field(1, 6, seed=2)
    F = model.forces(Q)
    h = 1e-5
    for i, j in [(0, 0), (2, 3), (5, 1)]:
        dQ = torch.zeros_like(Q)
        dQ[0, i, j] = h
        numeric = -(model.energy(Q + dQ) - model.energy(Q - dQ)) / (2 * h)
        assert abs(float(numeric[0] - F[0, i, j])) < 1e-8


def test_density_is_one_half_without_coupling():
    model = HolsteinModel(6, g=0.0, kT_el=0.03)
    n = model.density(random_field(2, 6, seed=3))
    torch.testing.assert_close(n, torch.full_like(n, 0.5), rtol=0, atol=1e-12)


def test_particle_hole_symmetry_of_density():
    model = HolsteinModel(6, g=1.5, kT_el=0.05)
    Q = random_field(2, 6, seed=4)
    torch.testing.assert_close(model.density(-Q), 1 - model.density(Q), rtol=0, atol=1e-12)


@pytest.mark.parametrize("L", [4, 8, 12])
def test_ed_checkerboard_equals_k_space_force(L):
    model = HolsteinModel(L, t=1.0, g=1.5, K=1.0, kT_el=0.02)
    amplitudes = torch.tensor([0.05, 0.2, 0.33, 0.6, 1.0], dtype=F64)
    Q = amplitudes[:, None, None] * staggered_sign(L)
    F = model.forces(Q)
    exact = model.checkerboard_force(amplitudes)
    torch.testing.assert_close(F, exact[:, None, None] * staggered_sign(L), rtol=0, atol=1e-12)


def test_gap_equation_root_is_a_zero_force_checkerboard():
    model = HolsteinModel(12, t=1.0, g=1.5, K=1.0, kT_el=0.02)
    q0 = model.cdw_gap_equation()
    assert 0.1 < q0 < 0.75  # positive below T_CDW, below the atomic limit g / 2K
    Q = q0 * staggered_sign(12)[None]
    assert float(model.forces(Q).abs().max()) < 1e-12
    # the root is a stable minimum along the checkerboard: restoring force on both sides
    assert float(model.checkerboard_force(0.9 * q0)) > 0 > float(model.checkerboard_force(1.1 * q0))


def test_gap_equation_vanishes_above_transition_and_atomic_limit():
    tc = cdw_transition_temperature(L=12, g=1.5, K=1.0)
    assert 0.05 < tc < 1.0
    assert cdw_amplitude(1.02 * tc, L=12, g=1.5) == 0.0
    # mean-field onset Q0 ~ sqrt(Tc - T): the squares at 0.5% and 2% below Tc are in ratio 1/4
    near, below = (cdw_amplitude(f * tc, L=12, g=1.5) for f in (0.995, 0.98))
    assert 0 < near < below < cdw_amplitude(0.02, L=12, g=1.5)
    assert (near / below) ** 2 == pytest.approx(0.25, rel=0.05)
    # strong coupling: Q0 -> g / 2K (atomic limit, every + site filled)
    assert cdw_amplitude(0.01, L=8, t=1.0, g=20.0, K=1.0) == pytest.approx(10.0, rel=1e-3)


def test_flat_force_runs_in_baoab():
    model = HolsteinModel(4, g=1.5, kT_el=0.05)
    integrator = BAOAB(model.flat_force(), temperature=0.05, gamma=0.2, mass=1.0)
    x0 = random_field(2, 4, seed=5).reshape(2, 16)
    state = integrator.initial_state(x0, generator=gen(0))
    torch.testing.assert_close(state[2], model.forces(x0.reshape(2, 4, 4)).reshape(2, 16))


def test_recording_force_keeps_the_saved_frames():
    model = HolsteinModel(4, g=1.5, kT_el=0.05)
    recorder = RecordingForce(model.flat_force(), every=3)
    integrator = BAOAB(recorder, temperature=0.05, gamma=0.2, mass=1.0)
    x0 = random_field(2, 4, seed=16).reshape(2, 16)
    res = simulate(integrator, x0, dt=0.1, n_steps=9, seed=0, save_every=3)
    torch.testing.assert_close(recorder.positions, res.traj)
    expected = model.forces(res.traj.reshape(-1, 4, 4)).reshape(res.traj.shape)
    torch.testing.assert_close(recorder.forces, expected, rtol=0, atol=1e-12)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA not available")
def test_forces_on_cuda_equal_cpu():
    model = HolsteinModel(8, g=1.5, kT_el=0.02)
    Q = random_field(3, 8, seed=6)
    torch.testing.assert_close(model.forces(Q.cuda()).cpu(), model.forces(Q), rtol=0, atol=1e-10)
    net = EquivariantForceField(3, 2)
    torch.testing.assert_close(
        net.cuda()(Q.float().cuda()).cpu(), net.cpu()(Q.float()), rtol=1e-5, atol=1e-5
    )


# ---------------------------------------------------------------- symmetries


def test_d4_multiplication_matches_transforms():
    x = torch.randn(5, 5, generator=gen(7))
    for a in range(D4_ORDER):
        assert d4_multiply(a, d4_inverse(a)) == 0
        for b in range(D4_ORDER):
            torch.testing.assert_close(
                d4_transform(d4_transform(x, b), a), d4_transform(x, d4_multiply(a, b))
            )
    images = {tuple(d4_transform(x, e).reshape(-1).tolist()) for e in range(D4_ORDER)}
    assert len(images) == D4_ORDER


def test_ed_forces_pass_the_harness():
    model = HolsteinModel(6, g=1.5, kT_el=0.05)
    assert equivariance_error(model.forces, random_field(2, 6, seed=8)) < 1e-12


def test_harness_detects_broken_symmetries():
    Q = random_field(2, 8, seed=9)
    assert equivariance_error(lambda q: q**2, Q) > 0.1  # even, not odd
    assert equivariance_error(lambda q: torch.roll(q, 1, dims=-1), Q) > 0.1  # not D4
    weak = equivariance_error(lambda q: q + 1e-3 * torch.roll(q, 1, dims=-1), Q)
    assert 1e-4 < weak < 1e-2  # weak breaking of D4 is seen, at its size


def test_equivariant_network_passes_harness_and_cnn_fails():
    torch.manual_seed(0)
    net = EquivariantForceField(radius=2, channels=2, scale=0.4)
    with torch.no_grad():
        net.linear.fill_(-0.7)
    Q = random_field(2, 8, seed=10, dtype=torch.float32)
    assert equivariance_error(net, Q) < 1e-5
    cnn = PlainCNN(radius=2, channels=PlainCNN.matching(count_parameters(net), 2))
    assert abs(count_parameters(cnn) - count_parameters(net)) / count_parameters(net) < 0.2
    assert equivariance_error(cnn, Q) > 1e-2


def test_network_is_odd_and_transfers_to_larger_lattices():
    torch.manual_seed(1)
    net = EquivariantForceField(radius=4, channels=1)
    Q = random_field(1, 40, seed=11, dtype=torch.float32)
    with torch.no_grad():
        F = net(Q)
        assert F.shape == (1, 40, 40)
        torch.testing.assert_close(net(-Q), -F, rtol=0, atol=1e-6)
        for shift in [(3, 0), (7, 29), (20, 20)]:
            moved = net(torch.roll(Q, shift, dims=(-2, -1)))
            torch.testing.assert_close(
                moved, torch.roll(F, shift, dims=(-2, -1)), rtol=0, atol=1e-5
            )
    assert equivariance_error(net, Q, n_translations=2) < 1e-5


def test_receptive_radius_is_local():
    net = EquivariantForceField(radius=2, channels=2)
    Q = torch.zeros(1, 12, 12, requires_grad=True)
    (grad,) = torch.autograd.grad(net(Q + 0.3)[0, 6, 6], Q)
    nonzero = grad[0].abs() > 0
    rows, cols = torch.nonzero(nonzero, as_tuple=True)
    assert int((rows - 6).abs().max()) == 2 and int((cols - 6).abs().max()) == 2


def test_escnn_peer_model_passes_the_harness():
    escnn = pytest.importorskip("escnn")
    from escnn import gspaces
    from escnn import nn as enn

    space = gspaces.flipRot2dOnR2(N=4)
    field_in = enn.FieldType(space, [space.trivial_repr])
    hidden = enn.FieldType(space, 3 * [space.regular_repr])
    field_out = enn.FieldType(space, [space.trivial_repr])
    model = enn.SequentialModule(
        enn.R2Conv(field_in, hidden, 3, padding=1, padding_mode="circular"),
        enn.ReLU(hidden),
        enn.R2Conv(hidden, field_out, 3, padding=1, padding_mode="circular"),
    ).eval()

    def force(q: torch.Tensor) -> torch.Tensor:
        return model(enn.GeometricTensor(q[:, None], field_in)).tensor[:, 0]

    assert escnn is not None
    assert (
        equivariance_error(force, random_field(2, 12, seed=12, dtype=torch.float32), odd=False)
        < 1e-5
    )


# ---------------------------------------------------------------- training


def test_training_recovers_a_linear_local_force():
    torch.manual_seed(2)
    net = EquivariantForceField(radius=1, channels=1)
    Q = random_field(8, 4, seed=13, dtype=torch.float32)
    losses = fit_force_field(net, Q, -0.8 * Q, n_steps=100, batch_size=4, lr=0.05)
    assert losses[-1] < 1e-2 * losses[0]
    r2, rel = force_parity(net(Q).detach(), -0.8 * Q)
    assert r2 > 0.99 and rel < 0.1


def test_force_parity_values():
    ref = torch.randn(4, 6, 6, generator=gen(14))
    assert force_parity(ref, ref) == (1.0, 0.0)
    r2, rel = force_parity(torch.full_like(ref, float(ref.mean())), ref)
    assert r2 == pytest.approx(0.0, abs=1e-12)
    r2, rel = force_parity(torch.zeros_like(ref), ref)
    assert rel == pytest.approx(1.0)


# ---------------------------------------------------------------- analysis


def test_order_parameter_and_structure_factor_of_checkerboard():
    L = 8
    Q = 0.4 * staggered_sign(L)[None]
    assert float(order_parameter(Q)) == pytest.approx(0.4)
    S = structure_factor(Q)[0]
    assert float(S[L // 2, L // 2]) == pytest.approx(L * L * 0.16)
    assert float(S.sum() - S[L // 2, L // 2]) == pytest.approx(0.0, abs=1e-10)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_domain_size_of_a_single_mode(n):
    L = 24
    x = torch.arange(L, dtype=F64)
    m = torch.cos(2 * math.pi * n * x / L)[:, None].expand(L, L)
    Q = (m * staggered_sign(L))[None]
    assert float(domain_size(Q)) == pytest.approx(L / n, rel=1e-10)


def test_power_law_fit_recovers_exponent():
    t = torch.logspace(0, 3, 12, dtype=F64)
    alpha, err = fit_power_law(t, 2.5 * t**0.5)
    assert alpha == pytest.approx(0.5, abs=1e-12) and err < 1e-10
    noisy = 2.5 * t**0.4 * torch.exp(0.05 * torch.randn(12, generator=gen(15), dtype=F64))
    alpha, err = fit_power_law(t, noisy)
    assert abs(alpha - 0.4) < 4 * err + 0.02 and err > 0


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"L": 7}, "L"),
        ({"L": 12, "t": 0.0}, "t"),
        ({"L": 12, "K": -1.0}, "K"),
        ({"L": 12, "kT_el": 0.0}, "kT_el"),
    ],
)
def test_model_refuses_bad_parameters(kwargs, name):
    with pytest.raises(ValueError, match=name):
        HolsteinModel(**kwargs)


def test_bad_shapes_dtypes_and_radius():
    model = HolsteinModel(6)
    with pytest.raises(ValueError, match="Q must have shape"):
        model.forces(torch.zeros(2, 6, 4, dtype=F64))
    with pytest.raises(ValueError, match="Q.dtype"):
        model.forces(torch.zeros(2, 6, 6, dtype=torch.float16))
    with pytest.raises(ValueError, match="q must have shape"):
        flat_force(model.forces, 6)(torch.zeros(2, 30, dtype=F64))
    with pytest.raises(ValueError, match="radius"):
        EquivariantForceField(radius=4)(torch.zeros(1, 6, 6))
    with pytest.raises(ValueError, match="dtype"):
        EquivariantForceField(dtype=torch.float16)
    with pytest.raises(ValueError, match="dtype"):
        PlainCNN(dtype=torch.bfloat16)
    with pytest.raises(ValueError, match="gamma"):
        BAOAB(model.flat_force(), temperature=0.02, gamma=0.0)
    with pytest.raises(ValueError, match="mass"):
        BAOAB(model.flat_force(), temperature=0.02, mass=-1.0)
    with pytest.raises(ValueError, match="temperature"):
        BAOAB(model.flat_force(), temperature=0.0)
