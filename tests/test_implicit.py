"""effdyn.implicit: monotone parameterisation, splitting solvers, Anderson, implicit gradient."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.optimize
import torch

from effdyn.implicit import (
    ConvergenceWarning,
    DenseOperator,
    anderson,
    check_monotone,
    forward_backward,
    forward_backward_map,
    implicit_fixed_point,
    monotone_weight,
    peaceman_rachford,
    top_eigenvalue,
)

torch.set_num_threads(1)


def relu_prox(v: torch.Tensor, alpha: float) -> torch.Tensor:
    """The prox of the indicator of the non-negative orthant (any step): ReLU."""
    return torch.relu(v)


def _problem(n=30, m=0.2, seed=0, skew=True):
    g = torch.Generator().manual_seed(seed)
    a = torch.randn(n, n, generator=g, dtype=torch.float64) / n**0.5
    b = torch.randn(n, n, generator=g, dtype=torch.float64) / n**0.5 if skew else None
    w = monotone_weight(a, m, b)
    bias = torch.randn(n, generator=g, dtype=torch.float64)
    return w, bias, g


def test_monotone_weight_satisfies_constraint():
    for seed in range(5):
        w, _, _ = _problem(seed=seed, m=0.1)
        sym = 0.5 * (w + w.T)
        eig = torch.linalg.eigvalsh(torch.eye(w.shape[0], dtype=w.dtype) - sym)
        assert float(eig.min()) >= 0.1 - 1e-12
        assert check_monotone(w, 0.1) == pytest.approx(top_eigenvalue(w))


def test_check_monotone_names_the_eigenvalue():
    w = torch.diag(torch.tensor([0.95, 0.1], dtype=torch.float64))
    with pytest.raises(ValueError, match=r"top eigenvalue .*0\.95 > 1 - m = 0\.9"):
        check_monotone(w, 0.1)


@pytest.mark.parametrize("m", [0.0, -0.1, 1.5])
def test_bad_m_refused(m):
    with pytest.raises(ValueError, match="m must lie in"):
        monotone_weight(torch.zeros(2, 2), m)


@pytest.mark.parametrize("alpha", [0.0, 1.0, 1.2])
def test_bad_alpha_refused(alpha):
    w, bias, _ = _problem(n=4)
    with pytest.raises(ValueError, match="alpha must lie in"):
        forward_backward(DenseOperator(w), relu_prox, bias, torch.zeros(1, 4), alpha=alpha)


def test_solvers_agree_and_solve_the_equilibrium():
    w, bias, g = _problem()
    op = DenseOperator(w)
    z0 = torch.randn(4, w.shape[0], generator=g, dtype=torch.float64)
    fb = forward_backward(op, relu_prox, bias, z0, alpha=0.1, tol=1e-13, max_iter=5000)
    pr = peaceman_rachford(op, relu_prox, bias, z0, alpha=0.5, tol=1e-13, max_iter=5000)
    assert fb.converged and pr.converged
    # the monotone DEQ fixed point z = relu(W z + b), unique: all starts agree
    for z in (fb.z, pr.z):
        assert torch.allclose(z, torch.relu(z @ w.T + bias), atol=1e-10)
        assert float((z - z[0]).abs().max()) < 1e-10
    assert torch.allclose(fb.z, pr.z, atol=1e-10)


def test_anderson_agrees():
    """Fewer iterations than plain splitting, and the fixed point of scipy's Anderson."""
    w, bias, g = _problem(m=0.05)
    op = DenseOperator(w)
    step = forward_backward_map(op, relu_prox, bias, 0.1)
    z0 = torch.zeros(1, w.shape[0], dtype=torch.float64)
    fb = forward_backward(op, relu_prox, bias, z0, alpha=0.1, tol=1e-10, max_iter=10000)
    aa = anderson(step, z0, tol=1e-10, max_iter=10000)
    assert fb.converged and aa.converged
    assert aa.n_iter < fb.n_iter / 2

    def residual(x):
        t = torch.as_tensor(x, dtype=torch.float64)[None]
        return (step(t) - t)[0].numpy()

    ref = scipy.optimize.anderson(residual, np.zeros(w.shape[0]), f_tol=1e-12, M=5)
    assert np.abs(aa.z[0].numpy() - ref).max() < 1e-8


def test_max_iter_warns_with_residual():
    w, bias, _ = _problem()
    with pytest.warns(ConvergenceWarning, match=r"max_iter=3 with residual \d"):
        forward_backward(
            DenseOperator(w), relu_prox, bias, torch.zeros(1, 30, dtype=torch.float64), max_iter=3
        )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        forward_backward(
            DenseOperator(w),
            relu_prox,
            bias,
            torch.zeros(1, 30, dtype=torch.float64),
            max_iter=3,
            warn=False,
        )


def test_implicit_grad():
    """float64 gradcheck of the fixed point's gradient in W's factor and in the bias."""
    n = 6
    g = torch.Generator().manual_seed(3)
    a = (torch.randn(n, n, generator=g, dtype=torch.float64) / n**0.5).requires_grad_()
    bias = (torch.randn(n, generator=g, dtype=torch.float64) + 0.5).requires_grad_()
    x = torch.randn(2, n, generator=g, dtype=torch.float64)

    def softplus_prox(v, alpha):  # a smooth stand-in for a prox, keeps the map differentiable
        return torch.nn.functional.softplus(v) * 0.5

    def solve(a_, b_):
        op = DenseOperator(monotone_weight(a_, 0.3))
        step = forward_backward_map(op, softplus_prox, b_ + x, 0.5)
        z, res = implicit_fixed_point(
            step, torch.zeros(2, n, dtype=torch.float64), tol=1e-14, max_iter=500
        )
        assert res.converged
        return z

    assert torch.autograd.gradcheck(solve, (a, bias), eps=1e-6, atol=1e-6)
