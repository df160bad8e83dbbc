"""Tests of effdyn.kinetics: networks, batched SSA, FSP, moment equations and diagnostics."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.stats import poisson

from effdyn.kinetics import (
    FiniteStateProjection,
    MomentEquations,
    Reaction,
    ReactionNetwork,
    systems,
)
from effdyn.kinetics.diagnostics import (
    assess_closure,
    count_distinct,
    is_physical,
    oscillation_decay,
)
from effdyn.kinetics.moments import _positions
from effdyn.kinetics.ssa import gillespie

# ----------------------------------------------------------------------------- network


def test_propensities_are_falling_factorials():
    net = systems.schlogl(1.0)
    a = net.propensities(np.array([[0.0], [1.0], [2.0], [5.0]]))
    k = net.rates
    assert a[:, 0] == pytest.approx(k[0] * np.array([0, 0, 2, 20]))
    assert a[:, 1] == pytest.approx(k[1] * np.array([0, 0, 0, 60]))
    assert a[:, 2] == pytest.approx(np.full(4, k[2]))
    assert a[:, 3] == pytest.approx(k[3] * np.array([0, 1, 2, 5]))


def test_bad_networks_are_refused():
    with pytest.raises(ValueError, match="species"):
        ReactionNetwork(["X"], [Reaction({"Z": 1}, {}, 1.0)])
    with pytest.raises(ValueError, match="rate"):
        ReactionNetwork(["X"], [Reaction({"X": 1}, {}, -1.0)])
    with pytest.raises(ValueError, match="non-negative integer"):
        ReactionNetwork(["X"], [Reaction({"X": 1.5}, {}, 1.0)])
    with pytest.raises(ValueError, match="omega"):
        systems.schlogl(0.0)


# ----------------------------------------------------------------------------- SSA


def test_ssa_birth_death_matches_poisson_law():
    lam = 10.0
    net = systems.birth_death(lam, 1.0)
    res = gillespie(net, [0], np.linspace(0.0, 12.0, 7), 4000, seed=3)
    final = res.states[:, -1, 0].numpy()
    n = final.size
    # at t = 12 the law is Poisson(lam (1 - e^-12)) = Poisson(lam) to 6e-6
    assert abs(final.mean() - lam) < 4 * np.sqrt(lam / n)
    assert abs(final.var() - lam) < 4 * lam * np.sqrt(2 / n) + 0.1
    counts = np.bincount(final.astype(int), minlength=40)[:40] / n
    tv = 0.5 * np.abs(counts - poisson.pmf(np.arange(40), lam)).sum()
    assert tv < 0.04
    # the transient mean follows lam (1 - e^-t)
    mean = res.mean()[:, 0].numpy()
    exact = lam * (1 - np.exp(-res.t.numpy()))
    assert np.all(np.abs(mean - exact) < 4 * np.sqrt(lam / n) + 1e-12)


def test_ssa_is_seeded_and_validates_input():
    net = systems.dimerisation(5.0)
    a = gillespie(net, [0], [0.0, 1.0, 2.0], 50, seed=7).states
    b = gillespie(net, [0], [0.0, 1.0, 2.0], 50, seed=7).states
    assert torch.equal(a, b)
    with pytest.raises(ValueError, match="x0"):
        gillespie(net, [0, 1], [0.0, 1.0], 10)
    with pytest.raises(ValueError, match="t_grid"):
        gillespie(net, [0], [1.0, 0.5], 10)
    with pytest.raises(ValueError, match="n_runs"):
        gillespie(net, [0], [0.0, 1.0], 0)


def test_ssa_conserves_molecules_in_closed_network():
    net = ReactionNetwork(
        ["A", "B"], [Reaction({"A": 1}, {"B": 1}, 1.0), Reaction({"B": 1}, {"A": 1}, 2.0)]
    )
    res = gillespie(net, [20, 0], np.linspace(0, 3, 4), 200, seed=0)
    assert torch.all(res.states.sum(dim=-1) == 20)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_ssa_runs_on_cuda():
    res = gillespie(systems.birth_death(), [0], [0.0, 5.0], 1000, seed=0, device="cuda")
    assert res.states.device.type == "cuda"
    assert abs(float(res.mean()[-1, 0]) - 10 * (1 - np.exp(-5))) < 0.5


# ----------------------------------------------------------------------------- FSP


def test_fsp_birth_death_stationary_and_transient_are_poisson():
    fsp = FiniteStateProjection(systems.birth_death(10.0, 1.0), 80)
    p = fsp.stationary()
    assert np.max(np.abs(p - poisson.pmf(np.arange(81), 10.0))) < 1e-12
    t = np.linspace(0, 3, 7)
    pt = fsp.transient(fsp.delta([0]), t)
    for pi, ti in zip(pt, t, strict=True):
        assert np.max(np.abs(pi - poisson.pmf(np.arange(81), 10 * (1 - np.exp(-ti))))) < 1e-7


def test_fsp_schlogl_stationary_matches_detailed_balance():
    net = systems.schlogl(0.5)
    n = 700
    fsp = FiniteStateProjection(net, n)
    p = fsp.stationary()
    a = net.propensities(np.arange(n + 1.0)[:, None])
    up, down = a[:, 0] + a[:, 2], a[:, 1] + a[:, 3]
    log_p = np.concatenate([[0.0], np.cumsum(np.log(up[:-1]) - np.log(down[1:]))])
    exact = np.exp(log_p - log_p.max())
    exact /= exact.sum()
    assert np.max(np.abs(p - exact)) < 1e-10
    assert fsp.boundary_mass(p) < 1e-10


def test_fsp_rejects_bad_box():
    with pytest.raises(ValueError, match="n_max"):
        FiniteStateProjection(systems.brusselator(), 10)
    fsp = FiniteStateProjection(systems.birth_death(), 10)
    with pytest.raises(ValueError, match="x0"):
        fsp.delta([11])


# ----------------------------------------------------------------------------- moments


@pytest.mark.parametrize("order", [2, 3])
def test_moment_equations_of_linear_networks_are_exact(order):
    net = systems.isomerisation()
    me = MomentEquations(net, order, "exact")
    t = np.linspace(0, 4, 9)
    sol = me.solve([3.0, 1.0], t, rtol=1e-11, atol=1e-11)
    fsp = FiniteStateProjection(net, [40, 40])
    mom = fsp.moments(fsp.transient(fsp.delta([3, 1]), t))
    assert np.max(np.abs(sol.mean - mom.mean)) < 1e-6
    assert np.max(np.abs(sol.cov - mom.cov)) < 1e-6


def _central_derivatives(fsp, p, alphas):
    """d/dt of mean and central moments under the CME, computed from A p."""
    dp = fsp.generator @ p
    x = fsp.states.astype(float)
    mu = p @ x
    dmu = dp @ x
    out = list(dmu)
    y = x - mu
    for alpha in alphas:
        f = np.prod(y ** np.array(alpha), axis=1)
        d = dp @ f
        for i, a_i in enumerate(alpha):
            if a_i:
                lower = np.array(alpha) - np.eye(len(alpha), dtype=int)[i]
                d -= a_i * (p @ np.prod(y**lower, axis=1)) * dmu[i]
        out.append(d)
    return np.array(out)


@pytest.mark.parametrize(
    ("network", "box", "lam"),
    [(systems.schlogl(0.1), [150], [20.0]), (systems.brusselator(10.0), [70, 90], [8.0, 15.0])],
)
@pytest.mark.parametrize("order", [2, 3])
def test_poisson_closure_is_exact_on_a_poisson_law(network, box, lam, order):
    """All cumulants of a product of Poisson laws equal the means: the closure is exact there."""
    fsp = FiniteStateProjection(network, box)
    p = np.prod([poisson.pmf(fsp.states[:, s], lam[s]) for s in range(len(lam))], axis=0)
    me = MomentEquations(network, order, "poisson")
    state = np.zeros(me.dimension)
    x = fsp.states.astype(float)
    mu = p @ x
    for d, alpha in enumerate(me.indices):
        state[d] = mu[d] if sum(alpha) == 1 else p @ np.prod((x - mu) ** np.array(alpha), axis=1)
    expected = _central_derivatives(fsp, p, me.indices[network.n_species :])
    got = me.rhs(state)
    assert got == pytest.approx(expected, rel=1e-7, abs=1e-7 * np.abs(expected).max())
    assert [len(_positions(a)) for a in me.indices] == [sum(a) for a in me.indices]


def test_normal_closure_dimerisation_matches_fsp_at_large_volume():
    """2nd-order normal MA of 0 -> X, 2X -> 0 at omega = 50 against the FSP stationary law.

    Tolerances (set from the system-size expansion, where closure errors are O(1/omega)
    relative): mean within 0.5 %, variance within 3 %.
    """
    net = systems.dimerisation(50.0)
    fsp = FiniteStateProjection(net, 150)
    exact = fsp.moments(fsp.stationary())
    me = MomentEquations(net, 2, "normal")
    state, ok = me.steady_state([0.0])
    mean, cov = me.mean_and_cov(state)
    assert ok
    assert mean[0] == pytest.approx(exact.mean[0], rel=5e-3)
    assert cov[0, 0] == pytest.approx(exact.cov[0, 0], rel=3e-2)
    # higher order is more accurate here
    m4, c4 = me.mean_and_cov(MomentEquations(net, 4, "normal").steady_state([0.0])[0])
    assert abs(c4[0, 0] - exact.cov[0, 0]) < abs(cov[0, 0] - exact.cov[0, 0])


def test_lognormal_closure_second_order_is_finite_and_close():
    net = systems.dimerisation(50.0)
    fsp = FiniteStateProjection(net, 150)
    exact = fsp.moments(fsp.stationary())
    me = MomentEquations(net, 2, "lognormal")
    mean, cov = me.mean_and_cov(me.steady_state([30.0])[0])
    assert mean[0] == pytest.approx(exact.mean[0], rel=1e-2)
    assert cov[0, 0] == pytest.approx(exact.cov[0, 0], rel=5e-2)


def test_moment_equations_refuse_bad_requests():
    with pytest.raises(ValueError, match="closure"):
        MomentEquations(systems.dimerisation(), 2, "gamma")
    with pytest.raises(ValueError, match="order"):
        MomentEquations(systems.dimerisation(), 0)
    with pytest.raises(ValueError, match="lognormal"):
        MomentEquations(systems.dimerisation(), 3, "lognormal")
    with pytest.raises(ValueError, match="exact"):
        MomentEquations(systems.dimerisation(), 2, "exact")


# ----------------------------------------------------------------------------- diagnostics


def test_failure_modes_are_detected():
    # monostable, few molecules: the 2nd-order normal MA diverges from x0 = 0
    small = assess_closure(MomentEquations(systems.dimerisation(2.0), 2), [[0.0]])
    assert not small.physical
    large = assess_closure(MomentEquations(systems.dimerisation(20.0), 2), [[0.0], [40.0]])
    assert large.unique
    # bistable Schlögl at large volume: the steady state depends on the initial condition
    net = systems.schlogl(1.0)
    verdict = assess_closure(MomentEquations(net, 2), [[0.0], [700.0]], t_relax=100.0)
    assert verdict.physical and verdict.n_steady_states == 2


def test_diagnostic_helpers():
    t = np.linspace(0, 100, 2001)
    assert oscillation_decay(t, np.sin(t), 20.0) == pytest.approx(1.0, abs=0.01)
    assert oscillation_decay(t, np.exp(-0.1 * t) * np.sin(t), 20.0) < 0.2
    assert (
        count_distinct([np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-6]), np.array([3.0, 2.0])])
        == 2
    )
    sol = MomentEquations(systems.birth_death(), 2, "exact").solve([0.0], np.linspace(0, 1, 3))
    assert is_physical(sol)
