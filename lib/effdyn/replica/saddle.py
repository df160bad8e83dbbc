"""Replica-symmetric saddle points of field-space continual learning (Li, Huang, Zou, Huang 2023).

A binary perceptron student learns from a binary teacher through the magnetisations
``m_i in [-1, 1]`` of a factorised posterior; the replica computation of the paper treats the
``m_i`` as continuous variables with the uniform measure ``dm / 2`` and the Boltzmann weight
``prod_mu H(-y_mu sum_i m_i x_i / sqrt(N (1 - q*)))^beta`` (the Gaussian field approximation of
the preactivation). Its replica-symmetric order parameters are the overlap ``q`` of two
replicas, the overlap ``r`` with the teacher and the self-overlap ``q*``, with conjugates
``(q_hat, r_hat, q*_hat)``:

* energetic term ``G_E(q, r, q*) = 2 int Dz H(r z / sqrt(q - r^2))
  log int Dx H((sqrt(q* - q) x + sqrt(q) z) / sqrt(1 - q*))^beta``, conjugates
  ``q_hat = -2 alpha dG_E/dq``, ``r_hat = alpha dG_E/dr``, ``q*_hat = alpha dG_E/dq*``;
* entropic term ``G_S = int Dz log int dm/2 exp((q*_hat - q_hat/2) m^2
  + (sqrt(q_hat) z + r_hat) m)`` with ``q = int Dz <m>^2``, ``r = int Dz <m>``,
  ``q* = int Dz <m^2>``.

The second task (Franz-Parisi potential) keeps the first task's measure of ``m_1`` as a quenched
reference: the entropic weight gains ``gamma beta_2 f(m, m_1)`` with ``f = -KL`` of the two
Bernoulli laws, and the second teacher's bit ``B`` equals the first's with probability
``(1 + r0)/2``. The equations are those of the official code (``FirstTaskReplica.py``,
``SecondTaskReplica.py`` of Chan-Li/VCL), re-derived and written here with deterministic
quadrature (:mod:`effdyn.replica.quadrature`) and automatic differentiation of ``G_E`` in float64
instead of Monte Carlo estimates of the hand-written derivatives. The generalisation error is
``eps = arccos(R) / pi`` with ``R = int Dz <sign m>`` the overlap of the clipped student.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from effdyn.replica.quadrature import gauss_legendre, gaussian_quadrature
from effdyn.replica.special import gaussian_tail, log_gaussian_tail

_TINY = 1e-13
Rule = tuple[torch.Tensor, torch.Tensor]


def check_alpha(alpha: float, name: str = "alpha", *, allow_zero: bool = True) -> float:
    """Validate a load ``alpha = P / N`` (zero allowed for a saddle point: the prior)."""
    a = float(alpha)
    if not math.isfinite(a) or a < 0 or (a == 0 and not allow_zero):
        raise ValueError(
            f"{name} must be {'non-negative' if allow_zero else 'positive'}, got {alpha!r}"
        )
    return a


def check_nonnegative(value: float, name: str) -> float:
    """Validate an inverse temperature or KL strength (non-negative, finite)."""
    v = float(value)
    if not math.isfinite(v) or v < 0:
        raise ValueError(f"{name} must be non-negative, got {value!r}")
    return v


def check_damping(damping: float) -> float:
    """Validate a damping ``eta`` in ``(0, 1]`` (new = old + eta (update - old))."""
    d = float(damping)
    if not 0 < d <= 1:
        raise ValueError(f"damping must lie in (0, 1], got {damping!r}")
    return d


def check_overlap(r0: float, name: str = "r0") -> float:
    """Validate a teacher-teacher overlap in ``[-1, 1]``."""
    r = float(r0)
    if not -1 <= r <= 1:
        raise ValueError(f"{name} must lie in [-1, 1], got {r0!r}")
    return r


def energetic_term(
    q: torch.Tensor, r: torch.Tensor, q_star: torch.Tensor, beta: float, z_rule: Rule, x_rule: Rule
) -> torch.Tensor:
    """The energetic term ``G_E(q, r, q*)`` of the field-space perceptron (differentiable).

    Parameters
    ----------
    q, r, q_star : torch.Tensor
        0-d float64 order parameters, ``r^2 <= q <= q* < 1`` (clamped a hair inside).
    beta : float
        Inverse temperature of the data term.
    z_rule, x_rule : tuple of torch.Tensor
        Quadrature rules for the outer and inner standard normal averages.

    Returns
    -------
    torch.Tensor
        0-d tensor ``G_E``.
    """
    z, wz = z_rule
    x, wx = x_rule
    teacher_width = torch.sqrt(torch.clamp(q - r**2, min=_TINY))
    spread = torch.sqrt(torch.clamp(q_star - q, min=_TINY))
    width = torch.sqrt(torch.clamp(1.0 - q_star, min=_TINY))
    qs = torch.sqrt(torch.clamp(q, min=_TINY))
    g = (spread * x[None, :] + qs * z[:, None]) / width
    inner = torch.logsumexp(beta * log_gaussian_tail(g) + torch.log(wx)[None, :], dim=1)
    outer = 2.0 * gaussian_tail(z * r / teacher_width) * inner
    return (wz * outer).sum()


def energetic_conjugates(
    order: tuple[float, float, float], alpha: float, beta: float, z_rule: Rule, x_rule: Rule
) -> tuple[tuple[float, float, float], float]:
    """Conjugates ``(q_hat, r_hat, q*_hat)`` from the order parameters, and ``G_E`` itself."""
    device = z_rule[0].device
    q, r, qs = (
        torch.tensor(v, dtype=torch.float64, device=device, requires_grad=True) for v in order
    )
    ge = energetic_term(q, r, qs, beta, z_rule, x_rule)
    dq, dr, dqs = torch.autograd.grad(ge, (q, r, qs))
    hats = (-2.0 * alpha * dq.item(), alpha * dr.item(), alpha * dqs.item())
    return hats, ge.item()


def _softmax_moments(logits: torch.Tensor, m: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """``<m>``, ``<m^2>``, ``<sign m>`` and the log normaliser over the last axis."""
    log_norm = torch.logsumexp(logits, dim=-1)
    p = torch.exp(logits - log_norm[..., None])
    return (p * m).sum(-1), (p * m**2).sum(-1), (p * torch.sign(m)).sum(-1), log_norm


def first_task_entropic(
    hats: tuple[float, float, float], z_rule: Rule, m_rule: Rule
) -> dict[str, float | torch.Tensor]:
    """Entropic saddle of the first task: ``(q, r, q*)``, ``R`` and ``G_S`` from the conjugates.

    Also returns ``"log_density"``, the log of the quadrature-weighted law of the first-task
    magnetisation ``m`` on the nodes of ``m_rule`` (averaged over ``z``), the quenched reference
    of the second task.
    """
    q_hat, r_hat, qs_hat = hats
    z, wz = z_rule
    m, wm = m_rule
    field_ = math.sqrt(max(q_hat, 0.0)) * z[:, None] + r_hat
    logits = (qs_hat - 0.5 * q_hat) * m[None, :] ** 2 + field_ * m[None, :] + torch.log(wm)[None, :]
    mean, second, sign, log_norm = _softmax_moments(logits, m)
    p = torch.exp(logits - log_norm[:, None])
    return {
        "q": (wz * mean**2).sum().item(),
        "r": (wz * mean).sum().item(),
        "q_star": (wz * second).sum().item(),
        "R": (wz * sign).sum().item(),
        "G_S": (wz * log_norm).sum().item() - math.log(2.0),
        "log_density": torch.log((wz[:, None] * p).sum(0)),
    }


@dataclass(frozen=True)
class SaddleSolution:
    """A replica-symmetric saddle point: order parameters, conjugates, error and free entropy.

    ``free_entropy`` is ``-beta f = q_hat q / 2 - r_hat r - q*_hat q* + G_S + alpha G_E``
    (per weight; only the first task fills it). ``extra`` holds further overlaps (the second
    task's overlap ``R1`` with the first teacher, ``eps1``).
    """

    alpha: float
    q: float
    r: float
    q_star: float
    q_hat: float
    r_hat: float
    q_star_hat: float
    R: float
    eps: float
    free_entropy: float
    iterations: int
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def order(self) -> tuple[float, float, float]:
        """``(q, r, q*)``."""
        return (self.q, self.r, self.q_star)

    @property
    def hats(self) -> tuple[float, float, float]:
        """``(q_hat, r_hat, q*_hat)``."""
        return (self.q_hat, self.r_hat, self.q_star_hat)


def _generalisation_error(R: float) -> float:
    return math.acos(min(1.0, max(-1.0, R))) / math.pi


def _damped_iteration(
    alpha: float,
    start: tuple[float, float, float],
    conjugates: Callable[[tuple[float, float, float]], tuple[tuple[float, float, float], float]],
    entropic: Callable[[tuple[float, float, float]], dict],
    damping: float,
    tol: float,
    max_iter: int,
    start_hats: tuple[float, float, float] | None = None,
) -> tuple[tuple[float, ...], tuple[float, ...], dict, float, int]:
    """Damped fixed-point iteration of the code: hats, then order parameters, both damped."""
    order = tuple(start)
    hats = tuple(start_hats) if start_hats is not None else (0.0, 0.0, 0.0)
    residual = math.inf
    for it in range(1, max_iter + 1):
        new_hats, ge = conjugates(order)
        hats = tuple(h + damping * (n - h) for h, n in zip(hats, new_hats, strict=True))
        ent = entropic(hats)
        new_order = (ent["q"], ent["r"], ent["q_star"])
        updated = tuple(o + damping * (n - o) for o, n in zip(order, new_order, strict=True))
        residual = max(abs(a - b) for a, b in zip(updated, order, strict=True))
        order = updated
        if not all(math.isfinite(v) for v in order + hats):
            raise ValueError(f"fixed point diverged at alpha={alpha!r} (non-finite iterate)")
        if residual < tol:
            ent = entropic(hats)
            _, ge = conjugates(order)
            return order, hats, ent, ge, it
    raise ValueError(
        f"fixed point not converged at alpha={alpha!r} within max_iter={max_iter}: "
        f"last residual {residual:.3e}"
    )


class FirstTaskSaddle:
    """Replica-symmetric saddle point of the first task (Li, Huang, Zou, Huang 2023, Sec. III).

    Parameters
    ----------
    alpha : float
        Load ``P / N`` of the first task (zero gives the prior ``q = r = 0``, ``q* = 1/3``).
    beta : float
        Inverse temperature (the official ``FirstTaskReplica.py`` uses 20).
    damping : float
        Damping ``eta`` in ``(0, 1]`` of both half-steps (0.9 as in the code).
    tol : float
        Convergence threshold on the largest change of ``(q, r, q*)`` in one iteration.
    max_iter : int
        Iteration cap; not converging raises ``ValueError`` naming alpha and the last residual.
    n_gauss, n_inner : int
        Nodes of the outer and inner Gaussian rules of the energetic term.
    n_z, n_m : int
        Nodes of the Gaussian (Legendre on [-12, 12]) and magnetisation rules of the entropic
        term, whose conditional mean ``<m>`` is a steep function of ``z`` at large conjugates.
    rule : {"legendre", "hermite"}
        Gaussian rule (see :func:`effdyn.replica.quadrature.gaussian_quadrature`).
    device : torch.device or str, optional
        Where the quadrature runs (float64 throughout).
    """

    def __init__(
        self,
        alpha: float,
        beta: float = 20.0,
        *,
        damping: float = 0.9,
        tol: float = 1e-9,
        max_iter: int = 3000,
        n_gauss: int = 120,
        n_inner: int = 160,
        n_z: int = 800,
        n_m: int = 400,
        rule: str = "legendre",
        device: torch.device | str | None = None,
    ) -> None:
        self.alpha = check_alpha(alpha)
        self.beta = check_nonnegative(beta, "beta")
        self.damping = check_damping(damping)
        if int(max_iter) < 1:
            raise ValueError(f"max_iter must be a positive integer, got {max_iter!r}")
        self.tol, self.max_iter = float(tol), int(max_iter)
        self.z_rule = gaussian_quadrature(n_gauss, rule, device=device)
        self.x_rule = gaussian_quadrature(n_inner, rule, device=device)
        self.entropic_z_rule = gaussian_quadrature(n_z, "legendre", device=device)
        self.m_rule = gauss_legendre(n_m, device=device)

    def conjugates(
        self, order: tuple[float, float, float]
    ) -> tuple[tuple[float, float, float], float]:
        """``(q_hat, r_hat, q*_hat)`` and ``G_E`` at the order parameters."""
        return energetic_conjugates(order, self.alpha, self.beta, self.z_rule, self.x_rule)

    def entropic(self, hats: tuple[float, float, float]) -> dict:
        """Order parameters, ``R`` and ``G_S`` at the conjugates."""
        return first_task_entropic(hats, self.entropic_z_rule, self.m_rule)

    def solve(self, start: SaddleSolution | None = None) -> SaddleSolution:
        """Solve by damped iteration from ``start`` (default: near the prior)."""
        order0 = start.order if start is not None else (0.01, 0.05, 0.34)
        hats0 = start.hats if start is not None else None
        order, hats, ent, ge, its = _damped_iteration(
            self.alpha,
            order0,
            self.conjugates,
            self.entropic,
            self.damping,
            self.tol,
            self.max_iter,
            hats0,
        )
        q, r, qs = order
        qh, rh, qsh = hats
        phi = 0.5 * qh * q - rh * r - qsh * qs + ent["G_S"] + self.alpha * ge
        return SaddleSolution(
            self.alpha, q, r, qs, qh, rh, qsh, ent["R"], _generalisation_error(ent["R"]), phi, its
        )

    def reference_density(self, solution: SaddleSolution) -> tuple[torch.Tensor, torch.Tensor]:
        """Nodes and probabilities of the first-task magnetisation law at ``solution``."""
        ent = self.entropic(solution.hats)
        return self.m_rule[0], torch.exp(ent["log_density"])


def continuation(
    make: Callable[[float], FirstTaskSaddle | FranzParisiSaddle],
    alphas: list[float],
    start: SaddleSolution | None = None,
) -> list[SaddleSolution]:
    """Solve along ``alphas`` in the given order, each from the previous solution.

    Run it upwards and downwards to follow both branches where two solutions coexist.
    """
    out: list[SaddleSolution] = []
    for a in alphas:
        sol = make(a).solve(start)
        out.append(sol)
        start = sol
    return out


def bernoulli_kl(m: torch.Tensor, m_ref: torch.Tensor) -> torch.Tensor:
    """KL divergence between Bernoulli laws on ``{-1, 1}`` of magnetisations ``m`` and ``m_ref``."""
    p, p_ref = 0.5 * (1 + m), 0.5 * (1 + m_ref)
    return (
        torch.special.xlogy(p, p)
        - torch.special.xlogy(p, p_ref)
        + torch.special.xlogy(1 - p, 1 - p)
        - torch.special.xlogy(1 - p, 1 - p_ref)
    )


class FranzParisiSaddle:
    """Saddle point of the second task with the first task's posterior as prior (Franz-Parisi).

    Li, Huang, Zou and Huang (2023), Sec. IV: the first task is solved at ``alpha1`` (inverse
    temperature ``beta1``) and fixes the quenched law of the reference magnetisation ``m_1``;
    the second task adds ``alpha2`` patterns of a teacher with overlap ``r0`` to the first, at
    inverse temperature ``beta2``, and a KL term of strength ``gamma`` to the first posterior.
    ``eps`` and ``R`` refer to the second teacher; ``extra["eps1"]`` and ``extra["R1"]`` to the
    first (forgetting).

    Parameters
    ----------
    alpha1, alpha2 : float
        Loads of the two tasks (``alpha2 = 0``: the prior of the second task).
    beta2 : float
        Inverse temperature of the second task (20 in the code).
    r0 : float
        Overlap of the two teachers, in ``[-1, 1]``.
    gamma : float
        Strength of the KL term (the code's 1 and 0.1).
    beta1 : float
        Inverse temperature of the first task.
    first : SaddleSolution, optional
        A first-task solution to reuse (otherwise solved by continuation in ``alpha1``).
    damping, tol, max_iter : float, float, int
        As in :class:`FirstTaskSaddle`.
    n_gauss, n_inner, n_m, n_x, n_m1, n_m2 : int
        Nodes: energetic outer/inner Gaussian, first-task ``m`` (and ``z``), second-task
        Gaussian ``x``, reference ``m_1`` and second-task ``m``.
    """

    def __init__(
        self,
        alpha1: float,
        alpha2: float,
        beta2: float,
        r0: float,
        gamma: float,
        *,
        beta1: float = 20.0,
        first: SaddleSolution | None = None,
        damping: float = 0.9,
        tol: float = 1e-7,
        max_iter: int = 3000,
        n_gauss: int = 120,
        n_inner: int = 160,
        n_m: int = 400,
        n_x: int = 48,
        n_m1: int = 160,
        n_m2: int = 160,
        device: torch.device | str | None = None,
    ) -> None:
        self.alpha1 = check_alpha(alpha1, "alpha1")
        self.alpha = self.alpha2 = check_alpha(alpha2, "alpha2")
        self.beta2 = check_nonnegative(beta2, "beta2")
        self.r0 = check_overlap(r0)
        self.gamma = check_nonnegative(gamma, "gamma")
        self.damping = check_damping(damping)
        if int(max_iter) < 1:
            raise ValueError(f"max_iter must be a positive integer, got {max_iter!r}")
        self.tol, self.max_iter = float(tol), int(max_iter)
        self.first_solver = FirstTaskSaddle(
            alpha1,
            beta1,
            damping=damping,
            max_iter=max_iter,
            n_gauss=n_gauss,
            n_inner=n_inner,
            n_m=n_m,
            device=device,
        )
        if first is None:
            grid = [self.alpha1 * k / 8 for k in range(1, 9)]
            first = continuation(
                lambda a: FirstTaskSaddle(
                    a,
                    beta1,
                    damping=damping,
                    max_iter=max_iter,
                    n_gauss=n_gauss,
                    n_inner=n_inner,
                    n_m=n_m,
                    device=device,
                ),
                grid,
            )[-1]
        self.first = first
        self.z_rule = gaussian_quadrature(n_gauss, device=device)
        self.x_rule_energy = gaussian_quadrature(n_inner, device=device)
        self.x_rule = gaussian_quadrature(n_x, "hermite", device=device)
        self.m_rule = gauss_legendre(n_m2, device=device)
        # the first-task law of m_1, re-expressed on n_m1 Legendre nodes
        m1, w1 = gauss_legendre(n_m1, device=device)
        ent = first_task_entropic(first.hats, self.first_solver.entropic_z_rule, (m1, w1))
        self.m1 = m1
        self.m1_prob = torch.exp(ent["log_density"])
        self.m1_prob = self.m1_prob / self.m1_prob.sum()
        m = self.m_rule[0]
        self._coupling = -bernoulli_kl(m[None, :], m1[:, None])  # (n_m1, n_m2)
        self._bits = torch.tensor([1.0, -1.0], dtype=torch.float64, device=m1.device)
        self._bit_prob = torch.tensor(
            [(1 + self.r0) / 2, (1 - self.r0) / 2], dtype=torch.float64, device=m1.device
        )

    def conjugates(
        self, order: tuple[float, float, float]
    ) -> tuple[tuple[float, float, float], float]:
        """Second-task conjugates from ``(q2, r2, q2*)`` (same energetic term, ``beta2``)."""
        return energetic_conjugates(order, self.alpha2, self.beta2, self.z_rule, self.x_rule_energy)

    def entropic(self, hats: tuple[float, float, float]) -> dict:
        """Order parameters of the second task and the overlaps with both teachers."""
        q_hat, r_hat, qs_hat = hats
        x, wx = self.x_rule
        m, wm = self.m_rule
        kappa = self.gamma * self.beta2
        # axes: (m1, bit, x, m)
        logits = (
            (qs_hat - 0.5 * q_hat) * m**2
            + math.sqrt(max(q_hat, 0.0)) * x[:, None] * m
            + r_hat * self._bits[:, None, None] * m
        )[None] + (kappa * self._coupling + torch.log(wm))[:, None, None, :]
        mean, second, sign, _ = _softmax_moments(logits, m)
        weight = self.m1_prob[:, None, None] * self._bit_prob[None, :, None] * wx[None, None, :]
        bits = self._bits[None, :, None]
        return {
            "q": (weight * mean**2).sum().item(),
            "r": (weight * bits * mean).sum().item(),
            "q_star": (weight * second).sum().item(),
            "R": (weight * bits * sign).sum().item(),
            "R1": (weight * sign).sum().item(),
            "r1": (weight * mean).sum().item(),
        }

    def solve(self, start: SaddleSolution | None = None) -> SaddleSolution:
        """Solve by damped iteration from ``start`` (default: the second-task prior)."""
        if start is None:
            ent0 = self.entropic((0.0, 0.0, 0.0))
            order0 = (max(ent0["q"], 1e-4), ent0["r"], ent0["q_star"])
            hats0 = None
        else:
            order0, hats0 = start.order, start.hats
        order, hats, ent, _, its = _damped_iteration(
            self.alpha2,
            order0,
            self.conjugates,
            self.entropic,
            self.damping,
            self.tol,
            self.max_iter,
            hats0,
        )
        q, r, qs = order
        extra = {"R1": ent["R1"], "eps1": _generalisation_error(ent["R1"]), "r1": ent["r1"]}
        return SaddleSolution(
            self.alpha2,
            q,
            r,
            qs,
            *hats,
            ent["R"],
            _generalisation_error(ent["R"]),
            math.nan,
            its,
            extra,
        )


__all__ = [
    "FirstTaskSaddle",
    "FranzParisiSaddle",
    "SaddleSolution",
    "bernoulli_kl",
    "continuation",
    "energetic_conjugates",
    "energetic_term",
    "first_task_entropic",
]
