"""Tests of effdyn.highdim.fits: the least-squares line and its slope standard error."""

from __future__ import annotations

import numpy as np
import pytest

from effdyn.highdim import line_fit


def test_line_fit_recovers_an_exact_line_with_zero_error():
    x = np.log([100.0, 300.0, 1000.0, 3000.0])
    fit = line_fit(x, -0.5 * x + 2.0, np.zeros(4))
    assert fit.slope == pytest.approx(-0.5)
    assert fit.intercept == pytest.approx(2.0)
    assert fit.slope_stderr == 0.0


def test_line_fit_slope_error_matches_the_spread_over_noisy_replicates():
    rng = np.random.default_rng(0)
    x = np.array([0.0, 1.0, 2.0, 5.0])
    se = np.array([0.1, 0.3, 0.2, 0.4])  # unequal errors, as for Monte-Carlo means
    slopes = [line_fit(x, 1.5 * x + rng.normal(0.0, se), se).slope for _ in range(4000)]
    predicted = line_fit(x, x, se).slope_stderr
    assert np.mean(slopes) == pytest.approx(1.5, abs=3 * predicted / np.sqrt(4000))
    assert np.std(slopes) == pytest.approx(predicted, rel=0.05)


def test_line_fit_rejects_bad_input():
    with pytest.raises(ValueError, match="one length"):
        line_fit([0.0, 1.0], [0.0], [0.0, 0.0])
    with pytest.raises(ValueError, match="at least two"):
        line_fit([0.0], [0.0], [0.0])
    with pytest.raises(ValueError, match="not all be equal"):
        line_fit([1.0, 1.0], [0.0, 1.0], [0.1, 0.1])
    with pytest.raises(ValueError, match="non-negative"):
        line_fit([0.0, 1.0], [0.0, 1.0], [0.1, -0.1])
