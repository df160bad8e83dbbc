"""Distances between distributions and forecast scores shared by the chapters.

Each metric lives in its own module (for example a Sinkhorn divergence, an energy distance, a
sMAPE) and is re-exported here; chapters import them from :mod:`effdyn.metrics`.

- :mod:`effdyn.metrics.sinkhorn`: the debiased Sinkhorn divergence between point clouds
  (:func:`sinkhorn_divergence`), log domain, usable as a training loss.
"""

from effdyn.metrics.sinkhorn import (
    FEYDY2019_INTERPOLATING,
    epsilon_schedule,
    sinkhorn_divergence,
)

__all__ = ["FEYDY2019_INTERPOLATING", "epsilon_schedule", "sinkhorn_divergence"]
