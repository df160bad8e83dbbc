"""Peer comparison: our CBO against the `cbx` package (CBXpy), an independent implementation.

Optional: skipped when `cbx` is not installed.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from effdyn.optim import CBO, GrandCanyon3Noisy, Rastrigin, gaussian_cloud

cbx = pytest.importorskip("cbx")
from cbx.dynamics import CBO as CBXCBO  # noqa: E402

F64 = torch.float64


def _numpy_objective(objective):
    def f(x: np.ndarray) -> np.ndarray:
        return objective(torch.from_numpy(np.ascontiguousarray(x))).numpy()

    return f


def _torch_sampler(seed: int):
    """A numpy-style sampler that returns the same normals our CBO draws with this seed."""
    g = torch.Generator().manual_seed(seed)

    def sampler(size=None):
        return torch.randn(tuple(size), generator=g, dtype=F64).numpy()

    return sampler


@pytest.mark.parametrize("noise", ["isotropic", "anisotropic"])
def test_cbo_matches_cbx_pathwise_with_shared_noise(noise):
    """Fed the same Gaussian increments, cbx and effdyn produce the same particles.

    cbx's anisotropic noise multiplies the signed offset ``x - v`` by the normal (equal in law
    to our ``|x - v|`` times the normal); for a pathwise comparison cbx is given a noise
    callable with the absolute value, everything else (consensus, drift, update) is cbx's."""
    objective = Rastrigin()
    params = {"lam": 1.0, "sigma": 0.8, "alpha": 30.0, "dt": 0.02}
    g0 = torch.Generator().manual_seed(0)
    x0 = gaussian_cloud([1.0, 2.0], 2.0, 40, 5, generator=g0, dtype=F64)
    n_steps = 50
    ours = CBO(noise=noise, **params).run(objective, x0, n_steps, torch.Generator().manual_seed(1))

    sampler = _torch_sampler(1)
    if noise == "anisotropic":

        def peer_noise(dyn):
            return math.sqrt(dyn.dt) * np.abs(dyn.drift) * sampler(size=dyn.drift.shape)

    else:
        peer_noise = "isotropic"
    dyn = CBXCBO(
        _numpy_objective(objective),
        f_dim="3D",
        x=x0.numpy().copy(),
        noise=peer_noise,
        dt=params["dt"],
        lamda=params["lam"],
        sigma=params["sigma"],
        alpha=params["alpha"],
        max_it=n_steps,
        sampler=sampler,
        check_f_dims=False,
        verbosity=0,
    )
    for _ in range(n_steps):
        dyn.step()
    np.testing.assert_allclose(dyn.x, ours.particles.numpy(), rtol=1e-9, atol=1e-9)
    # the consensus point cbx used in its last step is ours before the last step
    np.testing.assert_allclose(dyn.consensus[:, 0, :], ours.consensus[-2].numpy(), atol=1e-9)


def test_cbo_agrees_with_cbx_in_distribution_on_the_grand_canyon():
    """Independent random numbers, the paper's Fig. 1(b) setting (100 particles, 150 steps):
    the success rates (final consensus within 0.25 of the minimiser) agree within 4 standard
    errors of their difference, and so do the mean log-distances."""
    objective = GrandCanyon3Noisy()
    runs, n, n_steps = 100, 100, 150
    params = {"lam": 1.0, "sigma": 1.6, "alpha": 100.0, "dt": 0.01}
    g = torch.Generator().manual_seed(11)
    x0 = gaussian_cloud([8.0, 8.0], 0.5, n, runs, generator=g, dtype=F64)
    ours = CBO(**params).run(objective, x0, n_steps, g).final.numpy()

    x0_peer = gaussian_cloud([8.0, 8.0], 0.5, n, runs, generator=g, dtype=F64).numpy()
    dyn = CBXCBO(
        _numpy_objective(objective),
        f_dim="3D",
        x=x0_peer,
        dt=params["dt"],
        lamda=params["lam"],
        sigma=params["sigma"],
        alpha=params["alpha"],
        max_it=n_steps,
        seed=12,
        verbosity=0,
    )
    for _ in range(n_steps):
        dyn.step()
    dyn.compute_consensus()
    peer = dyn.consensus[:, 0, :]

    d_ours, d_peer = np.linalg.norm(ours, axis=-1), np.linalg.norm(peer, axis=-1)
    p1, p2 = (d_ours < 0.25).mean(), (d_peer < 0.25).mean()
    pooled = (p1 + p2) / 2
    se = math.sqrt(max(pooled * (1 - pooled), 1 / runs) * 2 / runs)
    assert abs(p1 - p2) < 4 * se
    l1, l2 = np.log(d_ours), np.log(d_peer)
    se_log = math.sqrt((l1.var() + l2.var()) / runs)
    assert abs(l1.mean() - l2.mean()) < 4 * se_log
