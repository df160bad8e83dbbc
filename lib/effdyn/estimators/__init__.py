"""Estimators from trajectories (placeholder)."""

from effdyn.estimators.free_energy import free_energy_from_counts, histogram_free_energy
from effdyn.estimators.intervals import (
    Estimate,
    batch_means_ci,
    bootstrap_ci,
    mean_ci,
    poisson_rate,
)
from effdyn.estimators.passage import mfpt, rate_from_mfpt
from effdyn.estimators.transitions import TransitionRates, count_transitions, transition_rates

__all__ = [
    "Estimate",
    "TransitionRates",
    "batch_means_ci",
    "bootstrap_ci",
    "count_transitions",
    "free_energy_from_counts",
    "histogram_free_energy",
    "mean_ci",
    "mfpt",
    "poisson_rate",
    "rate_from_mfpt",
    "transition_rates",
]
