"""Stochastic chemical kinetics: reaction networks, the batched Gillespie SSA, the finite state
projection of the chemical master equation, and moment equations with closures."""

from effdyn.kinetics.fsp import FiniteStateProjection, FSPMoments
from effdyn.kinetics.moments import CLOSURES, MomentEquations, MomentSolution
from effdyn.kinetics.network import Reaction, ReactionNetwork
from effdyn.kinetics.ssa import SSAResult, gillespie

__all__ = [
    "CLOSURES",
    "FSPMoments",
    "FiniteStateProjection",
    "MomentEquations",
    "MomentSolution",
    "Reaction",
    "ReactionNetwork",
    "SSAResult",
    "gillespie",
]
