"""Reaction networks with mass-action propensities.

A network of ``S`` species and ``R`` reactions is given by two non-negative integer matrices,
the reactant (substrate) stoichiometry ``nu_in`` and the product stoichiometry ``nu_out``, both of
shape ``(R, S)``, and one rate constant per reaction. The propensity of reaction ``r`` in state
``x`` (molecule numbers) is the stochastic mass-action law

.. math:: a_r(x) = k_r \\prod_s x_s (x_s - 1) \\cdots (x_s - \\nu^{in}_{rs} + 1),

a product of falling factorials (the number of ordered reactant tuples). With this convention
the reaction ``2X -> ...`` with the textbook propensity ``c x(x-1)/2`` has ``k = c/2``. The
propensities are polynomials in ``x``, which is what makes the moment equations of
:mod:`effdyn.kinetics.moments` exact before closure.

References
----------
D. T. Gillespie, "Exact stochastic simulation of coupled chemical reactions",
J. Phys. Chem. 81, 2340 (1977).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Reaction", "ReactionNetwork", "falling_factorial"]


def falling_factorial(x: np.ndarray, order: int) -> np.ndarray:
    """Return ``x (x-1) ... (x-order+1)`` elementwise (``1`` for ``order == 0``)."""
    out = np.ones_like(np.asarray(x, dtype=float))
    for j in range(order):
        out = out * (np.asarray(x, dtype=float) - j)
    return out


@dataclass(frozen=True)
class Reaction:
    """One reaction ``sum_s in_s X_s -> sum_s out_s X_s`` with mass-action rate ``rate``.

    Attributes
    ----------
    reactants, products : dict[str, int]
        Species name to stoichiometric coefficient (omit species with coefficient zero;
        ``{}`` is the empty complex).
    rate : float
        Rate constant ``k`` of the falling-factorial propensity (see the module docstring).
    name : str
        Optional label.
    """

    reactants: dict[str, int]
    products: dict[str, int]
    rate: float
    name: str = ""


@dataclass
class ReactionNetwork:
    """A chemical reaction network with mass-action kinetics.

    Parameters
    ----------
    species : sequence of str
        Species names, in the order of the state vector.
    reactions : sequence of Reaction
        The reactions.

    Attributes
    ----------
    nu_in, nu_out : numpy.ndarray
        Reactant and product stoichiometries, integer arrays of shape ``(R, S)``.
    stoichiometry : numpy.ndarray
        Net change ``nu_out - nu_in`` of shape ``(R, S)``.
    rates : numpy.ndarray
        Rate constants, shape ``(R,)``.
    """

    species: Sequence[str]
    reactions: Sequence[Reaction]
    nu_in: np.ndarray = field(init=False)
    nu_out: np.ndarray = field(init=False)
    rates: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.species = tuple(self.species)
        self.reactions = tuple(self.reactions)
        if len(self.species) == 0:
            raise ValueError("species must name at least one species")
        if len(set(self.species)) != len(self.species):
            raise ValueError(f"species must be distinct, got {self.species}")
        if len(self.reactions) == 0:
            raise ValueError("reactions must hold at least one Reaction")
        index = {s: i for i, s in enumerate(self.species)}
        n_r, n_s = len(self.reactions), len(self.species)
        nu_in = np.zeros((n_r, n_s), dtype=np.int64)
        nu_out = np.zeros((n_r, n_s), dtype=np.int64)
        rates = np.zeros(n_r)
        for r, reaction in enumerate(self.reactions):
            for target, side in ((nu_in, reaction.reactants), (nu_out, reaction.products)):
                for name, coeff in side.items():
                    if name not in index:
                        raise ValueError(
                            f"reaction {r} uses species {name!r}, not in species={self.species}"
                        )
                    if int(coeff) != coeff or coeff < 0:
                        raise ValueError(
                            f"reaction {r}: stoichiometric coefficient of {name!r} must be a "
                            f"non-negative integer, got {coeff}"
                        )
                    target[r, index[name]] = int(coeff)
            if not np.isfinite(reaction.rate) or reaction.rate < 0:
                raise ValueError(
                    f"reaction {r}: rate must be a finite non-negative number, got {reaction.rate}"
                )
            rates[r] = reaction.rate
        self.nu_in, self.nu_out, self.rates = nu_in, nu_out, rates

    @property
    def n_species(self) -> int:
        """Number of species ``S``."""
        return len(self.species)

    @property
    def n_reactions(self) -> int:
        """Number of reactions ``R``."""
        return len(self.reactions)

    @property
    def stoichiometry(self) -> np.ndarray:
        """Net stoichiometric changes, shape ``(R, S)``."""
        return self.nu_out - self.nu_in

    @property
    def max_order(self) -> int:
        """Largest molecularity (total reactant count) of any reaction."""
        return int(self.nu_in.sum(axis=1).max())

    @property
    def is_linear(self) -> bool:
        """Whether every reaction has at most one reactant molecule (moment equations close)."""
        return self.max_order <= 1

    def with_rates(self, rates: Sequence[float] | np.ndarray) -> ReactionNetwork:
        """Return the same network with new rate constants (one per reaction)."""
        rates = np.asarray(rates, dtype=float)
        if rates.shape != (self.n_reactions,):
            raise ValueError(f"rates must have shape ({self.n_reactions},), got {rates.shape}")
        new = [
            Reaction(dict(r.reactants), dict(r.products), float(k), r.name)
            for r, k in zip(self.reactions, rates, strict=True)
        ]
        return ReactionNetwork(self.species, new)

    def propensities(self, x: np.ndarray, rates: np.ndarray | None = None) -> np.ndarray:
        """Mass-action propensities of states ``x`` (shape ``(..., S)``) -> ``(..., R)``."""
        x = np.asarray(x, dtype=float)
        if x.shape[-1] != self.n_species:
            raise ValueError(f"x must have last dimension {self.n_species}, got {x.shape}")
        k = self.rates if rates is None else np.asarray(rates, dtype=float)
        out = np.ones(x.shape[:-1] + (self.n_reactions,)) * k
        for r in range(self.n_reactions):
            for s in range(self.n_species):
                if self.nu_in[r, s]:
                    out[..., r] *= falling_factorial(x[..., s], int(self.nu_in[r, s]))
        return np.clip(out, 0.0, None)

    def rate_equations(self, x: np.ndarray, rates: np.ndarray | None = None) -> np.ndarray:
        """Right-hand side of the deterministic rate equations with the same propensities."""
        return self.propensities(x, rates) @ self.stoichiometry

    def __repr__(self) -> str:
        lines = []
        for r, reaction in enumerate(self.reactions):
            lhs = " + ".join(f"{c if c > 1 else ''}{s}" for s, c in reaction.reactants.items())
            rhs = " + ".join(f"{c if c > 1 else ''}{s}" for s, c in reaction.products.items())
            lines.append(f"  {lhs or '0'} -> {rhs or '0'}   k={self.rates[r]:.6g}")
        return f"ReactionNetwork(species={self.species},\n" + "\n".join(lines) + ")"
