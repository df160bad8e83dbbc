"""The reduced SDE on the slow variable: the full coefficients restricted to the slow manifold.

Feng et al. (2023, step 3): with the identified coefficients ``f, F`` of the slow variable and
the learned slow manifold ``y = h(x)``, the effective slow dynamics is ``dx = f(x, h(x)) dt +
F(x, h(x)) dW``, which :func:`reduce_to_slow` tabulates on a grid as an
:class:`~effdyn.effective.EffectiveSDE1D` (simulable with the core integrators, with stationary
density and MFPT by quadrature).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from effdyn.effective._bib import FENG_2023
from effdyn.effective.model import EffectiveSDE1D, as_grid_points

__all__ = ["bibtex", "reduce_to_slow"]

bibtex = FENG_2023


def reduce_to_slow(
    model: Any,
    manifold: Callable[[np.ndarray], Any],
    grid: Any,
    slow: int = 0,
) -> EffectiveSDE1D:
    """The 1D SDE of the slow coordinate ``slow`` on the manifold ``fast = manifold(x)``.

    Parameters
    ----------
    model : object with ``drift(z)`` and ``diffusion(z)``
        Full coefficients on states ``(B, d)``, e.g. a
        :class:`~effdyn.effective.PolynomialSDEModel`; ``diffusion`` is the diagonal variance.
    manifold : callable
        ``x (G,) -> fast coordinates (G, d - 1)`` (or ``(G,)`` when ``d = 2``), e.g.
        ``AutoencoderModel.graph`` or ``lambda x: x**2``.
    grid : array-like
        Points of the slow coordinate.
    slow : int
        Index of the slow coordinate.
    """
    x = as_grid_points(grid)
    fast = np.asarray(manifold(x), dtype=np.float64)
    if fast.ndim == 1:
        fast = fast[:, None]
    if fast.shape[0] != x.size:
        raise ValueError(
            f"manifold must return one row per grid point ({x.size}), got shape {fast.shape}"
        )
    d = fast.shape[1] + 1
    if not 0 <= slow < d:
        raise ValueError(f"slow must be in [0, {d - 1}], got {slow}")
    z = np.insert(fast, slow, x, axis=1)
    zt = torch.as_tensor(z, dtype=torch.float64)
    b = model.drift(zt)[:, slow].detach().cpu().double().numpy()
    a = model.diffusion(zt)[:, slow].detach().cpu().double().numpy()
    return EffectiveSDE1D(x, b, a)
