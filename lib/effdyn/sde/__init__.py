"""Batched SDE and Langevin integrators (placeholder docstring, rewritten below)."""

from effdyn.sde.brownian import BrownianPath
from effdyn.sde.errors import BlowUpError
from effdyn.sde.integrators import (
    BAOAB,
    CHANNEL_SCALES,
    OBABO,
    SRA1,
    EulerMaruyama,
    Heun,
    Integrator,
    Milstein,
    OverdampedLangevin,
    SDEIntegrator,
    UnderdampedLangevin,
)
from effdyn.sde.observers import FirstPassage, Histogram, Observer, TransitionCounter
from effdyn.sde.problem import NOISE_TYPES, SDE, overdamped_langevin_sde
from effdyn.sde.sets import Ball, Box, Interval, Region, as_region
from effdyn.sde.simulate import SimulationResult, integrate, simulate

__all__ = [
    "BAOAB",
    "CHANNEL_SCALES",
    "NOISE_TYPES",
    "OBABO",
    "SDE",
    "SRA1",
    "Ball",
    "BlowUpError",
    "Box",
    "BrownianPath",
    "EulerMaruyama",
    "FirstPassage",
    "Heun",
    "Histogram",
    "Integrator",
    "Interval",
    "Milstein",
    "Observer",
    "OverdampedLangevin",
    "Region",
    "SDEIntegrator",
    "SimulationResult",
    "TransitionCounter",
    "UnderdampedLangevin",
    "as_region",
    "integrate",
    "overdamped_langevin_sde",
    "simulate",
]
