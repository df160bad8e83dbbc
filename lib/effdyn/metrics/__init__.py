"""Distances between distributions and forecast scores shared by the chapters.

Each metric lives in its own module (for example a Sinkhorn divergence, an energy distance, a
sMAPE) and is re-exported here; chapters import them from :mod:`effdyn.metrics`.
"""

__all__: list[str] = []
