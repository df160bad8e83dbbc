"""effdyn.fields against the paper's own package ``amangkurat`` (optional peer)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

amangkurat_core = pytest.importorskip("amangkurat.core")

from effdyn.fields import LinearKG, SineGordon, solve  # noqa: E402
from effdyn.fields.package_ics import (  # noqa: E402
    package_breather,
    package_grid,
    package_kink_antikink,
    package_leapfrog,
)


def test_our_reimplementation_of_the_package_initial_states_is_exact():
    x = np.linspace(-50.0, 50.0, 1024)
    xt = torch.from_numpy(x)
    for theirs, ours in (
        (amangkurat_core.BreatherIC(0.5)(x), package_breather(xt, 0.5)),
        (amangkurat_core.KinkAntikinkIC(1.0, 20.0, 0.3)(x), package_kink_antikink(xt)),
    ):
        for a, b in zip(theirs, ours, strict=True):
            np.testing.assert_allclose(b.numpy(), a, atol=1e-13)


def test_fixed_step_package_run_equals_our_verlet_on_its_grid():
    nx, x_min, x_max, dt, n_steps = 256, -30.0, 30.0, 0.01, 500
    solver = amangkurat_core.KGSolver(nx, x_min, x_max, verbose=False, adaptive_dt=False)
    phi0 = np.exp(-((solver.x / 2.0) ** 2))
    res = solver.solve(phi0, np.zeros(nx), dt=dt, t_final=n_steps * dt, potential="linear")
    grid = package_grid(nx, x_min, x_max)
    assert np.allclose(grid.x.numpy(), solver.x)
    p0 = torch.from_numpy(phi0)
    # the package saves the state at its accumulated time t; compare at that step
    t_last = float(res["t"][-1])
    k = round(t_last / dt)
    sol = solve(p0, torch.zeros_like(p0), grid, LinearKG(), dt=dt, t_final=k * dt)
    np.testing.assert_allclose(sol.phi[-1].numpy(), res["phi"][-1], atol=1e-10)


def test_adaptive_package_run_equals_our_reimplementation():
    nx, x_min, x_max = 256, -40.0, 40.0
    solver = amangkurat_core.KGSolver(nx, x_min, x_max, verbose=False, adaptive_dt=True)
    phi0, pi0 = amangkurat_core.BreatherIC(0.5)(solver.x)
    res = solver.solve(phi0, pi0, dt=0.01, t_final=10.0, potential="sine_gordon", n_snapshots=10)
    grid = package_grid(nx, x_min, x_max)
    run = package_leapfrog(
        torch.from_numpy(phi0), torch.from_numpy(pi0), grid, SineGordon(), dt=0.01, t_final=10.0
    )
    steps = res["diagnostics"]["timestep_history"]
    np.testing.assert_allclose(run.dt.numpy(), steps, rtol=1e-12)
    # the same field sequence: compare the last step both took
    assert res["params"]["n_steps"] == run.dt.numel()
    assert abs(float(run.phi.abs().max()) - float(np.abs(res["phi"]).max())) < 1e-2
