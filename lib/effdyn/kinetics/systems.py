"""Example networks with a system-size parameter ``omega`` (volume).

Each factory returns a :class:`~effdyn.kinetics.network.ReactionNetwork` whose rate constants
are scaled with ``omega`` so that molecule numbers scale like ``omega`` and the relative noise
like ``omega**-0.5``. The monostable, bistable and oscillatory examples are stand-ins for the
networks of Schnoerr, Sanguinetti & Grima (2014), whose exact schemes were not available here.
"""

from __future__ import annotations

from effdyn.kinetics.network import Reaction, ReactionNetwork

__all__ = ["birth_death", "brusselator", "dimerisation", "isomerisation", "schlogl"]


def _check_omega(omega: float) -> float:
    if not omega > 0:
        raise ValueError(f"omega must be a positive system size, got {omega}")
    return float(omega)


def birth_death(birth: float = 10.0, death: float = 1.0) -> ReactionNetwork:
    """``0 -> X`` at rate ``birth``, ``X -> 0`` at rate ``death * x``; stationary law Poisson."""
    return ReactionNetwork(
        ["X"],
        [Reaction({}, {"X": 1}, birth, "birth"), Reaction({"X": 1}, {}, death, "death")],
    )


def isomerisation(k_on: float = 2.0, k_off: float = 1.0, influx: float = 5.0) -> ReactionNetwork:
    """Linear two-species network ``0 -> A``, ``A <-> B``, ``B -> 0`` (moment equations close)."""
    return ReactionNetwork(
        ["A", "B"],
        [
            Reaction({}, {"A": 1}, influx),
            Reaction({"A": 1}, {"B": 1}, k_on),
            Reaction({"B": 1}, {"A": 1}, k_off),
            Reaction({"B": 1}, {}, 1.0),
        ],
    )


def dimerisation(omega: float = 10.0, k_in: float = 1.0, k_dim: float = 1.0) -> ReactionNetwork:
    """Monostable ``0 -> X`` (rate ``k_in omega``), ``2X -> 0`` (propensity ``k_dim x(x-1)/omega``).

    The rate equation ``dx/dt = k_in omega - 2 k_dim x^2 / omega`` has one stable fixed point
    ``x* = omega sqrt(k_in / (2 k_dim))``.
    """
    omega = _check_omega(omega)
    return ReactionNetwork(
        ["X"],
        [
            Reaction({}, {"X": 1}, k_in * omega, "influx"),
            Reaction({"X": 2}, {}, k_dim / omega, "annihilation"),
        ],
    )


def schlogl(
    omega: float = 1.0,
    c1a: float = 3e-2,
    c2: float = 1e-4,
    c3b: float = 200.0,
    c4: float = 3.5,
) -> ReactionNetwork:
    """Bistable Schlögl model ``A + 2X <-> 3X``, ``B <-> X`` with buffered ``A`` and ``B``.

    Propensities ``c1a x(x-1)/2 / omega``, ``c2 x(x-1)(x-2)/6 / omega**2``, ``c3b omega`` and
    ``c4 x`` (the standard parameters, e.g. Vellela & Qian 2009). At ``omega = 1`` the rate
    equation has stable fixed points near 85.5 and 566.9 molecules and an unstable one near 247.6;
    all scale with ``omega``.
    """
    omega = _check_omega(omega)
    return ReactionNetwork(
        ["X"],
        [
            Reaction({"X": 2}, {"X": 3}, c1a / 2 / omega, "autocatalysis"),
            Reaction({"X": 3}, {"X": 2}, c2 / 6 / omega**2, "reverse autocatalysis"),
            Reaction({}, {"X": 1}, c3b * omega, "influx"),
            Reaction({"X": 1}, {}, c4, "degradation"),
        ],
    )


def brusselator(
    omega: float = 100.0,
    c1: float = 0.9,
    c2: float = 2.0,
    c3: float = 1.0,
    c4: float = 1.0,
) -> ReactionNetwork:
    """Oscillatory Brusselator ``2X + Y -> 3X``, ``X -> Y``, ``0 -> X``, ``X -> 0``.

    Combinatorial propensities ``c1 x(x-1) y / (2 omega**2)``, ``c2 x``, ``c3 omega``, ``c4 x``
    (the convention of Schnoerr et al. 2015 and MomentClosure.jl); the rate equations in
    concentrations are ``dx/dt = c1 x^2 y / 2 - (c2 + c4) x + c3``, ``dy/dt = c2 x - c1 x^2 y / 2``
    with fixed point ``(c3/c4, 2 c2 c4/(c1 c3))``. For the default parameters this is
    ``(1, 4.44)``, an unstable focus (Jacobian trace 0.55) surrounded by a limit cycle.
    """
    omega = _check_omega(omega)
    return ReactionNetwork(
        ["X", "Y"],
        [
            Reaction({"X": 2, "Y": 1}, {"X": 3}, c1 / 2 / omega**2, "autocatalysis"),
            Reaction({"X": 1}, {"Y": 1}, c2, "conversion"),
            Reaction({}, {"X": 1}, c3 * omega, "influx"),
            Reaction({"X": 1}, {}, c4, "degradation"),
        ],
    )
