"""A force callable that keeps the forces it computed, so that training data costs no extra ED.

The Langevin schemes of :mod:`effdyn.sde` (``BAOAB``) evaluate the force once at the initial
state and once per step; wrapping the exact-diagonalisation force of the Holstein model (Fan and
Chern 2026, arXiv:2601.04104) in :class:`RecordingForce` with ``every = save_every`` keeps the
pairs ``(q, F(q))`` of exactly the frames that ``simulate(..., save_every=...)`` saves.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

__all__ = ["RecordingForce"]

Tensor = torch.Tensor


class RecordingForce:
    """Wrap ``force`` and record ``(q, force(q))`` at calls ``0, every, 2 every, ...``.

    Parameters
    ----------
    force : callable
        Positions ``(B, d)`` to forces ``(B, d)``.
    every : int
        Record every ``every``-th call (the first call, index 0, is always recorded).
    """

    def __init__(self, force: Callable[[Tensor], Tensor], every: int = 1) -> None:
        if not (isinstance(every, int) and every >= 1):
            raise ValueError(f"every must be a positive integer, got {every!r}")
        self._force, self.every = force, every  # not `.force`: effdyn.sde would call that
        self.calls = 0
        self._positions: list[Tensor] = []
        self._forces: list[Tensor] = []

    def __call__(self, q: Tensor) -> Tensor:
        f = self._force(q)
        if self.calls % self.every == 0:
            self._positions.append(q.detach().clone())
            self._forces.append(f.detach().clone())
        self.calls += 1
        return f

    @property
    def positions(self) -> Tensor:
        """Recorded positions ``(n_records, B, d)``."""
        return torch.stack(self._positions)

    @property
    def forces(self) -> Tensor:
        """Recorded forces ``(n_records, B, d)``."""
        return torch.stack(self._forces)
