"""Moment equations of the chemical master equation and their closures.

For mass-action propensities ``a_r(x)`` (polynomials) and centred variables ``y = x - mu``,

.. math::

    \\frac{d\\mu_i}{dt} = \\sum_r S_{ri}\\, E[a_r(\\mu + y)], \\qquad
    \\frac{dC_\\alpha}{dt} = \\sum_r E\\big[a_r(\\mu + y)\\,((y + S_r)^\\alpha - y^\\alpha)\\big]
        - \\sum_i \\alpha_i C_{\\alpha - e_i} \\frac{d\\mu_i}{dt},

where ``C_alpha = E[y^alpha]`` are the central moments. Expanding the polynomials gives exact
equations; a reaction of molecularity ``q`` couples moments of order ``n`` to order
``n + q - 1``. Moment-closure approximations (MA) of order ``m`` keep the means and the central
moments of orders ``2..m`` and express the higher ones through them:

``normal``
    all cumulants of order ``> m`` vanish (Whittle 1957; Goodman 1953);
``poisson``
    cumulants of order ``> m`` of a single species equal its mean, mixed ones vanish;
``lognormal``
    (``m = 2`` only) moments of the multivariate log-normal law with the same means and
    covariances;
``zero`` (central-moment neglect, CMN)
    all central moments of order ``> m`` vanish.

The equations are derived symbolically once per (network structure, order, closure), with the
rate constants as symbols, and compiled to NumPy functions.

References
----------
D. Schnoerr, G. Sanguinetti and R. Grima, "Validity conditions for moment closure approximations
in stochastic chemical kinetics", J. Chem. Phys. 141, 084103 (2014); "Comparison of different
moment-closure approximations for stochastic chemical kinetics", J. Chem. Phys. 143, 185101
(2015).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import sympy
from scipy.integrate import solve_ivp
from scipy.optimize import root

from effdyn.kinetics.network import ReactionNetwork

__all__ = ["CLOSURES", "MomentEquations", "MomentSolution", "multi_indices"]

CLOSURES = ("normal", "poisson", "lognormal", "zero", "exact")

bibtex = """@article{schnoerr2014validity,
  author  = {Schnoerr, David and Sanguinetti, Guido and Grima, Ramon},
  title   = {Validity conditions for moment closure approximations in stochastic chemical
             kinetics},
  journal = {The Journal of Chemical Physics},
  volume  = {141},
  number  = {8},
  pages   = {084103},
  year    = {2014},
  doi     = {10.1063/1.4892838}
}
@article{schnoerr2015comparison,
  author  = {Schnoerr, David and Sanguinetti, Guido and Grima, Ramon},
  title   = {Comparison of different moment-closure approximations for stochastic chemical
             kinetics},
  journal = {The Journal of Chemical Physics},
  volume  = {143},
  number  = {18},
  pages   = {185101},
  year    = {2015},
  doi     = {10.1063/1.4934990}
}"""


def multi_indices(n_species: int, order: int) -> list[tuple[int, ...]]:
    """All multi-indices ``alpha`` with ``|alpha| == order``, lexicographically descending."""
    out = [a for a in itertools.product(range(order + 1), repeat=n_species) if sum(a) == order]
    return sorted(out, reverse=True)


def _positions(alpha: tuple[int, ...]) -> list[int]:
    """The species index of each factor of ``y^alpha``, e.g. ``(2, 1) -> [0, 0, 1]``."""
    return [i for i, a in enumerate(alpha) for _ in range(a)]


def _alpha_of(species: Sequence[int], n_species: int) -> tuple[int, ...]:
    alpha = [0] * n_species
    for s in species:
        alpha[s] += 1
    return tuple(alpha)


def _set_partitions(items: list[int]):
    """All set partitions of ``items`` (list of distinct labels)."""
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for part in _set_partitions(rest):
        for i in range(len(part)):
            yield part[:i] + [[first] + part[i]] + part[i + 1 :]
        yield [[first]] + part


class _ClosureAlgebra:
    """Central moments of all orders as sympy expressions in the kept moments."""

    def __init__(self, n_species: int, order: int, closure: str) -> None:
        self.n_species, self.order, self.closure = n_species, order, closure
        self.mu = sympy.symbols(f"mu0:{n_species}", real=True)
        self.kept: dict[tuple[int, ...], sympy.Symbol] = {}
        for n in range(2, order + 1):
            for alpha in multi_indices(n_species, n):
                name = "C_" + "_".join(str(a) for a in alpha)
                self.kept[alpha] = sympy.Symbol(name, real=True)
        self._central: dict[tuple[int, ...], sympy.Expr] = {}
        self._cumulant: dict[tuple[int, ...], sympy.Expr] = {}

    def central(self, alpha: tuple[int, ...]) -> sympy.Expr:
        """``E[(x - mu)^alpha]`` in terms of the kept moments (closed above the order)."""
        if alpha in self._central:
            return self._central[alpha]
        n = sum(alpha)
        if n == 0:
            value = sympy.Integer(1)
        elif n == 1:
            value = sympy.Integer(0)
        elif n <= self.order:
            value = self.kept[alpha]
        elif self.closure == "zero":
            value = sympy.Integer(0)
        elif self.closure in ("normal", "poisson"):
            value = self._from_cumulants(alpha)
        elif self.closure == "lognormal":
            value = self._lognormal_central(alpha)
        else:  # pragma: no cover - checked by the caller
            raise ValueError(f"no closure rule for {self.closure!r}")
        self._central[alpha] = value
        return value

    def cumulant(self, alpha: tuple[int, ...]) -> sympy.Expr:
        """Joint cumulant of the centred variables for multi-index ``alpha``."""
        if alpha in self._cumulant:
            return self._cumulant[alpha]
        n = sum(alpha)
        if n <= 1:
            value = sympy.Integer(0)
        elif n > self.order:
            if self.closure == "poisson" and max(alpha) == n:
                value = self.mu[alpha.index(n)]
            else:
                value = sympy.Integer(0)
        else:
            # kappa_alpha = E[y^alpha] - sum over partitions with >= 2 blocks of prod kappa
            pos = _positions(alpha)
            total = self.central(alpha)
            for part in _set_partitions(list(range(n))):
                if len(part) < 2 or any(len(b) < 2 for b in part):
                    continue
                term = sympy.Integer(1)
                for block in part:
                    term *= self.cumulant(_alpha_of([pos[i] for i in block], self.n_species))
                total -= term
            value = sympy.expand(total)
        self._cumulant[alpha] = value
        return value

    def _from_cumulants(self, alpha: tuple[int, ...]) -> sympy.Expr:
        pos = _positions(alpha)
        total = sympy.Integer(0)
        for part in _set_partitions(list(range(len(pos)))):
            if any(len(b) < 2 for b in part):
                continue
            term = sympy.Integer(1)
            for block in part:
                kappa = self.cumulant(_alpha_of([pos[i] for i in block], self.n_species))
                if kappa == 0:
                    term = sympy.Integer(0)
                    break
                term *= kappa
            total += term
        return sympy.expand(total)

    def _lognormal_raw(self, k: tuple[int, ...]) -> sympy.Expr:
        mu, c = self.mu, self.kept
        value = sympy.Integer(1)
        for i in range(self.n_species):
            if k[i] == 0:
                continue
            e_ii = tuple(2 if s == i else 0 for s in range(self.n_species))
            value *= mu[i] ** k[i] * (1 + c[e_ii] / mu[i] ** 2) ** sympy.Rational(
                k[i] * (k[i] - 1), 2
            )
        for i, j in itertools.combinations(range(self.n_species), 2):
            if k[i] and k[j]:
                e_ij = tuple(1 if s in (i, j) else 0 for s in range(self.n_species))
                value *= (1 + c[e_ij] / (mu[i] * mu[j])) ** (k[i] * k[j])
        return value

    def _lognormal_central(self, alpha: tuple[int, ...]) -> sympy.Expr:
        # E[prod (x_i - mu_i)^a_i] = sum_k prod binom(a_i, k_i) (-mu_i)^(a_i - k_i) E[x^k]
        total = sympy.Integer(0)
        for k in itertools.product(*[range(a + 1) for a in alpha]):
            coeff = sympy.Integer(1)
            for a_i, k_i, m_i in zip(alpha, k, self.mu, strict=True):
                coeff *= sympy.binomial(a_i, k_i) * (-m_i) ** (a_i - k_i)
            total += coeff * self._lognormal_raw(tuple(k))
        return total


class _TooManyEvaluations(Exception):
    """Raised inside the ODE right-hand side to abort a hopeless integration."""


@dataclass
class MomentSolution:
    """Solution of moment equations on a time grid.

    Attributes
    ----------
    t : numpy.ndarray
        Times, shape ``(T,)`` (shorter than requested if the solver stopped early).
    mean : numpy.ndarray
        Means, shape ``(T, S)``.
    cov : numpy.ndarray
        Covariances, shape ``(T, S, S)``.
    state : numpy.ndarray
        The full state (means then central moments), shape ``(T, D)``.
    success : bool
        Whether the integration reached the final time with finite values.
    message : str
        The solver's message.
    """

    t: np.ndarray
    mean: np.ndarray
    cov: np.ndarray
    state: np.ndarray
    success: bool
    message: str = ""

    @property
    def var(self) -> np.ndarray:
        """Variances, shape ``(T, S)``."""
        return np.diagonal(self.cov, axis1=-2, axis2=-1)


@dataclass
class MomentEquations:
    """Moment equations of a network up to ``order``, closed with ``closure``.

    Parameters
    ----------
    network : ReactionNetwork
        Network with mass-action propensities (its structure fixes the equations; the rate
        constants enter as parameters, so one derivation serves a sweep over rates).
    order : int
        Highest order ``m >= 1`` of the central moments kept (``1`` gives the rate equations
        with the means only, i.e. the mean-field closure).
    closure : {"normal", "poisson", "lognormal", "zero", "exact"}
        Closure rule (see the module docstring). ``"exact"`` requires that no moment above
        ``order`` appears, which holds for networks of first-order reactions.

    Attributes
    ----------
    names : list of str
        Names of the state variables: ``mu0..``, then ``C_<alpha>``.
    indices : list of tuple
        Multi-index of each state variable (``e_i`` for the means).
    rhs_expressions : list of sympy.Expr
        The closed right-hand sides.

    References
    ----------
    Schnoerr, Sanguinetti & Grima (2014, 2015); see the module attribute ``bibtex``.
    """

    network: ReactionNetwork
    order: int
    closure: str = "normal"
    names: list[str] = field(init=False)
    indices: list[tuple[int, ...]] = field(init=False)
    rhs_expressions: list[sympy.Expr] = field(init=False, repr=False)
    bibtex: str = field(init=False, repr=False, default=bibtex)

    def __post_init__(self) -> None:
        if not isinstance(self.order, int | np.integer) or self.order < 1:
            raise ValueError(f"order must be an integer >= 1, got {self.order!r}")
        if self.closure not in CLOSURES:
            raise ValueError(f"closure must be one of {CLOSURES}, got {self.closure!r}")
        if self.closure == "lognormal" and self.order != 2:
            raise ValueError("closure='lognormal' is defined here for order=2 only")
        if self.closure == "exact" and not self.network.is_linear:
            raise ValueError(
                "closure='exact' needs a network of reactions with at most one reactant; "
                "use a closure such as 'normal'"
            )
        key = (
            self.network.nu_in.tobytes(),
            self.network.nu_out.tobytes(),
            self.network.nu_in.shape,
            int(self.order),
            self.closure,
        )
        self.names, self.indices, self.rhs_expressions, self._rhs, self._jac = _derive(key)

    @property
    def dimension(self) -> int:
        """Number of ODEs."""
        return len(self.names)

    def initial_state(self, x0: Sequence[float], cov0: np.ndarray | None = None) -> np.ndarray:
        """State for a deterministic initial condition ``x0`` (or with covariance ``cov0``)."""
        x0 = np.asarray(x0, dtype=float)
        if x0.shape != (self.network.n_species,):
            raise ValueError(f"x0 must have shape ({self.network.n_species},), got {x0.shape}")
        state = np.zeros(self.dimension)
        state[: self.network.n_species] = x0
        if cov0 is not None:
            for d, alpha in enumerate(self.indices):
                if sum(alpha) == 2:
                    i, j = _positions(alpha)
                    state[d] = cov0[i, j]
        return state

    def rhs(self, state: np.ndarray, rates: np.ndarray | None = None) -> np.ndarray:
        """Time derivative of the state for the given rate constants."""
        k = self.network.rates if rates is None else np.asarray(rates, dtype=float)
        return np.asarray(self._rhs(state, k), dtype=float).ravel()

    def jacobian(self, state: np.ndarray, rates: np.ndarray | None = None) -> np.ndarray:
        """Jacobian of :meth:`rhs` with respect to the state."""
        k = self.network.rates if rates is None else np.asarray(rates, dtype=float)
        return np.asarray(self._jac(state, k), dtype=float).reshape(self.dimension, -1)

    def _split(self, states: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n_s = self.network.n_species
        mean = states[:, :n_s]
        cov = np.zeros((states.shape[0], n_s, n_s))
        for d, alpha in enumerate(self.indices):
            if sum(alpha) == 2:
                i, j = _positions(alpha)
                cov[:, i, j] = cov[:, j, i] = states[:, d]
        return mean, cov

    def solve(
        self,
        x0: Sequence[float] | np.ndarray,
        t_eval: np.ndarray,
        rates: np.ndarray | None = None,
        *,
        method: str = "LSODA",
        rtol: float = 1e-8,
        atol: float = 1e-8,
        blow_up: float = 1e12,
        max_evaluations: int = 20_000,
    ) -> MomentSolution:
        """Integrate from a deterministic initial condition ``x0`` (or a full initial state).

        Parameters
        ----------
        x0 : array_like
            Molecule numbers ``(S,)`` (zero initial covariance) or a full state ``(D,)``.
        t_eval : array_like
            Output times, increasing from the initial time.
        rates : array_like, optional
            Rate constants (default: the network's).
        method, rtol, atol
            Passed to :func:`scipy.integrate.solve_ivp`.
        blow_up : float
            The integration stops (``success=False``) once any moment exceeds this magnitude.
        max_evaluations : int
            The integration gives up (``success=False``) after this many right-hand-side
            evaluations: a closed system driven to ever smaller steps is itself a failure.
        """
        x0 = np.asarray(x0, dtype=float)
        state0 = self.initial_state(x0) if x0.size == self.network.n_species else x0
        if state0.shape != (self.dimension,):
            raise ValueError(f"x0 must have shape (S,) or ({self.dimension},), got {x0.shape}")
        t_eval = np.asarray(t_eval, dtype=float)
        k = self.network.rates if rates is None else np.asarray(rates, dtype=float)

        def escape(t: float, y: np.ndarray) -> float:
            return blow_up - float(np.max(np.abs(y)))

        escape.terminal = True  # type: ignore[attr-defined]
        calls = [0]

        def rhs(t: float, y: np.ndarray) -> np.ndarray:
            calls[0] += 1
            if calls[0] > max_evaluations:
                raise _TooManyEvaluations
            return self.rhs(y, k)

        try:
            with np.errstate(all="ignore"):
                sol = solve_ivp(
                    rhs,
                    (t_eval[0], t_eval[-1]),
                    state0,
                    method=method,
                    t_eval=t_eval,
                    jac=lambda t, y: self.jacobian(y, k),
                    rtol=rtol,
                    atol=atol,
                    events=escape,
                )
        except _TooManyEvaluations:
            mean, cov = self._split(state0[None, :])
            message = f"gave up after {max_evaluations} right-hand-side evaluations"
            return MomentSolution(t_eval[:1], mean, cov, state0[None, :], False, message)
        states = sol.y.T
        finite = bool(np.all(np.isfinite(states)))
        success = bool(sol.success) and sol.status == 0 and finite and len(sol.t) == len(t_eval)
        mean, cov = self._split(states)
        return MomentSolution(sol.t, mean, cov, states, success, str(sol.message))

    def steady_state(
        self,
        x0: Sequence[float] | np.ndarray,
        rates: np.ndarray | None = None,
        *,
        t_relax: float = 100.0,
        tol: float = 1e-8,
    ) -> tuple[np.ndarray, bool]:
        """Relax from ``x0`` for ``t_relax`` then polish a fixed point with Newton's method.

        Returns
        -------
        state : numpy.ndarray
            The fixed point found (or the relaxed state if polishing failed).
        converged : bool
            Whether the relaxation succeeded and the residual ``|rhs|`` fell below ``tol``
            relative to the state's magnitude.
        """
        sol = self.solve(x0, np.array([0.0, t_relax]), rates)
        start = sol.state[-1]
        if not sol.success:
            return start, False
        k = self.network.rates if rates is None else np.asarray(rates, dtype=float)
        with np.errstate(all="ignore"):
            res = root(lambda y: self.rhs(y, k), start, jac=lambda y: self.jacobian(y, k))
        scale = 1.0 + np.abs(res.x)
        ok = bool(res.success) and bool(np.all(np.abs(self.rhs(res.x, k)) <= tol * scale))
        # Newton must not jump to a far-away root: stay near where the flow relaxed to.
        ok = ok and bool(np.all(np.abs(res.x - start) <= 1e-3 * scale + 1e-6 * np.abs(start)))
        return (res.x if ok else start), ok

    def mean_and_cov(self, state: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Means ``(S,)`` and covariance ``(S, S)`` of one state vector."""
        mean, cov = self._split(np.atleast_2d(state))
        return mean[0], cov[0]


@cache
def _derive(key: tuple) -> tuple:
    nu_in_bytes, nu_out_bytes, shape, order, closure = key
    nu_in = np.frombuffer(nu_in_bytes, dtype=np.int64).reshape(shape)
    nu_out = np.frombuffer(nu_out_bytes, dtype=np.int64).reshape(shape)
    n_r, n_s = shape
    change = nu_out - nu_in
    algebra = _ClosureAlgebra(n_s, order, "normal" if closure == "exact" else closure)
    mu = algebra.mu
    ks = sympy.symbols(f"k0:{n_r}", real=True)
    ys = sympy.symbols(f"y0:{n_s}", real=True)
    # propensities as polynomials in the centred variables y = x - mu
    props = []
    for r in range(n_r):
        a = ks[r]
        for s in range(n_s):
            for j in range(int(nu_in[r, s])):
                a *= mu[s] + ys[s] - j
        props.append(sympy.Poly(sympy.expand(a), *ys))

    def expectation(poly: sympy.Poly) -> sympy.Expr:
        total = sympy.Integer(0)
        for monom, coeff in poly.terms():
            n = sum(monom)
            if n > order and closure == "exact":
                raise ValueError("moment equations do not close at this order")
            c = algebra.central(tuple(monom))
            if c != 0:
                total += coeff * c
        return total

    mean_rhs = []
    for i in range(n_s):
        mean_rhs.append(sum(change[r, i] * expectation(props[r]) for r in range(n_r)))
    names = [str(m) for m in mu]
    indices = [tuple(1 if s == i else 0 for s in range(n_s)) for i in range(n_s)]
    rhs = list(mean_rhs)
    for alpha, symbol in algebra.kept.items():
        y_alpha = sympy.Integer(1)
        shifted = [sympy.Integer(1)] * n_r
        for s in range(n_s):
            y_alpha *= ys[s] ** alpha[s]
            for r in range(n_r):
                shifted[r] *= (ys[s] + int(change[r, s])) ** alpha[s]
        total = sympy.Integer(0)
        for r in range(n_r):
            if not any(change[r]):
                continue
            jump = sympy.Poly(sympy.expand(shifted[r] - y_alpha), *ys)
            total += expectation(props[r] * jump)
        for i in range(n_s):
            if alpha[i]:
                lower = tuple(a - (1 if s == i else 0) for s, a in enumerate(alpha))
                total -= alpha[i] * algebra.central(lower) * mean_rhs[i]
        rhs.append(total)
        names.append(str(symbol))
        indices.append(alpha)
    variables = list(mu) + list(algebra.kept.values())
    state = sympy.MatrixSymbol("state", len(variables), 1)
    rates = sympy.MatrixSymbol("rates", n_r, 1)
    subs = {v: state[d, 0] for d, v in enumerate(variables)}
    subs.update({k: rates[r, 0] for r, k in enumerate(ks)})
    matrix = sympy.Matrix(rhs)
    jac = matrix.jacobian(variables)
    f_rhs = sympy.lambdify((state, rates), matrix.xreplace(subs), modules="numpy", cse=True)
    f_jac = sympy.lambdify((state, rates), jac.xreplace(subs), modules="numpy", cse=True)

    def rhs_fn(y: np.ndarray, k: np.ndarray) -> np.ndarray:
        return f_rhs(np.asarray(y, dtype=float)[:, None], np.asarray(k, dtype=float)[:, None])

    def jac_fn(y: np.ndarray, k: np.ndarray) -> np.ndarray:
        return f_jac(np.asarray(y, dtype=float)[:, None], np.asarray(k, dtype=float)[:, None])

    return names, indices, rhs, rhs_fn, jac_fn
