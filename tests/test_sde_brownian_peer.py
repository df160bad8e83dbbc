"""Our VirtualBrownianTree against diffrax's (the authors' implementation), on the same queries.

Skipped unless jax and diffrax are installed (the ``peers`` extra).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import stats

jax = pytest.importorskip("jax")
diffrax = pytest.importorskip("diffrax")

from effdyn.sde import VirtualBrownianTree  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TOL = 2.0**-6
N = 2000


@pytest.fixture(scope="module")
def x64():
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", False)


def _queries(seed=0):
    g = np.random.default_rng(seed)
    s = g.uniform(0.0, 0.9, N)
    length = np.where(np.arange(N) % 2 == 0, g.uniform(3 * TOL, 0.1, N), g.uniform(0.05, 0.9) * TOL)
    return s, np.minimum(s + length, 1.0)


def _diffrax(s, u, levy_area, shape=()):
    import jax.numpy as jnp
    import jax.random as jr

    def one(key, a, b):
        bm = diffrax.VirtualBrownianTree(
            0.0, 1.0, tol=TOL, shape=shape, key=key, levy_area=levy_area
        )
        out = bm.evaluate(a, b, use_levy=True)
        return out.W, getattr(out, "H", None)

    keys = jr.split(jr.PRNGKey(0), len(s))
    W, H = jax.jit(jax.vmap(one))(keys, jnp.asarray(s), jnp.asarray(u))
    return np.asarray(W), None if H is None else np.asarray(H)


def test_same_law_on_the_same_queries(x64):
    s, u = _queries()
    W, H = _diffrax(s, u, diffrax.SpaceTimeLevyArea)
    tree = VirtualBrownianTree(0.0, 1.0, TOL, (N, 1), seed=3, levy_area="space-time")
    ours = tree.evaluate(torch.as_tensor(s), torch.as_tensor(u))
    long = (u - s) > 2 * TOL
    for mine, theirs in ((ours.W[:, 0].numpy(), W), (ours.H[:, 0].numpy(), H)):
        assert stats.ks_2samp(mine[long], theirs[long]).pvalue > 1e-3
    # intervals shorter than tol, W only: both interpolate a cell with one normal
    W0, _ = _diffrax(s, u, diffrax.BrownianIncrement)
    plain = VirtualBrownianTree(0.0, 1.0, TOL, (N, 1), seed=3)
    mine = plain.evaluate(torch.as_tensor(s), torch.as_tensor(u)).W[:, 0].numpy()
    assert stats.ks_2samp(mine[~long], W0[~long]).pvalue > 1e-3


def test_within_cell_correlation_matches(x64):
    # two points of one finest cell: the bridge parts share one normal (correlation 1)
    cell_start, r1, r2 = 0.5, 0.5 + 0.2 * TOL, 0.5 + 0.7 * TOL
    a = np.full(N, cell_start)
    W1, _ = _diffrax(a, np.full(N, r1), diffrax.BrownianIncrement)
    W2, _ = _diffrax(a, np.full(N, r2), diffrax.BrownianIncrement)
    Wc, _ = _diffrax(a, np.full(N, cell_start + TOL), diffrax.BrownianIncrement)
    theirs = np.corrcoef(W1 - 0.2 * Wc, W2 - 0.7 * Wc)[0, 1]
    tree = VirtualBrownianTree(0.0, 1.0, TOL, (N, 1), seed=1)
    w1 = tree.evaluate(cell_start, r1).W[:, 0].numpy()
    w2 = tree.evaluate(cell_start, r2).W[:, 0].numpy()
    wc = tree.evaluate(cell_start, cell_start + TOL).W[:, 0].numpy()
    ours = np.corrcoef(w1 - 0.2 * wc, w2 - 0.7 * wc)[0, 1]
    exact_bm = np.sqrt(0.2 * 0.3 / (0.7 * 0.8))  # what independent Brownian bridges would give
    assert abs(ours - theirs) < 0.02
    assert abs(ours - exact_bm) > 0.3


def test_out_of_range_is_an_error_in_both(x64):
    import jax.random as jr

    bm = diffrax.VirtualBrownianTree(0.0, 1.0, tol=TOL, shape=(), key=jr.PRNGKey(0))
    with pytest.raises(Exception, match="outside"):  # equinox's runtime error
        bm.evaluate(0.5, 1.5)
    with pytest.raises(ValueError, match="t must lie"):
        VirtualBrownianTree(0.0, 1.0, TOL, (2, 1)).evaluate(0.5, 1.5)
