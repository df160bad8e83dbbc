"""Errors raised by the SDE core."""

from __future__ import annotations

from typing import Any

__all__ = ["BlowUpError"]


class BlowUpError(FloatingPointError):
    """A trajectory became NaN or infinite.

    Attributes
    ----------
    step : int
        The first step (counted from 1 since the start of the run) after which a non-finite
        value appeared.
    time : float
        The time reached by that step.
    n_bad : int
        How many trajectories were non-finite after that step.
    index : int
        The batch index of the first such trajectory.
    last_finite : Tensor
        That trajectory's state before the step, to see where it went wrong.
    """

    def __init__(
        self, step: int, time: float, dt: float, n_bad: int, index: int, last_finite: Any
    ) -> None:
        self.step, self.time, self.dt = step, time, dt
        self.n_bad, self.index, self.last_finite = n_bad, index, last_finite
        values = last_finite.detach().cpu().flatten().tolist()
        shown = ", ".join(f"{v:.4g}" for v in values[:6]) + (", ..." if len(values) > 6 else "")
        super().__init__(
            f"blow-up at step {step} (t = {time:.6g}, dt = {dt:g}): {n_bad} trajectory(ies) "
            f"became NaN or inf, first at batch index {index}, whose state before that step "
            f"was [{shown}]. Reduce dt or check the drift/force near that state."
        )
