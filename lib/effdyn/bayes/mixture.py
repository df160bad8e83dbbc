r"""The exact online Bayes mixture over a finite class of Boolean functions, and its regret.

For a prior ``w`` over the hypotheses of a :class:`~effdyn.bayes.BooleanClass`, the mixture
predicts ``q(y_t | x_t, past) = sum_f w(f | past) p_f(y_t | x_t)`` and its cumulative log-loss
is ``-log q(y^n | x^n)`` with ``q(y^n | x^n) = sum_f w(f) prod_t p_f(y_t | x_t)``. The regret
against a target ``f*`` is

.. math::

    R_n = \log \frac{p_{f^*}(y^n \mid x^n)}{q(y^n \mid x^n)} \le \log \frac{1}{w(f^*)}

for every sequence (the mixture keeps at least the target's share). In expectation it obeys
the index-of-resolvability bound of Barron and Cover (1991), the form in which Feder, Urbanke
and Fogel (2025), arXiv:2506.07661, state that the regret is governed by the weight of the truth:

.. math::

    \mathbb{E} R_n \le \min_{\varepsilon \ge 0}
    \Big\{ n \varepsilon + \log \frac{1}{\pi(B_\varepsilon)} \Big\},
    \qquad B_\varepsilon = \{ f : D(p_{f^*} \| p_f) \le \varepsilon \}.

With label noise and uniform inputs the per-symbol KL is a multiple of the Hamming distance, so
the minimum runs over the ``2^n_bits + 1`` distances and the bound is exact given the weights.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from effdyn.bayes._bib import BARRON1991_RESOLVABILITY, FEDER2025_UNIVERSALITY
from effdyn.bayes.boolean import BooleanClass
from effdyn.bayes.prior import InducedPrior

__all__ = ["MixtureLearner", "check_prior", "resolvability_bound"]

bibtex = FEDER2025_UNIVERSALITY + "\n\n" + BARRON1991_RESOLVABILITY

_SUM_TOL = 1e-9


def check_prior(prior: Any, hypotheses: BooleanClass) -> torch.Tensor:
    """Return ``prior`` as a float64 tensor on the class's device after checking it.

    Raises ``ValueError`` unless it is a vector of ``2^(2^n)`` finite, non-negative weights
    that sum to 1 (within ``1e-9``).
    """
    if isinstance(prior, InducedPrior):
        prior = prior.weights
    prior = torch.as_tensor(prior, dtype=torch.float64, device=hypotheses.device)
    if prior.shape != (hypotheses.n_functions,):
        raise ValueError(
            f"prior must have shape ({hypotheses.n_functions},), got {tuple(prior.shape)}"
        )
    if not bool(torch.isfinite(prior).all()) or bool((prior < 0).any()):
        raise ValueError(f"prior must be finite and non-negative, min {prior.min().item()!r}")
    total = float(prior.sum().item())
    if abs(total - 1.0) > _SUM_TOL:
        raise ValueError(f"prior must sum to 1, got sum {total!r}")
    return prior


def _check_target_weight(prior: torch.Tensor, target: int) -> float:
    w = float(prior[target].item())
    if w <= 0.0:
        raise ValueError(
            f"target {target} has prior weight 0: its regret is unbounded; use a floor > 0"
        )
    return w


def _lengths(at: Any, length: int, device: torch.device) -> torch.Tensor:
    if at is None:
        return torch.arange(1, length + 1, device=device)
    at = torch.as_tensor(at, dtype=torch.int64, device=device).reshape(-1)
    if at.numel() == 0 or bool((at < 1).any()) or bool((at > length).any()):
        raise ValueError(f"at must hold lengths in [1, {length}], got {at.tolist()!r}")
    return at


class MixtureLearner:
    """The exact Bayes mixture with prior ``prior`` over the functions of ``hypotheses``.

    Parameters
    ----------
    prior : Tensor of shape (2^(2^n),) or InducedPrior
        Non-negative weights summing to 1. With an :class:`InducedPrior`, the uniform floor is
        summed in closed form (a product over the inputs), so that only the sampled functions
        are enumerated: exact, and far cheaper when most functions are never sampled.
    hypotheses : BooleanClass
        The class and its label-noise likelihood.
    max_elements : int
        Sequences are processed in groups so that at most this many ``(sequence, hypothesis)``
        numbers are held at once.
    """

    bibtex = bibtex

    def __init__(self, prior: Any, hypotheses: BooleanClass, max_elements: int = 2**23) -> None:
        self.hypotheses = hypotheses
        self.prior = check_prior(prior, hypotheses)
        self.log_prior = torch.log(self.prior)  # -inf where the weight is 0
        self.max_elements = int(max_elements)
        # the prior as (sparse part) + floor * uniform: the uniform part of the mixture is a
        # product over the inputs, so only the sampled hypotheses need to be enumerated
        if isinstance(prior, InducedPrior):
            self.floor = prior.floor
            sparse = (1.0 - prior.floor) * prior.sampled.to(self.prior.device)
        else:
            self.floor = 0.0
            sparse = self.prior
        self.support = torch.nonzero(sparse > 0)[:, 0]
        self._log_sparse = torch.log(sparse[self.support])
        self._support_labels = hypotheses.labels(self.support).to(torch.float64)  # (T_s, 2^n)
        self._dense_labels: torch.Tensor | None = None

    @property
    def _labels(self) -> torch.Tensor:
        """Labels of every hypothesis, ``(2^(2^n), 2^n)`` float64 (built on first use)."""
        if self._dense_labels is None:
            h = self.hypotheses
            self._dense_labels = h.labels(h.tables()).to(torch.float64)
        return self._dense_labels

    def _check_data(self, x: Any, y: Any) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.hypotheses
        x = torch.as_tensor(x, dtype=torch.int64, device=h.device)
        y = torch.as_tensor(y, dtype=torch.int64, device=h.device)
        if x.ndim == 1:
            x, y = x[None], y[None]
        if x.ndim != 2 or x.shape != y.shape:
            raise ValueError(
                f"x and y must share a shape (n_sequences, n), got {x.shape}, {y.shape}"
            )
        if bool((x < 0).any()) or bool((x >= h.n_inputs).any()):
            raise ValueError(f"x must hold input indices in [0, {h.n_inputs})")
        if bool(((y != 0) & (y != 1)).any()):
            raise ValueError("y must hold labels 0 or 1")
        return x, y

    def _group_size(self, per_sequence: int) -> int:
        """How many sequences fit in ``max_elements`` with ``per_sequence`` numbers each."""
        return max(1, self.max_elements // (per_sequence * self.hypotheses.n_functions))

    # -- sequential predictions -----------------------------------------------------------
    def predictive(self, x: Any, y: Any) -> torch.Tensor:
        """``q(y_t = 1 | x_t, x^{t-1}, y^{t-1})`` for every step, computed online, shape (S, n).

        The posterior is updated by Bayes' rule after each label (cost ``n * 2^(2^n_bits)``
        per sequence): the learner as it would run online, against which the closed forms of
        :meth:`log_loss` are checked.
        """
        x, y = self._check_data(x, y)
        h = self.hypotheses
        log_keep, log_flip = math.log1p(-h.eta), math.log(h.eta)
        out = torch.empty(x.shape, dtype=torch.float64, device=h.device)
        size = self._group_size(1)
        for s0 in range(0, x.shape[0], size):
            xs, ys = x[s0 : s0 + size], y[s0 : s0 + size]
            log_post = self.log_prior.expand(xs.shape[0], -1).clone()
            for t in range(x.shape[1]):
                post = torch.softmax(log_post, dim=-1)
                f1 = self._labels[:, xs[:, t]].T  # (S, T): f(x_t)
                p1 = (post * (f1 * (1.0 - h.eta) + (1.0 - f1) * h.eta)).sum(-1)
                out[s0 : s0 + size, t] = p1
                agree = (f1 == ys[:, t : t + 1].to(torch.float64)).to(torch.float64)
                log_post = log_post + (agree * (log_keep - log_flip) + log_flip)
        return out

    def log_loss_online(self, x: Any, y: Any) -> torch.Tensor:
        """Cumulative log-loss ``-sum_{s <= t} log q(y_s | ...)`` of :meth:`predictive`, (S, n)."""
        x, y = self._check_data(x, y)
        p1 = self.predictive(x, y)
        p = torch.where(y == 1, p1, 1.0 - p1)
        return -torch.log(p).cumsum(-1)

    # -- closed forms through the counts --------------------------------------------------
    def _label_counts(
        self, x: torch.Tensor, y: torch.Tensor, at: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Counts ``n0_x, n1_x`` of labels 0 and 1 at each input after each length in ``at``.

        Each of shape ``(S, len(at), 2^n)``, float64.
        """
        one_hot = torch.nn.functional.one_hot(x, self.hypotheses.n_inputs).to(torch.float64)
        n1 = (one_hot * y[..., None]).cumsum(1)[:, at - 1]
        n0 = (one_hot * (1 - y[..., None])).cumsum(1)[:, at - 1]
        return n0, n1

    def _disagreements(
        self, x: torch.Tensor, y: torch.Tensor, at: torch.Tensor, labels: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Number of disagreements ``k_f`` of each hypothesis after each length in ``at``.

        Shape ``(S, len(at), T)``, float64: ``k_f = sum_x f(x) n0_x + (1 - f(x)) n1_x``, for
        the hypotheses whose ``labels`` are given (default: all).
        """
        labels = self._labels if labels is None else labels
        n0, n1 = self._label_counts(x, y, at)
        return n0 @ labels.T + n1 @ (1.0 - labels).T

    def log_loss(self, x: Any, y: Any, at: Any = None) -> torch.Tensor:
        """Cumulative log-loss ``-log q(y^n | x^n)`` at each length ``n`` in ``at`` (default all).

        Uses ``log q = n log(1 - eta) + logsumexp_f (log w(f) - k_f log((1 - eta) / eta))``,
        exact and independent of the order of the sequence. Shape ``(S, len(at))``.
        """
        x, y = self._check_data(x, y)
        at = _lengths(at, x.shape[1], x.device)
        h = self.hypotheses
        lam = math.log((1.0 - h.eta) / h.eta)
        out = torch.empty(x.shape[0], at.numel(), dtype=torch.float64, device=x.device)
        per_sequence = 3 * at.numel() * self.support.numel()
        size = max(1, self.max_elements // per_sequence)
        for s0 in range(0, x.shape[0], size):
            xs, ys = x[s0 : s0 + size], y[s0 : s0 + size]
            k = self._disagreements(xs, ys, at, self._support_labels)
            lse = torch.logsumexp(self._log_sparse - lam * k, dim=-1)
            if self.floor > 0:
                # floor * mean_f prod_t p_f / (1 - eta)^n = floor * prod_x (e^-l n0 + e^-l n1) / 2
                n0, n1 = self._label_counts(xs, ys, at)
                both = torch.logaddexp(-lam * n0, -lam * n1) - math.log(2.0)
                lse = torch.logaddexp(lse, math.log(self.floor) + both.sum(-1))
            out[s0 : s0 + size] = -(at.to(torch.float64) * math.log1p(-h.eta) + lse)
        return out

    def regret(self, x: Any, y: Any, target: Any, at: Any = None) -> torch.Tensor:
        """``log p_target(y^n | x^n) - log q(y^n | x^n)`` at each length in ``at``, (S, len(at)).

        Raises ``ValueError`` for a target outside the class or of prior weight 0.
        """
        h = self.hypotheses
        target = h.check_table(target)
        _check_target_weight(self.prior, target)
        x, y = self._check_data(x, y)
        at = _lengths(at, x.shape[1], x.device)
        wrong = (((target >> x) & 1) != y).to(torch.float64).cumsum(1)[:, at - 1]
        n = at.to(torch.float64)
        log_p_target = (n - wrong) * math.log1p(-h.eta) + wrong * math.log(h.eta)
        return log_p_target + self.log_loss(x, y, at)

    def log_posterior(self, x: Any, y: Any) -> torch.Tensor:
        """Normalised log posterior over all hypotheses after the whole sequence, (S, T)."""
        x, y = self._check_data(x, y)
        lam = math.log((1.0 - self.hypotheses.eta) / self.hypotheses.eta)
        at = torch.tensor([x.shape[1]], device=x.device)
        logits = self.log_prior - lam * self._disagreements(x, y, at)[:, 0]
        return torch.log_softmax(logits, dim=-1)


def resolvability_bound(
    n: Any, prior: Any, target: Any, hypotheses: BooleanClass
) -> tuple[torch.Tensor, torch.Tensor]:
    """The index of resolvability ``min_eps { n eps + log 1/pi(B_eps) }`` for each ``n``.

    Parameters
    ----------
    n : int or sequence of int
        Sample sizes.
    prior : Tensor or InducedPrior
        Weights of every hypothesis (checked as in :func:`check_prior`).
    target : int
        Truth table of the data-generating function.
    hypotheses : BooleanClass
        The class; its per-symbol KL is ``d_H / 2^n_bits * kl_unit``.

    Returns
    -------
    bound : Tensor, float64, shape like ``n``
        The minimum over the KL radii ``eps = d kl_unit / 2^n_bits``, ``d = 0, ..., 2^n_bits``.
    radius : Tensor, int64
        The Hamming radius ``d`` at which it is attained.

    Notes
    -----
    Barron and Cover (1991); the form of the bound of Feder, Urbanke and Fogel (2025),
    arXiv:2506.07661, as used in the chapter *universality-lens* (the constants of the paper's
    own theorem were not checked).
    """
    target = hypotheses.check_table(target)
    prior = check_prior(prior, hypotheses)
    _check_target_weight(prior, target)
    d = hypotheses.hamming(hypotheses.tables(), target)
    radii = torch.arange(hypotheses.n_inputs + 1, device=prior.device)
    mass = torch.zeros(radii.numel(), dtype=torch.float64, device=prior.device)
    mass.index_add_(0, d, prior)
    ball = mass.cumsum(0).clamp(max=1.0)  # pi(d_H <= r)
    eps = radii.to(torch.float64) / hypotheses.n_inputs * hypotheses.kl_unit()
    n_t = torch.as_tensor(n, dtype=torch.float64, device=prior.device)
    if bool((n_t < 0).any()):
        raise ValueError(f"n must be non-negative, got {n!r}")
    values = n_t[..., None] * eps - torch.log(ball)  # (..., radii)
    bound, radius = values.min(dim=-1)
    return bound, radius
