"""Estimators from trajectories: MFPTs, rates and free energies with confidence intervals.

- :func:`mfpt`: mean first-passage time from first-passage samples (sample mean with a t
  interval, or the censored exponential MLE with a chi-square interval when some trajectories
  have not arrived); :func:`rate_from_mfpt`.
- :func:`transition_rates`: from the counts of :class:`effdyn.sde.TransitionCounter` (on the
  fly) or :func:`effdyn.sde.count_transitions` (offline, on saved trajectories), rates
  ``k_ij = N_ij / T_i`` with exact Poisson intervals, the MFPTs they imply, and the mean
  sojourn in each core corrected for the censoring at the end of the run.
- :func:`kaplan_meier_mean`: the mean of a duration from completed and right-censored counts
  on a grid (product-limit survival, Klein-Moeschberger variance).
- :func:`poisson_rate`, :func:`mean_ci`, :func:`bootstrap_ci`, :func:`batch_means_ci`:
  intervals, returned as :class:`Estimate` (``value``, ``low``, ``high``, ``contains``).
- :func:`histogram_free_energy`, :func:`free_energy_from_counts`: ``F = -log(p)/beta``.
"""

from effdyn.estimators.free_energy import free_energy_from_counts, histogram_free_energy
from effdyn.estimators.intervals import (
    Estimate,
    batch_means_ci,
    bootstrap_ci,
    mean_ci,
    poisson_rate,
)
from effdyn.estimators.passage import mfpt, rate_from_mfpt
from effdyn.estimators.survival import kaplan_meier_mean
from effdyn.estimators.transitions import TransitionRates, transition_rates

__all__ = [
    "Estimate",
    "TransitionRates",
    "batch_means_ci",
    "bootstrap_ci",
    "free_energy_from_counts",
    "histogram_free_energy",
    "kaplan_meier_mean",
    "mean_ci",
    "mfpt",
    "poisson_rate",
    "rate_from_mfpt",
    "transition_rates",
]
