"""Baselines for completion: naive mean-field completion with a trained binary RBM."""

from __future__ import annotations

import numpy as np

__all__ = ["rbm_mean_field_completion"]


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def rbm_mean_field_completion(
    components: np.ndarray,
    hidden_bias: np.ndarray,
    visible_bias: np.ndarray,
    visible: np.ndarray,
    observed: np.ndarray,
    *,
    n_iter: int = 50,
) -> np.ndarray:
    """Naive (undamped, alternating) mean-field completion of binary images with an RBM.

    ``h = sigmoid(v W^T + c)``, then ``v_hidden = sigmoid(h W + b)`` with the observed pixels kept,
    repeated ``n_iter`` times from ``v_hidden = 0.5`` (the weights of e.g. scikit-learn's
    ``BernoulliRBM``: ``components_`` (n_hidden, n_visible), ``intercept_hidden_``,
    ``intercept_visible_``). Returns the probabilities ``P(v = 1)`` (observed pixels: their
    values). No convergence is assumed: this is the naive scheme the paper argues against.
    """
    w = np.asarray(components, dtype=float)
    v_obs = np.asarray(visible, dtype=float)
    seen = np.asarray(observed, dtype=bool)
    if v_obs.shape != seen.shape or v_obs.shape[-1] != w.shape[1]:
        raise ValueError(
            f"visible {v_obs.shape} and observed mask {seen.shape} must have the same shape, with "
            f"{w.shape[1]} columns"
        )
    v = np.where(seen, v_obs, 0.5)
    for _ in range(int(n_iter)):
        h = _sigmoid(v @ w.T + hidden_bias)
        v = np.where(seen, v_obs, _sigmoid(h @ w + visible_bias))
    return v
