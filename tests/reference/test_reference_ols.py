"""The reference app's least squares gives scikit-learn's numbers, without importing it.

The lecture fits with ``LinearRegression()``; ``reference_app.ols.least_squares`` follows its
algorithm step by step (centre, LAPACK ``gelsd`` with its ``tol``, intercept from the means).
Compared here on the data a student's server may meet: well-posed fits, one row, a constant
column, collinear columns (the minimum-norm answer), integers, tiny and huge scales.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LinearRegression

from reference_app.ols import fit_ols, least_squares

SCALES = st.sampled_from([1e-3, 1.0, 1e3, 1e6])


@st.composite
def data(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    n = draw(st.integers(1, 25))
    p = draw(st.integers(1, 5))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) * draw(SCALES)
    shape = draw(st.sampled_from(["plain", "collinear", "constant", "integers"]))
    if shape == "collinear" and p > 1:
        X[:, 1] = 2 * X[:, 0]
    elif shape == "constant":
        X[:, 0] = 3.0
    elif shape == "integers":
        X = np.round(X)
    y = rng.normal(size=n) * draw(SCALES)
    return X, y


@settings(max_examples=300, deadline=None)
@given(data())
def test_same_numbers_as_linear_regression(case: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = case
    lm = LinearRegression().fit(X, y)
    intercept, coef = least_squares(X, y)
    scale = max(1.0, abs(lm.intercept_), *np.abs(lm.coef_))
    assert abs(intercept - lm.intercept_) <= 1e-12 * scale, (intercept, lm.intercept_)
    np.testing.assert_allclose(coef, lm.coef_, rtol=0, atol=1e-12 * scale)


def test_the_lecture_s_seeded_fit_is_scikit_learn_s_to_the_last_bit() -> None:
    rng = np.random.default_rng(seed=1234)
    X = rng.normal(size=(100, 5))
    y = (X @ np.array([5, 0, 0, 3, -2])) + rng.normal(scale=0.5, size=100)
    lm = LinearRegression().fit(X, y)
    fit = fit_ols(X.tolist(), y.tolist())
    assert fit.intercept == lm.intercept_
    assert fit.coef.tolist() == lm.coef_.tolist()


@pytest.mark.parametrize(
    ("X", "y"),
    [([[1e308], [1.7e308], [1e308]], [1.0, 2.0, 3.0]), ([[1.0], [2.0]], [1.7e308, -1.7e308])],
    ids=["mean-of-x-overflows", "mean-of-y-overflows"],
)
def test_numbers_too_large_to_centre_give_no_finite_fit(
    X: list[list[float]], y: list[float]
) -> None:
    with np.errstate(all="ignore"):
        intercept, coef = least_squares(np.array(X), np.array(y))
    assert not np.isfinite(intercept)
    assert not np.isfinite(coef).any()
